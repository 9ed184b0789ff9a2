"""The exact beta-binomial likelihood for single years: each area's status sampled.

For area i in municipality k(i) and count indicator j,

    y_ij ~ BetaBinomial(n_ij, mu_ij phi_j, (1 - mu_ij) phi_j),
    mu_ij = expit(alpha_j + lambda_j eta_i),   phi_j = 1 / rho_j - 1,

where rho_j in (0, 1) is the indicator's intra-class correlation (the counts vary by
``n mu (1 - mu) (1 + (n - 1) rho_j)``); a continuous indicator is Gaussian,
z_ij ~ N(alpha_j + lambda_j eta_i, s_j). The beta-binomial has no Gaussian layer to
integrate eta out with, so NUTS samples eta (one value per area); the municipality
effects stay integrated out: eta_i = m_k + u_i with m_k ~ N(0, rho) and u_i ~ N(0, 1 - rho)
makes the eta of one municipality exchangeable normal, N(0, (1 - rho) I + rho J), whose
density is closed form (:func:`exchangeable_logp`). Each area's true rate given its count
is conjugate: p_ij | y, mu, phi ~ Beta(mu phi + y, (1 - mu) phi + n - y)
(:func:`draw_chain`).

Examples
--------
>>> import numpy as np
>>> from scipy.stats import multivariate_normal
>>> eta, muni = np.array([0.3, -1.0, 0.5]), np.array([0, 0, 1])
>>> cov = np.array([[1, .4, 0], [.4, 1, 0], [0, 0, 1]])
>>> bool(np.isclose(exchangeable_logp(eta, 0.4, muni, 2, xp=np),
...                 multivariate_normal(np.zeros(3), cov).logpdf(eta)))
True
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from scipy.special import expit

from sesindex.bayes.data import ModelInputs
from sesindex.bayes.linalg import segment_sum
from sesindex.bayes.priors import PRIOR

def exchangeable_logp(eta, rho, muni, n_muni: int, xp=pt):
    """log N(eta; 0, (1 - rho) I + rho J) within each municipality, summed.

    With n_k areas, sum S_k and sum of squares Q_k in municipality k, the covariance has
    determinant (1 - rho)^(n_k - 1) (1 - rho + n_k rho) and the quadratic form is
    (Q_k - rho S_k^2 / (1 - rho + n_k rho)) / (1 - rho).
    """
    ones = eta * 0.0 + 1.0
    n_k = segment_sum(ones, muni, n_muni, xp)
    s_k, q_k = segment_sum(eta, muni, n_muni, xp), segment_sum(eta**2, muni, n_muni, xp)
    a = 1.0 - rho
    b = a + n_k * rho
    quad = (q_k - rho * s_k**2 / b) / a
    return -0.5 * xp.sum(n_k * np.log(2 * np.pi) + (n_k - 1) * xp.log(a) + xp.log(b) + quad)


def add_likelihood(inputs: ModelInputs, data: dict, z, lam, rho, muni) -> None:
    """Add eta, its exchangeable prior, alpha, the dispersion and the likelihood to the
    model in context (:func:`sesindex.bayes.model.build_model` with
    ``likelihood="beta_binomial"``).

    ``z`` is the model's observations (``pm.Data``; the continuous indicators' values),
    ``rho`` is 0 and ``muni`` None without municipality effects (eta ~ N(0, 1)). NUTS
    samples ``alpha_centred`` = alpha + lambda mean(eta), the logit at the areas' mean
    status, which the data fix directly; alpha itself moves with the mean of all 3,363
    eta (a direction a diagonal mass matrix cannot follow: alpha's bulk ESS was 38 of
    4,000 draws on the national year). The map has unit Jacobian and alpha keeps its
    N(0, 3^2) prior, so the model is unchanged.
    """
    n_area, n_year, n_ind = inputs.z.shape
    rate = inputs.rate_indicators
    cont = [k for k in range(n_ind) if k not in rate]
    eta = pm.Flat("eta_latent", shape=(n_area,))
    if muni is None:
        pm.Potential("eta_prior", -0.5 * pt.sum(eta**2))
    else:
        pm.Potential("eta_prior", exchangeable_logp(eta, rho, muni, pt.max(muni) + 1))
    centred = pm.Flat("alpha_centred", dims="indicator")
    alpha = pm.Deterministic("alpha", centred - lam * pt.mean(eta), dims="indicator")
    pm.Potential("alpha_prior", pt.sum(pm.logp(pm.Normal.dist(0.0, PRIOR["alpha_sd"]),
                                               alpha)))
    lin = centred + lam * (eta - pt.mean(eta))[:, None]  # (area, indicator)
    disp = pt.zeros(n_ind)
    if rate:
        icc = pm.TruncatedNormal("icc", 0.0, PRIOR["icc_sd"], lower=0.0, upper=1.0,
                                 shape=len(rate))
        phi = 1.0 / icc - 1.0
        mu = pm.math.invlogit(lin[:, rate])
        y = pm.Data("count", data["count"])[:, 0, :]
        n = pm.Data("denominator", data["denominator"])[:, 0, :]
        counts = pm.BetaBinomial.dist(n=n, alpha=mu * phi, beta=(1.0 - mu) * phi)
        pm.Potential("beta_binomial", pt.sum(pm.logp(counts, y)))
        disp = pt.set_subtensor(disp[rate], icc)
    if cont:
        s = pm.HalfNormal("residual_variance", 0.5, shape=len(cont))
        pm.Potential("gaussian", pt.sum(pm.logp(pm.Normal.dist(lin[:, cont], pt.sqrt(s)),
                                                z[:, 0, cont])))
        disp = pt.set_subtensor(disp[cont], s)
    pm.Deterministic("dispersion", disp, dims="indicator")


def draw_chain(post, inputs: ModelInputs, chain: int, rng: np.random.Generator,
               rate_indicators: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """eta (draw, area, 1) as sampled, and the true rates in percent (draw, area, 1,
    rate-indicator) from their conjugate Beta posteriors given each draw."""
    eta = post["eta_latent"].values[chain][:, :, None]
    j = rate_indicators
    alpha, lam = post["alpha"].values[chain][:, j], post["lam"].values[chain][:, j]
    icc = post["dispersion"].values[chain][:, j]
    mu = expit(alpha[:, None, None, :] + lam[:, None, None, :] * eta[..., None])
    phi = (1.0 / icc - 1.0)[:, None, None, :]
    y, n = inputs.count[None, :, :, j], inputs.denominator[None, :, :, j]
    rates = 100 * rng.beta(mu * phi + y, (1.0 - mu) * phi + n - y)
    return eta, rates.astype(np.float32)

"""The latent-factor model, with each area's latent status integrated out analytically.

Working likelihood (:mod:`sesindex.bayes.data`): for area i, year t, indicator j,

    z_itj = alpha_j + lambda_j * eta_it + e_itj,   e_itj ~ N(0, sigma_j^2 + v_itj)

where ``z`` is the empirical logit of a count (``v`` its binomial sampling variance) or a
standardised transformed continuous value (``v = 0``), ``lambda_j > 0`` and ``sigma_j``
the area-level residual of indicator j (the cell residual eps_itj of the design,
integrated out). Latent disadvantage (higher = lower status):

    (panels add gamma_ij ~ N(0, kappa_j): a persistent area x indicator deviation)
    eta_it = u_i + delta_it,   u_i ~ N(m_k(i), 1 - rho),   m ~ ZeroSumNormal(sqrt(rho))
    delta_i,first year = 0,    delta_it - delta_i,t-1 ~ N(0, tau^2)   (random walk)

so eta has unit variance in the first year, split between municipalities (rho) and areas
within them. Because everything given the hyperparameters is Gaussian, eta_i (a vector
over years) is integrated out exactly, by a Kalman filter over years that works
elementwise on all areas at once (:func:`kalman_neg2loglik`). NUTS then samples only
alpha, lambda, sigma, rho, tau and the ~290 municipality effects; eta and the true rates
are drawn afterwards from their exact conditional Gaussians (forward filtering, backward
sampling: :mod:`sesindex.bayes.posterior`). This is what makes the national
panel fit in minutes and pass the fit gate (see ``benchmarks/RESULTS.md``).

Example
-------
>>> from sesindex.data.synthetic import generate
>>> from sesindex.bayes.data import model_inputs
>>> m = model_inputs(generate(n_areas=30, years=(2022, 2023), seed=1).dataset,
...                  ["V1", "V2", "V3"])
>>> model = build_model(m)
>>> sorted(v.name for v in model.free_RVs)
['alpha', 'kappa', 'lam', 'm', 'rho', 'sigma', 'tau']
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from sesindex.bayes.data import ModelInputs


def kalman_neg2loglik(b, w, rho, tau, n_year: int):
    """-2 log-likelihood of one indicator-free summary, eta integrated out (single state).

    Given the hyperparameters, the data inform eta_it only through ``w_it`` (precision)
    and ``b_it``: as a pseudo-observation ``b/w`` of eta_it with variance ``1/w``. With
    eta a random walk starting from N(m_k, 1 - rho), the marginal likelihood of these
    pseudo-observations is a Kalman filter over the years, elementwise over areas (no
    matrix factorisation): ``-2 log p = base - sum b^2/w + sum log w + KF``, with
    ``base`` added by the caller. Used when there is no persistent deviation (one year).
    """
    total = -pt.sum(b**2 / w, axis=1) + pt.sum(pt.log(w), axis=1)
    x = pt.zeros_like(b[:, 0])
    p = (1 - rho) * pt.ones_like(b[:, 0])
    for t in range(n_year):
        if t > 0:
            p = p + tau**2
        s = p + 1 / w[:, t]
        e = b[:, t] / w[:, t] - x
        total = total + pt.log(s) + e**2 / s
        gain = p / s
        x = x + gain * e
        p = p * (1 - gain)
    return total


def kalman_filter(r, d, lam, rho, tau, kappa, shape: tuple[int, int], xp=pt):
    """Kalman filter of the panel with state (eta_it - m_k, gamma_i1, ..., gamma_iJ).

    ``r`` (area, year, indicator) are the data less alpha and the municipality centre,
    ``d`` their residual variances. Observations are processed one indicator at a time
    (the observation noise is diagonal), so each step is a few array operations on the
    state ``(area, k)`` and covariance ``(area, k, k)`` of all areas at once, with no
    matrix inverse. ``xp`` is ``pytensor.tensor`` in the model and ``numpy`` when drawing
    from the posterior. Returns the per-area -2 log-likelihood (without 2 pi) and the
    final filtered mean ``(area, k)`` and covariance ``(area, k, k)``.
    """
    n_year, n_ind = shape  # static, so the loops unroll
    k = n_ind + 1
    eye = np.eye(k)
    zero = r[:, 0, 0] * 0.0  # (area,)
    x = zero[:, None] + np.zeros(k)
    prior = xp.concatenate([xp.stack([1.0 - rho]), kappa**2])
    p = zero[:, None, None] + prior[None, :, None] * eye[None]
    walk = eye[0][:, None] * eye[0][None, :]  # tau^2 enters eta only
    total = zero
    for t in range(n_year):
        if t > 0:
            p = p + tau**2 * walk
        for j in range(n_ind):
            h = lam[j] * eye[0] + eye[j + 1]
            ph = (p * h).sum(axis=-1)
            s = (ph * h).sum(axis=-1) + d[:, t, j]
            e = r[:, t, j] - (x * h).sum(axis=-1)
            total = total + xp.log(s) + e**2 / s
            x = x + ph * (e / s)[:, None]
            p = p - ph[:, :, None] * ph[:, None, :] / s[:, None, None]
    return total, x, p


def build_model(inputs: ModelInputs, *, temporal: str = "random_walk",
                municipality: bool = True) -> pm.Model:
    """The PyMC model with eta marginalised (a ``pm.Potential`` holds the likelihood)."""
    z, v = inputs.z, inputs.v
    n_area, n_year, n_ind = z.shape
    coords = {"indicator": list(inputs.indicators),
              "municipality": list(inputs.municipalities)}
    muni = inputs.municipality
    with pm.Model(coords=coords) as model:
        alpha = pm.Normal("alpha", 0.0, 3.0, dims="indicator")
        lam = pm.HalfNormal("lam", 1.0, dims="indicator")
        sigma = pm.HalfNormal("sigma", 0.5, dims="indicator")
        if municipality:
            rho = pm.Beta("rho", 2.0, 2.0)
            m = pm.ZeroSumNormal("m", sigma=pt.sqrt(rho), dims="municipality")
            centre = m[muni]
        else:
            rho, centre = pt.as_tensor(0.0), pt.zeros(n_area)
        d = sigma**2 + v  # (i, t, j) total residual variance
        r = z - alpha - lam * centre[:, None, None]
        if n_year > 1 and temporal != "random_walk":
            raise ValueError(f"a panel of {n_year} years needs temporal = 'random_walk' "
                             f"(got {temporal!r}); fit single years separately otherwise")
        if n_year == 1:
            w = pt.sum(lam**2 / d, axis=-1)  # (i, t): precision eta gains from the data
            b = pt.sum(lam * r / d, axis=-1)  # (i, t)
            base = pt.sum(r**2 / d, axis=(1, 2)) + pt.sum(pt.log(d), axis=(1, 2))
            quad = base + kalman_neg2loglik(b, w, rho, 0.0, n_year)
        else:
            # a persistent area x indicator deviation gamma_ij ~ N(0, kappa_j) (an area has
            # more income support than its status implies, every year): without it the
            # years would count as independent looks and a panel's intervals would be far
            # too narrow. It joins eta in the Kalman state and is integrated out too.
            tau = pm.HalfNormal("tau", 0.2)
            kappa = pm.HalfNormal("kappa", 0.3, dims="indicator")
            quad, _, _ = kalman_filter(r, d, lam, rho, tau, kappa, (n_year, n_ind))
        pm.Potential("likelihood", -0.5 * pt.sum(quad))
    return model

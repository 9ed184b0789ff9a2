"""Draws of each area's latent status and true rates, exactly, given the hyperparameters.

The model (:mod:`sesindex.bayes.model.graph`) integrates eta, the municipality effects m and,
in a panel, the persistent area x indicator deviations gamma out; here they come back
(:func:`draw_states`). Given one posterior draw of the hyperparameters, m_k is drawn
from its exact posterior, then gamma_i from its exact posterior given m_k (the Schur
complement of the likelihood's precision form), and then, given both, the data inform
eta_it through the pseudo-observation ``b_it / w_it`` with variance ``1 / w_it``, and
eta_i is a random walk from N(m_k, 1 - rho): forward filtering, backward sampling
(:func:`ffbs`) draws eta_i exactly,
elementwise over all areas. Then each true logit theta_itj given eta is Gaussian too
(prior alpha_j + lambda_j eta_it with the cell residual's variance, observation z_itj with
the sampling variance: :func:`sesindex.bayes.model.dispersion.split_dispersion`), so the true rate
``p = expit(theta)`` is drawn exactly as well.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> b, w = np.full((4000, 1), 2.0), np.full((4000, 1), 4.0)  # one year
>>> e = ffbs(b, w, var0=0.5, tau=0.0, rng=rng)[:, 0]
>>> round(float(e.mean()), 2), round(float(e.var()), 2)  # 0.5*2/(1+2) and 0.5/(1+2)
(0.33, 0.17)
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from sesindex.bayes.likelihood.kernel import loglik_and_grad
from sesindex.bayes.likelihood.reference import area_terms, segment_sum
from sesindex.bayes.model.dispersion import split_dispersion
from sesindex.bayes.model.inputs import ModelInputs
from sesindex.bayes.model.steps import step_grid


def ffbs(
    b: np.ndarray, w: np.ndarray, var0: float, tau, rng: np.random.Generator | None
) -> np.ndarray:
    """Draw eta - m_k (area, year) given pseudo-observations b/w with precisions w.

    ``var0`` is the prior variance of the first year's value (1 - rho), ``tau`` the
    random walk's step sd: a scalar or one per
    area and year (the step into that year; column 0 unused). With ``rng`` None the
    smoothed means are returned instead of a draw.
    """
    n, n_year = b.shape
    step2 = np.broadcast_to(np.asarray(tau, float) ** 2, (n, n_year))
    noise = (lambda: rng.standard_normal(n)) if rng is not None else (lambda: 0.0)
    x, p = np.zeros((n, n_year)), np.zeros((n, n_year))
    x_pred, p_pred = np.zeros(n), np.full(n, var0)
    for t in range(n_year):
        if t > 0:
            x_pred, p_pred = x[:, t - 1], p[:, t - 1] + step2[:, t]
        gain = p_pred / (p_pred + 1 / w[:, t])
        x[:, t] = x_pred + gain * (b[:, t] / w[:, t] - x_pred)
        p[:, t] = p_pred * (1 - gain)
    eta = np.empty((n, n_year))
    eta[:, -1] = x[:, -1] + np.sqrt(p[:, -1]) * noise()
    for t in range(n_year - 2, -1, -1):
        back = p[:, t] / (p[:, t] + step2[:, t + 1])
        mean = x[:, t] + back * (eta[:, t + 1] - x[:, t])
        eta[:, t] = mean + np.sqrt(p[:, t] * (1 - back)) * noise()
    return eta


def _params(post, c: int, d: int, inputs: ModelInputs) -> dict:
    """One draw's hyperparameters in the form :func:`draw_states` takes; programme
    effects (:mod:`sesindex.evaluation`) enter as known shifts of eta per area and year.
    """
    get = {k: post[k].values[c, d] for k in ("alpha", "lam", "dispersion")}
    rho = float(post["rho"].values[c, d]) if "rho" in post else 0.0
    get["tau"] = (
        step_grid(float(post["tau"].values[c, d]), inputs.breaks, xp=np) if "tau" in post else 0.0
    )
    get["kappa"] = post["kappa"].values[c, d] if "kappa" in post else None
    get["var0"], get["rho"] = 1.0 - rho, rho
    get["offset"] = (
        inputs.design @ post["programme_effect"].values[c, d] if "programme_effect" in post else 0.0
    )
    if "jump_sd" in post:
        get["jump_sd"] = float(post["jump_sd"].values[c, d])
        get["jump_share"] = float(post["jump_share"].values[c, d])
    return get


def jump_probabilities(inputs: ModelInputs, p: dict, z=None, v=None) -> np.ndarray:
    """P(no jump), P(jump at step k) (area, year) given one draw of the jump mixture.

    From the compiled kernel (:mod:`sesindex.bayes.likelihood.kernel`), which integrates the
    mixture exactly; column 0 is "no jump", column k the jump into year k.
    """
    z = inputs.z if z is None else z
    v = inputs.v if v is None else v
    n_area = z.shape[0]
    _, grads = loglik_and_grad(
        z,
        v,
        np.zeros(n_area, np.int64),
        p["alpha"],
        p["lam"],
        p["dispersion"],
        0.0,
        p["tau"],
        p["kappa"],
        panel=True,
        municipality=False,
        var0=p["var0"],
        offset=area_year(p["offset"], n_area, z.shape[1]),
        jump_sd=p["jump_sd"],
        jump_share=p["jump_share"],
        gradient=False,
    )
    return grads["responsibility"]


def draw_jumps(inputs: ModelInputs, p: dict, rng: np.random.Generator, **data) -> dict:
    """``p`` with each area's step sd (area, year) given a draw of its jump component:
    the chosen step's variance grows by ``jump_sd^2``, so :func:`draw_states` then
    draws the latent states exactly from that component.
    """
    prob = jump_probabilities(inputs, p, **data)
    cum = np.cumsum(prob, axis=1)
    pick = (rng.uniform(size=(len(prob), 1)) > cum).sum(axis=1)  # 0 = no jump
    n_area, n_year = prob.shape
    tau2 = np.broadcast_to(np.asarray(p["tau"], float) ** 2, (n_area, n_year)).copy()
    rows = np.flatnonzero(pick > 0)
    tau2[rows, pick[rows]] += p["jump_sd"] ** 2
    return {**p, "tau": np.sqrt(tau2), "jump_year": pick}


def draw_states(
    inputs: ModelInputs, p: dict, rng: np.random.Generator | None, *, z=None, v=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """m_k, gamma (area, indicator) and eta (area, year) given one hyperparameter draw.

    The likelihood's per-area pieces (:func:`sesindex.bayes.likelihood.reference.area_terms`) give
    ``-2 log p(data | m) = c - 2 m b + m^2 a``, hence m_k | data ~
    N(rho B_k / (1 + rho A_k), rho / (1 + rho A_k)) with A, B sums over the municipality;
    given m_k, gamma_i | data ~ N(S^-1 (h0 - m h1), S^-1) from the same pieces; and given
    both, eta is drawn by :func:`ffbs`. ``z`` and ``v`` default to the inputs' (the exact
    binomial model passes each draw's true logits and no sampling variance).
    With ``rng`` None every stage takes its conditional mean instead of a draw, which,
    the model being linear and Gaussian given ``p``, gives the exact posterior means.
    """

    def noise(shape):
        return rng.standard_normal(shape) if rng is not None else np.zeros(shape)

    z = inputs.z if z is None else z
    v = inputs.v if v is None else v
    n_area, n_year, n_ind = z.shape
    dd = v + p["dispersion"]
    var0 = p.get("var0", 1.0 - p["rho"])
    offset = area_year(p.get("offset", 0.0), n_area, n_year)
    r = z - p["alpha"] - p["lam"] * offset[:, :, None]
    panel = p["kappa"] is not None
    kappa2 = p["kappa"] ** 2 if panel else None
    terms = area_terms(
        r, dd, p["lam"], p["tau"] ** 2, kappa2, p["rho"], panel, n_ind, xp=np, var0=var0
    )
    n_muni = len(inputs.municipalities)
    big_a = segment_sum(terms["a"], inputs.municipality, n_muni, np)
    big_b = segment_sum(terms["b"], inputs.municipality, n_muni, np)
    one = 1 + p["rho"] * big_a
    m = (p["rho"] * big_b + np.sqrt(p["rho"] * one) * noise(n_muni)) / one
    mi = m[inputs.municipality]
    if panel:
        chol = terms["chol_s"]  # S = L L': gamma = S^-1 h + L^-T e
        h = terms["h0"] - mi[:, None] * terms["h1"]
        u = np.linalg.solve(chol, (h[:, :, None]))[..., 0] + noise(h.shape)
        gamma = np.linalg.solve(np.swapaxes(chol, 1, 2), u[:, :, None])[..., 0]
    else:
        gamma = np.zeros((n_area, n_ind))
    r = r - p["lam"] * mi[:, None, None] - gamma[:, None, :]
    w = np.sum(p["lam"] ** 2 / dd, axis=-1)
    b_eta = np.sum(p["lam"] * r / dd, axis=-1)
    eta = mi[:, None] + offset + ffbs(b_eta, w, var0, p["tau"], rng)
    return m, gamma, eta


def area_year(shift, n_area: int, n_year: int) -> np.ndarray:
    """A shift of eta as (area, year): a scalar, one per area, or one per area and year.

    Examples
    --------
    >>> area_year(np.array([1.0, 2.0]), 2, 3).tolist()
    [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
    """
    shift = np.asarray(shift, float)
    if shift.ndim == 1:
        shift = shift[:, None]
    return np.broadcast_to(shift, (n_area, n_year))


def chain_draws(
    post,
    inputs: ModelInputs,
    chain: int,
    rng: np.random.Generator,
    rate_indicators: list[int],
    counterfactual: bool = False,
):
    """One chain's draws, one at a time: ``(d, eta, rates, rates_cf)`` with eta (area,
    year) and the true rates in percent (area, year, rate-indicator), float64.

    ``rates_cf`` (with ``counterfactual``, a model with programme effects; else None):
    the rates each area would have had without its programme — the same draw's true
    logits less the programme's shift ``lambda_j sum_e D_ite beta_e`` (equal to the
    rates elsewhere). Streaming the draws lets a caller keep only what it needs of each
    (:func:`sesindex.bayes.fit.derive` keeps the index, not the rates).

    With the exact binomial model (``xi`` in ``post``) each draw's true logits are
    sampled ones, ``theta = z + sqrt(v) xi``: the states are drawn given them (no
    sampling variance) and the rates are ``expit(theta)``. Otherwise the true logits are
    drawn given eta from the cell residual and the sampling
    variance.
    """
    j = rate_indicators
    z, v = inputs.z, inputs.v
    sampled = "xi" in post  # the exact binomial model: the true logits are the sampled ones
    if sampled:
        rate, xi = inputs.rate_indicators, post["xi"].values[chain]
        z, v = inputs.z.copy(), np.zeros_like(inputs.v)
    for d in range(post.sizes["draw"]):
        p = _params(post, chain, d, inputs)
        if sampled:
            z[..., rate] = inputs.z[..., rate] + np.sqrt(inputs.v[..., rate]) * xi[d]
        if "jump_sd" in p:
            p = draw_jumps(inputs, p, rng, z=z, v=v)
        _, gamma, eta = draw_states(inputs, p, rng, z=z, v=v)
        lin = p["alpha"][..., j] + p["lam"][j] * eta[:, :, None] + gamma[:, None, j]
        sampling, residual = split_dispersion(p["dispersion"][j], v[:, :, j])
        gain = residual / (residual + sampling)  # 0: no cell residual; 1: no sampling noise
        theta = (
            lin
            + gain * (z[:, :, j] - lin)
            + np.sqrt(gain * sampling) * rng.standard_normal(lin.shape)
        )
        rates_cf = None
        if counterfactual:
            shift = inputs.design @ post["programme_effect"].values[chain, d]
            rates_cf = 100 * expit(theta - p["lam"][j] * shift[:, :, None])
        yield d, eta, 100 * expit(theta), rates_cf


def draw_chain(
    post,
    inputs: ModelInputs,
    chain: int,
    rng: np.random.Generator,
    rate_indicators: list[int],
    counterfactual: bool = False,
) -> tuple[np.ndarray, ...]:
    """Eta (draw, area, year) and true rates in percent (draw, area, year,
    rate-indicator; float32), and with ``counterfactual`` the rates without the
    programme: :func:`chain_draws` gathered into arrays.
    """
    n_area, n_year, _ = inputs.z.shape
    n_draw = post.sizes["draw"]
    eta = np.empty((n_draw, n_area, n_year))
    rates = np.empty((n_draw, n_area, n_year, len(rate_indicators)), dtype=np.float32)
    rates_cf = np.empty_like(rates) if counterfactual else None
    for d, eta_d, rates_d, cf_d in chain_draws(
        post, inputs, chain, rng, rate_indicators, counterfactual
    ):
        eta[d], rates[d] = eta_d, rates_d
        if rates_cf is not None:  # counterfactual
            rates_cf[d] = cf_d
    return (eta, rates) if rates_cf is None else (eta, rates, rates_cf)


def standardise(
    eta: np.ndarray, ref: int, inplace: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eta standardised per draw to mean 0, sd 1 over areas in year index ``ref``.

    Returns the standardised draws and the per-draw location and scale used; with
    ``inplace`` the draws are standardised where they are (no copy).

    Examples
    --------
    >>> eta = np.array([[[1.0], [3.0]]])  # one draw, two areas, one year
    >>> standardise(eta, 0)[0][0, :, 0].tolist()
    [-1.0, 1.0]
    """
    loc = eta[..., ref].mean(axis=-1)
    scale = eta[..., ref].std(axis=-1)
    if not inplace:
        return (eta - loc[..., None, None]) / scale[..., None, None], loc, scale
    eta -= loc[..., None, None]
    eta /= scale[..., None, None]
    return eta, loc, scale

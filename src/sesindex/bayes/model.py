"""The latent-factor model, with latent status and municipality effects integrated out.

Working likelihood (:mod:`sesindex.bayes.data`): for area i, year t, indicator j,

    z_itj = alpha_j + lambda_j * eta_it + gamma_ij + e_itj,   e_itj ~ N(0, sigma_j^2 + v_itj)

where ``z`` is the empirical logit of a count (``v`` its binomial sampling variance) or a
standardised transformed continuous value (``v = 0``), ``lambda_j > 0`` and ``sigma_j``
the area-level residual of indicator j (the cell residual of the design, integrated out).
Latent disadvantage (higher = lower status):

    eta_i,first = m_k(i) + u_i,   m_k ~ N(0, rho),   u_i ~ N(0, 1 - rho)
    eta_it - eta_i,t-1 ~ N(0, tau^2)                               (random walk)
    gamma_ij ~ N(0, kappa_j^2)      (panels: a persistent area x indicator deviation)

so eta has unit variance in the first year, split between municipalities (rho) and areas
within them. Given the hyperparameters everything is Gaussian, so NUTS samples only the
~14 hyperparameters (alpha, lambda, sigma, rho and in panels tau, kappa):

* per area, the state (eta_it - m_k, gamma_i1..gamma_iJ) is integrated out by a Kalman
  filter over years (:func:`filter_step`, elementwise over all areas, inside one
  ``pytensor.scan``), processing one indicator at a time (diagonal noise, no inverse);
* the municipality effect m_k enters every observation of area i as ``lambda_j m_k``, so
  the filter's innovations are linear in it: ``e = e0 - m_k e1`` where ``e1`` are the
  innovations of the same filter fed with ``lambda`` as data. Per area the -2 log
  likelihood is ``c_i - 2 m b_i + m^2 a_i``, and m_k ~ N(0, rho) integrates out in closed
  form over the areas of each municipality (:func:`municipality_neg2loglik`).

eta, m, gamma and the true rates are drawn afterwards from their exact conditional
Gaussians (:mod:`sesindex.bayes.posterior`). The data ``z`` and ``v`` are ``pm.Data``
containers, so one compiled model serves new data of the same shape
(``nutpie.compile_pymc_model(model).with_data(z=..., v=...)``).

Example
-------
>>> from sesindex.data.synthetic import generate
>>> from sesindex.bayes.data import model_inputs
>>> m = model_inputs(generate(n_areas=30, years=(2022, 2023), seed=1).dataset,
...                  ["V1", "V2", "V3"])
>>> model = build_model(m)
>>> sorted(v.name for v in model.free_RVs)
['alpha', 'kappa', 'lam', 'rho', 'sigma', 'tau']
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt

from sesindex.bayes.data import ModelInputs

LOG_2PI = float(np.log(2 * np.pi))


def filter_step(state, r, d, lam, walk, xp=pt):
    """One year of the Kalman filter, for all areas at once.

    ``state`` is ``(x0, x1, p, c, a, b)``: the filtered means of the state
    (eta_it - m_k, gamma_i1..gamma_iJ) given the data (``x0``, area x k) and given
    ``lambda`` as data (``x1``, the response to m_k), the covariance ``p`` (area, k, k)
    and the running sums ``c = sum log s + e0^2/s``, ``a = sum e1^2/s``,
    ``b = sum e0 e1/s`` per area. ``r`` (area, indicator) are this year's data less alpha,
    ``d`` their residual variances, ``walk`` the random-walk variance added to eta before
    the update (0 in the first year). k = 1 (no gamma) or 1 + indicators, read from the
    static shape of ``p``; ``lam`` needs a static length too. ``xp`` is
    ``pytensor.tensor`` in the model and ``numpy`` when drawing from the posterior.

    >>> import numpy as np
    >>> one = np.ones(1)
    >>> state = (np.zeros((1, 1)), np.zeros((1, 1)), np.full((1, 1, 1), 0.5), 0 * one,
    ...          0 * one, 0 * one)
    >>> x0, x1, p, c, a, b = filter_step(state, np.array([[1.0]]), np.array([[0.5]]),
    ...                                  np.array([1.0]), 0.0, xp=np)
    >>> float(x0[0, 0]), float(p[0, 0, 0]), float(a[0])  # 0.5/(0.5+0.5), 0.25, 1/1
    (0.5, 0.25, 1.0)
    """
    x0, x1, p, c, a, b = state
    k, n_ind = _static_len(p, -1), _static_len(lam, 0)
    e00 = np.zeros((k, k))
    e00[0, 0] = 1.0
    p = p + walk * e00
    for j in range(n_ind):
        lj = lam[j]
        # h = lam_j e_0 (+ e_(j+1) when gamma is in the state); ph = P h, s = h' P h + d
        ph = lj * p[:, :, 0] + (p[:, :, j + 1] if k > 1 else 0.0)
        s = lj * ph[:, 0] + (ph[:, j + 1] if k > 1 else 0.0) + d[:, j]
        e0 = r[:, j] - lj * x0[:, 0] - (x0[:, j + 1] if k > 1 else 0.0)
        e1 = lj - lj * x1[:, 0] - (x1[:, j + 1] if k > 1 else 0.0)
        c = c + xp.log(s) + e0**2 / s
        a = a + e1**2 / s
        b = b + e0 * e1 / s
        gain = ph / s[:, None]
        x0 = x0 + gain * e0[:, None]
        x1 = x1 + gain * e1[:, None]
        p = p - gain[:, :, None] * ph[:, None, :]
    return x0, x1, p, c, a, b


def _static_len(x, axis: int) -> int:
    n = x.shape[axis] if isinstance(x, np.ndarray) else x.type.shape[axis]
    if n is None:
        raise ValueError("the Kalman filter needs static state and indicator sizes")
    return int(n)


def initial_state(n_area, prior_var, xp=pt):
    """The filter's state before the first year: means 0, covariance diag(prior_var)."""
    k = _static_len(prior_var, 0)
    zeros = xp.zeros((n_area, k))
    p = xp.zeros((n_area, k, k)) + prior_var[None, None, :] * np.eye(k)[None]
    flat = xp.zeros((n_area,))
    return zeros, zeros, p, flat, flat, flat


def municipality_neg2loglik(c, a, b, rho, muni, n_muni, xp=pt):
    """-2 log-likelihood with m_k ~ N(0, rho) integrated out, summed over municipalities.

    Per area -2 log p(data | m) = c - 2 m b + m^2 a, so per municipality
    -2 log p = sum c + log(1 + rho A) - rho B^2 / (1 + rho A) with A, B the sums of a, b.

    >>> import numpy as np
    >>> c, a, b = np.array([1.0, 2.0]), np.array([1.0, 1.0]), np.array([0.5, 0.5])
    >>> round(float(municipality_neg2loglik(c, a, b, 0.0, np.array([0, 0]), 1, xp=np)), 6)
    3.0
    """
    big_a, big_b = segment_sum(a, muni, n_muni, xp), segment_sum(b, muni, n_muni, xp)
    one = 1 + rho * big_a
    return xp.sum(c) + xp.sum(xp.log(one) - rho * big_b**2 / one)


def segment_sum(values, index, n, xp=pt):
    """Sums of ``values`` by the integer group ``index`` (0..n-1)."""
    if xp is np:
        return np.bincount(index, weights=values, minlength=n)
    return pt.inc_subtensor(pt.zeros(n)[index], values)


def build_model(inputs: ModelInputs, *, temporal: str = "random_walk",
                municipality: bool = True) -> pm.Model:
    """The PyMC model with eta, gamma and m marginalised (a ``pm.Potential``)."""
    n_area, n_year, n_ind = inputs.z.shape
    if n_year > 1 and temporal != "random_walk":
        raise ValueError(f"a panel of {n_year} years needs temporal = 'random_walk' "
                         f"(got {temporal!r}); fit single years separately otherwise")
    coords = {"indicator": list(inputs.indicators)}
    with pm.Model(coords=coords) as model:
        z = pm.Data("z", inputs.z)
        v = pm.Data("v", inputs.v)
        alpha = pm.Normal("alpha", 0.0, 3.0, dims="indicator")
        lam = pm.HalfNormal("lam", 1.0, dims="indicator")
        sigma = pm.HalfNormal("sigma", 0.5, dims="indicator")
        rho = pm.Beta("rho", 2.0, 2.0) if municipality else pt.as_tensor(0.0)
        if n_year > 1:
            tau = pm.HalfNormal("tau", 0.2)
            kappa = pm.HalfNormal("kappa", 0.3, dims="indicator")
            prior_var = pt.concatenate([pt.stack([1.0 - rho]), kappa**2])
        else:
            tau = pt.as_tensor(0.0)
            prior_var = pt.stack([1.0 - rho])
        neg2 = marginal_neg2loglik(z - alpha, sigma**2 + v, lam, tau, prior_var, rho,
                                   inputs.municipality, len(inputs.municipalities),
                                   (n_area, n_year, n_ind))
        pm.Potential("likelihood", -0.5 * neg2)
    return model


def marginal_neg2loglik(r, d, lam, tau, prior_var, rho, muni, n_muni, shape):
    """-2 log p(z | hyperparameters), without the 2 pi constant (pytensor graph)."""
    n_area, n_year, n_ind = shape
    lam = pt.specify_shape(lam, (n_ind,))
    k = 1 + n_ind if n_year > 1 else 1
    prior_var = pt.specify_shape(prior_var, (k,))
    walk = np.r_[0.0, np.ones(n_year - 1)]
    state = initial_state(n_area, prior_var)
    state = tuple(pt.specify_shape(s, (n_area, *s.type.shape[1:])) for s in state)

    def step(r_t, d_t, walk_t, *carry):
        return filter_step(carry, r_t, d_t, lam, walk_t * tau**2)

    out = pytensor.scan(step, sequences=[r.dimshuffle(1, 0, 2), d.dimshuffle(1, 0, 2),
                                         pt.as_tensor(walk)],
                        outputs_info=list(state), n_steps=n_year, return_list=True,
                        return_updates=False)
    c, a, b = (o[-1] for o in out[3:])
    return municipality_neg2loglik(c, a, b, rho, muni, n_muni)

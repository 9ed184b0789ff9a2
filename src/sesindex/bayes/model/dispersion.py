"""Each indicator's dispersion beyond the sampling variance: its priors and how a draw of it
splits a cell's variance (:mod:`sesindex.bayes.model.graph` explains the forms).

``"sd"`` samples sigma_j >= 0 and s_j = sigma_j^2 (in single years with the loadings in
polar form, :func:`polar_loadings`); ``"variance"`` samples s_j itself above minus the
indicator's smallest sampling variance (:func:`variance_prior`). The model, the
posterior's exact conditionals and the prior simulator all read a draw through
:func:`split_dispersion`.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.distributions.transforms import Interval

from sesindex.bayes.model.priors import PRIOR


def dispersion_floor(v: np.ndarray) -> np.ndarray:
    """Each indicator's smallest sampling variance; the dispersion s_j lies above ``-floor``.

    Examples
    --------
    >>> dispersion_floor(np.array([[[0.2, 0.0]], [[0.1, 0.0]]])).tolist()
    [0.1, 0.0]
    """
    return np.asarray(v).min(axis=(0, 1))


def split_dispersion(dispersion, v):
    """(sampling variance, cell residual variance) of each cell for a dispersion draw.

    The observed logit varies by ``v + s`` around the model's mean (``s`` the
    dispersion); a positive ``s`` is the variance of the true logit around it (the cell
    residual), a negative ``s`` shrinks the sampling variance (under-dispersion) and
    leaves no residual.

    Examples
    --------
    >>> import numpy as np
    >>> [a.tolist() for a in split_dispersion(np.array([0.1, -0.05]), np.array([0.2, 0.2]))]
    [[0.2, 0.15000000000000002], [0.1, 0.0]]
    """
    return v + np.minimum(dispersion, 0.0), np.maximum(dispersion, 0.0) + 0.0 * v


def dispersion_prior(dispersion: str, data: dict):
    """The dispersion parameter (indicator) of the form ``dispersion`` (``"sd"`` or
    ``"variance"``: :func:`sesindex.bayes.model.graph.build_model`), in the model being
    built.
    """
    if dispersion == "variance":
        return variance_prior(-pm.Data("v_min", data["v_min"]))
    sigma = pm.HalfNormal("sigma", PRIOR["sigma_sd"], dims="indicator")
    return pm.Deterministic("dispersion", sigma**2, dims="indicator")


def variance_prior(lower):
    """``s_j ~ N(0, dispersion_sd^2)`` truncated below at ``lower = -v_min <= 0`` (a tensor
    per indicator), sampled on the log scale above the bound: ``pm.TruncatedNormal``'s
    log density, transform and start, term for term.

    ``pm.TruncatedNormal`` normalises with PyMC's ``normal_lccdf``, whose branch for
    bounds more than one sd above the mean evaluates ``erfcx``, which PyTensor's numba
    backend cannot cache on disk (it calls scipy through a function pointer); so every
    fit recompiled the model (:mod:`sesindex.bayes.sampling.cache`). The bound here is at
    or below the mean, where ``normal_lccdf`` takes its other branch, written out below.

    Examples
    --------
    >>> with pm.Model(coords={"indicator": ["V1", "V2"]}) as m:
    ...     s = variance_prior(pt.as_tensor([-0.01, -0.002]))
    >>> m.initial_point()["dispersion_interval__"]  # s_j = lower_j + 1, as TruncatedNormal
    array([0., 0.])
    """
    sd = PRIOR["dispersion_sd"]

    def logp(value, lower):
        z = lower / sd
        norm = pt.log1p(-pt.erfc(-z / pt.sqrt(2.0)) / 2.0)  # log P(N(0, 1) > z), z <= 0
        logp = pm.logp(pm.Normal.dist(0.0, sd), value) - norm
        return pt.switch(value < lower, -np.inf, logp)

    return pm.CustomDist(
        "dispersion",
        lower,
        logp=logp,
        dims="indicator",
        support_point=lambda rv, size, lower: lower + 1.0,
        transform=Interval(bounds_fn=lambda rng, size, lower: (lower, None)),
    )


def polar_loadings():
    """Each indicator's loading and dispersion sd in polar coordinates (single years,
    ``dispersion = "sd"``): the same prior, lambda_j ~ HalfNormal(1) and sigma_j ~
    HalfNormal(0.5), sampled as the indicator's total sd ``s_j`` and an angle
    ``theta_j`` in (0, pi/2), lambda_j = s_j cos theta_j, sigma_j = s_j sin theta_j
    (Jacobian ``s_j``).

    Why: with eta integrated out a single year's likelihood sees lambda_j and sigma_j
    mostly through lambda_j^2 + sigma_j^2, the indicator's variance across areas. Where
    an indicator loads weakly the posterior is a curved ridge along that circle, which
    NUTS crosses with divergences. In polar form the ridge is a line (s_j well
    determined, theta_j free), and SBC fits stop diverging (measurements:
    docs/decisions.md). Returns ``(lam, dispersion)`` as deterministics of the posterior.
    """
    s = pm.HalfFlat("loading_scale", dims="indicator")
    theta = pm.Uniform("loading_angle", 0.0, np.pi / 2, dims="indicator")
    lam = pm.Deterministic("lam", s * pt.cos(theta), dims="indicator")
    sigma = pm.Deterministic("sigma", s * pt.sin(theta), dims="indicator")
    pm.Potential(
        "loading_prior",
        pt.sum(
            pm.logp(pm.HalfNormal.dist(PRIOR["lam_sd"]), lam)
            + pm.logp(pm.HalfNormal.dist(PRIOR["sigma_sd"]), sigma)
            + pt.log(s)
        ),
    )
    return lam, pm.Deterministic("dispersion", sigma**2, dims="indicator")

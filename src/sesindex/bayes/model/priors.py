"""The model's prior scales, in one place: the PyMC model (:mod:`sesindex.bayes.model.graph`),
the random walk's steps (:mod:`sesindex.bayes.model.steps`), the prior simulator
(:mod:`sesindex.bayes.simulate`) and the smoothing of sampling variances read them.

Examples
--------
>>> PRIOR["lam_sd"], PRIOR["tau_sd"]
(1.0, 0.2)
"""

from typing import TypedDict


class PriorScales(TypedDict):
    """The type of :data:`PRIOR`: sds are floats, Beta priors ``(a, b)`` pairs."""

    alpha_sd: float
    lam_sd: float
    dispersion_sd: float
    sigma_sd: float
    rho_ab: tuple[float, float]
    tau_sd: float
    kappa_sd: float
    jump_sd: float
    jump_sd_log_sd: float
    jump_share_ab: tuple[float, float]
    tau_min: float
    break_sd: float


#: Prior scales, shared with the prior simulator (:mod:`sesindex.bayes.simulate`).
#: ``dispersion_sd``: s_j ~ N(0, 0.5^2) truncated below at -min_i,t v_itj.
PRIOR: PriorScales = {
    "alpha_sd": 3.0,
    "lam_sd": 1.0,
    "dispersion_sd": 0.5,
    "sigma_sd": 0.5,
    "rho_ab": (2.0, 2.0),
    "tau_sd": 0.2,
    "kappa_sd": 0.3,
    "jump_sd": 0.5,
    "jump_sd_log_sd": 0.5,
    "jump_share_ab": (1.0, 9.0),
    "tau_min": 0.002,
    "break_sd": 1.0,
}

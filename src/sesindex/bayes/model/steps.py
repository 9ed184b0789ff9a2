"""The random walk's steps: each area's latent status moves from year to year by a
normal step (sd tau, floored), widened at the 2024 boundary break, and with
``steps = "jumps"`` at most one jump per area (a mixture the compiled kernel integrates
exactly, :mod:`sesindex.bayes.likelihood.kernel`).

Examples
--------
>>> import numpy as np
>>> step_grid(0.05, np.array([[0, 1]]), xp=np).round(4).tolist()
[[0.05, 1.0013]]
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from sesindex.bayes.model.priors import PRIOR

#: Forms of the random walk's steps: one normal step sd for every area and year, or that
#: plus at most one jump per area (a mixture the kernel integrates exactly).


def step_sd(tau, xp=pt):
    """The random walk's step sd: ``sqrt(tau^2 + tau_min^2)``, never below ``tau_min``.

    No area's status stays exactly still; without the floor, data where nothing moves
    (the stress study's static scenario) drove tau towards 0, where the posterior is a
    funnel and a nutpie chain stalled for over 15 minutes on a 300-area panel. The floor,
    0.002 on the latent scale (about 0.01 index points a year), is far below any change
    the data can resolve.

    Examples
    --------
    >>> round(float(step_sd(0.0, xp=np)), 4), round(float(step_sd(0.05, xp=np)), 4)
    (0.002, 0.05)
    """
    return xp.sqrt(tau**2 + PRIOR["tau_min"] ** 2)


def step_grid(tau, breaks=None, xp=pt):
    """The random walk's step sd per (area, year): :func:`step_sd`, widened at the
    boundary break (:mod:`sesindex.data.boundary_change`) to
    ``sqrt(step_sd^2 + break_sd^2)``.

    An area whose boundaries changed gets, in the first year of the new version, a prior
    centred on its predecessor's status with sd ``break_sd = 1``, the spread of all
    areas' status: most such areas keep their code and most of their population, so the
    predecessor says where the new area probably lies, while the new year's data decide
    how far it moved. ``breaks`` is 0/1 (area, year) or None (no breaks).

    Examples
    --------
    >>> step_grid(0.05, np.array([[0, 1]]), xp=np).round(4).tolist()
    [[0.05, 1.0013]]
    """
    sd = step_sd(tau, xp)
    if breaks is None:
        return sd
    return xp.sqrt(sd**2 + PRIOR["break_sd"] ** 2 * breaks)


def walk_steps(steps: str, n_area, n_year: int, breaks=None) -> dict:
    """The random walk's step sd (area, year) and, for ``steps = "jumps"``, the jump
    mixture's sd and share (:mod:`sesindex.bayes.likelihood.kernel`), as model variables.
    ``breaks``: the boundary breaks as ``pm.Data`` (:func:`step_grid`), or None.
    """
    tau = pm.HalfNormal("tau", PRIOR["tau_sd"])
    out = {"tau": step_grid(tau, breaks) * pt.ones((n_area, n_year))}
    if steps == "jumps":
        out["jump_sd"] = pm.LogNormal("jump_sd", np.log(PRIOR["jump_sd"]), PRIOR["jump_sd_log_sd"])
        out["jump_share"] = pm.Beta("jump_share", *PRIOR["jump_share_ab"])
    return out

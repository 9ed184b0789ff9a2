"""Events planted in a synthetic panel (:mod:`sesindex.data.synthetic`): areas whose
status jumps, areas in steady decline, a programme that shifts its areas' status, the 2024
boundary break, and the heavy-tailed noise of the stress scenarios. Each works on the
generator's arrays: latent status ``eta`` (area, year), levels ``alpha``, loadings ``lam``
and cell noise ``eps`` (area, year, indicator).

Examples
--------
>>> import numpy as np
>>> alpha, lam = np.zeros((1, 2, 3)), np.ones((1, 1, 3))
>>> eta, eps = np.zeros((1, 2)), np.zeros((1, 2, 3))
>>> index_of(alpha, lam, eta, eps).tolist()
[[50.0, 50.0]]
>>> round(
...     float(index_of(alpha, lam, eta + shift_for(alpha, lam, eta, eps, 0, 1, 5.0), eps)[0, 1]), 6
... )
55.0
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from sesindex.data.boundary_change import BREAK_YEAR, changed_areas

#: How a boundary change moves an area in its first RegSO 2025 year: sd of the latent
#: status shift and of the log population factor.
BREAK_STATUS_SD = 0.3
BREAK_POPULATION_SD = 0.15


def student_t(rng: np.random.Generator, df: float, sd: float, size) -> np.ndarray:
    """Student-t draws scaled to standard deviation ``sd`` (``df`` > 2)."""
    return sd * rng.standard_t(df, size=size) / np.sqrt(df / (df - 2))


def event_years(rng: np.random.Generator, n: int, t: int, share: float) -> np.ndarray:
    """For a random ``share`` of ``n`` areas a year 1..t-1 of an event, else -1."""
    years = np.full(n, -1)
    hit = rng.choice(n, size=int(round(share * n)), replace=False)
    years[hit] = rng.integers(1, t, size=len(hit))
    return years


def index_of(alpha, lam, eta, eps) -> np.ndarray:
    """The true index (area, year) of latent status ``eta`` (percent)."""
    return 100 * expit(alpha + lam * eta[:, :, None] + eps).mean(axis=-1)


def plant_jumps(rng, eta, alpha, lam, eps, cfg):
    """Shift the status of ``cfg.jump_share`` of the areas from a random year on, by the
    amount that moves the index by ``cfg.jump_index`` points in that year (upwards for
    areas whose index is below twice that size, which cannot fall so far; else a random
    sign). Returns the new ``eta`` and each area's jump year (-1: none).
    """
    n, t = eta.shape
    year = event_years(rng, n, t, cfg.jump_share)
    index = index_of(alpha, lam, eta, eps)
    eta = eta.copy()
    for i in np.flatnonzero(year >= 0).tolist():
        y = int(year[i])
        sign = 1.0 if index[i, y] < 2 * cfg.jump_index else rng.choice([-1.0, 1.0])
        eta[i, y:] += shift_for(alpha, lam, eta, eps, i, y, sign * cfg.jump_index)
    return eta, year


def plant_decline(rng, eta, alpha, lam, eps, cfg):
    """Worsen the status of a random ``cfg.decline_share`` of the areas every year, each
    by what moves its index by ``cfg.decline_index`` points in the first year: a steady
    decline that goes on through every year of the panel. Returns the new ``eta`` and
    which areas decline.
    """
    n, t = eta.shape
    declining = np.zeros(n, bool)
    declining[rng.choice(n, size=int(round(cfg.decline_share * n)), replace=False)] = True
    eta = eta.copy()
    for i in np.flatnonzero(declining).tolist():
        eta[i] += np.arange(t) * shift_for(alpha, lam, eta, eps, i, 0, cfg.decline_index)
    return eta, declining


def shift_for(alpha, lam, eta, eps, i: int, y: int, change: float) -> float:
    """The shift of area i's status that moves its index in year y by ``change`` points
    (bisection: the index is increasing in eta).
    """
    target = (
        index_of(alpha[:, y : y + 1], lam, eta[i : i + 1, y : y + 1], eps[i : i + 1, y : y + 1])[
            0, 0
        ]
        + change
    )
    lo, hi = (0.0, 5.0) if change > 0 else (-5.0, 0.0)
    for _ in range(60):
        mid = (lo + hi) / 2
        moved = index_of(
            alpha[:, y : y + 1], lam, eta[i : i + 1, y : y + 1] + mid, eps[i : i + 1, y : y + 1]
        )[0, 0]
        lo, hi = (mid, hi) if moved < target else (lo, mid)
    return (lo + hi) / 2


def plant_programme(eta, alpha, lam, eps, codes, years, cfg):
    """Shift the listed areas' status from ``cfg.programme_start`` on, each by what moves
    its index by ``cfg.programme_index`` points in the start year.
    """
    missing = sorted(set(cfg.programme_areas) - set(codes))
    if missing:
        raise ValueError(f"programme areas not among the generated areas: {missing[:10]}")
    if cfg.programme_start not in years[1:]:
        raise ValueError(
            f"programme_start {cfg.programme_start} must be a generated year "
            f"after the first ({years[0]}-{years[-1]})"
        )
    y = list(years).index(cfg.programme_start)
    eta = eta.copy()
    for i in np.flatnonzero(np.isin(codes, cfg.programme_areas)).tolist():
        eta[i, y:] += shift_for(alpha, lam, eta, eps, i, y, cfg.programme_index)
    return eta


def break_boundaries(seed, codes, years, eta, alpha, lam, eps, pop, denom, count):
    """The 2024 boundary break (:mod:`sesindex.data.synthetic`): the changed areas' status,
    population, denominators and counts from :data:`BREAK_YEAR` on, drawn from their own stream.
    Returns (eta, p, pop, denom, count, changed) with the other cells untouched.
    """
    rng = np.random.default_rng([seed, BREAK_YEAR])
    changed = np.isin(codes, changed_areas()["area_code"])
    shift = rng.normal(0.0, BREAK_STATUS_SD, len(codes))
    factor = np.exp(rng.normal(0.0, BREAK_POPULATION_SD, len(codes)))
    cells = changed[:, None] & (np.asarray(years) >= BREAK_YEAR)[None, :]
    eta = eta + np.where(cells, shift[:, None], 0.0)
    p = expit(alpha + lam * eta[:, :, None] + eps)
    pop = np.where(cells, np.rint(pop * factor[:, None]), pop)
    denom = np.where(
        cells[:, :, None], np.maximum(np.rint(denom * factor[:, None, None]), 1), denom
    )
    redrawn = rng.binomial(denom[cells].astype(np.int64), p[cells]).astype(float)
    count = count.copy()
    count[cells] = redrawn
    return eta, p, pop, denom, count, cells

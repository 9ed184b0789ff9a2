"""Comparison areas that look treated: a warning when another programme ran in the pool.

The model's counterfactual for the treated areas rests on the comparison areas: they
pin down the years' levels and the random walk. A comparison area where another
programme ran improves after the start as no untreated area should, drags the years'
levels with it and makes the evaluated programme look worse (or better, if it
worsened). Nothing in the refit marks such an area: it has no programme shift, so its
latent status simply walks. This module measures each comparison area's walk.

The departure of comparison area i for a start year s, reference year r = s - 1 and the
m fitted years from s on, is the refit's posterior mean of

    D_i = mean_{t >= s} eta_it - eta_ir

(eta: latent disadvantage, higher = lower status; an improvement makes D_i negative).
What the model expects of an untreated area is a random walk: D_i's spread across
clean areas is the walk's step spread (and the posterior's own noise), and the pool's
own years before the start show it uncontaminated. So the null spread is the sd over
the comparison areas of the same statistic on the pre-period window ending in r
(reference r - L, the L years after it; L = min(m, the pre-period years before r)),
rescaled from L to m years by the random walk's variance of a mean over m years of a
walk, sigma^2 (m + 1)(2m + 1) / 6m. The centre c is what the years' levels left common to
the pool in the post window. A treated area among the comparisons can only pull the
lower part of the D_i down, so c is read off the upper part: c = Q_0.75(D) - 0.674 sd
(the 75th percentile of clean normal departures lies 0.674 sd above their mean), which
stays in the clean areas while fewer than three quarters of the pool are treated; the
median would move with half of them (in a matched pool of 12 with 6 treated, the
median's z of the treated reached -2.8 at most, the upper quartile's -3.0). The
standardised departure is z_i = (D_i - c) / null sd.

The bar: a comparison area is flagged when z_i < -z*, improvement beyond what the walk
gives: the direction a programme pushes (programmes raise status; a treated area
improves). With n comparison areas and S start years there are n S one-sided tests;
Bonferroni gives each the level 0.05 / (n S), so the chance that a clean pool raises any
flag is at most 5 % per evaluation. Since the null sd is estimated from the n areas and
the centre from a quartile, z_i is not standard normal: the bar is Student's t quantile
with n - 1 degrees of freedom at 1 - 0.05 / (n S), widened by sqrt(1 + 1.857 / n) (the
upper quartile's variance, p(1 - p) / phi(z_p)^2 / n = 1.857 / n times the areas').
On simulated clean pools of Gaussian walks that rate stays near 5 %, a little above at
6 years with many areas (docs/decisions.md). Heavy-tailed
steps (the jump model's) raise it: a flag is a warning to look, not a verdict. A start in
the second fitted year leaves no pre-period window, so no clean spread: its departures
are not tested (``departure_z`` NaN; the pool's own post spread instead raised too many
false alarms on the same simulated pools).

Examples
--------
>>> bar(40)  # 40 comparison areas, one start year
3.306
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

#: The family-wise false-alarm rate of :func:`departures` on a clean pool.
ALPHA = 0.05
#: The upper quartile of clean departures, in their sd above their mean
UPPER_QUARTILE = float(stats.norm.ppf(0.75))
#: The sample upper quartile's variance times n, in the departures' variance
QUARTILE_VARIANCE = 0.75 * 0.25 / float(stats.norm.pdf(UPPER_QUARTILE)) ** 2


def bar(areas: int, starts: int = 1, alpha: float = ALPHA) -> float:
    """The one-sided Bonferroni bar of the standardised departures of ``areas``
    comparison areas after ``starts`` start years, rounded to 3: Student's t quantile
    with ``areas - 1`` degrees of freedom (the null sd is estimated from as many areas),
    widened by sqrt(1 + 1.857 / n) for the upper quartile's own spread.

    Examples
    --------
    >>> bar(1000)
    3.91
    """
    tests, n = max(int(areas) * int(starts), 1), max(int(areas), 3)
    return round(
        float(stats.t.ppf(1.0 - alpha / tests, n - 1) * np.sqrt(1.0 + QUARTILE_VARIANCE / n)), 3
    )


def walk_mean_variance(m: int) -> float:
    """The variance of the mean over m years of a unit-step random walk started at 0:
    sum_k ((m - k + 1) / m)^2 = (m + 1)(2m + 1) / 6m.

    Examples
    --------
    >>> walk_mean_variance(1), walk_mean_variance(2)
    (1.0, 1.25)
    """
    return (m + 1) * (2 * m + 1) / (6 * m)


def _window_change(eta: np.ndarray, ref: int, length: int) -> np.ndarray:
    """Posterior mean over draws of mean(eta[ref+1 .. ref+length]) - eta[ref], per area
    (``eta``: draw, area, year).
    """
    return (eta[:, :, ref + 1 : ref + 1 + length].mean(axis=2) - eta[:, :, ref]).mean(axis=0)


def departures(eta: np.ndarray, years, controls, start_years) -> pd.DataFrame:
    """Each comparison area's standardised departure after each start year and whether
    it looks treated (see the module for the statistic and its bar).

    Parameters
    ----------
    eta : ndarray (draw, area, year)
        The refit's draws of the comparison areas' latent disadvantage.
    years : sequence of int
        The fitted years.
    controls : sequence of str
        The comparison areas, in ``eta``'s order.
    start_years : iterable of int
        The start years of the evaluated programmes.

    Returns
    -------
    pandas.DataFrame
        One row per comparison area: ``control``, ``departure`` (the most improved D_i
        over the start years, latent sd), ``departure_z`` (its z_i), ``looks_treated``
        (z_i below -``bar``) and ``bar``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> walk = rng.normal(0, 0.3, (30, 5)).cumsum(axis=1)  # 30 areas, 2019-2023
    >>> walk[0, 3:] -= 2.0  # area c0 improves from 2022 on
    >>> eta = walk + rng.normal(0, 0.2, (200, 30, 5))  # 200 posterior draws
    >>> d = departures(eta, range(2019, 2024), [f"c{i}" for i in range(30)], [2022])
    >>> d.loc[d["looks_treated"], "control"].tolist()
    ['c0']
    """
    years = [int(y) for y in years]
    starts = sorted({int(s) for s in start_years})
    cut = bar(len(controls), len(starts))
    z = np.full((len(starts), len(controls)), np.nan)
    change = np.zeros_like(z)
    for k, start in enumerate(starts):
        ref = years.index(start - 1)
        m = len(years) - ref - 1
        change[k] = _window_change(eta, ref, m)
        length = min(m, ref)
        if length < 1:  # no pre-period window: no clean spread to measure against
            continue
        pre = _window_change(eta, ref - length, length)
        scale = pre.std(ddof=1) * np.sqrt(walk_mean_variance(m) / walk_mean_variance(length))
        centre = np.quantile(change[k], 0.75) - UPPER_QUARTILE * scale
        z[k] = (change[k] - centre) / scale if scale > 0 else 0.0
    worst = np.nan_to_num(z, nan=np.inf).argmin(axis=0)
    cols = np.arange(len(controls))
    return pd.DataFrame(
        {
            "control": list(controls),
            "departure": change[worst, cols],
            "departure_z": z[worst, cols],
            "looks_treated": z[worst, cols] < -cut,
            "bar": cut,
        }
    )

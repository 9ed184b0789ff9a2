"""Change detection: does an area's change between two years stand out from noise?

The replicates are drawn around the *observed* rates, so everything here measures the
binomial noise of the observed change, not the chance that the area's true type changed
(true type changes are rare, so most observed changes that survive noise are still not
true changes: docs/validation.md measures it; P(the true type changed) needs the model,
``sesindex fit``). For two years, per area:

* ``p_abs_change_gt_delta`` — P(|Delta I| > delta) over joint bootstrap replicates (the
  two years' counts redrawn independently);
* ``p_type_change`` — the share of replicates in which the type differs between the
  years; ``p_survives_noise`` — for an observed type change, the share of replicates in
  which it persists (the type moves in the observed direction);
* a calibrated test of "no change in the index": z = Delta I / SE(Delta I) with the SE from
  the binomial SEs of the indicator rates (analytic, linear indices), two-sided level
  ``alpha``; ``significant_change``: the type changed and the test rejects;
* the minimum detectable change MDC = (z_{1-alpha/2} + z_{1-beta}) x SE0(Delta I), SE0 from
  the area's year-1 rates and both years' denominators (what a change must be to be
  detected with power 1 - beta given the area's population);
* the split of each observed type change into the area's own movement and the movement of
  the national mu and sigma: the type of the year-2 index under year-1 cut points
  (``type_y2_index_y1_cuts``) against the two observed types, and over replicates
  ``p_own_change`` (type changes with the cut points held at year 1) and ``p_cut_change``
  (the year-2 index typed by year-2 vs year-1 cut points), as in
  :func:`sesindex.uncertainty.draws.change_draws`.

The false-positive rate of "type changed" is measured by the change study
(:mod:`sesindex.validate.change`) on a synthetic no-change panel.

Examples
--------
>>> import numpy as np
>>> decompose(np.array([3, 3, 3]), np.array([2, 3, 2]), np.array([2, 3, 3]))
['own movement', 'no change', 'cut points (mu, sigma)']
>>> round(float(mdc(np.array([1.0]), alpha=0.05, power=0.8)[0]), 3)
2.802
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from sesindex.index.area_type import area_types
from sesindex.index.arrays import indicator_directions
from sesindex.index.spec import IndexSpec
from sesindex.uncertainty.bootstrap import bootstrap_year, year_inputs

COMPONENTS = ("own movement", "cut points (mu, sigma)", "both", "no change")


def decompose(type_y1: np.ndarray, type_y2: np.ndarray, type_y2_y1_cuts: np.ndarray) -> list[str]:
    """Which movement explains each type change (year-2 index under year-1 cut points).

    ``own movement``: the new index alone, against the old cut points, gives the new
    type; ``cut points (mu, sigma)``: against the old cut points the area keeps its old
    type, the moved cut points change it; ``both``: neither alone gives the new type.

    Examples
    --------
    >>> decompose(np.array([4]), np.array([2]), np.array([3]))
    ['both']
    """
    out = []
    for a, b, m in zip(type_y1, type_y2, type_y2_y1_cuts, strict=True):
        if a == b:
            out.append("no change")
        elif m == b:
            out.append("own movement")
        elif m == a:
            out.append("cut points (mu, sigma)")
        else:
            out.append("both")
    return out


def linear_coefficients(spec: IndexSpec, rates: np.ndarray) -> np.ndarray:
    """D index / d rate_j of a linear index (arithmetic; none, zscore or minmax), ``(J,)``.

    The normalisation constants (sd, range) of the year are held fixed.

    Examples
    --------
    >>> linear_coefficients(IndexSpec(), np.ones((4, 3))).tolist()
    [0.3333333333333333, 0.3333333333333333, 0.3333333333333333]
    """
    if spec.aggregation != "arithmetic" or spec.normalisation not in ("none", "zscore", "minmax"):
        raise ValueError(
            "analytic SEs and MDC need a linear index: arithmetic aggregation "
            f"of none/zscore/minmax values, not {spec.normalisation}/"
            f"{spec.aggregation}"
        )
    j = rates.shape[-1]
    w = np.ones(j) if spec.weights is None else np.asarray(spec.weights, float)
    w = w / w.sum()
    d = indicator_directions(spec.indicators)
    if spec.normalisation == "none":
        return w
    if spec.normalisation == "zscore":
        return w * d / np.nanstd(rates, axis=0, ddof=1)
    return w * d / (np.nanmax(rates, axis=0) - np.nanmin(rates, axis=0))


def rate_variance(rate: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Binomial variance of a rate in percent: rate (100 - rate) / n.

    Examples
    --------
    >>> float(rate_variance(np.array(10.0), np.array(100.0)))
    9.0
    """
    return rate * (100.0 - rate) / denominator


def mdc(se: np.ndarray, alpha: float = 0.05, power: float = 0.8) -> np.ndarray:
    """Minimum detectable change: (z_{1-alpha/2} + z_{power}) x SE.

    Examples
    --------
    >>> [round(float(v), 2) for v in mdc(np.array([0.5, 1.0]), alpha=0.1, power=0.5)]
    [0.82, 1.64]
    """
    return (norm.ppf(1 - alpha / 2) + norm.ppf(power)) * se


def change_table(
    ds,
    spec: IndexSpec,
    years: tuple[int, int],
    *,
    replicates: int,
    seed: int,
    delta: float,
    alpha: float,
    power: float,
    method: str = "parametric",
) -> pd.DataFrame:
    """Per area: change, its SEs, test, bootstrap probabilities, MDC, decomposition.

    Examples
    --------
    >>> from sesindex.data.synthetic import generate
    >>> ds = generate(n_areas=40, years=(2022, 2023), seed=1).dataset
    >>> t = change_table(
    ...     ds, IndexSpec(), (2022, 2023), replicates=50, seed=1, delta=1.0, alpha=0.05, power=0.8
    ... )
    >>> len(t), bool((t["mdc"] > 0).all()), bool(t["p_type_change"].between(0, 1).all())
    (40, True, True)
    """
    y1, y2 = years
    b1 = bootstrap_year(ds, spec, y1, replicates=replicates, seed=seed, method=method)
    b2 = bootstrap_year(ds, spec, y2, replicates=replicates, seed=seed, method=method)
    i1, i2 = year_inputs(ds, spec, y1), year_inputs(ds, spec, y2)
    c1, c2 = linear_coefficients(spec, i1.rates), linear_coefficients(spec, i2.rates)
    var1 = rate_variance(i1.rates, i1.denominator)
    var2 = rate_variance(i2.rates, i2.denominator)
    se = np.sqrt(var1 @ c1**2 + var2 @ c2**2)
    # under no change: the year-1 rates with both years' denominators
    se0 = np.sqrt(
        (rate_variance(i1.rates, i1.denominator) + rate_variance(i1.rates, i2.denominator)) @ c2**2
    )
    o1, o2 = b1.observed, b2.observed
    d_obs = o2.index - o1.index
    d_rep = b2.index - b1.index
    t_rep1, t_rep2 = b1.type.astype(int), b2.type.astype(int)
    step = np.sign(o2.type.astype(int) - o1.type.astype(int))
    moved = np.sign(t_rep2 - t_rep1)
    held = area_types(b2.index, b1.mu[:, None], b1.sigma[:, None])  # year-1 cuts per replicate
    z = d_obs / se
    crit = norm.ppf(1 - alpha / 2)
    cross = area_types(o2.index, o1.mu, o1.sigma)
    back = area_types(o1.index, o2.mu, o2.sigma)
    out = pd.DataFrame(
        {
            "area_code": b1.areas,
            "population": b1.population,
            f"index_{y1}": o1.index,
            f"index_{y2}": o2.index,
            "change": d_obs,
            "se_change": se,
            "se_change_bootstrap": d_rep.std(axis=0, ddof=1),
            "z": z,
            "significant": np.abs(z) > crit,
            "p_abs_change_gt_delta": (np.abs(d_rep) > delta).mean(axis=0),
            f"type_{y1}": o1.type,
            f"type_{y2}": o2.type,
            "type_changed": o1.type != o2.type,
            "p_type_change": (t_rep1 != t_rep2).mean(axis=0),
            "p_survives_noise": np.where(step != 0, (moved == step[None, :]).mean(axis=0), np.nan),
            "p_own_change": (held != t_rep1).mean(axis=0),
            "p_cut_change": (t_rep2 != held).mean(axis=0),
            "type_y2_index_y1_cuts": cross,
            "type_y1_index_y2_cuts": back,
            "mdc": mdc(se0, alpha, power),
        }
    )
    out["significant_change"] = out["type_changed"] & out["significant"]
    out["component"] = decompose(o1.type, o2.type, cross)
    out.attrs.update(mu=(float(o1.mu), float(o2.mu)), sigma=(float(o1.sigma), float(o2.sigma)))
    return out

"""Comparison areas matched on their pre-programme latent trajectory.

Programmes pick worse-off areas, and worse-off areas differ in level and often in trend.
Each treated area gets the ``k`` never-treated areas nearest to it in the posterior mean
of its latent status before the start: the level (mean over the pre-period) and the
trend (last pre-period year minus first), both standardised over the candidates;
optionally only among areas of the same county (the first two digits of the
municipality code) or municipality. Matching uses the fitted model's latent status, not
the observed index, so an area whose index was high by chance in the selection year
does not pull a control with the same luck: the regression to the mean that inflates a
naive comparison is not built in. The balance table reports standardised differences
before and after matching.

Examples
--------
>>> import numpy as np
>>> eta = np.array([[1.0, 1.1, 1.2], [0.0, 0.0, 0.0], [1.0, 1.1, 1.25], [-1, -1, -1.0]])
>>> m = match_controls(eta, [2020, 2021, 2022], ["T", "a", "b", "c"], {"T": 2022}, k=1)
>>> m.controls["control"].tolist()
['b']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sesindex.evaluation.treated import EvaluationInputError

#: How a matching may be restricted: by county (two digits) or municipality (four).
WITHIN = {"none": 0, "county": 2, "municipality": 4}


@dataclass
class Matching:
    """Matched controls (one row per treated area and control) and the balance table."""

    controls: pd.DataFrame
    balance: pd.DataFrame

    @property
    def control_areas(self) -> list[str]:
        """Every matched control, once."""
        return sorted(set(self.controls["control"]))


def pre_features(eta: np.ndarray, years: Sequence[int], start: int) -> np.ndarray:
    """(area, 2): level (mean over the years before ``start``) and trend (last minus
    first pre-period year) of each area's latent status ``eta`` (area, year).
    """
    pre = np.asarray(years) < start
    level = eta[:, pre].mean(axis=1)
    trend = eta[:, pre][:, -1] - eta[:, pre][:, 0]
    return np.stack([level, trend], axis=1)


def match_controls(
    eta: np.ndarray,
    years: Sequence[int],
    areas: Sequence[str] | np.ndarray,
    starts: Mapping[str, int],
    k: int = 5,
    within: str = "none",
    municipality: Sequence[str] | None = None,
) -> Matching:
    """``k`` nearest never-treated areas per treated area (with replacement).

    ``eta``: posterior mean latent status (area, year) of the fit; ``within``: "none",
    "county" or "municipality" (needs ``municipality``, the areas' codes).
    """
    if within not in WITHIN:
        raise EvaluationInputError(
            f"matching within {within!r} unknown: choose {', '.join(WITHIN)}"
        )
    areas = np.asarray(areas)
    index = {a: i for i, a in enumerate(areas)}
    treated = np.isin(areas, list(starts))
    pool = np.flatnonzero(~treated)
    if len(pool) < k:
        raise EvaluationInputError(
            f"only {len(pool)} never-treated areas for {k} controls per treated area"
        )
    if within != "none" and municipality is None:
        raise EvaluationInputError(f"matching within {within} needs the areas' municipality codes")
    width = WITHIN[within]
    codes = municipality if municipality is not None else [""] * len(areas)
    group = np.array([str(m)[:width] for m in codes])  # width 0: one group
    rows = []
    for start in sorted(set(starts.values())):
        feats = pre_features(eta, years, start)
        scale = feats[pool].std(axis=0)
        scale[scale == 0] = 1.0
        feats = feats / scale
        for area in sorted(a for a, s in starts.items() if s == start):
            i = index[area]
            cand = pool[group[pool] == group[i]]
            if len(cand) < k:
                raise EvaluationInputError(
                    f"area {area}: only {len(cand)} never-treated areas in its {within} "
                    f"({group[i]}) for {k} controls; match within a wider region or "
                    "ask for fewer controls"
                )
            dist = np.sqrt(((feats[cand] - feats[i]) ** 2).sum(axis=1))
            best = cand[np.argsort(dist, kind="stable")[:k]]
            rows += [
                {
                    "area_code": area,
                    "start_year": start,
                    "control": areas[c],
                    "distance": float(dist[cand == c][0]),
                }
                for c in best
            ]
    controls = pd.DataFrame(rows)
    return Matching(controls, balance_table(eta, years, areas, starts, controls))


def balance_table(eta, years, areas, starts, controls: pd.DataFrame) -> pd.DataFrame:
    """Standardised differences of the pre-period level and trend, treated minus
    comparison, against all never-treated areas and the matched ones; both over the
    same sd (of the treated and all never-treated areas, before matching), so the two
    rows compare.
    """
    areas = np.asarray(areas)
    index = {a: i for i, a in enumerate(areas)}
    pool = np.flatnonzero(~np.isin(areas, list(starts)))
    rows = []
    for start in sorted(set(starts.values())):
        feats = pre_features(eta, years, start)
        t = [index[a] for a, s in starts.items() if s == start]
        c = [index[a] for a in controls.loc[controls["start_year"] == start, "control"]]
        for f, name in enumerate(("pre_level", "pre_trend")):
            sd = feats[np.r_[t, pool], f].std(ddof=1)
            for label, comp in (("all_never_treated", pool), ("matched", c)):
                a, b = feats[t, f], feats[comp, f]
                rows.append(
                    {
                        "start_year": start,
                        "feature": name,
                        "comparison": label,
                        "treated_mean": float(a.mean()),
                        "comparison_mean": float(b.mean()),
                        "std_difference": float((a.mean() - b.mean()) / sd) if sd else 0.0,
                        "treated": len(t),
                        "comparison_areas": len(set(comp)),
                    }
                )
    return pd.DataFrame(rows)

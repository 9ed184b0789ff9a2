"""Change verdicts against synthetic truth: how precise is each verdict, how calibrated
is the probability it reads?

A changes table (``changes.csv`` of ``sesindex demo`` or ``sesindex fit``) is joined to
the true types of a synthetic panel (``truth.csv``) for every consecutive pair of years,
areas whose boundaries changed left out (their type change is not their own movement).
An observed type change is *true as observed* when the true type moved the same way
(up or down); the precision of a verdict is the share of its observed changes that are
true as observed. The calibration table bins a probability and sets the mean predicted
probability beside the observed share of true events, with its exact (Clopper-Pearson)
95 % interval; the Brier score is the mean squared difference (0 best).

``benchmarks/verdict_precision.py`` runs this on the demo's bootstrap and on a fit.

Examples
--------
>>> import pandas as pd
>>> changes = pd.DataFrame(
...     {
...         "area_code": ["a", "b", "c"],
...         "year_from": 2023,
...         "year_to": 2024,
...         "type_from": [3, 3, 4],
...         "type_to": [4, 3, 3],
...         "verdict": ["probably real", "", "uncertain"],
...     }
... )
>>> truth = pd.DataFrame(
...     {
...         "area_code": list("abcabc"),
...         "year": [2023] * 3 + [2024] * 3,
...         "type_true": [3, 3, 4, 4, 3, 4],
...     }
... )
>>> s = score_changes(changes, truth)
>>> s["true_as_observed"].tolist(), s["true_type_changed"].tolist()
([True, False, False], [True, False, False])
>>> verdict_precision(s)[["verdict", "observed_changes", "precision"]].values.tolist()
[['probably real', 1, 1.0], ['uncertain', 1, 0.0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sesindex.validate.evaluate import exact_interval

#: Bin edges of a probability; the verdicts' thresholds 0.5 and 0.9 are edges.
BINS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0)
PAIR = ["year_from", "year_to"]


def score_changes(changes: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """The consecutive pairs of ``changes`` on unchanged boundaries, with the truth.

    Adds ``true_from``, ``true_to`` (true types), ``observed_change`` (both years typed
    and the observed type differs), ``true_type_changed`` and ``true_as_observed`` (an
    observed change whose true type moved the same way).

    Parameters
    ----------
    changes : pandas.DataFrame
        ``area_code``, ``year_from``, ``year_to``, ``type_from``, ``type_to``; ``pair``
        (a fit's: only ``consecutive`` is kept) and ``boundary_changed`` when present.
    truth : pandas.DataFrame
        ``area_code``, ``year``, ``type_true`` per area and year.

    Examples
    --------
    >>> ch = pd.DataFrame(
    ...     {
    ...         "area_code": ["a"],
    ...         "year_from": 2022,
    ...         "year_to": 2023,
    ...         "type_from": [2],
    ...         "type_to": [3],
    ...     }
    ... )
    >>> tr = pd.DataFrame({"area_code": ["a", "a"], "year": [2022, 2023], "type_true": [3, 2]})
    >>> score_changes(ch, tr)[["true_type_changed", "true_as_observed"]].values.tolist()
    [[True, False]]
    """
    keep = pd.Series(True, index=changes.index)
    if "pair" in changes:
        keep &= changes["pair"] == "consecutive"
    if "boundary_changed" in changes:
        keep &= ~changes["boundary_changed"].astype(bool)
    out = changes[keep].copy()
    out["area_code"] = out["area_code"].astype(str)
    types = truth.assign(area_code=truth["area_code"].astype(str)).set_index(["area_code", "year"])[
        "type_true"
    ]
    missing = []
    for side, year in (("true_from", "year_from"), ("true_to", "year_to")):
        found = types.reindex(pd.MultiIndex.from_arrays([out["area_code"], out[year].astype(int)]))
        missing += out.loc[found.isna().to_numpy(), ["area_code", year]].values.tolist()
        out[side] = found.to_numpy()
    if missing:
        raise ValueError(
            f"the truth has no true type for {len(missing)} area-years of the "
            f"changes, e.g. {missing[:5]}"
        )
    out[["true_from", "true_to"]] = out[["true_from", "true_to"]].astype(int)
    step = np.sign(out["type_to"] - out["type_from"])
    out["observed_change"] = (out["type_from"] > 0) & (out["type_to"] > 0) & (step != 0)
    out["true_type_changed"] = out["true_from"] != out["true_to"]
    out["true_as_observed"] = out["observed_change"] & (
        np.sign(out["true_to"] - out["true_from"]) == step
    )
    return out


def verdict_precision(scored: pd.DataFrame, by=PAIR) -> pd.DataFrame:
    """Per group (default: pair of years) and verdict: observed type changes, how many
    truly changed type, how many truly moved as observed, and the precision (true as
    observed / observed) with its exact 95 % interval.

    Examples
    --------
    >>> s = pd.DataFrame(
    ...     {
    ...         "year_from": 2023,
    ...         "year_to": 2024,
    ...         "observed_change": True,
    ...         "verdict": ["x", "x", "x", "y"],
    ...         "true_type_changed": True,
    ...         "true_as_observed": [True, True, False, False],
    ...     }
    ... )
    >>> p = verdict_precision(s)
    >>> p[["verdict", "observed_changes", "true_as_observed", "precision"]].values.tolist()
    [['x', 3, 2, 0.6666666666666666], ['y', 1, 0, 0.0]]
    """
    moved = scored[scored["observed_change"]]
    rows = []
    for key, g in moved.groupby([*by, "verdict"], sort=True):
        n, k = len(g), int(g["true_as_observed"].sum())
        lo, hi = exact_interval(k, n)
        rows.append(
            {
                **dict(zip([*by, "verdict"], key, strict=True)),
                "observed_changes": n,
                "true_type_changed": int(g["true_type_changed"].sum()),
                "true_as_observed": k,
                "precision": k / n,
                "precision_lo95": lo,
                "precision_hi95": hi,
            }
        )
    return pd.DataFrame(rows)


def calibration(p, event, edges=BINS) -> tuple[pd.DataFrame, float]:
    """A probability ``p`` against the 0/1 ``event`` it predicts: per bin the mean
    predicted probability, the observed share with its exact 95 % interval and the
    count; and the Brier score, mean (p - event)^2. NaN probabilities are left out (and
    counted in ``attrs["left_out"]``).

    Bins are closed on the left, the last also on the right (p = 1 is in [0.9, 1]).

    Examples
    --------
    >>> t, b = calibration([0.05, 0.05, 0.95, 0.95], [0, 0, 1, 0], edges=(0, 0.5, 1))
    >>> t[["n", "predicted", "observed"]].values.tolist(), round(b, 4)
    ([[2.0, 0.05, 0.0], [2.0, 0.95, 0.5]], 0.2275)
    """
    p, y = np.asarray(p, float), np.asarray(event, float)
    if p.shape != y.shape:
        raise ValueError(f"{len(p)} probabilities against {len(y)} events")
    ok = ~np.isnan(p)
    p, y = p[ok], y[ok]
    edges = np.asarray(edges, float)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for b in range(len(edges) - 1):
        inside = which == b
        n, k = int(inside.sum()), int(y[inside].sum())
        lo, hi = exact_interval(k, n) if n else (np.nan, np.nan)
        rows.append(
            {
                "bin_low": edges[b],
                "bin_high": edges[b + 1],
                "n": n,
                "predicted": float(p[inside].mean()) if n else np.nan,
                "observed": k / n if n else np.nan,
                "events": k,
                "observed_lo95": lo,
                "observed_hi95": hi,
            }
        )
    table = pd.DataFrame(rows)
    table.attrs["left_out"] = int((~ok).sum())
    return table, float(np.mean((p - y) ** 2)) if len(p) else float("nan")


def precision_at(scored: pd.DataFrame, column: str, thresholds, by=PAIR) -> pd.DataFrame:
    """Precision of the rule "observed change with ``column`` >= t" for each threshold
    t, per group and pooled (group "all"): how many it flags and how many of them truly
    moved as observed.

    Examples
    --------
    >>> s = pd.DataFrame(
    ...     {
    ...         "year_from": 2023,
    ...         "year_to": 2024,
    ...         "observed_change": True,
    ...         "p": [0.95, 0.92, 0.99],
    ...         "true_as_observed": [True, False, True],
    ...     }
    ... )
    >>> precision_at(s, "p", [0.9, 0.95])[["threshold", "flagged", "precision"]].values.tolist()[:2]
    [[0.9, 3.0, 0.6666666666666666], [0.95, 2.0, 1.0]]
    """
    moved = scored[scored["observed_change"]]
    groups = [("all", moved), *((f"{a}-{b}", g) for (a, b), g in moved.groupby(list(by)))]
    rows = []
    for name, g in groups:
        for t in thresholds:
            flag = g[column] >= t
            n, k = int(flag.sum()), int(g.loc[flag, "true_as_observed"].sum())
            lo, hi = exact_interval(k, n) if n else (np.nan, np.nan)
            rows.append(
                {
                    "pairs": name,
                    "threshold": t,
                    "flagged": n,
                    "true_as_observed": k,
                    "precision": k / n if n else np.nan,
                    "precision_lo95": lo,
                    "precision_hi95": hi,
                }
            )
    return pd.DataFrame(rows)

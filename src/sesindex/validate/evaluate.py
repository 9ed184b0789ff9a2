"""Evaluation study: error rates of ``sesindex evaluate`` on programmes of known effect.

On synthetic panels (the calibrated generator, ``n_areas`` x the study's years), for each
data seed:

* **placebo groups** (no effect): G areas drawn like real programmes — among the worst
  quarter of the observed index in the year before the start — and G areas drawn at
  random; the panel is fitted once and every group evaluated against its matched
  controls. A 95 % interval that excludes 0 is a false positive.
* **planted effects**: G worse-off areas (worst quarter) get an effect of -0.5, -1 or -2
  index points from the start year (an improvement; the generator shifts each area's
  status by what moves its index that much); the panel is fitted and evaluated. Coverage
  of the true average effect on the treated (the mean of true index minus the true index
  without the programme over the treated post-start years) at 90 and 95 %, and power
  (the 95 % interval excludes 0).
* **targeting on decline** (``decline_seeds``): a share of the areas worsen steadily
  through every year; the placebo group of each size is the areas whose observed index
  worsened most before the start, as a programme aimed at declining areas would pick.
* **overlapping programmes** (``overlap_seeds``): another programme improves worse-off
  areas from the start; placebo groups from the remaining worse-off areas are evaluated
  with that programme unknown (its areas may become comparisons: the looks-treated
  warning should flag them, and the estimate refitted without the flagged areas is
  scored beside the headline) and known and excluded (``exclude=``).

Every refit runs at the settings ``sesindex evaluate`` uses (the packaged model spec's
sampler and :func:`sesindex.evaluation.refit_length`) unless the study's ``sampler``
table overrides them; the ``gate`` table says how many passed the fit gate.

Beside it on the same data, the two comparisons a reviewer asks for: a **naive
difference-in-differences** of the observed index, treated against every other area
(mean post-minus-pre change of each group, a two-sample t interval over areas), whose
bias from regression to the mean the worst-quarter placebo groups measure; and
**CausalPy's** difference-in-differences (``causalpy.DifferenceInDifferences`` with its
PyMC linear regression, ``y ~ 1 + group * post_treatment`` on the observed index, area-year
rows of the treated and every other area), the ecosystem's tool used as it is.

Examples
--------
>>> import numpy as np
>>> naive_did(
...     np.array([[1.0, 1.0, 0.0, 0.0], [2.0, 2.0, 2.0, 2.0]]),
...     np.array([True, False]),
...     np.array([False, False, True, True]),
... )["mean"]
-1.0
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sesindex.validate.replicates import ReplicateError, map_replicates


def naive_did(index: np.ndarray, treated: np.ndarray, post: np.ndarray) -> dict:
    """Difference-in-differences of the observed index (area, year): each area's mean
    post minus mean pre, treated against the rest, with a Welch 95 % interval.
    """
    change = index[:, post].mean(axis=1) - index[:, ~post].mean(axis=1)
    a, b = change[treated], change[~treated]
    diff = a.mean() - b.mean()
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    df = se**4 / (
        (a.var(ddof=1) / len(a)) ** 2 / (len(a) - 1) + (b.var(ddof=1) / len(b)) ** 2 / (len(b) - 1)
    )
    half = stats.t.ppf(0.975, df) * se
    return {"mean": float(diff), "lo95": float(diff - half), "hi95": float(diff + half)}


def causalpy_did(index: np.ndarray, treated: np.ndarray, years, start: int, seed: int) -> dict:
    """CausalPy's difference-in-differences on the observed index (area-year rows)."""
    import causalpy as cp

    a, t = np.meshgrid(np.arange(index.shape[0]), np.arange(index.shape[1]), indexing="ij")
    frame = pd.DataFrame(
        {
            "y": index.ravel(),
            "t": np.asarray(years)[t.ravel()],
            "unit": a.ravel(),
            "group": treated[a.ravel()].astype(int),
            "post_treatment": np.asarray(years)[t.ravel()] >= start,
        }
    )
    model = cp.pymc_models.LinearRegression(
        sample_kwargs={
            "draws": 500,
            "tune": 500,
            "chains": 2,
            "random_seed": seed,
            "progressbar": False,
            "nuts_sampler": "nutpie",
        }
    )
    res = cp.DifferenceInDifferences(
        frame,
        formula="y ~ 1 + group*post_treatment",
        time_variable_name="t",
        group_variable_name="group",
        model=model,
    )
    draws = np.asarray(res.causal_impact).ravel()
    lo, hi = np.quantile(draws, [0.025, 0.975])
    return {"mean": float(draws.mean()), "lo95": float(lo), "hi95": float(hi)}


def _observed_index(ds) -> np.ndarray:
    from sesindex.index import IndexSpec, compute_index

    out = compute_index(ds, IndexSpec(types_over="given_areas"))
    return out["index"].transpose("area", "year").values


def _groups(rng, observed: np.ndarray, years, start: int, size: int) -> dict:
    """Worst-quarter and random groups of ``size`` areas (positions)."""
    before = observed[:, list(years).index(start - 1)]
    worst = np.flatnonzero(before >= np.quantile(before, 0.75))
    if len(worst) < size:
        raise ValueError(
            f"the worst quarter holds {len(worst)} areas, fewer than a group "
            f"of {size}: generate more areas"
        )
    return {
        "worst_quarter": np.sort(rng.choice(worst, size, replace=False)),
        "random": np.sort(rng.choice(len(before), size, replace=False)),
    }


def _score(kind, selection, size, effect, seed, truth_att, ev, naive, cpy, **extra) -> dict:
    head = ev.effect("att_index")
    row = {
        "kind": kind,
        "selection": selection,
        "size": size,
        "effect": effect,
        "seed": seed,
        "true_att": truth_att,
        "estimate": head["mean"],
        "lo90": head["lo90"],
        "hi90": head["hi90"],
        "lo95": head["lo95"],
        "hi95": head["hi95"],
        "fit_ok": ev.info["fit_ok"],
        "refit_draws": ev.fit.spec.sampler.draws,
        "comparison_areas": ev.info["comparison_areas"],
        "looks_treated": len(ev.info["looks_treated"]),
        "pre_placebo_max_abs": float(
            ev.event_study.loc[ev.event_study["period"] == "pre", "mean"].abs().max()
        ),
        "naive_estimate": naive["mean"],
        "naive_lo95": naive["lo95"],
        "naive_hi95": naive["hi95"],
        **extra,
    }
    if cpy is not None:
        row.update(
            causalpy_estimate=cpy["mean"], causalpy_lo95=cpy["lo95"], causalpy_hi95=cpy["hi95"]
        )
    return row


def _placebo_score(kind, selection, seed, ev, observed, treated, years, opt, **extra) -> dict:
    """The row of one group with no effect (true ATT 0), evaluated as ``ev``."""
    post = np.asarray(years) >= int(opt["start"])
    cpy = (
        causalpy_did(observed, treated, years, int(opt["start"]), seed) if opt["causalpy"] else None
    )
    return _score(
        kind,
        selection,
        int(treated.sum()),
        0.0,
        seed,
        0.0,
        ev,
        naive_did(observed, treated, post),
        cpy,
        **extra,
    )


def _placebo(seed, years, opt, model_spec, rng) -> list[dict]:
    """Placebo groups of every size, worst quarter and random, on one fitted panel."""
    from sesindex.bayes import fit
    from sesindex.data.synthetic import generate
    from sesindex.evaluation import evaluate

    start = int(opt["start"])
    base = generate(n_areas=int(opt["n_areas"]), years=years, seed=seed)
    observed = _observed_index(base.dataset)
    res = fit(base.dataset, model_spec)
    areas = res.inputs.areas
    rows = []
    for g in opt["sizes"]:
        for selection, pos in _groups(rng, observed, years, start, g).items():
            starts = {str(areas[i]): start for i in pos}
            ev = evaluate(
                res, starts, k=int(opt["k"]), allow_failed_fit=True, sampler=opt["sampler"]
            )
            treated = np.isin(areas, list(starts))
            rows.append(
                _placebo_score("placebo", selection, seed, ev, observed, treated, years, opt)
            )
    return rows


def _planted(seed, size, effect, years, opt, model_spec, rng) -> list[dict]:
    """One planted improvement of ``effect`` index points on ``size`` worse-off areas."""
    from sesindex.bayes import fit
    from sesindex.data.synthetic import SyntheticConfig, generate
    from sesindex.evaluation import evaluate

    start, n = int(opt["start"]), int(opt["n_areas"])
    base = generate(n_areas=n, years=years, seed=seed)
    observed = _observed_index(base.dataset)
    pos = _groups(rng, observed, years, start, size)["worst_quarter"]
    codes = tuple(str(base.dataset["area"].values[i]) for i in pos)
    data = generate(
        n_areas=n,
        years=years,
        seed=seed,
        config=SyntheticConfig(
            programme_areas=codes, programme_start=start, programme_index=effect
        ),
    )
    truth = data.truth[data.truth["programme"]]
    true_att = float((truth["index_true"] - truth["index_counterfactual_true"]).mean())
    res = fit(data.dataset, model_spec)
    ev = evaluate(
        res,
        {c: start for c in codes},
        k=int(opt["k"]),
        allow_failed_fit=True,
        sampler=opt["sampler"],
    )
    obs = _observed_index(data.dataset)
    treated = np.isin(res.inputs.areas, codes)
    post = np.asarray(years) >= start
    cpy = causalpy_did(obs, treated, years, start, seed) if opt["causalpy"] else None
    return [
        _score(
            "planted",
            "worst_quarter",
            size,
            effect,
            seed,
            true_att,
            ev,
            naive_did(obs, treated, post),
            cpy,
        )
    ]


def _decline(seed, years, opt, model_spec, rng) -> list[dict]:
    """Targeting on decline: a share of the areas worsen steadily through every year; a
    placebo group of each size is the areas whose observed index worsened most from the
    first year to the year before the start (no effect).
    """
    from sesindex.bayes import fit
    from sesindex.data.synthetic import SyntheticConfig, generate
    from sesindex.evaluation import evaluate

    start = int(opt["start"])
    cfg = SyntheticConfig(decline_share=opt["decline_share"], decline_index=opt["decline_index"])
    data = generate(n_areas=int(opt["n_areas"]), years=years, seed=seed, config=cfg)
    observed = _observed_index(data.dataset)
    worsening = observed[:, list(years).index(start - 1)] - observed[:, 0]
    declining = data.truth.groupby("area_code", sort=False)["declining"].first()
    res = fit(data.dataset, model_spec)
    areas = res.inputs.areas
    rows = []
    for g in opt["sizes"]:
        pos = np.sort(np.argsort(-worsening, kind="stable")[:g])
        starts = {str(areas[i]): start for i in pos}
        ev = evaluate(res, starts, k=int(opt["k"]), allow_failed_fit=True, sampler=opt["sampler"])
        treated = np.isin(areas, list(starts))
        controls = ev.controls["control"].unique()
        rows.append(
            _placebo_score(
                "decline",
                "worst_pre_change",
                seed,
                ev,
                observed,
                treated,
                years,
                opt,
                treated_declining=int(declining.reindex(list(starts)).sum()),
                comparisons_declining=int(declining.reindex(controls).sum()),
            )
        )
    return rows


def _overlap(seed, years, opt, model_spec, rng) -> list[dict]:
    """Overlapping programmes: another programme improves ``overlap_areas`` worse-off areas
    by ``overlap_effect`` index points from the start; placebo groups of each of
    ``overlap_sizes`` drawn from the other worse-off areas are evaluated twice, with the
    other programme's areas unknown (they may become comparisons: the looks-treated
    warning should catch them, and the estimate is refitted without the flagged areas)
    and known and excluded.
    """
    from sesindex.bayes import fit
    from sesindex.data.synthetic import SyntheticConfig, generate
    from sesindex.evaluation import evaluate

    start, n = int(opt["start"]), int(opt["n_areas"])
    base = generate(n_areas=n, years=years, seed=seed)
    observed = _observed_index(base.dataset)
    codes = base.dataset["area"].values.astype(str)
    worst = _groups(rng, observed, years, start, int(opt["overlap_areas"]))["worst_quarter"]
    other = tuple(codes[worst])
    cfg = SyntheticConfig(
        programme_areas=other, programme_start=start, programme_index=opt["overlap_effect"]
    )
    data = generate(n_areas=n, years=years, seed=seed, config=cfg)
    observed = _observed_index(data.dataset)
    before = observed[:, list(years).index(start - 1)]
    pool = np.setdiff1d(np.flatnonzero(before >= np.quantile(before, 0.75)), worst)
    res = fit(data.dataset, model_spec)
    areas = res.inputs.areas
    rows = []
    for g in opt["overlap_sizes"]:
        if len(pool) < g:
            raise ValueError(
                f"the worst quarter holds {len(pool)} areas beside the other programme's, "
                f"fewer than a group of {g}: generate more areas or shrink overlap_sizes"
            )
        pos = np.sort(rng.choice(pool, g, replace=False))
        starts = {str(areas[i]): start for i in pos}
        treated = np.isin(areas, list(starts))
        for selection, exclude in (("unknown", None), ("excluded", list(other))):
            ev = evaluate(
                res,
                starts,
                k=int(opt["k"]),
                exclude=exclude,
                allow_failed_fit=True,
                sampler=opt["sampler"],
                refit_without_flagged=exclude is None,
            )
            flagged = set(ev.info["looks_treated"])
            pooled = set(ev.controls["control"])
            head = ev.effect("att_index")
            rows.append(
                _placebo_score(
                    "overlap",
                    selection,
                    seed,
                    ev,
                    observed,
                    treated,
                    years,
                    opt,
                    other_in_pool=len(pooled & set(other)),
                    other_flagged=len(flagged & set(other)),
                    clean_flagged=len(flagged - set(other)),
                    lo95_without_flagged=head.get("lo95_without_flagged", np.nan),
                    hi95_without_flagged=head.get("hi95_without_flagged", np.nan),
                    estimate_without_flagged=head.get("mean_without_flagged", np.nan),
                )
            )
    return rows


#: What one data seed of each kind evaluates.
KINDS = {"placebo": _placebo, "decline": _decline, "overlap": _overlap}


def _methods(rows: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """(method, lower, upper, estimate columns) of the methods ``rows`` hold: sesindex,
    the naive DiD, CausalPy's DiD, and sesindex refitted without the comparison areas
    that look treated (overlap groups whose other programme was unknown).
    """
    methods = [
        ("sesindex", "lo95", "hi95", "estimate"),
        ("naive_did", "naive_lo95", "naive_hi95", "naive_estimate"),
    ]
    if "causalpy_estimate" in rows:
        methods.append(("causalpy_did", "causalpy_lo95", "causalpy_hi95", "causalpy_estimate"))
    if "clean_lo95" in rows:
        methods.append(("sesindex_without_flagged", "clean_lo95", "clean_hi95", "clean_estimate"))
    return methods


def _with_clean_intervals(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with the interval sesindex reports once the comparison areas that look
    treated are left out (``clean_*``): the refit without them where one was made, else
    (nothing flagged) the headline itself; only where the other programme was unknown.
    """
    if "lo95_without_flagged" not in rows:
        return rows
    rows = rows.copy()
    asked = (rows["kind"] == "overlap") & (rows["selection"] == "unknown")
    for col in ("lo95", "hi95", "estimate"):
        cleaned = rows[f"{col}_without_flagged"].fillna(rows[col])
        rows[f"clean_{col}"] = cleaned.where(asked)
    return rows


def summary_tables(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """False positives, coverage and power of the model, the naive DiD and CausalPy; the
    fit gate's pass rate and the looks-treated warning, per scenario.

    Groups with no effect are those of kinds ``placebo`` (worst quarter, random),
    ``decline`` (targeting on decline) and ``overlap`` (beside another programme): a
    95 % interval that excludes 0 is a false positive. ``planted`` cells carry a known
    effect: coverage and power.
    """
    rows = _with_clean_intervals(rows)
    methods = _methods(rows)
    out = {}
    fp, cov = [], []
    for method, lo, hi, est in methods:
        have = rows[rows[lo].notna()]
        excludes = _excludes_zero(have, lo, hi)
        covers95 = (have[lo] <= have["true_att"]) & (have["true_att"] <= have[hi])
        for (kind, sel, size, effect), g in have.assign(excl=excludes, c95=covers95).groupby(
            ["kind", "selection", "size", "effect"], sort=False
        ):
            base = {
                "method": method,
                "kind": kind,
                "selection": sel,
                "size": size,
                "effect": effect,
                "replicates": len(g),
                "mean_estimate": float(g[est].mean()),
                "mean_bias": float((g[est] - g["true_att"]).mean()),
            }
            if kind != "planted":
                fp.append({**base, **false_positive_share(int(g["excl"].sum()), len(g))})
            else:
                row = {
                    **base,
                    "power": float(g["excl"].mean()),
                    "coverage95": float(g["c95"].mean()),
                }
                if method == "sesindex":
                    row["coverage90"] = float(
                        ((g["lo90"] <= g["true_att"]) & (g["true_att"] <= g["hi90"])).mean()
                    )
                cov.append(row)
    out["false_positives"] = pd.DataFrame(fp)
    out["false_positives_pooled"] = _pooled(rows, methods)
    out["planted"] = pd.DataFrame(cov)
    out["coverage_pooled"] = _coverage_pooled(rows, methods)
    out["gate"] = gate_table(rows)
    out["warning"] = warning_table(rows)
    out["standardised_errors"] = standardised_errors(rows, methods)
    return out


def standardised_errors(rows: pd.DataFrame, methods) -> pd.DataFrame:
    """Whether the intervals are as wide as the errors they should hold, per method, kind,
    selection and size, and pooled per kind and selection and over all groups.

    Each group's error is its estimate less the true effect, over the interval's own
    standard deviation, the 95 % interval's half-width over 1.959964 (the normal
    approximation of the posterior or sampling distribution). If the intervals are right
    the errors are standard normal: their mean square is 1, and its sum over n groups is
    chi-square with n degrees of freedom. ``p_too_narrow`` is that sum's upper tail (small:
    the errors are larger than the intervals say). Unlike a count of intervals that
    exclude 0, this uses every group's error, so a cell of 12 groups can tell intervals
    1.3 times too narrow from right. Groups of one data seed share a fit, so the test is
    approximate.

    Examples
    --------
    >>> rows = pd.DataFrame(
    ...     {
    ...         "kind": "placebo",
    ...         "selection": "random",
    ...         "size": 10,
    ...         "true_att": 0.0,
    ...         "estimate": [1.0, -1.0],
    ...         "lo95": [-0.959964, -2.959964],
    ...         "hi95": [2.959964, 0.959964],
    ...     }
    ... )
    >>> t = standardised_errors(rows, [("sesindex", "lo95", "hi95", "estimate")])
    >>> t[["size", "groups", "mean_square"]].round(3).values.tolist()[0]
    ['10', 2, 1.0]
    """
    z95 = float(stats.norm.ppf(0.975))
    out = []
    for method, lo, hi, est in methods:
        have = rows[rows[lo].notna()]
        z = (have[est] - have["true_att"]) / ((have[hi] - have[lo]) / (2 * z95))
        have = have.assign(_z2=z**2)
        cells = [
            *(
                ((kind, sel, str(size)), g)
                for (kind, sel, size), g in have.groupby(["kind", "selection", "size"], sort=False)
            ),
            *(
                ((kind, sel, "all"), g)
                for (kind, sel), g in have.groupby(["kind", "selection"], sort=False)
            ),
            (("all", "all", "all"), have),
        ]
        for (kind, sel, size), g in cells:
            total = float(g["_z2"].sum())
            out.append(
                {
                    "method": method,
                    "kind": kind,
                    "selection": sel,
                    "size": size,
                    "groups": len(g),
                    "mean_square": total / len(g),
                    "width_ratio": float(np.sqrt(total / len(g))),
                    "p_too_narrow": float(stats.chi2.sf(total, len(g))),
                }
            )
    return pd.DataFrame(out)


def gate_table(rows: pd.DataFrame) -> pd.DataFrame:
    """How many evaluation refits passed the fit gate, per scenario (kind and selection)
    and over all, with exact binomial 95 % intervals.

    Examples
    --------
    >>> rows = pd.DataFrame(
    ...     {"kind": "placebo", "selection": ["random"] * 3, "fit_ok": [True, True, False]}
    ... )
    >>> gate_table(rows)[["kind", "refits", "passed"]].values.tolist()
    [['placebo', 3, 2], ['all', 3, 2]]
    """
    out = []
    groups = [*rows.groupby(["kind", "selection"], sort=False), (("all", "all"), rows)]
    for (kind, sel), g in groups:
        passed = int(g["fit_ok"].sum())
        lo, hi = exact_interval(passed, len(g))
        out.append(
            {
                "kind": kind,
                "selection": sel,
                "refits": len(g),
                "passed": passed,
                "pass_rate": passed / len(g),
                "pass_lo95": lo,
                "pass_hi95": hi,
            }
        )
    return pd.DataFrame(out)


def warning_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The looks-treated warning per scenario: among comparison areas that had another
    programme (``other_in_pool``), the share flagged (its sensitivity); among the
    others, the share flagged (false alarms), with exact binomial 95 % intervals
    (comparisons of one group share its refit: approximate).

    Examples
    --------
    >>> rows = pd.DataFrame(
    ...     {
    ...         "kind": "placebo",
    ...         "selection": "random",
    ...         "comparison_areas": [30, 30],
    ...         "looks_treated": [1, 0],
    ...     }
    ... )
    >>> warning_table(rows)[["areas", "flagged"]].values.tolist()
    [[60, 1]]
    """
    rows = rows.copy()
    other = rows["other_in_pool"] if "other_in_pool" in rows else pd.Series(0, rows.index)
    hit = rows["other_flagged"] if "other_flagged" in rows else pd.Series(0, rows.index)
    rows["_other"], rows["_hit"] = other.fillna(0), hit.fillna(0)
    out = []
    for (kind, sel), g in rows.groupby(["kind", "selection"], sort=False):
        parts = [
            ("other programme", g["_other"].sum(), g["_hit"].sum()),
            (
                "never treated",
                (g["comparison_areas"] - g["_other"]).sum(),
                (g["looks_treated"] - g["_hit"]).sum(),
            ),
        ]
        for comparisons, n, k in parts:
            if n > 0:
                lo, hi = exact_interval(int(k), int(n))
                out.append(
                    {
                        "kind": kind,
                        "selection": sel,
                        "comparisons": comparisons,
                        "areas": int(n),
                        "flagged": int(k),
                        "flag_rate": k / n,
                        "flag_lo95": lo,
                        "flag_hi95": hi,
                    }
                )
    return pd.DataFrame(out)


def _coverage_pooled(rows: pd.DataFrame, methods) -> pd.DataFrame:
    """Planted effects of every size and effect together, per method: how many intervals
    cover the true average effect on the treated (95 %, and 90 % for sesindex), with
    exact binomial 95 % intervals of the coverage (cells of one seed share its data, so
    the interval is an approximation).
    """
    planted = rows[rows["kind"] == "planted"]
    out = []
    for method, lo, hi, _ in methods if len(planted) else ():
        if planted[lo].isna().all():  # a method with no interval for planted cells
            continue
        levels = [("95", lo, hi)] + ([("90", "lo90", "hi90")] if method == "sesindex" else [])
        for level, a, b in levels:
            covered = int(
                ((planted[a] <= planted["true_att"]) & (planted["true_att"] <= planted[b])).sum()
            )
            lo95, hi95 = exact_interval(covered, len(planted))
            out.append(
                {
                    "method": method,
                    "level": int(level),
                    "cells": len(planted),
                    "data_seeds": int(planted["seed"].nunique()),
                    "covered": covered,
                    "coverage": covered / len(planted),
                    "coverage_lo95": lo95,
                    "coverage_hi95": hi95,
                }
            )
    return pd.DataFrame(out)


def _excludes_zero(rows: pd.DataFrame, lo: str, hi: str) -> pd.Series:
    """Whether each row's interval (columns ``lo``, ``hi``) excludes 0: a flagged effect."""
    return (rows[lo] > 0) | (rows[hi] < 0)


def false_positive_share(flagged: int, groups: int) -> dict:
    """The share of placebo groups flagged, with its exact (Clopper-Pearson) 95 % interval.

    Examples
    --------
    >>> r = false_positive_share(1, 36)
    >>> round(r["false_positive_rate"], 4), round(r["fp_lo95"], 4), round(r["fp_hi95"], 4)
    (0.0278, 0.0007, 0.1453)
    """
    lo, hi = exact_interval(flagged, groups)
    return {
        "false_positives": flagged,
        "false_positive_rate": flagged / groups,
        "fp_lo95": lo,
        "fp_hi95": hi,
    }


def exact_interval(k: int, n: int) -> tuple[float, float]:
    """The exact (Clopper-Pearson) 95 % interval of a share of k in n.

    Examples
    --------
    >>> [round(v, 3) for v in exact_interval(3, 72)]
    [0.009, 0.117]
    """
    ci = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
    return float(ci.low), float(ci.high)


def _pooled(rows: pd.DataFrame, methods) -> pd.DataFrame:
    """Groups with no effect of every size together, per method, scenario (kind) and
    selection (and all selections of the kind). Groups of one data seed share its fit and
    overlap in their controls, so the binomial interval, which takes them as
    independent, is an approximation.
    """
    null = rows[rows["kind"] != "planted"]
    out = []
    for method, lo, hi, _ in methods:
        have = null[null[lo].notna()]
        excludes = _excludes_zero(have, lo, hi)
        for kind in have["kind"].unique():
            own = have["kind"] == kind
            for sel in [*have.loc[own, "selection"].unique(), "all"]:
                pick = excludes[own] if sel == "all" else excludes[own & (have["selection"] == sel)]
                out.append(
                    {
                        "method": method,
                        "kind": kind,
                        "selection": sel,
                        "groups": len(pick),
                        "data_seeds": int(have.loc[pick.index, "seed"].nunique()),
                        **false_positive_share(int(pick.sum()), len(pick)),
                    }
                )
    return pd.DataFrame(out)


def _figures(out, tables: dict, title: str) -> None:
    planted = tables["planted"]
    fig, axes = out.figure(1, 2, size=(11.0, 4.4))
    if planted.empty:  # a placebo-only study (``effects = []``)
        axes[0].text(
            0.5, 0.5, "no planted effects in this study", ha="center", transform=axes[0].transAxes
        )
    for method, g in planted.groupby("method", sort=False) if len(planted) else ():
        for size, h in g.groupby("size"):
            axes[0].plot(
                -h["effect"],
                h["power"],
                marker="o",
                ls="-" if method == "sesindex" else ":",
                label=f"{method}, {size} areas",
            )
    axes[0].set_xlabel("Planted improvement (index points)")
    axes[0].set_ylabel("Power (95 % interval excludes 0)")
    axes[0].set_title("Power")
    if len(planted):
        axes[0].legend(fontsize=6)
    fp = tables["false_positives_pooled"]
    if fp.empty:  # a planted-only study (``placebo_seeds = 0``)
        axes[1].text(
            0.5, 0.5, "no placebo groups in this study", ha="center", transform=axes[1].transAxes
        )
        fp = pd.DataFrame(
            columns=["method", "kind", "selection", "groups", "false_positive_rate"]
            + ["fp_lo95", "fp_hi95"]
        )
    fp = fp[fp["selection"] != "all"]
    labels = [f"{r.method}\n{r.kind} {r.selection} ({r.groups})" for r in fp.itertuples()]
    rate = fp["false_positive_rate"]
    axes[1].barh(
        range(len(fp)),
        rate,
        color="#4a78b5",
        xerr=[rate - fp["fp_lo95"], fp["fp_hi95"] - rate],
        ecolor="0.4",
        capsize=2,
        error_kw={"lw": 0.7},
    )
    axes[1].axvline(0.05, color="firebrick", ls="--", lw=0.8, label="5 %")
    axes[1].set_yticks(range(len(fp)), labels, fontsize=6)
    axes[1].set_xlabel("False-positive rate (groups of no effect, every size)")
    axes[1].set_title("Groups of no effect")
    axes[1].legend(fontsize=7)
    fig.suptitle(title)
    out.save(
        fig,
        "power_and_false_positives",
        "power curves and placebo false-positive "
        "rates: sesindex evaluate, the naive DiD and CausalPy's DiD",
    )


#: the summary tables a study writes (when it has their kind of group) and what they hold
TABLE_NOTES = {
    "false_positives": "groups of no effect (placebo, decline, overlap) per size: share whose "
    "95 % interval excludes 0, and the mean estimate (true effect 0)",
    "false_positives_pooled": "groups of no effect of every size together, per scenario: share "
    "whose 95 % interval excludes 0, with its exact binomial 95 % interval "
    "(groups of one seed share a fit: approximate)",
    "gate": "evaluation refits that passed the packaged fit gate, per scenario, with an "
    "exact binomial 95 % interval",
    "warning": "the looks-treated warning: comparison areas flagged, among those that had "
    "another programme and among the never treated, with exact binomial 95 % intervals",
    "planted": "planted effects: power, coverage of the true ATT, mean bias",
    "standardised_errors": "every group's error (estimate less the true effect) over its "
    "interval's standard deviation: the mean square (1 if the intervals are right), the "
    "factor by which they would have to widen, and a chi-square test that they are too "
    "narrow, per size, pooled per scenario and over all",
    "coverage_pooled": "planted effects of every size and effect together: intervals "
    "covering the true ATT, with an exact binomial 95 % interval (cells "
    "of one seed share its data: approximate)",
}


def _evaluate_job(job: tuple, *, years, opt, model_spec) -> tuple[list[dict], dict]:
    """One data seed's evaluations (a picklable unit for
    :mod:`sesindex.validate.replicates`): its rows and its log entry.
    """
    kind, seed, size, effect = job
    t = time.perf_counter()
    entry: dict[str, Any] = {"status": "ok", "error": ""}
    rows: list[dict] = []
    try:
        rng = np.random.default_rng([seed, 11])
        rows = (
            _planted(seed, size, effect, years, opt, model_spec, rng)
            if kind == "planted"
            else KINDS[kind](seed, years, opt, model_spec, rng)
        )
    except Exception as err:  # noqa: BLE001 - recorded in replicates.csv
        entry.update(status="error", error=f"{type(err).__name__}: {err}"[:300])
    entry["seconds"] = round(time.perf_counter() - t, 1)
    return rows, entry


def run(spec, data, out, engine=None) -> dict:
    """The evaluation study of ``spec`` (``[evaluate]``, :class:`sesindex.schemas.EvaluateOptions`:
    ``model``, ``n_areas``, ``start``, ``seeds`` (data seeds of placebo groups and planted
    effects, unless ``placebo_seeds`` or ``planted_seeds`` give each its own count),
    ``sizes``, ``effects``, ``k``, ``causalpy``, the scenarios ``decline_*`` and
    ``overlap_*``, and ``sampler``: overrides of the model spec's sampler, which the
    refits then use instead of what ``sesindex evaluate`` runs);
    ``engine`` (:class:`sesindex.validate.replicates.Engine`): where the replicates run.
    """
    from dataclasses import replace

    from sesindex.bayes import load_model_spec
    from sesindex.bayes.spec import replicate_sampler
    from sesindex.schemas import EvaluateOptions

    options = EvaluateOptions(**spec.options)
    opt = options.model_dump()
    opt["sampler"] = options.sampler.model_dump(exclude_unset=True)  # overrides only
    model_spec = load_model_spec(opt.get("model", "models/latent_factor.toml"))
    model_spec = replace(
        model_spec, years=None, sampler=replicate_sampler(model_spec.sampler, opt["sampler"])
    )
    years = tuple(int(y) for y in spec.years)
    n_placebo, n_planted = (
        int(opt["seeds"] if opt.get(k) is None else opt[k])
        for k in ("placebo_seeds", "planted_seeds")
    )
    jobs = [("placebo", spec.seed + s, None, 0.0) for s in range(n_placebo)]
    jobs += [
        (kind, spec.seed + offset + s, None, 0.0)
        for kind, offset in (("decline", 200), ("overlap", 300))
        for s in range(int(opt[f"{kind}_seeds"]))
    ]
    jobs += [
        ("planted", spec.seed + 100 + s, size, effect)
        for s in range(n_planted)
        for size in opt["sizes"]
        for effect in opt["effects"]
    ]
    if not jobs:
        raise ValueError(
            "the evaluate study has no data seeds to run: placebo_seeds and "
            "planted_seeds (or seeds) are 0, or effects/sizes are empty"
        )
    fn = partial(_evaluate_job, years=years, opt=opt, model_spec=model_spec)
    done = {}
    for i, got in map_replicates(fn, jobs, engine):
        kind, seed, size, effect = jobs[i]
        if isinstance(got, ReplicateError):
            got = ([], {"status": "error", "error": str(got)[:300], "seconds": None})
        done[i] = (got[0], {"kind": kind, "seed": seed, "size": size, "effect": effect, **got[1]})
        if opt.get("progress"):
            print(
                f"evaluate study {kind} seed {seed} size {size} effect {effect}: "
                f"{done[i][1]['status']} ({done[i][1]['seconds']} s; {len(done)} of "
                f"{len(jobs)})",
                flush=True,
            )
    rows = [row for i in sorted(done) for row in done[i][0]]
    log = [done[i][1] for i in sorted(done)]
    out.table("replicates", pd.DataFrame(log), "one row per data seed: status, seconds")
    if not rows:
        raise RuntimeError(f"every evaluation replicate failed: {[e['error'] for e in log][:3]}")
    frame = pd.DataFrame(rows)
    out.table(
        "estimates",
        frame,
        "every evaluated group: its true effect, the sesindex "
        "estimate with 90/95 % intervals, the naive DiD and CausalPy's DiD",
    )
    tables = summary_tables(frame)
    for name, note in TABLE_NOTES.items():  # a study without placebos (or planted
        if len(tables[name]):  # effects) writes none of their tables
            out.table(name, tables[name], note)
    _figures(out, tables, spec.title)
    fp = tables["false_positives"]
    pooled = tables["false_positives_pooled"]
    return {
        "replicates": len(log),
        "false_positive_rate_pooled": {
            f"{r.method}|{r.kind}|{r.selection}": [
                round(r.false_positive_rate, 3),
                round(r.fp_lo95, 3),
                round(r.fp_hi95, 3),
            ]
            for r in pooled.itertuples()
        },
        "failed": int(sum(e["status"] != "ok" for e in log)),
        "false_positive_rate": {
            f"{r.method}|{r.kind}|{r.selection}|{r.size}": round(r.false_positive_rate, 3)
            for r in fp.itertuples()
        },
        "planted": {
            f"{r.method}|{r.size}|{r.effect}": {
                "power": round(r.power, 3),
                "coverage95": round(r.coverage95, 3),
                "mean_bias": round(r.mean_bias, 3),
            }
            for r in tables["planted"].itertuples()
        },
        "coverage_pooled": {
            f"{r.method}|{r.level}": [
                r.covered,
                r.cells,
                round(r.coverage_lo95, 3),
                round(r.coverage_hi95, 3),
            ]
            for r in tables["coverage_pooled"].itertuples()
        },
        "gate_passed": {
            f"{r.kind}|{r.selection}": [r.passed, r.refits] for r in tables["gate"].itertuples()
        },
        "looks_treated": {
            f"{r.kind}|{r.selection}|{r.comparisons}": [r.flagged, r.areas]
            for r in tables["warning"].itertuples()
        },
        "standardised_errors_mean_square": {
            f"{r.method}|{r.kind}|{r.selection}|{r.size}": [
                round(r.mean_square, 3),
                r.groups,
                round(r.p_too_narrow, 3),
            ]
            for r in tables["standardised_errors"].itertuples()
            if r.method == "sesindex"
        },
    }

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

#: Defaults of the ``[evaluate]`` table.
DEFAULTS = {
    "n_areas": 400,
    "start": 2021,
    "seeds": 6,
    "sizes": [10, 30, 100],
    "effects": [-0.5, -1.0, -2.0],
    "k": 3,
    "causalpy": True,
    "sampler": {"draws": 1000},
}


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


def _score(kind, selection, size, effect, seed, truth_att, ev, naive, cpy) -> dict:
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
        "comparison_areas": ev.info["comparison_areas"],
        "pre_placebo_max_abs": float(
            ev.event_study.loc[ev.event_study["period"] == "pre", "mean"].abs().max()
        ),
        "naive_estimate": naive["mean"],
        "naive_lo95": naive["lo95"],
        "naive_hi95": naive["hi95"],
    }
    if cpy is not None:
        row.update(
            causalpy_estimate=cpy["mean"], causalpy_lo95=cpy["lo95"], causalpy_hi95=cpy["hi95"]
        )
    return row


def _replicate(kind, seed, size, effect, years, opt, model_spec, rng) -> list[dict]:
    """One data seed: the placebo groups of every size, or one planted effect."""
    from sesindex.bayes import fit
    from sesindex.data.synthetic import SyntheticConfig, generate
    from sesindex.evaluation import evaluate

    start, n = int(opt["start"]), int(opt["n_areas"])
    base = generate(n_areas=n, years=years, seed=seed)
    observed = _observed_index(base.dataset)
    post = np.asarray(years) >= start
    rows = []
    if kind == "placebo":
        res = fit(base.dataset, model_spec)
        areas = res.inputs.areas
        for g in opt["sizes"]:
            for selection, pos in _groups(rng, observed, years, start, g).items():
                starts = {str(areas[i]): start for i in pos}
                ev = evaluate(
                    res, starts, k=int(opt["k"]), allow_failed_fit=True, sampler=opt["sampler"]
                )
                treated = np.isin(areas, list(starts))
                cpy = (
                    causalpy_did(observed, treated, years, start, seed) if opt["causalpy"] else None
                )
                rows.append(
                    _score(
                        "placebo",
                        selection,
                        g,
                        0.0,
                        seed,
                        0.0,
                        ev,
                        naive_did(observed, treated, post),
                        cpy,
                    )
                )
        return rows
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


def summary_tables(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """False positives, coverage and power of the model, the naive DiD and CausalPy."""
    out = {}
    methods = [
        ("sesindex", "lo95", "hi95", "estimate"),
        ("naive_did", "naive_lo95", "naive_hi95", "naive_estimate"),
    ]
    if "causalpy_estimate" in rows:
        methods.append(("causalpy_did", "causalpy_lo95", "causalpy_hi95", "causalpy_estimate"))
    fp, cov = [], []
    for method, lo, hi, est in methods:
        excludes = _excludes_zero(rows, lo, hi)
        covers95 = (rows[lo] <= rows["true_att"]) & (rows["true_att"] <= rows[hi])
        for (kind, sel, size, effect), g in rows.assign(excl=excludes, c95=covers95).groupby(
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
            if kind == "placebo":
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
    return out


def _coverage_pooled(rows: pd.DataFrame, methods) -> pd.DataFrame:
    """Planted effects of every size and effect together, per method: how many intervals
    cover the true average effect on the treated (95 %, and 90 % for sesindex), with
    exact binomial 95 % intervals of the coverage (cells of one seed share its data, so
    the interval is an approximation).
    """
    planted = rows[rows["kind"] == "planted"]
    out = []
    for method, lo, hi, _ in methods if len(planted) else ():
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
    """Placebo groups of every size together, per method and selection (and both
    selections). Groups of one data seed share its fit and overlap in their controls, so
    the binomial interval, which takes them as independent, is an approximation.
    """
    placebo = rows[rows["kind"] == "placebo"]
    out = []
    for method, lo, hi, _ in methods:
        excludes = _excludes_zero(placebo, lo, hi)
        for sel in [*placebo["selection"].unique(), "all"]:
            pick = excludes if sel == "all" else excludes[placebo["selection"] == sel]
            if len(pick):
                out.append(
                    {
                        "method": method,
                        "selection": sel,
                        "groups": len(pick),
                        "data_seeds": int(placebo.loc[pick.index, "seed"].nunique()),
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
    axes[0].legend(fontsize=6)
    fp = tables["false_positives"]
    if fp.empty:  # a planted-only study (``placebo_seeds = 0``)
        axes[1].text(
            0.5, 0.5, "no placebo groups in this study", ha="center", transform=axes[1].transAxes
        )
        fp = pd.DataFrame(
            columns=["method", "selection", "size", "false_positive_rate", "fp_lo95", "fp_hi95"]
        )
    labels = [f"{r.method}\n{r.selection} {r.size}" for r in fp.itertuples()]
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
    axes[1].set_xlabel("False-positive rate (placebo groups)")
    axes[1].set_title("Placebo groups")
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
    "false_positives": "placebo groups: share whose 95 % interval excludes 0, and the mean "
    "estimate (true effect 0)",
    "false_positives_pooled": "placebo groups of every size together: share whose 95 % "
    "interval excludes 0, with its exact binomial 95 % interval "
    "(groups of one seed share a fit: approximate)",
    "planted": "planted effects: power, coverage of the true ATT, mean bias",
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
        rows = _replicate(
            kind, seed, size, effect, years, opt, model_spec, np.random.default_rng([seed, 11])
        )
    except Exception as err:  # noqa: BLE001 - recorded in replicates.csv
        entry.update(status="error", error=f"{type(err).__name__}: {err}"[:300])
    entry["seconds"] = round(time.perf_counter() - t, 1)
    return rows, entry


def run(spec, data, out, engine=None) -> dict:
    """The evaluation study of ``spec`` (``[evaluate]``: ``model``, ``n_areas``,
    ``start``, ``seeds`` (data seeds of both kinds, unless ``placebo_seeds`` or
    ``planted_seeds`` give each its own count), ``sizes``, ``effects``, ``k``,
    ``causalpy``, ``sampler``);
    ``engine`` (:class:`sesindex.validate.replicates.Engine`): where the replicates run.
    """
    from dataclasses import replace

    from sesindex.bayes import load_model_spec
    from sesindex.bayes.spec import replicate_sampler

    opt = {**DEFAULTS, **spec.options}
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
            f"{r.method}|{r.selection}": [
                round(r.false_positive_rate, 3),
                round(r.fp_lo95, 3),
                round(r.fp_hi95, 3),
            ]
            for r in pooled.itertuples()
        },
        "failed": int(sum(e["status"] != "ok" for e in log)),
        "false_positive_rate": {
            f"{r.method}|{r.selection}|{r.size}": round(r.false_positive_rate, 3)
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
            f"{r.method}|{r.level}": [r.covered, r.cells]
            for r in tables["coverage_pooled"].itertuples()
        },
    }

"""Stress study: is the Bayesian panel calibrated outside its own assumptions?

A model checked only on data it generated proves little. Each scenario of the synthetic
generator (:data:`sesindex.data.synthetic.SCENARIOS`) breaks one assumption of the fitted
model, or removes every change: ``baseline`` (the calibrated default panel), ``trends``
(indicator-specific national trends of 0.02-0.06 logit a year plus a common drift of the
latent status), ``jumps`` (5 % of areas jump by about 2 index points in one year),
``second_factor`` (in 5 % of areas a second factor moves V1 alone), ``heavy_tails``
(Student-t persistent area x indicator deviations, 3 degrees of freedom) and ``static``
(nothing changes at all). For every scenario and data seed the study generates a panel,
fits the model spec it names (the production settings) and scores the posterior against
the truth:

* coverage of the 50/90/95 % central intervals (:func:`coverage_rows`) of the index in
  every area and year (``index``), of consecutive changes (``change``), of first-to-last
  changes (``change_first_last``), of the planted events' changes (``change_jumped``,
  ``change_second_factor``), and of the national mean and sd (``mu``, ``sigma``);
* the Brier score and a reliability diagram of P(type = k) against the true types;
* false-positive rate and power of the change flags (:func:`flag_rows`) at the stated
  thresholds: "material" P(|dI| > delta) >= p_material, and "direction" P(dI > 0) >= p_sign
  or <= 1 - p_sign (a wrong direction is the error).

Types are relative to the simulated areas (they are the country of each replicate), for
the truth and the posterior alike. Every fit is recorded with its gate and timings
(``replicates.csv``); a failed fit is reported, never dropped.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> truth = np.zeros(2000)
>>> draws = rng.normal(0, 1, (400, 2000)) + rng.normal(0, 1, 2000)  # calibrated
>>> rows = coverage_rows("x", draws, truth, (0.9,))
>>> rows[0]["quantity"], abs(rows[0]["covered"] / rows[0]["cells"] - 0.9) < 0.03
('x', True)
"""

from __future__ import annotations

import time
from functools import partial

import numpy as np
import pandas as pd

from sesindex.bayes.sampling.trace import group
from sesindex.validate.calibration import brier, plot_reliability, reliability
from sesindex.validate.replicates import ReplicateError, map_replicates

LEVELS = (0.5, 0.9, 0.95)
#: The calibration targets: 90 % coverage within the band for these quantities ...
TARGET_BAND = (0.87, 0.93)
TARGET_QUANTITIES = ("index", "change", "mu")
#: ... and at least this for the jumped areas' changes.
TARGET_JUMPED = 0.80


def coverage_rows(quantity: str, draws: np.ndarray, truth: np.ndarray, levels=LEVELS) -> list[dict]:
    """Per level, how many true values lie in the central interval of ``draws``.

    ``draws`` (draw, ...) and ``truth`` (...) of the same trailing shape; NaN truths
    (cells without the quantity) are skipped.
    """
    keep = np.isfinite(truth)
    if not keep.any():
        return []
    d, t = draws[:, keep], truth[keep]
    rows = []
    for level in levels:
        lo, hi = np.quantile(d, [(1 - level) / 2, (1 + level) / 2], axis=0)
        rows.append(
            {
                "quantity": quantity,
                "level": level,
                "covered": int(((lo <= t) & (t <= hi)).sum()),
                "cells": int(t.size),
            }
        )
    return rows


def type_probabilities(index: np.ndarray) -> np.ndarray:
    """P(type = k) (area, year, 5) from index draws (draw, area, year), typed per draw
    over that draw's own mu and sigma (ddof 1).

    Examples
    --------
    >>> import numpy as np
    >>> ix = np.repeat(np.array([[[1.0], [2.0], [3.0], [30.0]]]), 5, axis=0)
    >>> type_probabilities(ix)[3, 0].tolist()
    [0.0, 1.0, 0.0, 0.0, 0.0]
    """
    from sesindex.index.area_type import area_types

    mu = index.mean(axis=1, keepdims=True)
    sd = index.std(axis=1, ddof=1, keepdims=True)
    types = area_types(index, mu, sd)
    return np.stack([(types == k).mean(axis=0) for k in range(1, 6)], axis=-1)


def flag_rows(
    changes: np.ndarray,
    truth: np.ndarray,
    pair: str,
    delta: float,
    p_material: float,
    p_sign: float,
) -> list[dict]:
    """False positives and power of the two change flags over ``changes`` (draw, pair).

    "material": P(|dI| > delta) >= p_material; a false positive when the true |dI| <=
    delta, power over the pairs whose true |dI| > delta. "direction": P(dI > 0) >=
    p_sign or <= 1 - p_sign; an error when the true change has the other sign (or is
    0, as in the static scenario), power over the pairs whose true |dI| > delta.
    """
    material = (np.abs(changes) > delta).mean(axis=0) >= p_material
    p_up = (changes > 0).mean(axis=0)
    direction = np.where(p_up >= p_sign, 1, np.where(p_up <= 1 - p_sign, -1, 0))
    real = np.abs(truth) > delta
    wrong = (direction != 0) & (direction != np.sign(truth))
    return [
        {
            "pair": pair,
            "flag": "material",
            "threshold": f"P(|dI|>{delta:g})>={p_material:g}",
            "pairs": int(truth.size),
            "flagged": int(material.sum()),
            "false_positives": int((material & ~real).sum()),
            "negatives": int((~real).sum()),
            "true_positives": int((material & real).sum()),
            "positives": int(real.sum()),
        },
        {
            "pair": pair,
            "flag": "direction",
            "threshold": f"P(dI>0)>={p_sign:g} or <={1 - p_sign:.2g}",
            "pairs": int(truth.size),
            "flagged": int((direction != 0).sum()),
            "false_positives": int(wrong.sum()),
            "negatives": int(truth.size),
            "true_positives": int(((direction != 0) & ~wrong & real).sum()),
            "positives": int(real.sum()),
        },
    ]


def score_replicate(index: np.ndarray, truth: pd.DataFrame, areas, years, opt: dict) -> dict:
    """Every score of one fit: coverage rows, type probabilities, flag rows."""
    t = truth.set_index(["area_code", "year"])

    def grid(col):
        return t[col].unstack().loc[list(areas), list(years)].to_numpy()

    true = grid("index_true").astype(float)
    levels = tuple(opt["levels"])
    dix, dtrue = np.diff(index, axis=2), np.diff(true, axis=1)
    rows = coverage_rows("index", index, true, levels)
    rows += coverage_rows("change", dix, dtrue, levels)
    first_last, true_fl = index[:, :, -1] - index[:, :, 0], true[:, -1] - true[:, 0]
    rows += coverage_rows("change_first_last", first_last, true_fl, levels)
    for event in ("jump", "second_factor"):
        hit = grid(event)[:, 1:].astype(bool)
        rows += coverage_rows(
            f"change_{'jumped' if event == 'jump' else event}",
            dix,
            np.where(hit, dtrue, np.nan),
            levels,
        )
    rows += coverage_rows("mu", index.mean(axis=1), true.mean(axis=0), levels)
    rows += coverage_rows("sigma", index.std(axis=1, ddof=1), true.std(axis=0, ddof=1), levels)
    flags = flag_rows(
        dix.reshape(len(dix), -1),
        dtrue.ravel(),
        "consecutive",
        opt["delta"],
        opt["p_material"],
        opt["p_sign"],
    )
    flags += flag_rows(
        first_last, true_fl, "first_last", opt["delta"], opt["p_material"], opt["p_sign"]
    )
    probs = type_probabilities(index).reshape(-1, 5)
    true_type = grid("type_true").astype(int).ravel()
    return {
        "coverage": rows,
        "flags": flags,
        "probs": probs,
        "true_type": true_type,
        "brier": brier(probs, true_type),
        "jumped": _jumped_rows(dix, dtrue, grid("jump")[:, 1:].astype(bool), areas, years),
    }


def _jumped_rows(dix, dtrue, hit, areas, years) -> list[dict]:
    a, t = np.nonzero(hit)
    lo, hi = np.quantile(dix[:, a, t], [0.05, 0.95], axis=0)
    return [
        {
            "area_code": areas[i],
            "year": int(years[k + 1]),
            "true_change": dtrue[i, k],
            "posterior_mean": float(dix[:, i, k].mean()),
            "lo90": lo[n],
            "hi90": hi[n],
        }
        for n, (i, k) in enumerate(zip(a, t, strict=True))
    ]


def _fit_one(scenario: str, seed: int, n_areas, years, model_spec, opt) -> dict:
    """Generate one scenario panel, fit it, score it; errors are recorded, not raised."""
    from sesindex.bayes import fit
    from sesindex.data.synthetic import generate, scenario_config

    row = {
        "scenario": scenario,
        "seed": seed,
        "areas": n_areas or 3363,
        "status": "ok",
        "error": "",
    }
    t0 = time.perf_counter()
    try:
        data = generate(n_areas=n_areas, years=years, seed=seed, config=scenario_config(scenario))
        res = fit(data.dataset, model_spec)
        index = res.posterior["index"].transpose("chain", "draw", "area", "year").values
        index = index.reshape(-1, *index.shape[2:])
        scores = score_replicate(index, data.truth, res.inputs.areas, res.inputs.years, opt)
        gate = res.gate
        row.update(
            gate_passed=bool(gate["passed"]),
            max_rhat=gate["worst"]["rhat"]["value"],
            min_ess_bulk=gate["worst"]["ess_bulk"]["value"],
            min_ess_tail=gate["worst"]["ess_tail"]["value"],
            divergences=gate["divergences"],
            brier=scores["brier"],
            **{f"seconds_{k}": v for k, v in res.timings.items()},
        )
        post = group(res.idata, "posterior")
        for name in ("tau", "jump_sd", "jump_share"):
            if post is not None and name in post:
                row[f"{name}_mean"] = float(post[name].mean())
    except Exception as err:  # noqa: BLE001 - recorded in replicates.csv, never dropped
        scores = None
        row.update(status="error", error=f"{type(err).__name__}: {err}"[:300])
    row["seconds"] = round(time.perf_counter() - t0, 1)
    return {"row": row, "scores": scores}


def _figures(out, cov: pd.DataFrame, rel: pd.DataFrame, jumped: pd.DataFrame, title: str) -> None:
    g = cov[cov["level"] == 0.9]
    quantities = list(dict.fromkeys(g["quantity"]))
    fig, ax = out.figure(size=(10.0, 4.8))
    ax.axhspan(*TARGET_BAND, color="0.88", zorder=0, label="target 0.87-0.93")
    ax.axhline(
        TARGET_JUMPED,
        color="firebrick",
        lw=0.8,
        ls=":",
        label=f"target for change_jumped >= {TARGET_JUMPED}",
    )
    scenarios = list(dict.fromkeys(g["scenario"]))
    for s, (scenario, h) in enumerate(g.groupby("scenario", sort=False)):
        x = [quantities.index(q) + (s - len(scenarios) / 2) * 0.1 for q in h["quantity"]]
        ax.errorbar(
            x,
            h["coverage"],
            yerr=[h["coverage"] - h["coverage_min_seed"], h["coverage_max_seed"] - h["coverage"]],
            fmt="o",
            capsize=2,
            label=scenario,
        )
    ax.set_xticks(range(len(quantities)), quantities, rotation=20)
    ax.set_ylabel("90 % interval coverage (bars: range over seeds)")
    ax.set_ylim(max(0.0, g["coverage_min_seed"].min() - 0.05), 1.01)
    ax.set_title(f"{title}: coverage of the truth by scenario")
    ax.legend(fontsize=7, ncols=3)
    out.save(fig, "coverage", "90 % coverage by scenario and quantity, target band shaded")

    plot_reliability(
        out,
        dict(tuple(rel.groupby("scenario", sort=False))),
        title,
        "reliability diagram of P(type = k) by scenario",
    )

    if len(jumped):
        fig, ax = out.figure(size=(6.5, 5.2))
        order = np.argsort(jumped["true_change"].to_numpy())
        j = jumped.iloc[order]
        pos = np.arange(len(j))
        ax.errorbar(
            pos,
            j["posterior_mean"],
            yerr=[j["posterior_mean"] - j["lo90"], j["hi90"] - j["posterior_mean"]],
            fmt="o",
            ms=3,
            capsize=1,
            label="posterior mean, 90 % interval",
        )
        ax.plot(pos, j["true_change"], "x", color="firebrick", label="true change")
        ax.set_xlabel("Jumped area-years (sorted by true change)")
        ax.set_ylabel("Change of the index (points)")
        ax.set_title(f"{title}: the planted jumps")
        ax.legend(fontsize=8)
        out.save(fig, "jumped_changes", "planted jumps: true change vs posterior interval")


def _aggregate(rows: list[dict]) -> pd.DataFrame:
    per_seed = pd.DataFrame(rows)
    per_seed["coverage"] = per_seed["covered"] / per_seed["cells"]
    keys = ["scenario", "areas", "quantity", "level"]
    agg = per_seed.groupby(keys, sort=False).agg(
        covered=("covered", "sum"),
        cells=("cells", "sum"),
        seeds=("seed", "nunique"),
        coverage_min_seed=("coverage", "min"),
        coverage_max_seed=("coverage", "max"),
    )
    agg["coverage"] = agg["covered"] / agg["cells"]
    return agg.reset_index()[
        keys + ["coverage", "covered", "cells", "seeds", "coverage_min_seed", "coverage_max_seed"]
    ]


def _fit_job(job: tuple, *, years, model_spec, opt) -> dict:
    """One replicate of the study (a picklable unit for :mod:`sesindex.validate.replicates`)."""
    scenario, seed, n_areas = job
    return _fit_one(scenario, seed, n_areas, years, model_spec, opt)


def _collect(jobs: list, done: dict) -> tuple:
    """The finished replicates' rows in job order: replicates, coverage counts, flags,
    jumped areas, and the scores per scenario.
    """
    reps, cov_rows, flag_rows, jumped = [], [], [], []
    by_scenario: dict[str, list] = {}
    for i in sorted(done):
        got, (scenario, seed, n) = done[i], jobs[i]
        reps.append(got["row"])
        if got["scores"] is None:
            continue
        label = scenario if n is not None else f"{scenario}_national"
        tag = {"scenario": label, "seed": seed, "areas": n or 3363}
        cov_rows += [{**tag, **r} for r in got["scores"]["coverage"]]
        flag_rows += [{**tag, **r} for r in got["scores"]["flags"]]
        jumped += [{**tag, **r} for r in got["scores"]["jumped"]]
        by_scenario.setdefault(label, []).append(got["scores"])
    return reps, cov_rows, flag_rows, jumped, by_scenario


def _study_design(spec) -> tuple[list, object, dict]:
    """The stress study's fits (scenario, data seed, areas; None for national), the
    model spec they fit and the scoring options, from ``[stress]``.
    """
    from dataclasses import replace

    from sesindex.bayes import load_model_spec
    from sesindex.bayes.spec import replicate_sampler
    from sesindex.data.synthetic import SCENARIOS

    opt = {
        "levels": LEVELS,
        "delta": 1.0,
        "p_material": 0.9,
        "p_sign": 0.95,
        **{
            k: spec.option(k)
            for k in ("levels", "delta", "p_material", "p_sign")
            if spec.option(k) is not None
        },
    }
    model_spec = load_model_spec(spec.option("model", "models/latent_factor.toml"))
    model_spec = replace(
        model_spec, sampler=replicate_sampler(model_spec.sampler, spec.option("sampler"))
    )
    model_spec = replace(model_spec, years=None, delta=float(opt["delta"]))
    scenarios = list(spec.option("scenarios", list(SCENARIOS)))
    unknown = sorted(set(scenarios) - set(SCENARIOS))
    if unknown:
        raise ValueError(f"[stress] scenarios {unknown} unknown: choose from {list(SCENARIOS)}")
    n_areas = int(spec.option("n_areas", 300))
    jobs: list[tuple[str, int, int | None]] = [
        (s, spec.seed + k, n_areas) for s in scenarios for k in range(int(spec.option("seeds", 3)))
    ]
    jobs += [("baseline", int(seed), None) for seed in spec.option("national_seeds", [])]
    return jobs, model_spec, opt


def _write_tables(out, jobs: list, done: dict, title: str) -> tuple:
    """The finished study's tables and figures; returns coverage, flags, reliability and
    the replicates' table for the key numbers.
    """
    reps, cov_rows, flag_rows_, jumped, by_scenario = _collect(jobs, done)
    rel = []
    for label, scores in by_scenario.items():
        probs = np.concatenate([s["probs"] for s in scores])
        truth = np.concatenate([s["true_type"] for s in scores])
        rel.append(reliability(probs, truth).assign(scenario=label, brier=brier(probs, truth)))
    replicates = pd.DataFrame(reps)
    out.table(
        "replicates",
        replicates,
        "one row per fit: scenario, data seed, areas, "
        "status and error, fit gate, worst diagnostics, posterior means of the "
        "random walk's and jumps' hyperparameters, seconds per stage",
    )
    if not cov_rows:
        raise RuntimeError(f"every stress fit failed: {replicates['error'].tolist()[:3]}")
    cov = _aggregate(cov_rows)
    out.table(
        "coverage",
        cov,
        "coverage of the truth by the central intervals, per "
        "scenario, quantity and level, pooled over data seeds (with the range over "
        "seeds)",
    )
    out.table("coverage_by_seed", pd.DataFrame(cov_rows), "coverage counts per fit")
    flags = (
        pd.DataFrame(flag_rows_)
        .groupby(["scenario", "pair", "flag", "threshold"], sort=False)
        .sum(numeric_only=True)
        .reset_index()
    )
    flags = flags.drop(columns=["seed", "areas"])
    flags["false_positive_rate"] = flags["false_positives"] / flags["negatives"].clip(lower=1)
    flags["power"] = flags["true_positives"] / flags["positives"].where(flags["positives"] > 0)
    out.table(
        "flags",
        flags,
        "change flags: false-positive rate (material: flagged though "
        "the true |dI| <= delta; direction: flagged with the wrong sign) and power "
        "(flagged among true |dI| > delta), pooled over seeds",
    )
    rel = pd.concat(rel, ignore_index=True)
    out.table(
        "type_reliability",
        rel,
        "binned predicted P(type = k) against the frequency "
        "of true type k, and the Brier score, per scenario",
    )
    jumped = pd.DataFrame(jumped)
    if len(jumped):
        out.table(
            "jumped_changes",
            jumped,
            "every planted jump: true change and the "
            "posterior mean and 90 % interval of the change into its year",
        )
    _figures(out, cov, rel, jumped, title)
    return cov, flags, rel, replicates


def run(spec, data, out, engine=None) -> dict:
    """The stress study of ``spec`` (``[stress]``: ``model`` (a model spec path),
    ``scenarios``, ``seeds`` (data seeds per scenario), ``n_areas``, ``national_seeds``
    (baseline fits on all 3,363 areas), ``levels``, ``delta``, ``p_material``,
    ``p_sign``, ``sampler`` (overrides of the model spec's sampler)).

    ``data`` is not used: every replicate generates its own scenario panel on the
    spec's years. ``engine`` (:class:`sesindex.validate.replicates.Engine`): where the
    fits run (in process by default; a Dask cluster gives the same results).
    """
    jobs, model_spec, opt = _study_design(spec)
    fn = partial(_fit_job, years=tuple(spec.years), model_spec=model_spec, opt=opt)
    done: dict[int, dict] = {}
    for i, got in map_replicates(fn, jobs, engine):
        if isinstance(got, ReplicateError):  # the worker itself failed, after its retries
            scenario, seed, n = jobs[i]
            got = {
                "row": {
                    "scenario": scenario,
                    "seed": seed,
                    "areas": n or 3363,
                    "status": "error",
                    "error": str(got)[:300],
                },
                "scores": None,
            }
        done[i] = got
        if spec.option("progress", False):
            print(
                f"stress {got['row']['scenario']} seed {got['row']['seed']}: "
                f"{got['row']['status']} ({got['row'].get('seconds', '?')} s; "
                f"{len(done)} of {len(jobs)} fits)",
                flush=True,
            )
        # written after every fit, in job order: an interrupted study keeps what it measured
        reps, cov_rows, *_ = _collect(jobs, done)
        out.table("replicates", pd.DataFrame(reps), "fits so far (the study is running)")
        out.table("coverage_by_seed", pd.DataFrame(cov_rows), "coverage counts per fit")
    cov, flags, rel, replicates = _write_tables(out, jobs, done, spec.title)
    return _key(cov, flags, rel, replicates, model_spec)


def _key(cov, flags, rel, replicates, model_spec) -> dict:
    at90 = cov[cov["level"] == 0.9]
    key = {
        "model": model_spec.name,
        "steps": model_spec.steps,
        "coverage90": {
            f"{r.scenario}|{r.quantity}": round(r.coverage, 4) for r in at90.itertuples()
        },
        "brier": {
            s: round(float(b), 4)
            for s, b in rel.groupby("scenario", sort=False)["brier"].first().items()
        },
        "fits": int(len(replicates)),
        "fits_failed": int((replicates["status"] != "ok").sum()),
        "fits_gate_failed": int(replicates.get("gate_passed", pd.Series()).eq(False).sum()),
        "flags": {
            f"{r.scenario}|{r.pair}|{r.flag}": {
                "false_positive_rate": round(r.false_positive_rate, 4),
                "power": None if pd.isna(r.power) else round(r.power, 4),
            }
            for r in flags.itertuples()
        },
    }
    misses = [
        f"{r.scenario}|{r.quantity}: {r.coverage:.3f}"
        for r in at90.itertuples()
        if (r.quantity in TARGET_QUANTITIES and not TARGET_BAND[0] <= r.coverage <= TARGET_BAND[1])
        or (r.quantity == "change_jumped" and r.coverage < TARGET_JUMPED)
    ]
    key["targets_missed"] = misses
    return key

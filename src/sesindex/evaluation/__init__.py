"""Did the intervention work? Effects of a programme on a group of areas, with intervals.

:func:`evaluate` takes a fitted panel (a :class:`~sesindex.bayes.fit.FitResult` or a
``sesindex fit`` output directory) and the programme's treated areas with their start
years, and answers with the average effect on the treated (ATT) on the index, on the
latent status and on the share in types 1-2, per cohort, and as an event study, every
number with credible intervals from the posterior draws.

How: (1) comparison areas are chosen — ``"matched"`` (default): the never-treated areas
nearest each treated area in its pre-programme latent level and trend
(:mod:`.matching`); ``"all"``: every never-treated area; or a list/file of codes; (2) the
panel model is refitted on the treated and comparison areas with one shift of the latent
status per year relative to the start (:mod:`sesindex.bayes.model.programme`; the year before
the start is the reference, earlier years are placebo checks); (3) in every posterior
draw each treated area's index with and without its shift gives the effect
(:mod:`.effects`). Already-treated areas never act as controls: a treated area's
post-start years carry their own shift, and the comparison areas are never treated.

Programmes overlap. Areas where another programme ran can be kept out of the comparison
pool (``exclude``); better, a treated-areas file with a ``programme`` column evaluates
several programmes in one refit, each with its own shifts and estimands, and no
programme's area is a comparison for another. Comparison areas that improve after the
start as a treated area would are flagged (:mod:`.contamination`): ``looks_treated`` in
the controls table, and with ``refit_without_flagged`` the effects refitted without
them beside the others.

Examples
--------
>>> from sesindex.evaluation.treated import read_treated
>>> import pandas as pd
>>> read_treated(pd.DataFrame({"area_code": ["0114R001"], "start_year": [2020]}))
{'0114R001': 2020}
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import xarray as xr

from sesindex.evaluation.contamination import departures
from sesindex.evaluation.effects import (
    effect_draws,
    effects_table,
    note,
    pre_period_check,
    trajectories,
)
from sesindex.evaluation.matching import match_controls
from sesindex.evaluation.treated import (
    DEFAULT_PROGRAMME,
    EvaluationInputError,
    check_programme,
    read_area_list,
    read_programmes,
    read_treated,
)

if TYPE_CHECKING:
    from sesindex.bayes.fit import FitResult
    from sesindex.bayes.spec import ModelSpec

__all__ = [
    "EvaluationInputError",
    "EvaluationResult",
    "evaluate",
    "read_programmes",
    "read_treated",
]

#: Fewest comparison areas an evaluation accepts.
MIN_CONTROLS = 5
#: An evaluation refit of fewer areas than this tunes FEW_AREAS_LENGTH["tune"] times and
#: keeps FEW_AREAS_LENGTH["draws"] times as many draws per chain as the run
#: (:func:`refit_length`).
FEW_AREAS = 100
FEW_AREAS_LENGTH = {"tune": 3, "draws": 2}
#: An evaluation refit at its packaged length whose gate misses on chain length alone
#: (R-hat or ESS, no divergence) is sampled once more, LONGER times as long
#: (:func:`too_short`).
LONGER = 2


@dataclass
class EvaluationResult:
    """Effects of one programme: tables, the comparison areas, the evaluation fit."""

    effects: pd.DataFrame
    event_study: pd.DataFrame
    controls: pd.DataFrame
    balance: pd.DataFrame
    trajectories: pd.DataFrame
    starts: dict
    fit: FitResult  # the fit of the panel with programme effects
    info: dict = field(default_factory=dict)
    programmes: dict = field(default_factory=dict)  # treated area -> its programme
    inputs: dict = field(default_factory=dict)  # files of treated / comparison areas -> sha256

    def effect(self, estimand: str = "att_index", programme: str | None = None) -> dict:
        """One row of :attr:`effects` as a dict: ``programme``'s (needed when the
        evaluation holds several).
        """
        rows = self.effects[self.effects["estimand"] == estimand]
        names = list(dict.fromkeys(self.effects["programme"]))
        if programme is None and len(names) > 1:
            raise ValueError(f"this evaluation holds several programmes {names}: name one")
        rows = rows[rows["programme"] == (programme or names[0])]
        if rows.empty:
            raise KeyError(f"no estimand {estimand!r} for programme {programme or names[0]!r}")
        return rows.iloc[0].to_dict()

    def to_tree(self):
        """The evaluation as one labelled run tree
        (:func:`sesindex.evaluation.output.evaluation_tree`).
        """
        from sesindex.evaluation.output import evaluation_tree

        return evaluation_tree(self)


@dataclass
class FittedRun:
    """What an evaluation needs of a fit: data, spec, latent means, gate, cut points."""

    data: xr.Dataset
    spec: ModelSpec
    eta_mean: pd.DataFrame  # area x year posterior mean of eta (higher = lower status)
    fit_ok: bool
    cutpoints: dict | None  # year -> (mu, sigma) when the fit typed nationally
    source: str


def _from_result(result) -> FittedRun:
    from sesindex.bayes.output import summary_table

    areas = result.areas.pivot(index="area_code", columns="year", values="ses_mean")
    summary = summary_table(result)
    cuts = None
    if "mu" in summary and summary["mu"].notna().all():
        cuts = {int(r.year): (float(r.mu), float(r.sigma)) for r in summary.itertuples()}
    return FittedRun(
        result.data, result.spec, -areas, bool(result.gate["passed"]), cuts, "fit result"
    )


def _fitted_run(path) -> FittedRun:
    """A ``sesindex fit`` output directory as a :class:`FittedRun`, read through
    :func:`sesindex.runs.read_run` (its data, manifest, areas and summary).
    """
    from sesindex.bayes.spec import ModelSpec
    from sesindex.runs import read_run

    path = Path(path)
    need = [p for p in ("manifest.json", "areas.csv", "data.csv") if not (path / p).exists()]
    if need:
        raise EvaluationInputError(
            f"{path} is not a complete fit run: {need} missing "
            "(run sesindex fit ... --out DIR first)"
        )
    tree = read_run(path, groups=["areas", "summary", "data"])
    manifest = tree.attrs["manifest"]
    if manifest.get("command") != "fit":
        raise EvaluationInputError(
            f"{path} holds a '{manifest.get('command')}' run; "
            "evaluate needs a Bayesian panel fit (sesindex fit)"
        )
    cuts = None
    if "summary" in tree.children and "mu" in tree["summary"]:
        summary = tree["summary"].to_dataset()
        if bool(summary["mu"].notnull().all()):
            cuts = {
                int(y): (float(summary["mu"].sel(year=y)), float(summary["sigma"].sel(year=y)))
                for y in summary["year"].values
            }
    eta = -tree["areas"]["ses_mean"].to_pandas()
    eta.index.name, eta.columns.name = "area_code", "year"
    return FittedRun(
        tree["data"].to_dataset(),
        ModelSpec.from_flat(manifest["spec"]),
        eta,
        bool(manifest.get("fit_ok", False)),
        cuts,
        str(path),
    )


def _comparison(
    run: FittedRun, starts: dict, names: dict, controls, k: int, within: str, excluded: list[str]
) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
    """The comparison areas, their table (matched: one row per treated area and control)
    and the balance table: never a treated area of any programme, never an excluded one.
    """
    eta = run.eta_mean.drop(index=excluded)
    never = [a for a in eta.index if a not in starts]
    if isinstance(controls, str) and controls == "matched":
        muni = run.data["municipality_code"].to_series().reindex(eta.index).astype(str)
        tables, balances = [], []
        for name, own in _by_programme(starts, names).items():
            pool = eta.drop(index=[a for a in starts if a not in own])
            matching = match_controls(
                pool.to_numpy(),
                list(pool.columns),
                list(pool.index),
                own,
                k=k,
                within=within,
                municipality=muni.reindex(pool.index).tolist(),
            )
            tables.append(matching.controls.assign(programme=name))
            balances.append(matching.balance.assign(programme=name))
        table = _programme_first(pd.concat(tables, ignore_index=True))
        return (
            sorted(set(table["control"])),
            table,
            _programme_first(pd.concat(balances, ignore_index=True)),
        )
    if isinstance(controls, str) and controls == "all":
        return never, pd.DataFrame({"control": never}), pd.DataFrame()
    given = read_area_list(controls, "comparison areas")
    for label, bad in (
        ("also treated", given["area_code"].isin(starts)),
        ("excluded (--exclude)", given["area_code"].isin(excluded)),
        ("not in the fit", ~given["area_code"].isin(run.eta_mean.index)),
    ):
        if bad.any():
            raise EvaluationInputError(f"comparison areas {label}: {_with_lines(given[bad])}")
    codes = given["area_code"].tolist()
    return codes, pd.DataFrame({"control": codes}), pd.DataFrame()


def _excluded(run: FittedRun, exclude, plan: pd.DataFrame) -> list[str]:
    """The areas that must never be comparisons, refused by name and line if the data do
    not hold them or they are treated.
    """
    if exclude is None:
        return []
    rows = read_area_list(exclude, "excluded areas")
    unknown = ~rows["area_code"].isin(run.data["area"].values.tolist())
    if unknown.any():
        raise EvaluationInputError(f"excluded areas not in the data: {_with_lines(rows[unknown])}")
    treated = plan.set_index("area_code")["line"]
    both = rows[rows["area_code"].isin(treated.index)]
    if len(both):
        raise EvaluationInputError(
            "areas both treated and excluded: "
            + ", ".join(
                f"{r.area_code} (excluded line {r.line}, treated line {treated[r.area_code]})"
                for r in both.itertuples()
            )
        )
    return [a for a in rows["area_code"] if a in run.eta_mean.index]


def _with_lines(rows: pd.DataFrame, limit: int = 12) -> str:
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return ", ".join(f"{r.area_code} (line {r.line})" for r in rows.head(limit).itertuples()) + more


def _by_programme(starts: dict, names: dict) -> dict[str, dict[str, int]]:
    """Programme name -> (area code -> start year), programmes in first-listed order."""
    out: dict[str, dict[str, int]] = {}
    for area, start in starts.items():
        out.setdefault(names[area], {})[area] = start
    return out


def _programme_first(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["programme"] + [c for c in frame.columns if c != "programme"]]


def evaluate(
    run,
    treated,
    *,
    start: int | None = None,
    controls="matched",
    exclude=None,
    outcome: str = "index",
    k: int = 5,
    within: str = "none",
    sampler: dict | None = None,
    allow_failed_fit: bool = False,
    refit_without_flagged: bool = False,
    progress: bool = False,
) -> EvaluationResult:
    """Effects of one or several programmes on their treated areas (see the module for
    the method).

    Parameters
    ----------
    run : FitResult or path
        A panel fit (:func:`sesindex.bayes.fit`) or a ``sesindex fit`` output directory.
    treated : path, DataFrame or dict
        The treated areas: ``area_code``, optionally ``start_year`` and ``programme``
        per area (several programmes: each its own shifts and estimands, in one refit);
        or a dict area code -> start year, or programme name -> such a dict.
    start : int, optional
        The programme's first year for every area (when ``treated`` has no start_year).
    controls : "matched", "all", path or list of codes
        The comparison areas (default: ``k`` matched never-treated areas per treated).
    exclude : path, DataFrame or list of codes, optional
        Areas that must never be comparisons (e.g. where another programme ran): left
        out of the pool before matching and of ``"all"``; given controls among them are
        refused.
    outcome : "index", "ses" or "type"
        The headline estimand (all are computed): ``att_index``, ``att_ses`` or
        ``att_share_type_1_2``.
    k, within : int, str
        Controls per treated area; match within "none", "county" or "municipality".
    sampler : dict, optional
        Overrides of the fit's sampler settings for the evaluation fit (by default the
        run's, with a longer warm-up and chains for few areas: :func:`refit_length`).
    allow_failed_fit : bool
        Evaluate a fit that missed its gate anyway (refused by default).
    refit_without_flagged : bool
        When comparison areas look treated (:mod:`.contamination`), refit without them
        and put the effects beside the others (``mean_without_flagged``, ...). The
        counterfactual is the model's, fitted on all comparison areas at once, so
        leaving areas out takes a second refit (as long as the first); off by default.

    Returns
    -------
    EvaluationResult
        ``effects`` (programme, estimand, mean, sd, lo90, hi90, lo95, hi95, p_positive,
        p_negative, Swedish and English labels), ``event_study``, ``controls`` (with
        ``looks_treated``), ``balance``, ``trajectories`` and the evaluation ``fit``.

    Examples
    --------
    >>> from sesindex.data.synthetic import generate
    >>> from sesindex.bayes import ModelSpec, fit
    >>> from sesindex.bayes.spec import SamplerSpec
    >>> data = generate(n_areas=60, years=(2019, 2020, 2021, 2022), seed=1)
    >>> spec = ModelSpec(steps="jumps", sampler=SamplerSpec(tune=200, draws=200))
    >>> res = fit(data.dataset, spec)  # doctest: +SKIP
    >>> ev = evaluate(res, {"0114R001": 2021}, k=3)  # doctest: +SKIP
    >>> ev.effect("att_index")["lo90"] < ev.effect("att_index")["hi90"]  # doctest: +SKIP
    True
    """
    t0 = time.perf_counter()
    run, plan, years = _checked(run, treated, start, outcome, allow_failed_fit)
    starts = dict(zip(plan["area_code"], plan["start_year"].astype(int), strict=True))
    names = dict(zip(plan["area_code"], plan["programme"], strict=True))
    excluded = _excluded(run, exclude, plan)
    comparison, controls_table, balance = _comparison(
        run, starts, names, controls, k, within, excluded
    )
    if len(comparison) < MIN_CONTROLS:
        raise EvaluationInputError(
            f"only {len(comparison)} comparison areas; at least {MIN_CONTROLS} are needed"
        )
    programmes = _by_programme(starts, names)
    result = _refit(
        run, sorted(set(starts) | set(comparison)), years, programmes, sampler, progress
    )
    effects, events, paths = _programme_tables(result, programmes, comparison, run.cutpoints)
    eta = result.posterior["eta"].sel(area=comparison).transpose("chain", "draw", ...)
    flags = departures(
        eta.values.reshape(-1, *eta.shape[2:]), years, comparison, set(starts.values())
    )
    flagged = flags.loc[flags["looks_treated"], "control"].tolist()
    controls_table = controls_table.merge(flags, on="control", how="left")
    again = note("ev_not_asked" if flagged else "ev_nothing_flagged")
    if flagged and refit_without_flagged:
        effects, again = _without_flagged(
            run, effects, starts, comparison, flagged, years, programmes, sampler, progress
        )
    headline = {"index": "att_index", "ses": "att_ses", "type": "att_share_type_1_2"}
    info = {
        "headline": headline[outcome],
        "controls": controls if isinstance(controls, str) else "given",
        "k": k,
        "within": within,
        "treated": len(starts),
        "programmes": {n: len(a) for n, a in programmes.items()},
        "comparison_areas": len(comparison),
        "excluded": len(excluded),
        "cohorts": sorted(set(starts.values())),
        "looks_treated": flagged,
        "looks_treated_bar": float(flags["bar"].iloc[0]),
        "without_flagged": again,
        "counterfactual": note("ev_counterfactual"),
        "fit_ok": bool(result.gate["passed"]),
        "refit": {"tune": result.spec.sampler.tune, "draws": result.spec.sampler.draws},
        "run": run.source,
        "seconds": round(time.perf_counter() - t0, 1),
        "pre_period": {
            name: pre_period_check(events[events["programme"] == name]) for name in programmes
        },
    }
    from sesindex.data.io import sha256

    files = {
        str(f): sha256(f)
        for f in (treated, controls, exclude)  # the files read, hashed
        if isinstance(f, (str, Path)) and f not in ("matched", "all")
    }
    return EvaluationResult(
        effects, events, controls_table, balance, paths, starts, result, info, names, files
    )


def _programme_tables(result, programmes: dict, comparison: list[str], cutpoints):
    """Effects, event study and trajectories of each programme, stacked, with a
    ``programme`` column first.
    """
    tables: dict[str, list] = {"effects": [], "events": [], "paths": []}
    for name, own in programmes.items():
        effects, events = effects_table(effect_draws(result, own, cutpoints))
        tables["effects"].append(effects.assign(programme=name))
        tables["events"].append(events.assign(programme=name))
        tables["paths"].append(trajectories(result, own, comparison).assign(programme=name))
    return tuple(_programme_first(pd.concat(v, ignore_index=True)) for v in tables.values())


def _without_flagged(
    run,
    effects: pd.DataFrame,
    starts: dict,
    comparison: list[str],
    flagged: list[str],
    years: list,
    programmes: dict,
    sampler,
    progress,
) -> tuple[pd.DataFrame, str]:
    """The effects with ``mean/lo95/hi95_without_flagged`` beside them: a second refit
    on the treated areas and the comparison areas not flagged (the model's
    counterfactual without them).
    """
    clean = [a for a in comparison if a not in flagged]
    if len(clean) < MIN_CONTROLS:
        return effects, note("ev_not_refitted", n=len(clean), least=MIN_CONTROLS)
    again = _refit(run, sorted(set(starts) | set(clean)), years, programmes, sampler, progress)
    other, _, _ = _programme_tables(again, programmes, clean, run.cutpoints)
    cols = ["mean", "lo95", "hi95"]
    other = other[["programme", "estimand"] + cols].rename(
        columns={c: f"{c}_without_flagged" for c in cols}
    )
    said = note(
        "ev_refitted",
        n=len(clean),
        gate=note("ev_gate_passed" if again.gate["passed"] else "ev_gate_failed"),
    )
    return effects.merge(other, on=["programme", "estimand"], how="left"), said


def _checked(run, treated, start, outcome: str, allow_failed_fit: bool):
    """The fitted run (read if a path), each treated area's start year and the run's
    years, refusing what :func:`evaluate` cannot evaluate, with the reason.
    """
    if outcome not in ("index", "ses", "type"):
        raise EvaluationInputError(f"--outcome {outcome!r}: choose index, ses or type")
    run = _fitted_run(run) if isinstance(run, (str, Path)) else _from_result(run)
    if not run.fit_ok and not allow_failed_fit:
        raise EvaluationInputError(
            f"the fit ({run.source}) failed its gate: its posterior "
            "is not trustworthy; refit it with more draws (or "
            "pass --allow-failed-fit / allow_failed_fit=True)"
        )
    plan = _plan(treated, start)
    years = [int(y) for y in run.eta_mean.columns]
    starts = dict(zip(plan["area_code"], plan["start_year"].astype(int), strict=True))
    check_programme(
        starts,
        run.data["area"].values.tolist(),
        run.eta_mean.index,
        years,
        programmes=dict(zip(plan["area_code"], plan["programme"], strict=True)),
        lines=dict(zip(plan["area_code"], plan["line"], strict=True)),
    )
    if len(years) < 2:
        raise EvaluationInputError("evaluation needs a panel: the fit holds one year")
    if outcome == "type" and not run.cutpoints:
        raise EvaluationInputError(
            "--outcome type needs national types: the fit holds "
            "only some areas (fit all areas, or use index or ses)"
        )
    return run, plan, years


def _plan(treated, start: int | None) -> pd.DataFrame:
    """The treated areas as :func:`read_programmes` rows, from a file, a frame, a dict
    area code -> start year, or programme name -> such a dict.
    """
    if not isinstance(treated, dict):
        return read_programmes(treated, start)
    if all(isinstance(v, dict) for v in treated.values()):
        rows = [(a, s, name) for name, own in treated.items() for a, s in own.items()]
    else:
        rows = [(a, s, DEFAULT_PROGRAMME) for a, s in treated.items()]
    return read_programmes(
        pd.DataFrame(rows, columns=["area_code", "start_year", "programme"]).astype(str)
    )


def refit_length(sampler, areas: int) -> dict:
    """Tuning and kept draws per chain of an evaluation refit of ``areas`` areas whose run
    sampled with ``sampler``: :data:`FEW_AREAS_LENGTH` times the run's below
    :data:`FEW_AREAS` areas, else the run's.

    The refit holds only the treated and comparison areas (38 in the README's
    walk-through, against the run's 600): the model's scales (tau, kappa) rest on these
    few areas and the tails of their posteriors mix slowly, so the run's length, which
    passes the fit gate over hundreds of areas, misses its tail ESS here. A longer
    warm-up helps more than longer chains at the same cost, and the gate stays as it is
    (measurements: docs/decisions.md).

    Examples
    --------
    >>> from sesindex.bayes.spec import SamplerSpec
    >>> refit_length(SamplerSpec(tune=500, draws=1500), areas=38)
    {'tune': 1500, 'draws': 3000}
    >>> refit_length(SamplerSpec(tune=500, draws=1500), areas=600)
    {'tune': 500, 'draws': 1500}
    """
    factor = FEW_AREAS_LENGTH if areas < FEW_AREAS else {"tune": 1, "draws": 1}
    return {key: getattr(sampler, key) * k for key, k in factor.items()}


def too_short(gate: dict) -> bool:
    """Whether a fit missed its gate on chain length alone: R-hat or ESS, and no
    divergence (which longer chains do not mend).

    Examples
    --------
    >>> checks = {"rhat": True, "ess_bulk": True, "ess_tail": False, "divergences": True}
    >>> too_short({"passed": False, "checks": checks})
    True
    >>> too_short({"passed": False, "checks": {**checks, "divergences": False}})
    False
    """
    return not gate["passed"] and bool(gate["checks"]["divergences"])


def _refit(run, keep: list, years: list, programmes: dict, sampler: dict | None, progress: bool):
    """The run's model refitted on the treated and comparison areas ``keep`` with each
    programme's own shifts (its sampler settings, :func:`refit_length` long unless
    ``sampler`` overrides them). A refit of that length which is :func:`too_short` is
    sampled once more, :data:`LONGER` times as long; a length given in ``sampler`` is
    sampled as given.
    """
    from sesindex.bayes import fit

    spec = replace(run.spec, years=tuple(years), compare=())
    data = run.data.sel(area=keep)
    length = refit_length(spec.sampler, len(keep))
    settings = {**length, **(sampler or {})}
    result = fit(data, _with(spec, settings), programme=programmes, progress=progress)
    length_given = bool((sampler or {}).keys() & length.keys())
    if not length_given and too_short(result.gate):
        longer = {**settings, **{k: v * LONGER for k, v in length.items()}}
        result = fit(data, _with(spec, longer), programme=programmes, progress=progress)
    return result


def _with(spec, sampler: dict):
    """``spec`` with its sampler settings replaced by ``sampler``'s."""
    return replace(spec, sampler=replace(spec.sampler, **sampler))

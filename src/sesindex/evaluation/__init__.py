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
status per year relative to the start (:mod:`sesindex.bayes.programme`; the year before
the start is the reference, earlier years are placebo checks); (3) in every posterior
draw each treated area's index with and without its shift gives the effect
(:mod:`.effects`). Already-treated areas never act as controls: a treated area's
post-start years carry their own shift, and the comparison areas are never treated.

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

import pandas as pd

from sesindex.evaluation.effects import (effect_draws, effects_table, pre_period_check,
                                         trajectories)
from sesindex.evaluation.matching import Matching, match_controls
from sesindex.evaluation.treated import EvaluationInputError, check_programme, read_treated

__all__ = ["EvaluationInputError", "EvaluationResult", "evaluate", "read_treated"]

#: Fewest comparison areas an evaluation accepts.
MIN_CONTROLS = 5
#: An evaluation refit of fewer areas than this tunes FEW_AREAS_LENGTH["tune"] times and
#: keeps FEW_AREAS_LENGTH["draws"] times as many draws per chain as the run
#: (:func:`refit_length`).
FEW_AREAS = 100
FEW_AREAS_LENGTH = {"tune": 3, "draws": 2}


@dataclass
class EvaluationResult:
    """Effects of one programme: tables, the comparison areas, the evaluation fit."""

    effects: pd.DataFrame
    event_study: pd.DataFrame
    controls: pd.DataFrame
    balance: pd.DataFrame
    trajectories: pd.DataFrame
    starts: dict
    fit: object  # the FitResult of the panel with programme effects
    info: dict = field(default_factory=dict)

    def effect(self, estimand: str = "att_index") -> dict:
        """One row of :attr:`effects` as a dict."""
        return self.effects.set_index("estimand").loc[estimand].to_dict()

    def to_tree(self):
        """This evaluation as one labelled run tree
        (:func:`sesindex.evaluation.output.evaluation_tree`)."""
        from sesindex.evaluation.output import evaluation_tree

        return evaluation_tree(self)


@dataclass
class FittedRun:
    """What an evaluation needs of a fit: data, spec, latent means, gate, cut points."""

    data: object
    spec: object
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
    return FittedRun(result.data, result.spec, -areas, bool(result.gate["passed"]), cuts,
                     "fit result")


def _fitted_run(path) -> FittedRun:
    """A ``sesindex fit`` output directory as a :class:`FittedRun`, read through
    :func:`sesindex.runs.read_run` (its data, manifest, areas and summary)."""
    from sesindex.bayes.spec import ModelSpec
    from sesindex.runs import read_run

    path = Path(path)
    need = [p for p in ("manifest.json", "areas.csv", "data.csv") if not (path / p).exists()]
    if need:
        raise EvaluationInputError(f"{path} is not a complete fit run: {need} missing "
                                   "(run sesindex fit ... --out DIR first)")
    tree = read_run(path, groups=["areas", "summary", "data"])
    manifest = tree.attrs["manifest"]
    if manifest.get("command") != "fit":
        raise EvaluationInputError(f"{path} holds a '{manifest.get('command')}' run; "
                                   "evaluate needs a Bayesian panel fit (sesindex fit)")
    cuts = None
    if "summary" in tree.children and "mu" in tree["summary"]:
        summary = tree["summary"].to_dataset()
        if bool(summary["mu"].notnull().all()):
            cuts = {int(y): (float(summary["mu"].sel(year=y)), float(summary["sigma"].sel(
                year=y))) for y in summary["year"].values}
    eta = -tree["areas"]["ses_mean"].to_pandas()
    eta.index.name, eta.columns.name = "area_code", "year"
    return FittedRun(tree["data"].to_dataset(), ModelSpec.from_flat(manifest["spec"]), eta,
                     bool(manifest.get("fit_ok", False)), cuts, str(path))


def _comparison(run: FittedRun, starts: dict, controls, k: int, within: str
                ) -> tuple[list[str], Matching | None]:
    never = [a for a in run.eta_mean.index if a not in starts]
    if isinstance(controls, str) and controls == "matched":
        muni = run.data["municipality_code"].to_series().reindex(run.eta_mean.index)
        matching = match_controls(run.eta_mean.to_numpy(), list(run.eta_mean.columns),
                                  list(run.eta_mean.index), starts, k=k, within=within,
                                  municipality=muni.astype(str).tolist())
        return matching.control_areas, matching
    if isinstance(controls, str) and controls == "all":
        return never, None
    if isinstance(controls, (str, Path)):
        frame = pd.read_csv(controls, dtype=str)
        if "area_code" not in frame:
            raise EvaluationInputError(f"{controls} has no column 'area_code'")
        codes = frame["area_code"].str.strip().tolist()
    else:
        codes = [str(c) for c in controls]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise EvaluationInputError(f"comparison areas listed more than once: {twice[:12]}")
    treated_too = sorted(set(codes) & set(starts))
    if treated_too:
        raise EvaluationInputError(f"comparison areas that are also treated: {treated_too}")
    unknown = sorted(set(codes) - set(run.eta_mean.index))
    if unknown:
        raise EvaluationInputError(f"comparison areas not in the fit: {unknown[:12]}")
    return codes, None


def evaluate(run, treated, *, start: int | None = None, controls="matched",
             outcome: str = "index", k: int = 5, within: str = "none",
             sampler: dict | None = None, allow_failed_fit: bool = False,
             progress: bool = False) -> EvaluationResult:
    """Effects of a programme on its treated areas (see the module for the method).

    Parameters
    ----------
    run : FitResult or path
        A panel fit (:func:`sesindex.bayes.fit`) or a ``sesindex fit`` output directory.
    treated : path, DataFrame or dict
        The treated areas: ``area_code`` and optionally ``start_year`` per area.
    start : int, optional
        The programme's first year for every area (when ``treated`` has no start_year).
    controls : "matched", "all", path or list of codes
        The comparison areas (default: ``k`` matched never-treated areas per treated).
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

    Returns
    -------
    EvaluationResult
        ``effects`` (estimand, mean, sd, lo90, hi90, lo95, hi95, p_positive,
        p_negative, Swedish and English labels), ``event_study``, ``controls``,
        ``balance``, ``trajectories`` and the evaluation ``fit``.

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
    run, starts, years = _checked(run, treated, start, outcome, allow_failed_fit)
    comparison, matching = _comparison(run, starts, controls, k, within)
    if len(comparison) < MIN_CONTROLS:
        raise EvaluationInputError(f"only {len(comparison)} comparison areas; at least "
                                   f"{MIN_CONTROLS} are needed")
    result = _refit(run, sorted(set(starts) | set(comparison)), years, starts, sampler,
                    progress)
    draws = effect_draws(result, starts, run.cutpoints)
    effects, events = effects_table(draws)
    headline = {"index": "att_index", "ses": "att_ses", "type": "att_share_type_1_2"}
    info = {"headline": headline[outcome], "controls": controls if isinstance(controls, str)
            else "given", "k": k, "within": within, "treated": len(starts),
            "comparison_areas": len(comparison), "cohorts": sorted(set(starts.values())),
            "counterfactual": "the model's own: each treated area's index in each draw "
            "without its programme's shift of the latent status, from a panel fitted on "
            "the treated and comparison areas", "fit_ok": bool(result.gate["passed"]),
            "run": run.source, "pre_period": pre_period_check(events),
            "seconds": round(time.perf_counter() - t0, 1)}
    controls_table = (matching.controls if matching is not None else
                      pd.DataFrame({"control": comparison}))
    balance = matching.balance if matching is not None else pd.DataFrame()
    return EvaluationResult(effects, events, controls_table, balance,
                            trajectories(result, starts, comparison), starts, result, info)


def _checked(run, treated, start, outcome: str, allow_failed_fit: bool):
    """The fitted run (read if a path), each treated area's start year and the run's
    years, refusing what :func:`evaluate` cannot evaluate, with the reason."""
    if outcome not in ("index", "ses", "type"):
        raise EvaluationInputError(f"--outcome {outcome!r}: choose index, ses or type")
    run = _fitted_run(run) if isinstance(run, (str, Path)) else _from_result(run)
    if not run.fit_ok and not allow_failed_fit:
        raise EvaluationInputError(f"the fit ({run.source}) failed its gate: its posterior "
                                   "is not trustworthy; refit it with more draws (or "
                                   "pass --allow-failed-fit / allow_failed_fit=True)")
    starts = treated if isinstance(treated, dict) else read_treated(treated, start)
    starts = {str(a): int(s) for a, s in starts.items()}
    years = [int(y) for y in run.eta_mean.columns]
    check_programme(starts, run.data["area"].values.tolist(), run.eta_mean.index, years)
    if len(years) < 2:
        raise EvaluationInputError("evaluation needs a panel: the fit holds one year")
    if outcome == "type" and not run.cutpoints:
        raise EvaluationInputError("--outcome type needs national types: the fit holds "
                                   "only some areas (fit all areas, or use index or ses)")
    return run, starts, years


def refit_length(sampler, areas: int) -> dict:
    """Tuning and kept draws per chain of an evaluation refit of ``areas`` areas whose run
    sampled with ``sampler``: :data:`FEW_AREAS_LENGTH` times the run's below
    :data:`FEW_AREAS` areas, else the run's.

    The refit holds only the treated and comparison areas (38 in the README's
    walk-through, against the run's 600): the model's scales (tau, kappa) rest on these
    few areas and the tails of their posteriors mix slowly, so the run's length, which
    passes the fit gate over hundreds of areas, misses it here (500 tuning + 1,500 kept
    draws a chain: a tail ESS of 337 and 354 for kappa at two seeds, 242 for tau on
    another machine; the gate asks 400). A longer warm-up helps more than longer
    chains: 1,500 + 3,000 gave 702 where 500 + 4,500 gave 447, at the same cost. The
    gate stays as it is (``benchmarks/walkthrough_gates.py``).

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


def _refit(run, keep: list, years: list, starts: dict, sampler: dict | None,
           progress: bool):
    """The run's model refitted on the treated and comparison areas ``keep`` with
    programme effects (its sampler settings, :func:`refit_length` long unless
    ``sampler`` overrides them)."""
    from sesindex.bayes import fit

    spec = run.spec
    sampler = {**refit_length(spec.sampler, len(keep)), **(sampler or {})}
    spec = replace(spec, sampler=replace(spec.sampler, **sampler))
    spec = replace(spec, years=tuple(years), compare=())
    return fit(run.data.sel(area=keep), spec, programme=starts, progress=progress)

"""The Bayesian commands: ``fit`` and ``evaluate``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from sesindex.cli.app import (
    CUTPOINTS_HELP,
    DATA_HELP,
    app,
    console,
    err,
    fail,
    load_user_data,
    parse_cutpoints,
    parse_years,
    print_typing,
    print_verdicts,
    refuse_earlier_run,
    refuse_out,
    steps,
    user_spec,
)


@app.command()
def fit(
    spec: str = typer.Option(
        "latent_factor",
        help="Model spec: a packaged name "
        "(latent_factor, latent_factor_single_year, ...) or a "
        "TOML file.",
    ),
    data: str = typer.Option("synthetic", help=DATA_HELP),
    years: str = typer.Option(
        None, help="Years to fit: '2022,2023' or '2011-2024' (default: the spec's, else all)."
    ),
    areas: int = typer.Option(
        None,
        min=1,
        help="Synthetic data only: a random subset "
        "of N areas (quick looks; no ranks, and no types without "
        "--cutpoints).",
    ),
    draws: int = typer.Option(None, help="Override the spec's kept draws per chain."),
    tune: int = typer.Option(None, help="Override the spec's tuning draws per chain."),
    seed: int = typer.Option(
        None,
        help="Override the spec's sampler seed (a second "
        "seed checks that the gate does not rest on one).",
    ),
    backend: str = typer.Option(None, help="nutpie (default), pymc or advi."),
    init: str = typer.Option(
        None,
        help="Where the chains start: jitter (nutpie's "
        "jittered support point) or mode (dispersed about the "
        "mode: a shorter warm-up; docs/model.md).",
    ),
    maxdepth: int = typer.Option(
        None,
        help="The deepest NUTS tree (nutpie only): at "
        "most 2^maxdepth - 1 leapfrog steps a draw (nutpie's "
        "default 10); 8 shortens the longest warm-ups of "
        "national panels (docs/decisions.md).",
    ),
    compile: str = typer.Option(
        None,
        help="How nutpie's model is compiled: disk "
        "(default; cached on disk, so a later run of the same "
        "model form starts sampling in about a second) or "
        "process (nutpie's C callbacks, compiled in every run).",
    ),
    out: Path = typer.Option(Path("runs/fit"), help="Output directory."),
    overwrite: bool = typer.Option(False, help="Replace an earlier run in --out."),
    cutpoints: str = typer.Option(None, help=CUTPOINTS_HELP),
    compare: list[str] = typer.Option(
        None, help="Also compare these two years in changes.csv: '2015,2024' (repeatable)."
    ),
    report: bool = typer.Option(
        True,
        help="Also write the reports (report.html in Swedish, report_en.html) and explorer.html.",
    ),
    regso: bool = typer.Option(
        True,
        help="DeSO 2018 data: also give their RegSO 2020 "
        "areas' index, types, ranks and changes, aggregated in "
        "every draw (regso_areas.csv, regso_changes.csv).",
    ),
):
    """Fit the Bayesian latent-factor model: status, index, ranks, types and changes with
    credible intervals (higher ses_mean = higher socioeconomic status).
    """
    model_spec = model_spec_from_options(
        spec,
        years=years,
        compare=compare,
        sampler={
            "draws": draws,
            "tune": tune,
            "seed": seed,
            "backend": backend,
            "init": init,
            "maxdepth": maxdepth,
            "compile": compile,
        },
    )
    cuts = parse_cutpoints(cutpoints)
    synthetic = data.startswith("synthetic")
    if areas is not None and not synthetic:
        fail(
            f"--areas {areas}: a random subset of synthetic data only; --data {data} is "
            "not synthetic (fit a file holding only the areas wanted)"
        )
    refuse_earlier_run(out, overwrite)
    with steps() as step:
        with step(f"load {data}"):
            loaded = load_user_data(
                data,
                n_areas=areas,
                years=model_spec.years if synthetic and model_spec.years else None,
            )
    for note in loaded.notes:
        err.print(f"[dim]note:[/] {escape(note)}", highlight=False)
    fit_loaded(loaded, model_spec, cuts, out, report=report, regso=regso, overwrite=overwrite)


def fit_loaded(
    loaded,
    model_spec,
    cuts,
    out: Path,
    *,
    report: bool = True,
    regso: bool = True,
    overwrite: bool = False,
    attach=None,
) -> None:
    """``fit``'s work once the data are loaded: fit, write the run to ``out`` (tables,
    publication, ``report``, the ``attach`` files: :func:`sesindex.save`), say how areas
    are typed, the verdicts, the gate and the timings; exit 3 when the fit gate fails.
    """
    from sesindex.api import AUTO, fit
    from sesindex.index.cutpoints import Typing

    with steps() as step:
        try:
            with step(f"compile, sample ({model_spec.sampler.backend}), derive"):
                result = fit(
                    loaded,
                    model_spec,
                    progress=True,
                    cutpoints=cuts,
                    groups=AUTO if regso else None,
                )
        except ValueError as exc:
            fail(str(exc))
        with step(f"write {out}"):
            files = _saved(
                result, out, overwrite=overwrite, loaded=loaded, report=report, attach=attach
            )
    if isinstance(result.typing, Typing):  # how the fit typed its years
        print_typing(result.typing.note, result.typing.warnings)
    if len(result.changes):
        print_verdicts(result.changes, "the posterior")
    _print_gate(result.gate)
    console.print(f"timings (s): {result.timings}", highlight=False)
    console.print(f"wrote {', '.join(files)} to {out}", highlight=False)
    if not result.gate["passed"]:
        raise typer.Exit(3)


def _saved(result, out: Path, **options) -> list[str]:
    """:func:`sesindex.save`, exiting 2 naming the files if ``out`` came to hold files no
    run wrote while the result was computed; the names of the files written.
    """
    import json

    from sesindex.api import save
    from sesindex.runs import EarlierRunError

    try:
        save(result, out, **options)
    except EarlierRunError as exc:
        refuse_out(exc)
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]


def model_spec_from_options(
    spec: str, *, years: str | None, compare: list[str] | None, sampler: dict
):
    """The model spec named by ``--spec`` with the command line's overrides (the sampler's
    checked against its schema like a spec's), or exit saying what is wrong.
    """
    from dataclasses import replace

    from sesindex.bayes import load_model_spec

    model_spec = user_spec(load_model_spec, spec)
    sampler = {k: v for k, v in sampler.items() if v is not None}
    if sampler:
        from sesindex.bayes.spec import override_sampler

        try:
            model_spec = replace(model_spec, sampler=override_sampler(model_spec.sampler, sampler))
        except ValueError as exc:
            fail(str(exc))
    if years:
        model_spec = replace(model_spec, years=parse_years(years))
    if compare:
        model_spec = replace(model_spec, compare=model_spec.compare + _year_pairs(compare))
    return model_spec


def _sampler_overrides(**given) -> dict | None:
    """The sampler settings given on the command line (None: the spec's, all of them)."""
    return {k: v for k, v in given.items() if v is not None} or None


def _print_pre_period(event_study) -> None:
    """The headline's caution when the event study's pre-period strays from 0."""
    from sesindex.evaluation.effects import pre_period_check

    caution = pre_period_check(event_study)["caution"]
    if caution:
        console.print(
            f"[bold yellow]{escape(caution)}[/] (event_study.csv, report.html)", highlight=False
        )


def _year_pairs(compare: list[str]) -> tuple[tuple[int, int], ...]:
    """``--compare`` values ('2015,2024', ...) as pairs of years, or exit 2 saying why."""
    try:
        pairs = [tuple(int(y) for y in c.split(",")) for c in compare]
    except ValueError:
        pairs = [()]
    if any(len(p) != 2 for p in pairs):
        fail(f"--compare takes two years 'FROM,TO' (e.g. 2015,2024), got {compare}")
    return tuple((p[0], p[1]) for p in pairs)


def _print_gate(gate: dict) -> None:
    """The fit gate's verdict: its worst diagnostics, or loudly that it failed."""
    if gate["passed"]:
        console.print(
            f"[green]fit gate passed[/]: max R-hat {gate['worst']['rhat']['value']:.4f}"
            f", min bulk ESS {gate['worst']['ess_bulk']['value']:.0f}, min tail ESS "
            f"{gate['worst']['ess_tail']['value']:.0f}, {gate['divergences']} "
            "divergences",
            highlight=False,
        )
    else:
        err.print(
            "[bold red]FIT GATE FAILED[/] — the run is marked failed and every table "
            f"carries fit_ok = false: {escape(str(gate['checks']))}; worst "
            f"{escape(str(gate['worst']))}",
            highlight=False,
        )


@app.command()
def evaluate(
    run: Path = typer.Option(
        ..., exists=True, file_okay=False, help="A fit run directory (sesindex fit --out)."
    ),
    treated: Path = typer.Option(
        ...,
        exists=True,
        dir_okay=False,
        help="CSV with a column area_code (and "
        "optionally start_year and programme per "
        "area: several programmes are evaluated in "
        "one refit, each with its own effects).",
    ),
    start: int = typer.Option(
        None, help="The programme's first year, when the file has no start_year column."
    ),
    controls: str = typer.Option(
        "matched",
        help="matched (nearest never-treated "
        "areas on the pre-period latent level and "
        "trend), all, or a CSV of area codes.",
    ),
    exclude: Path = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="CSV with a column area_code: areas that "
        "must never be comparisons (e.g. where "
        "another programme ran).",
    ),
    refit_without_flagged: bool = typer.Option(
        False,
        help="If comparison areas look treated, refit without them too "
        "and report those effects beside the others (a second refit).",
    ),
    outcome: str = typer.Option(
        "index",
        help="Headline estimand: index (points), ses (latent sd) or type (share in types 1-2).",
    ),
    k: int = typer.Option(5, help="Matched controls per treated area."),
    within: str = typer.Option("none", help="Match within: none, county or municipality."),
    draws: int = typer.Option(None, help="Override the evaluation fit's draws per chain."),
    seed: int = typer.Option(
        None, help="Override the evaluation fit's sampler seed (default: the run's)."
    ),
    allow_failed_fit: bool = typer.Option(
        False, help="Evaluate a fit that missed its gate (refused by default)."
    ),
    out: Path = typer.Option(Path("runs/evaluate"), help="Output directory."),
    overwrite: bool = typer.Option(False, help="Replace an earlier run in --out."),
):
    """Did the programme work? Effects on the treated areas (ATT on the index, the latent
    status and the share in types 1-2, cohorts, event study) with credible intervals.
    """
    from sesindex.api import evaluate as run_evaluation
    from sesindex.evaluation import EvaluationInputError

    refuse_earlier_run(out, overwrite)
    choice = controls if controls in ("matched", "all") else Path(controls)
    if isinstance(choice, Path) and not choice.exists():
        fail(f"--controls {controls!r} is neither matched, all nor an existing file")
    with steps() as step:
        try:
            with step(f"match, refit with programme effects, derive ({run})"):
                result = run_evaluation(
                    run,
                    treated,
                    start=start,
                    controls=choice,
                    exclude=exclude,
                    outcome=outcome,
                    k=k,
                    within=within,
                    refit_without_flagged=refit_without_flagged,
                    sampler=_sampler_overrides(draws=draws, seed=seed),
                    allow_failed_fit=allow_failed_fit,
                )
        except (EvaluationInputError, ValueError) as exc:
            fail(str(exc))
        with step(f"write {out}"):
            files = _saved(result, out, overwrite=overwrite)
    table = Table(
        title=f"Programme effect on {len(result.starts)} treated areas "
        f"({result.info['comparison_areas']} comparison areas)"
    )
    for col in ("programme", "estimand", "mean", "90% interval", "P(< 0)"):
        table.add_column(col, justify="left" if col in ("programme", "estimand") else "right")
    for r in result.effects.itertuples():
        table.add_row(
            r.programme,
            r.estimand,
            f"{r.mean:.3f}",
            f"[{r.lo90:.3f}, {r.hi90:.3f}]",
            f"{r.p_negative:.3f}",
        )
    console.print(table)
    for name in dict.fromkeys(result.effects["programme"]):
        head = result.effect(result.info["headline"], name)
        console.print(
            f"{name}: headline {result.info['headline']}: {head['mean']:.3f} "
            f"(90% {head['lo90']:.3f} to {head['hi90']:.3f}); a negative index "
            "effect is an improvement",
            highlight=False,
        )
        _print_pre_period(result.event_study[result.event_study["programme"] == name])
    if result.info["looks_treated"]:
        err.print(
            f"[bold yellow]{len(result.info['looks_treated'])} comparison area(s) look "
            f"treated[/] (controls.csv, looks_treated): "
            f"{escape(', '.join(result.info['looks_treated'][:12]))}; effects without "
            f"them: {escape(result.info['without_flagged'])}",
            highlight=False,
        )
    console.print(f"wrote {', '.join(files)} to {out}", highlight=False)
    if not result.fit.gate["passed"]:
        err.print(
            "[bold red]EVALUATION FIT FAILED ITS GATE[/] — the manifest says so: "
            f"{escape(str(result.fit.gate['worst']))}",
            highlight=False,
        )
        raise typer.Exit(3)

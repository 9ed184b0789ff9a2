"""The ``sesindex`` command line (Typer + Rich).

Run ``sesindex --help``; every command writes ``manifest.json`` beside its outputs.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(help="Swedish socioeconomic area index with honest uncertainty.",
                  no_args_is_help=True, add_completion=False)


def _version(value: bool) -> None:
    if value:
        from sesindex import __version__

        print(f"sesindex {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version,
                                       is_eager=True, help="Print the version and exit.")):
    """Swedish socioeconomic area index with honest uncertainty."""
data_app = typer.Typer(help="Inspect and validate input data.", no_args_is_help=True)
app.add_typer(data_app, name="data")
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DATA_HELP = ("Packaged dataset (synthetic, synthetic-programme, sweden-regso-2022, "
             "karlstad-tab6586) or a file: "
             "tidy CSV/Parquet, or a PxWeb JSON-stat 2.0 response.")


@contextmanager
def steps():
    """A Rich progress display; ``step(label)`` is a context manager per stage."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=False) as progress:
        @contextmanager
        def step(label: str):
            task = progress.add_task(label, total=1)
            try:
                yield
            except BaseException:  # an error: the step stops spinning and says so
                progress.update(task, completed=1, description=f"[red]✗[/] {label}")
                raise
            progress.update(task, completed=1, description=f"[green]✓[/] {label}")
        yield step


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


CUTPOINTS_HELP = ("National cut points when the data hold only some areas: 'mu,sigma' "
                  "for every year or 'YEAR:mu,sigma;YEAR:mu,sigma' (e.g. 2022:9.10,5.47).")


def _parse_cutpoints(text: str | None) -> dict | None:
    from sesindex.index.cutpoints import parse_cutpoints

    try:
        return parse_cutpoints(text)
    except ValueError as exc:
        _fail(str(exc), 2)


def _print_verdicts(changes, method: str) -> None:
    """How many observed type changes are probably real or noise, with the rule."""
    from sesindex.uncertainty.draws import VERDICT_RULE

    if "verdict" not in changes:
        return
    pairs = changes[["year_from", "year_to"]].drop_duplicates().to_numpy()
    y0, y1 = (int(v) for v in pairs[-1]) if "pair" not in changes else (
        int(v) for v in changes.loc[changes["pair"] == "consecutive",
                                    ["year_from", "year_to"]].iloc[-1])
    last = changes[(changes["year_from"] == y0) & (changes["year_to"] == y1)]
    counts = last["verdict"].value_counts()
    moved = int((last["verdict"] != "").sum())
    console.print(f"{y0}->{y1}: {moved} areas changed their observed type; by {method}, "
                  f"{counts.get('probably real', 0)} probably real, "
                  f"{counts.get('uncertain', 0)} uncertain, "
                  f"{counts.get('probably noise', 0)} probably noise ({VERDICT_RULE}; "
                  "see changes.csv)", highlight=False)
    crossed = int(last["boundary_changed"].sum()) if "boundary_changed" in last else 0
    if crossed:
        console.print(f"{crossed} areas' boundaries changed between {y0} and {y1} (SCB's "
                      "RegSO 2025): their comparisons are marked 'boundary changed', not "
                      "counted as their own movement", highlight=False)


def _print_typing(note: str, warnings) -> None:
    for warning in warnings or []:
        err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    if note:
        err.print(f"[yellow]types:[/] {escape(note)}", highlight=False)


def _print_types(summary, title: str) -> None:
    counts = summary[[f"type_{k}" for k in range(1, 6)]].fillna(0).sum(axis=1)
    last = summary[counts > 0].iloc[-1]  # the latest year that has types
    table = Table(title=title)
    for col in ("type", "label", "areas", "share %"):
        table.add_column(col, justify="right" if col != "label" else "left")
    from sesindex.index.area_type import TYPE_LABELS

    n = int(last["areas"])
    for k in range(1, 6):
        c = int(last[f"type_{k}"])
        table.add_row(str(k), TYPE_LABELS["en"][k], str(c), f"{100 * c / max(n, 1):.1f}")
    console.print(table)
    console.print(f"year {int(last['year'])}: {n} areas, national mu = {last['mu']:.2f}, "
                  f"sigma = {last['sigma']:.2f} (percentage points)")


def _refuse_earlier_run(out: Path, overwrite: bool) -> None:
    """Stop before any work when ``out`` holds an earlier run (a long fit is not lost to
    a reused --out)."""
    if out.exists() and any(out.iterdir()) and not overwrite:
        _fail(f"{out} holds an earlier run: choose another --out, or pass --overwrite to "
              "replace it", 2)


@contextmanager
def run_directory(out: Path):
    """Write a run whole or not at all: into a hidden sibling, renamed to ``out`` when
    complete (the manifest is the writers' last file); on an error nothing replaces
    ``out`` and the partial sibling is removed."""
    import os
    import shutil

    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = out.with_name(f".{out.name}.replaced-{os.getpid()}")
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _spec_file(name_or_path: str) -> Path:
    from sesindex.specs import resolve_spec

    try:
        return resolve_spec(name_or_path)
    except FileNotFoundError as exc:
        _fail(str(exc), 2)


def _run_index(data: str, spec_path: str | None, out: Path, cutpoints: str | None,
               command: str, write_inputs: bool = False, seed: int | None = None,
               uncertainty_years: int = 0, publish: bool = False) -> Path:
    """Load, index, (optionally) bootstrap the last years, write tables, report, manifest."""
    from sesindex.data.io import load_data
    from sesindex.data.schema import DataValidationError
    from sesindex.index import IndexSpec, compute_index, load_spec
    from sesindex.manifest import Timer, write_manifest
    from sesindex.report.tables import area_table, summary_table, write_area_tables

    timer = Timer()
    spec = load_spec(_spec_file(spec_path)) if spec_path else IndexSpec()
    with steps() as step:
        try:
            with step(f"load {data}"), timer("load"):
                loaded = load_data(data, seed=seed)
        except (DataValidationError, FileNotFoundError, ValueError) as exc:
            _fail(str(exc))
        for note in loaded.notes:
            err.print(f"[dim]note:[/] {escape(note)}", highlight=False)
        try:
            with step(f"index ({spec.name})"), timer("index"):
                result = compute_index(loaded.dataset, spec,
                                       cutpoints=_parse_cutpoints(cutpoints))
        except ValueError as exc:
            _fail(str(exc))
        extra = changes = None
        if uncertainty_years:
            from sesindex.uncertainty import bootstrap_uncertainty

            years = result["year"].values[-uncertainty_years:]
            with step(f"bootstrap uncertainty {years[0]}-{years[-1]} (1,000 replicates)"), \
                    timer("bootstrap"):
                extra, changes = bootstrap_uncertainty(loaded.dataset, spec, years=years,
                                                       seed=seed or 20240101)
        with step(f"write {out}"), timer("write"):
            table = area_table(result)
            if extra is not None:  # bootstrap columns, per area and year
                table = table.merge(extra, on=["area_code", "year"], how="left",
                                    validate="1:1")
            files = write_area_tables(result, out, table=table)
            if changes is not None and len(changes):
                changes.to_csv(out / "changes.csv", index=False, float_format="%.6g")
                files.append(out / "changes.csv")
            if publish:
                from sesindex.report.publish import write_publication

                latest = table[table["year"] == table["year"].max()]
                how = ("90 % intervals from 1,000 parametric bootstrap replicates of each "
                       "area's binomial noise (sesindex demo, official method)"
                       if uncertainty_years else "")
                files += write_publication(latest, out, source=loaded.dataset.attrs.get(
                    "source", loaded.name), intervals=how)
            if write_inputs:
                loaded.tidy.to_csv(out / "data.csv", index=False)
                files.append(out / "data.csv")
                if loaded.truth is not None:
                    loaded.truth.to_csv(out / "truth.csv", index=False, float_format="%.6g")
                    files.append(out / "truth.csv")
    summary = summary_table(result)
    _print_typing(result.attrs.get("types_note", ""), result.attrs.get("types_warnings"))
    if result.attrs.get("types_note"):
        if "published_type" in result:
            err.print("[yellow]types:[/] the table carries SCB's published types "
                      "(published_type) instead.", highlight=False)
    if "published_index" in result:
        diff = abs(result["index"] - result["published_index"])
        where = diff.where(diff == diff.max(), drop=True)
        console.print(f"recomputed vs published index: largest difference "
                      f"{float(diff.max()):.4f} points ({where['area'].values[0]}, "
                      f"{int(where['year'].values[0])}); published V1-V3 are rounded to 0.1, "
                      "so up to 0.05 is rounding", highlight=False)
    if summary[[f"type_{k}" for k in range(1, 6)]].to_numpy().sum():
        _print_types(summary, f"Area types ({spec.name})")
    if changes is not None and len(changes):
        _print_verdicts(changes, "the bootstrap of binomial noise")
    write_manifest(out, command=command, spec=spec.to_dict(), inputs=loaded.files,
                   seed=seed, timings=timer.seconds, data=loaded.name, notes=loaded.notes,
                   types_note=result.attrs.get("types_note", ""),
                   outputs=[p.name for p in files] + (["report.html"] if publish else []))
    if publish:
        from sesindex.report.html import build_report

        with timer("report"):
            files.append(build_report(out))
    console.print(f"wrote {', '.join(p.name for p in files)} and manifest.json to {out}")
    return out


@app.command()
def demo(out: Path = typer.Option(Path("results/demo"), help="Output directory."),
         seed: int = typer.Option(20240101, help="Seed of the synthetic national panel.")):
    """National demo: calibrated synthetic RegSO data -> official index, types, ranks,
    bootstrap uncertainty of the last two years, publication tables and the HTML report."""
    _run_index("synthetic", None, out, None, "demo", write_inputs=True, seed=seed,
               uncertainty_years=2, publish=True)


@app.command()
def index(spec: str = typer.Option(..., help="Index spec: a packaged name (official, "
                                   "zscore, pca, ...) or a TOML file, e.g. "
                                    "models/official.toml."),
          data: str = typer.Option("synthetic", help=DATA_HELP),
          out: Path = typer.Option(Path("results/index"), help="Output directory."),
          cutpoints: str = typer.Option(None, help=CUTPOINTS_HELP)):
    """Compute a deterministic index variant with area types and ranks."""
    _run_index(data, spec, out, cutpoints, "index")


@data_app.command("check")
def data_check(source: str = typer.Argument(..., help=DATA_HELP)):
    """Validate a dataset; exit status 1 and every problem listed if anything is wrong."""
    from sesindex.data.io import load_data
    from sesindex.data.schema import DataValidationError

    try:
        loaded = load_data(source)
    except DataValidationError as exc:
        err.print(f"[bold red]{len(exc.problems)} problem(s)[/] in {source}:")
        for p in exc.problems:
            err.print(f"  [red]✗[/] {escape(str(p))}", highlight=False)
        raise typer.Exit(1)
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    ds = loaded.dataset
    for note in loaded.notes:
        console.print(f"note: {escape(note)}", highlight=False)
    kinds = dict(zip(ds["indicator"].values.tolist(), ds["indicator_kind"].values.tolist()))
    console.print(f"[green]ok[/] {source}: {ds.sizes['area']} areas, years "
                  f"{int(ds.year.min())}-{int(ds.year.max())}, indicators {kinds}",
                  highlight=False)


@data_app.command("assemble")
def data_assemble(rates: str = typer.Option(..., help="SCB's published percentages: the "
                                            "TAB6586 response (JSON-stat), a packaged name "
                                            "or a tidy file with V1-V3 values."),
                  population: Path = typer.Option(..., exists=True, dir_okay=False,
                                                  help="SCB's population table (PxWebApi 2 "
                                                  "JSON-stat: region x age x year) or a CSV "
                                                  "with area_code, year, population, "
                                                  "population_20_64."),
                  out: Path = typer.Option(..., help="The fit-ready tidy CSV to write."),
                  years: str = typer.Option(None, help="Only these years of the rates: "
                                            "'2022' or '2020-2023' (default: every year "
                                            "they hold; each needs populations).")):
    """Published percentages + populations -> fit-ready data (denominators per indicator:
    all residents for V1, residents aged 20-64 for V2 and V3)."""
    import json

    import pandas as pd

    from sesindex.data.io import load_data, sha256
    from sesindex.data.population import assemble, read_population
    from sesindex.data.schema import DataValidationError

    with steps() as step:
        try:
            with step(f"read {rates} and {population}"):
                loaded = load_data(rates)
                pop = read_population(population)
            with step(f"assemble {out}"):
                from sesindex.data.model import to_tidy

                given = to_tidy(loaded.dataset)  # validated, typed
                wanted = _parse_years(years)
                if wanted is not None:
                    absent = sorted(set(wanted) - set(given["year"]))
                    if absent:
                        raise ValueError(f"--years {years}: the rates have no {absent} "
                                         f"(they hold {sorted(set(given['year']))})")
                    given = given[given["year"].isin(wanted)]
                tidy = assemble(given, pop)
                published = given[~given["indicator"].isin(["V1", "V2", "V3"])]
                tidy = pd.concat([tidy, published], ignore_index=True)
                out.parent.mkdir(parents=True, exist_ok=True)
                tidy.to_csv(out, index=False)
        except DataValidationError as exc:
            for problem in exc.problems:
                err.print(f"  [red]✗[/] {escape(str(problem))}", highlight=False)
            _fail(f"{len(exc.problems)} problem(s): nothing written")
        except (ValueError, FileNotFoundError) as exc:
            _fail(str(exc))
    notes = list(loaded.notes) + list(pop.attrs.get("notes", []))
    sidecar = out.with_suffix(".manifest.json")
    sidecar.write_text(json.dumps({
        "command": "data assemble", "rates": rates, "population": str(population),
        "years": sorted(int(y) for y in tidy["year"].unique()),
        "inputs": {**loaded.files, str(population): sha256(population)},
        "denominators": "V1: all residents (population); V2, V3: residents aged 20-64 "
                        "(population_20_64)",
        "measurement_error": "V1-V3 are SCB's percentages rounded to 0.1: the fit carries "
                             "the rounding as known measurement error (uniform, +-0.05 "
                             "points; sesindex.bayes.data.ROUNDING_SD_PROPORTION)",
        "notes": notes, "rows": len(tidy)}, indent=1, ensure_ascii=False) + "\n")
    for note in notes:
        err.print(f"[dim]note:[/] {escape(note)}", highlight=False)
    console.print(f"wrote {out} ({len(tidy)} rows: {tidy['area_code'].nunique()} areas, "
                  f"{tidy['year'].nunique()} years) and {sidecar.name}; next: sesindex data "
                  f"check {out}, then sesindex fit --data {out}", highlight=False)


@app.command()
def fetch(table: str = typer.Option("TAB6586", help="SCB table id (TAB6586 = index and "
                                    "area types by RegSO)."),
          region: str = typer.Option("*", help="Region codes, comma-separated; '1780*' = "
                                     "all RegSO of Karlstad; '*' = all."),
          years: str = typer.Option("*", help="Years, comma-separated or 'A-B'."),
          contents: str = typer.Option("*", help="ContentsCode selection."),
          lang: str = typer.Option("sv", help="sv or en."),
          cache: Path = typer.Option(Path("data/scb"), help="Cache directory."),
          refresh: bool = typer.Option(False, help="Download again even if cached."),
          population: bool = typer.Option(False, "--population", help="The table is a "
                                          "population table (region x age x year): check "
                                          "it reads as the denominators of "
                                          "'sesindex data assemble'.")):
    """Download a table from SCB's PxWebApi 2 (JSON-stat 2.0), cache it, check it loads.

    The index table (TAB6586) loads as data; with ``--population`` a population table
    by RegSO, age and year loads as denominators (SCB's zeros outside a boundary
    version's years masked).
    """
    from sesindex.data.fetch import FetchError, fetch_table
    from sesindex.data.io import load_data

    if "-" in years and "*" not in years:
        a, b = (int(v) for v in years.split("-"))
        year_codes = [str(y) for y in range(a, b + 1)]
    else:
        year_codes = years.split(",")
    codes = {"Region": region.split(","), "ContentsCode": contents.split(","),
             "Tid": year_codes}
    try:
        with steps() as step, step(f"fetch {table}"):
            got = fetch_table(table, codes, cache_dir=cache, lang=lang, refresh=refresh)
    except FetchError as exc:
        _fail(str(exc))
    origin = "cache" if got.from_cache else "SCB"
    console.print(f"{got.path} (from {origin}, retrieved {got.retrieved})", highlight=False)
    if population:
        _check_population(got.path)
        return
    try:
        loaded = load_data(str(got.path))
    except Exception as exc:  # noqa: BLE001 - report, keep the cached file
        _fail(f"fetched, but the response does not load: {exc}")
    for note in loaded.notes:
        console.print(f"note: {escape(note)}", highlight=False)
    console.print(f"loads as {loaded.dataset.sizes['area']} areas x "
                  f"{loaded.dataset.sizes['year']} years; use --data {got.path}")


def _check_population(path: Path) -> None:
    """Read a fetched population table as denominators, or fail naming the problem."""
    from sesindex.data.population import read_population

    try:
        pop = read_population(path)
    except Exception as exc:  # noqa: BLE001 - report, keep the cached file
        _fail(f"fetched, but it does not read as a population table: {exc}")
    console.print(f"reads as populations of {pop['area_code'].nunique()} areas x "
                  f"{pop['year'].nunique()} years; use 'sesindex data assemble "
                  f"--population {path}'", highlight=False)


@app.command()
def validate(spec: Path = typer.Argument(None, help="A study spec, e.g. "
                                         "validation/bootstrap.toml."),
             all_: bool = typer.Option(False, "--all", help="Run every spec in "
                                       "validation/."),
             specs_dir: Path = typer.Option(Path("validation"), help="Where --all looks."),
             out: Path = typer.Option(Path("results/validation"), help="Output root."),
             check: bool = typer.Option(False, "--check", help="Check every study spec in "
                                        "--specs-dir and every packaged index and model "
                                        "spec against its schema, without running.")):
    """Run a validation study (tables, figures, manifest in results/validation/<study>/)."""
    from sesindex.validate import run_all, run_study

    if check:
        _check_specs(specs_dir)
        return
    if all_ == (spec is not None):
        _fail("give one study spec or --all", 2)
    with steps() as step:
        if all_:
            with step(f"validate --all ({specs_dir})"):
                results = run_all(specs_dir, out)
        else:
            with step(f"validate {spec}"):
                results = {spec.stem: run_study(spec, out / spec.stem)}
    import json

    for name, manifest in results.items():
        console.print(f"[bold]{name}[/]: {len(manifest.get('files', []))} files in "
                      f"{out / name}", highlight=False)
        for k, v in manifest.get("results", {}).items():
            text = json.dumps(v, default=str)
            console.print(f"  {k}: {escape(text[:160])}{'…' if len(text) > 160 else ''}",
                          highlight=False)


def _check_specs(specs_dir: Path) -> None:
    """Load every spec (study specs of ``specs_dir``, packaged index and model specs)
    through its schema; exit 1 naming each that fails."""
    import tomllib

    from sesindex.bayes import load_model_spec
    from sesindex.index import load_spec
    from sesindex.specs import packaged_specs, resolve_spec
    from sesindex.validate import StudySpec

    files = [(p, StudySpec.load) for p in sorted(Path(specs_dir).glob("*.toml"))]
    for name in packaged_specs():
        path = resolve_spec(name)
        with open(path, "rb") as fh:
            kind = load_model_spec if "model" in tomllib.load(fh) else load_spec
        files.append((path, kind))
    bad = 0
    for path, loader in files:
        try:
            loader(path)
            console.print(f"[green]✓[/] {path}", highlight=False)
        except (ValueError, TypeError, tomllib.TOMLDecodeError) as exc:
            bad += 1
            err.print(f"[red]✗[/] {path}: {escape(str(exc))}", highlight=False)
    console.print(f"{len(files) - bad} of {len(files)} specs valid", highlight=False)
    if bad:
        raise typer.Exit(1)


@app.command()
def report(run: Path = typer.Option(..., exists=True, file_okay=False,
                                    help="A run directory (demo, index or fit output)."),
           out: Path = typer.Option(None, help="Where to write (default RUN/report.html)."),
           boundaries: Path = typer.Option(None, exists=True, help="Optional GeoPackage/"
                                           "GeoJSON/shapefile of the areas: adds area "
                                           "maps (needs geopandas)."),
           deso_key: Path = typer.Option(None, exists=True, help="With DeSO boundaries: "
                                         "SCB's DeSO -> RegSO key (deso_regso_key.csv), to "
                                         "dissolve them into RegSO areas.")):
    """Write a self-contained HTML report (figures embedded) of a run directory."""
    from sesindex.report.html import build_report

    try:
        with steps() as step, step(f"report {run}"):
            if boundaries is not None and deso_key is not None:
                from sesindex.report.maps import regso_from_deso

                boundaries = regso_from_deso(boundaries, deso_key)
            path = build_report(run, out, boundaries)
    except (FileNotFoundError, ImportError, ValueError) as exc:
        _fail(str(exc))
    console.print(f"wrote {path}", highlight=False)


def _parse_years(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    if "-" in text:
        a, b = (int(v) for v in text.split("-"))
        return tuple(range(a, b + 1))
    return tuple(int(v) for v in text.split(","))


@app.command()
def fit(spec: str = typer.Option("latent_factor", help="Model spec: a packaged name "
                                 "(latent_factor, latent_factor_single_year, ...) or a "
                                 "TOML file."),
        data: str = typer.Option("synthetic", help=DATA_HELP),
        years: str = typer.Option(None, help="Years to fit: '2022,2023' or '2011-2024' "
                                  "(default: the spec's, else all)."),
        areas: int = typer.Option(None, help="Synthetic data only: a random subset of N "
                                  "areas (quick looks; no types or ranks without "
                                  "--cutpoints)."),
        draws: int = typer.Option(None, help="Override the spec's kept draws per chain."),
        tune: int = typer.Option(None, help="Override the spec's tuning draws per chain."),
        backend: str = typer.Option(None, help="nutpie (default), pymc or advi."),
        adjacency: Path = typer.Option(None, exists=True, help="CSV of neighbouring area "
                                       "pairs (two code columns): adds the BYM2 spatial "
                                       "term."),
        out: Path = typer.Option(Path("results/fit"), help="Output directory."),
        overwrite: bool = typer.Option(False, help="Replace an earlier run in --out."),
        cutpoints: str = typer.Option(None, help=CUTPOINTS_HELP),
        compare: list[str] = typer.Option(None, help="Also compare these two years in "
                                          "changes.csv: '2015,2024' (repeatable)."),
        report: bool = typer.Option(True, help="Also write report.html.")):
    """Fit the Bayesian latent-factor model: status, index, ranks, types and changes with
    credible intervals (higher ses_mean = higher socioeconomic status)."""
    from dataclasses import replace

    from sesindex.bayes import load_model_spec
    from sesindex.bayes.output import write_fit
    from sesindex.report.publish import write_fit_publication
    from sesindex.data.io import load_data

    model_spec = load_model_spec(_spec_file(spec))
    sampler = {k: v for k, v in (("draws", draws), ("tune", tune), ("backend", backend))
               if v is not None}
    if sampler:
        model_spec = replace(model_spec, sampler=replace(model_spec.sampler, **sampler))
    if years:
        model_spec = replace(model_spec, years=_parse_years(years))
    if adjacency:
        model_spec = replace(model_spec, adjacency=str(adjacency))
    if compare:
        try:
            pairs = tuple(tuple(int(y) for y in c.split(",")) for c in compare)
        except ValueError:
            _fail(f"--compare takes two years 'FROM,TO' (e.g. 2015,2024), got {compare}", 2)
        if any(len(p) != 2 for p in pairs):
            _fail(f"--compare takes two years 'FROM,TO' (e.g. 2015,2024), got {compare}", 2)
        model_spec = replace(model_spec, compare=model_spec.compare + pairs)
    cuts = _parse_cutpoints(cutpoints)
    _refuse_earlier_run(out, overwrite)
    with steps() as step:
        try:
            with step(f"load {data}"):
                synthetic = data.startswith("synthetic")
                loaded = load_data(data, n_areas=areas, years=model_spec.years
                                   if synthetic and model_spec.years else None)
        except Exception as exc:  # noqa: BLE001 - every loader error is the user's to read
            _fail(str(exc))
        for note in loaded.notes:
            err.print(f"[dim]note:[/] {escape(note)}", highlight=False)
        from sesindex.bayes import fit as fit_model

        try:
            with step(f"compile, sample ({model_spec.sampler.backend}), derive"):
                result = fit_model(loaded.dataset, model_spec, progress=True,
                                   cutpoints=cuts)
        except ValueError as exc:
            _fail(str(exc))
        with step(f"write {out}"), run_directory(out) as tmp:
            files = write_fit(result, tmp, loaded)
            files += write_fit_publication(result, tmp, source=loaded.dataset.attrs.get(
                "source", loaded.name))
            if report:
                from sesindex.report.html import build_report

                files.append(build_report(tmp))
    _print_typing(result.typing.note, result.typing.warnings)
    if len(result.changes):
        _print_verdicts(result.changes, "the posterior")
    gate = result.gate
    if gate["passed"]:
        console.print(f"[green]fit gate passed[/]: max R-hat {gate['worst']['rhat']['value']:.4f}"
                      f", min bulk ESS {gate['worst']['ess_bulk']['value']:.0f}, min tail ESS "
                      f"{gate['worst']['ess_tail']['value']:.0f}, {gate['divergences']} "
                      "divergences", highlight=False)
    else:
        err.print("[bold red]FIT GATE FAILED[/] — the run is marked failed and every table "
                  f"carries fit_ok = false: {escape(str(gate['checks']))}; worst "
                  f"{escape(str(gate['worst']))}", highlight=False)
    console.print(f"timings (s): {result.timings}", highlight=False)
    console.print(f"wrote {', '.join(p.name for p in files)} to {out}", highlight=False)
    if not gate["passed"]:
        raise typer.Exit(3)


@app.command()
def evaluate(run: Path = typer.Option(..., exists=True, file_okay=False,
                                      help="A fit run directory (sesindex fit --out)."),
             treated: Path = typer.Option(..., exists=True, dir_okay=False,
                                          help="CSV with a column area_code (and "
                                          "optionally start_year per area)."),
             start: int = typer.Option(None, help="The programme's first year, when the "
                                       "file has no start_year column."),
             controls: str = typer.Option("matched", help="matched (nearest never-treated "
                                          "areas on the pre-period latent level and "
                                          "trend), all, or a CSV of area codes."),
             outcome: str = typer.Option("index", help="Headline estimand: index (points), "
                                         "ses (latent sd) or type (share in types 1-2)."),
             k: int = typer.Option(5, help="Matched controls per treated area."),
             within: str = typer.Option("none", help="Match within: none, county or "
                                        "municipality."),
             draws: int = typer.Option(None, help="Override the evaluation fit's draws per "
                                       "chain."),
             allow_failed_fit: bool = typer.Option(False, help="Evaluate a fit that missed "
                                                   "its gate (refused by default)."),
             out: Path = typer.Option(Path("results/evaluate"), help="Output directory."),
             overwrite: bool = typer.Option(False, help="Replace an earlier run in --out.")):
    """Did the programme work? Effects on the treated areas (ATT on the index, the latent
    status and the share in types 1-2, cohorts, event study) with credible intervals."""
    from sesindex.evaluate import EvaluationInputError
    from sesindex.evaluate import evaluate as run_evaluation
    from sesindex.evaluate.output import write_evaluation

    _refuse_earlier_run(out, overwrite)
    choice = controls if controls in ("matched", "all") else Path(controls)
    if isinstance(choice, Path) and not choice.exists():
        _fail(f"--controls {controls!r} is neither matched, all nor an existing file", 2)
    with steps() as step:
        try:
            with step(f"match, refit with programme effects, derive ({run})"):
                result = run_evaluation(run, treated, start=start, controls=choice,
                                        outcome=outcome, k=k, within=within,
                                        sampler={"draws": draws} if draws else None,
                                        allow_failed_fit=allow_failed_fit)
        except (EvaluationInputError, ValueError) as exc:
            _fail(str(exc))
        with step(f"write {out}"), run_directory(out) as tmp:
            from sesindex.data.io import sha256

            files = write_evaluation(result, tmp, inputs={str(treated): sha256(treated)})
    head = result.effect(result.info["headline"])
    table = Table(title=f"Programme effect on {len(result.starts)} treated areas "
                  f"({result.info['comparison_areas']} comparison areas)")
    for col in ("estimand", "mean", "90% interval", "P(< 0)"):
        table.add_column(col, justify="left" if col == "estimand" else "right")
    for r in result.effects.itertuples():
        table.add_row(r.estimand, f"{r.mean:.3f}", f"[{r.lo90:.3f}, {r.hi90:.3f}]",
                      f"{r.p_negative:.3f}")
    console.print(table)
    console.print(f"headline {result.info['headline']}: {head['mean']:.3f} "
                  f"(90% {head['lo90']:.3f} to {head['hi90']:.3f}); a negative index effect "
                  "is an improvement", highlight=False)
    console.print(f"wrote {', '.join(p.name for p in files)} and manifest.json to {out}",
                  highlight=False)
    if not result.fit.gate["passed"]:
        err.print("[bold red]EVALUATION FIT FAILED ITS GATE[/] — the manifest says so: "
                  f"{escape(str(result.fit.gate['worst']))}", highlight=False)
        raise typer.Exit(3)


def main() -> None:  # pragma: no cover
    app(prog_name="sesindex")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

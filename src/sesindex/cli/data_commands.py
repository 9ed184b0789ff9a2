"""Data commands: ``data check``, ``data assemble`` and ``fetch``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from sesindex.cli.app import (DATA_HELP, app, console, data_app, err, fail, parse_years,
                             steps)


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
        fail(str(exc))
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
                wanted = parse_years(years)
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
            fail(f"{len(exc.problems)} problem(s): nothing written")
        except (ValueError, FileNotFoundError) as exc:
            fail(str(exc))
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

    year_codes = (years.split(",") if "*" in years
                  else [str(y) for y in parse_years(years)])
    codes = {"Region": region.split(","), "ContentsCode": contents.split(","),
             "Tid": year_codes}
    try:
        with steps() as step, step(f"fetch {table}"):
            got = fetch_table(table, codes, cache_dir=cache, lang=lang, refresh=refresh)
    except FetchError as exc:
        fail(str(exc), 1)
    origin = "cache" if got.from_cache else "SCB"
    console.print(f"{got.path} (from {origin}, retrieved {got.retrieved})", highlight=False)
    if population:
        _check_population(got.path)
        return
    try:
        loaded = load_data(str(got.path))
    except Exception as exc:  # noqa: BLE001 - report, keep the cached file
        fail(f"fetched, but the response does not load: {exc}", 1)
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
        fail(f"fetched, but it does not read as a population table: {exc}", 1)
    console.print(f"reads as populations of {pop['area_code'].nunique()} areas x "
                  f"{pop['year'].nunique()} years; use 'sesindex data assemble "
                  f"--population {path}'", highlight=False)

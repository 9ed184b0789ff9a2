"""Data commands: ``data check``, ``data assemble`` and ``fetch``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from sesindex.cli.app import (
    DATA_HELP,
    app,
    console,
    data_app,
    err,
    fail,
    parse_years,
    required_years,
    steps,
)


@data_app.command("check")
def data_check(source: str = typer.Argument(..., help=DATA_HELP)):
    """Validate a dataset; exit status 1 and every problem listed if anything is wrong."""
    check_data(source)


def check_data(source: str):
    """Load and validate ``source`` as ``data check`` does: its notes and a one-line
    summary printed, or every problem listed and exit status 1. Returns the loaded data.
    """
    from sesindex.api import load
    from sesindex.data.schema import DataValidationError

    try:
        loaded = load(source)
    except DataValidationError as exc:
        err.print(f"[bold red]{len(exc.problems)} problem(s)[/] in {source}:")
        for p in exc.problems:
            err.print(f"  [red]✗[/] {escape(str(p))}", highlight=False)
        raise typer.Exit(1) from None
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    ds = loaded.dataset
    for note in loaded.notes:
        console.print(f"note: {escape(note)}", highlight=False)
    kinds = dict(
        zip(ds["indicator"].values.tolist(), ds["indicator_kind"].values.tolist(), strict=True)
    )
    console.print(
        f"[green]ok[/] {source}: {ds.sizes['area']} areas, years "
        f"{int(ds.year.min())}-{int(ds.year.max())}, indicators {kinds}",
        highlight=False,
    )
    return loaded


@data_app.command("assemble")
def data_assemble(
    rates: str = typer.Option(
        ...,
        help="SCB's published percentages: the "
        "TAB6586 response (JSON-stat), a packaged name "
        "or a tidy file with V1-V3 values.",
    ),
    population: Path = typer.Option(
        ...,
        exists=True,
        dir_okay=False,
        help="SCB's population table (PxWebApi 2 "
        "JSON-stat: region x age x year) or a CSV "
        "with area_code, year, population, "
        "population_20_64.",
    ),
    out: Path = typer.Option(..., help="The fit-ready tidy CSV to write."),
    years: str = typer.Option(
        None,
        help="Only these years of the rates: "
        "'2022' or '2020-2023' (default: every year "
        "they hold; each needs populations).",
    ),
):
    """Published percentages + populations -> fit-ready data (denominators per indicator:
    all residents for V1, residents aged 20-64 for V2 and V3).
    """
    from sesindex.data.io import load_data, sha256
    from sesindex.data.population import read_population

    with steps() as step:
        with step(f"read {rates} and {population}"):
            loaded, pop = or_fail(lambda: (load_data(rates), read_population(population)))
        with step(f"assemble {out}"):
            tidy = assemble_or_fail(
                loaded,
                pop,
                parse_years(years),
                out,
                {
                    "command": "data assemble",
                    "rates": rates,
                    "population": str(population),
                    "inputs": {**loaded.files, str(population): sha256(population)},
                },
            )
    console.print(
        f"wrote {out} ({len(tidy)} rows: {tidy['area_code'].nunique()} areas, "
        f"{tidy['year'].nunique()} years) and "
        f"{out.with_suffix('.manifest.json').name}; next: sesindex data check "
        f"{out}, then sesindex fit --data {out}",
        highlight=False,
    )


def or_fail(work):
    """``work()``, or exit 1 listing its data problems or its error."""
    from sesindex.data.schema import DataValidationError

    try:
        return work()
    except DataValidationError as exc:
        for problem in exc.problems:
            err.print(f"  [red]✗[/] {escape(str(problem))}", highlight=False)
        fail(f"{len(exc.problems)} problem(s): nothing written")
    except (ValueError, FileNotFoundError) as exc:
        fail(str(exc))


def assemble_or_fail(loaded, pop, years, out: Path, manifest: dict):
    """``data assemble``'s work: the rates of ``loaded`` in ``years`` with the populations
    ``pop`` as denominators, written to ``out`` with its manifest and the notes printed;
    or exit 1 naming the problems (nothing written). Returns the fit-ready rows.
    """
    from sesindex.data.population import assemble_loaded, write_assembled

    tidy = or_fail(lambda: assemble_loaded(loaded, pop, years))
    write_assembled(tidy, out, manifest)
    for note in tidy.attrs["notes"]:
        err.print(f"[dim]note:[/] {escape(note)}", highlight=False)
    return tidy


@app.command()
def fetch(
    table: str = typer.Option(
        None,
        help="SCB table id (default TAB6586 = index and "
        "area types by RegSO; with --population TAB6574 = "
        "population by RegSO/DeSO, age and sex).",
    ),
    region: str = typer.Option(
        "*", help="Region codes, comma-separated; '1780*' = all RegSO of Karlstad; '*' = all."
    ),
    years: str = typer.Option("*", help="Years, comma-separated or 'A-B'."),
    contents: str = typer.Option("*", help="ContentsCode selection."),
    lang: str = typer.Option("sv", help="sv or en."),
    cache: Path = typer.Option(Path("data/scb"), help="Cache directory."),
    refresh: bool = typer.Option(False, help="Download again even if cached."),
    population: bool = typer.Option(
        False,
        "--population",
        help="The table is a "
        "population table (region x age x sex x year; "
        "TAB6574 unless --table says otherwise): fetch "
        "the ages and sexes the denominators need, in "
        "requests within SCB's limits (--contents "
        "unused: the number of residents), and check "
        "it reads as the denominators of 'sesindex "
        "data assemble'.",
    ),
):
    """Download a table from SCB's PxWebApi 2 (JSON-stat 2.0), cache it, check it loads.

    The index table (TAB6586) loads as data; with ``--population`` the population table
    by RegSO/DeSO, age, sex and year (TAB6574) loads as denominators (SCB's zeros outside
    a boundary version's years masked).
    """
    from sesindex.data.fetch import (
        INDEX_TABLE,
        POPULATION_TABLE,
        FetchError,
        default_transport,
        fetch_table,
    )
    from sesindex.data.io import load_data

    table = table or (POPULATION_TABLE if population else INDEX_TABLE)
    year_codes = years.split(",") if "*" in years else [str(y) for y in required_years(years)]
    if population:
        from sesindex.data.scb import fetch_population

        got = fetch_or_fail(
            f"fetch {table}",
            lambda on_chunk: fetch_population(
                year_codes,
                region=region,
                cache_dir=cache,
                transport=default_transport(),
                table=table,
                lang=lang,
                on_chunk=on_chunk,
                refresh=refresh,
            ),
        )
        console.print(
            f"{got.path} ({len(got.chunks)} chunk(s): {got.calls} fetched from "
            "SCB, the rest from the cache)",
            highlight=False,
        )
        _check_population(got.path)
        return
    codes = {"Region": region.split(","), "ContentsCode": contents.split(","), "Tid": year_codes}
    try:
        with steps() as step, step(f"fetch {table}"):
            got = fetch_table(table, codes, cache_dir=cache, lang=lang, refresh=refresh)
    except FetchError as exc:
        fail(str(exc), 1)
    origin = "cache" if got.from_cache else "SCB"
    console.print(f"{got.path} (from {origin}, retrieved {got.retrieved})", highlight=False)
    try:
        loaded = load_data(str(got.path))
    except Exception as exc:  # noqa: BLE001 - report, keep the cached file
        fail(f"fetched, but the response does not load: {exc}", 1)
    for note in loaded.notes:
        console.print(f"note: {escape(note)}", highlight=False)
    console.print(
        f"loads as {loaded.dataset.sizes['area']} areas x "
        f"{loaded.dataset.sizes['year']} years; use --data {got.path}"
    )


def fetch_or_fail(label: str, work):
    """``work(on_chunk)`` under a progress step that counts the chunks; exit 1 with the
    message of a fetch that fails (what was fetched stays cached).
    """
    from sesindex.data.fetch import FetchError

    try:
        with steps() as step, step(label):
            return work(
                lambda i, n, chunk, got: err.print(
                    f"[dim]{i}/{n}[/] {escape(chunk.describe())} "
                    f"({'cache' if got.from_cache else 'SCB'})",
                    highlight=False,
                )
            )
    except (FetchError, ValueError) as exc:
        fail(str(exc))


def _check_population(path: Path) -> None:
    """Read a fetched population table as denominators, or fail naming the problem."""
    from sesindex.data.population import read_population

    try:
        pop = read_population(path)
    except Exception as exc:  # noqa: BLE001 - report, keep the cached file
        fail(f"fetched, but it does not read as a population table: {exc}", 1)
    console.print(
        f"reads as populations of {pop['area_code'].nunique()} areas x "
        f"{pop['year'].nunique()} years; use 'sesindex data assemble "
        f"--population {path}'",
        highlight=False,
    )

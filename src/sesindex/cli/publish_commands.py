"""``publish --from-scb``: from SCB's own tables to a publication in one command
(fetch -> assemble -> check -> fit -> publish).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import typer
from rich.markup import escape

from sesindex.cli.app import (
    CUTPOINTS_HELP,
    app,
    console,
    err,
    fail,
    parse_cutpoints,
    refuse_earlier_run,
    required_years,
    steps,
)
from sesindex.cli.data_commands import assemble_or_fail, check_data, fetch_or_fail, or_fail
from sesindex.cli.fit_commands import fit_loaded, model_spec_from_options
from sesindex.index.published import cutpoints_text

#: The packaged specs ``publish`` fits: one year, or a panel.
SINGLE_YEAR_SPEC, PANEL_SPEC = "latent_factor_single_year", "latent_factor"


@app.command()
def publish(
    from_scb: bool = typer.Option(
        False,
        "--from-scb",
        help="Build it from SCB's "
        "own tables: TAB6586 (V1-V3, SCB's index and "
        "types) and TAB6574 (populations), fetched "
        "within SCB's limits or read from --cache.",
    ),
    years: str = typer.Option(..., help="Years: '2022' or '2011-2024'."),
    region: str = typer.Option(
        "*",
        help="Regions, comma-separated: '*' = every "
        "RegSO; '1780*' = Karlstad's (their types then rest "
        "on the national cut points: see --national and "
        "--cutpoints).",
    ),
    spec: str = typer.Option(
        None, help=f"Model spec (default: {SINGLE_YEAR_SPEC} for one year, else {PANEL_SPEC})."
    ),
    out: Path = typer.Option(Path("runs/publish"), help="Output directory."),
    cache: Path = typer.Option(
        Path("data/scb"),
        help="Cache of SCB's answers (a second run makes no calls for what it holds).",
    ),
    cutpoints: str = typer.Option(
        None,
        help=CUTPOINTS_HELP + " Default, when "
        "--region covers only some areas: from SCB's "
        "published index of every area.",
    ),
    national: bool = typer.Option(
        True,
        help="When --region covers only some "
        "areas and no --cutpoints are given, fetch "
        "SCB's published index of every area for the "
        "national cut points of the types.",
    ),
    draws: int = typer.Option(None, help="Override the spec's kept draws per chain."),
    tune: int = typer.Option(None, help="Override the spec's tuning draws per chain."),
    report: bool = typer.Option(True, help="Also write report.html."),
    overwrite: bool = typer.Option(False, help="Replace an earlier run in --out."),
):
    """From SCB's tables to a publication: fetch TAB6586 and TAB6574, assemble (as 'data
    assemble'), check (as 'data check'), fit and write the publication tables
    (publication.xlsx, publication_sv.csv, publication_en.csv) and report.html.
    """
    if not from_scb:
        fail(
            "publish builds a publication from SCB's own tables: pass --from-scb (for data "
            "you have, 'sesindex fit --data FILE' writes the same publication)",
            2,
        )
    wanted = required_years(years)
    default_spec = SINGLE_YEAR_SPEC if len(wanted) == 1 else PANEL_SPEC
    model_spec = model_spec_from_options(
        spec or default_spec, years=years, compare=None, sampler={"draws": draws, "tune": tune}
    )
    cuts = parse_cutpoints(cutpoints)
    refuse_earlier_run(out, overwrite)
    tables = _fetch(wanted, region, cache, national and cuts is None)
    cuts, cut_notes = _national_cuts(tables, region, cuts)
    fit_ready = cache / "assembled" / f"fit_ready_{_key(tables)}.csv"
    loaded, pop = _read(tables)
    with steps() as step, step(f"assemble {fit_ready}"):
        assemble_or_fail(
            loaded,
            pop,
            wanted,
            fit_ready,
            {
                "command": f"publish --from-scb --years {years} --region {region}",
                "scb_tables": tables.provenance(),
                "cutpoints": cutpoints_text(cuts) if cuts else None,
                "cutpoints_notes": cut_notes,
            },
        )
    loaded = check_data(str(fit_ready))

    attach = {  # the fit-ready data beside the run
        "scb_fit_ready.csv": fit_ready,
        "scb_fit_ready.manifest.json": fit_ready.with_suffix(".manifest.json"),
    }
    fit_loaded(
        loaded,
        model_spec,
        cuts,
        out,
        report=report,
        regso=False,
        overwrite=overwrite,
        attach=attach,
    )


def _fetch(years, region: str, cache: Path, national: bool):
    """SCB's tables for the publication, or exit 1 naming the chunk that failed."""
    from sesindex.data.fetch import default_transport
    from sesindex.data.scb import fetch_scb

    transport = default_transport()
    tables = fetch_or_fail(
        "fetch TAB6586, TAB6574"
        + (" and the national index" if national and region != "*" else ""),
        lambda on_chunk: fetch_scb(
            list(years),
            region=region,
            cache_dir=cache,
            transport=transport,
            national=national,
            on_chunk=on_chunk,
        ),
    )
    chunks = [f for s in (tables.rates, tables.population, tables.national) if s for f in s.fetched]
    console.print(
        f"SCB's tables in {cache}: {transport.calls} request(s) to SCB (retries "
        f"included), {sum(f.from_cache for f in chunks)} of {len(chunks)} "
        "chunk(s) from the cache",
        highlight=False,
    )
    return tables


def _national_cuts(tables, region: str, cuts):
    """The cut points of the types and notes on them: given ones, else from SCB's
    published index of every area when it was fetched (the notes say which years have
    none and why).
    """
    if cuts is not None:
        return cuts, ["national cut points given with --cutpoints"]
    if tables.national is None:
        if region == "*":
            return None, []
        note = (
            "no national cut points (--no-national and no --cutpoints): the fit "
            "gives no types for areas of only part of the country"
        )
        err.print(f"[yellow]types:[/] {note}", highlight=False)
        return None, [note]
    from sesindex.index.published import national_cutpoints

    found, notes = or_fail(lambda: national_cutpoints(tables.national.path))
    for note in notes:
        err.print(f"[dim]note:[/] {escape(note)}", highlight=False)
    return found or None, notes


def _read(tables):
    """The fetched rates and populations, read (or exit 1 naming the problems)."""
    from sesindex.data.io import load_data
    from sesindex.data.population import read_population

    with steps() as step, step(f"read {tables.rates.path.name} and {tables.population.path.name}"):
        return or_fail(
            lambda: (load_data(str(tables.rates.path)), read_population(tables.population.path))
        )


def _key(tables) -> str:
    """A short key of the fetched files (the fit-ready file's name in the cache)."""
    names = "\n".join(str(s.path) for s in (tables.rates, tables.population))
    return hashlib.sha256(names.encode()).hexdigest()[:12]

"""The deterministic commands: ``demo``, ``index`` and ``report``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from sesindex.cli.app import (CUTPOINTS_HELP, DATA_HELP, app, console, err, fail,
                             parse_cutpoints, print_types, print_typing, print_verdicts,
                             spec_file, steps)


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
    spec = load_spec(spec_file(spec_path)) if spec_path else IndexSpec()
    with steps() as step:
        try:
            with step(f"load {data}"), timer("load"):
                loaded = load_data(data, seed=seed)
        except (DataValidationError, FileNotFoundError, ValueError) as exc:
            fail(str(exc))
        for note in loaded.notes:
            err.print(f"[dim]note:[/] {escape(note)}", highlight=False)
        try:
            with step(f"index ({spec.name})"), timer("index"):
                result = compute_index(loaded.dataset, spec,
                                       cutpoints=parse_cutpoints(cutpoints))
        except ValueError as exc:
            fail(str(exc))
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
    print_typing(result.attrs.get("types_note", ""), result.attrs.get("types_warnings"))
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
        print_types(summary, f"Area types ({spec.name})")
    if changes is not None and len(changes):
        print_verdicts(changes, "the bootstrap of binomial noise")
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
        fail(str(exc))
    console.print(f"wrote {path}", highlight=False)

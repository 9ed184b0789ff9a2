"""The deterministic commands: ``demo``, ``index`` and ``report``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from sesindex.cli.app import (
    CUTPOINTS_HELP,
    DATA_HELP,
    app,
    console,
    err,
    fail,
    load_user_data,
    parse_cutpoints,
    print_types,
    print_typing,
    print_verdicts,
    refuse_earlier_run,
    refuse_out,
    steps,
    user_spec,
)


def _run_index(
    data: str,
    spec_path: str | None,
    out: Path,
    cutpoints: str | None,
    command: str,
    write_inputs: bool = False,
    seed: int | None = None,
    uncertainty_years: int = 0,
    publish: bool = False,
    overwrite: bool = False,
) -> Path:
    """Load, then :func:`sesindex.index_run` and :func:`sesindex.save` (written whole or
    not at all).
    """
    from sesindex.api import index_run, save
    from sesindex.index import IndexSpec, load_spec
    from sesindex.manifest import Timer
    from sesindex.runs import EarlierRunError, table_frame

    spec = user_spec(load_spec, spec_path) if spec_path else IndexSpec()
    cuts = parse_cutpoints(cutpoints)
    replaces = command if command == "demo" else None
    refuse_earlier_run(out, overwrite, replaces=replaces)
    timer = Timer()
    with steps() as step:
        with step(f"load {data}"), timer("load"):
            loaded = load_user_data(data, seed=seed)
        for note in loaded.notes:
            err.print(f"[dim]note:[/] {escape(note)}", highlight=False)
        try:
            tree = index_run(
                loaded,
                spec,
                cutpoints=cuts,
                uncertainty_years=uncertainty_years,
                seed=seed,
                command=command,
                step=step,
            )
        except ValueError as exc:
            fail(str(exc))
        manifest = tree.attrs["manifest"]
        manifest["timings_seconds"] = {**timer.seconds, **manifest["timings_seconds"]}
        with step(f"write {out}"):
            try:
                save(
                    tree,
                    out,
                    overwrite=overwrite,
                    loaded=loaded if write_inputs else None,
                    publish=publish,
                    report=publish,
                    replaces=replaces,
                )
            except EarlierRunError as exc:
                refuse_out(exc)
    manifest = tree.attrs["manifest"]  # as written
    summary, changes = table_frame(tree, "summary"), table_frame(tree, "changes")
    print_typing(manifest["types_note"], manifest["types_warnings"])
    if manifest["types_note"] and "published_type" in tree["areas"]:
        err.print(
            "[yellow]types:[/] the table carries SCB's published types (published_type) instead.",
            highlight=False,
        )
    published = manifest.get("recomputed_vs_published")
    if published:
        console.print(
            f"recomputed vs published index: largest difference "
            f"{published['largest_difference']:.4f} points ({published['area']}, "
            f"{published['year']}); published V1-V3 are rounded to 0.1, so up to "
            "0.05 is rounding",
            highlight=False,
        )
    if summary is not None and summary[[f"type_{k}" for k in range(1, 6)]].to_numpy().sum():
        print_types(summary, f"Area types ({spec.name})")
    if changes is not None:
        print_verdicts(changes, "the bootstrap of binomial noise")
    files = [name for name in manifest["outputs"] if name != "manifest.json"]
    console.print(f"wrote {', '.join(files)} and manifest.json to {out}")
    return out


@app.command()
def demo(
    out: Path = typer.Option(Path("results/demo"), help="Output directory."),
    seed: int = typer.Option(20240101, help="Seed of the synthetic national panel."),
    overwrite: bool = typer.Option(
        False,
        help="Replace an earlier run in --out that is not a demo (an earlier demo is replaced).",
    ),
):
    """National demo: calibrated synthetic RegSO data -> official index, types, ranks,
    bootstrap uncertainty of the last two years, publication tables and the HTML report.
    """
    _run_index(
        "synthetic",
        None,
        out,
        None,
        "demo",
        write_inputs=True,
        seed=seed,
        uncertainty_years=2,
        publish=True,
        overwrite=overwrite,
    )


@app.command()
def index(
    spec: str = typer.Option(
        ...,
        help="Index spec: a packaged name (official, "
        "zscore, pca, ...) or a TOML file, e.g. "
        "models/official.toml.",
    ),
    data: str = typer.Option("synthetic", help=DATA_HELP),
    out: Path = typer.Option(Path("runs/index"), help="Output directory."),
    cutpoints: str = typer.Option(None, help=CUTPOINTS_HELP),
    overwrite: bool = typer.Option(False, help="Replace an earlier run in --out."),
):
    """Compute a deterministic index variant with area types and ranks."""
    _run_index(data, spec, out, cutpoints, "index", overwrite=overwrite)


@app.command()
def report(
    run: Path = typer.Option(
        ..., exists=True, file_okay=False, help="A run directory (demo, index or fit output)."
    ),
    out: Path = typer.Option(
        None,
        help="Where to write: a file (the first "
        "language's report; the other beside it, e.g. "
        "x_en.html) or a directory (default: RUN).",
    ),
    lang: str = typer.Option(
        None,
        help="sv or en: only that language's report "
        "(default both: report.html in Swedish, "
        "report_en.html in English).",
    ),
    boundaries: Path = typer.Option(
        None,
        exists=True,
        help="Optional GeoPackage/"
        "GeoJSON/shapefile of the areas: adds an area "
        "map (needs geopandas, the maps extra); its "
        "codes must match the run's areas.",
    ),
    deso_key: Path = typer.Option(
        None,
        exists=True,
        help="With DeSO boundaries: "
        "SCB's DeSO -> RegSO key (deso_regso_key.csv), to "
        "dissolve them into RegSO areas.",
    ),
):
    """Write the self-contained HTML reports (figures embedded; Swedish and English) and
    the explorer (explorer.html: search, sort, map) of a run directory.
    """
    from sesindex.api import explorer
    from sesindex.api import report as write_reports
    from sesindex.reporting.vocabulary import LANGUAGES

    paths = []
    try:
        with steps() as step, step(f"report {run}"):
            paths = write_reports(
                run,
                out,
                boundaries=boundaries,
                deso_key=deso_key,
                lang=(lang,) if lang else LANGUAGES,
            )
            if not (run / "effects.csv").exists():  # an evaluation has no areas to explore
                where = (
                    out
                    if out is not None and out.is_dir()
                    else (paths[0].parent if out is not None else run)
                )
                paths.append(explorer(run, where / "explorer.html"))
    except (FileNotFoundError, ImportError, ValueError) as exc:
        fail(str(exc))
    console.print(f"wrote {', '.join(str(p) for p in paths)}", highlight=False)

"""A deterministic index run as one labelled tree, and its run directory.

:func:`index_run` computes (index, types and ranks; optionally the bootstrap of the last
years) and returns one ``xarray.DataTree`` (:mod:`sesindex.runs`); :func:`write_index_run`
writes that tree: the tables, the publication, the inputs, the manifest (last) and the
report. ``sesindex demo`` and ``sesindex index`` are these two calls.

Examples
--------
>>> import tempfile
>>> from sesindex.data.io import load_data
>>> loaded = load_data("karlstad-tab6586")
>>> tree = index_run(loaded, cutpoints={2022: (9.10, 5.47)})
>>> sorted(tree.children), tree.attrs["command"]
(['areas', 'data', 'summary'], 'index')
>>> int(tree["areas"]["type"].sel(area="1780R001", year=2022)) in range(1, 6)
True
>>> d = tempfile.mkdtemp()
>>> [p.name for p in write_index_run(tree, d, report=False)]
['areas.csv', 'areas.parquet', 'summary.csv']
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

import xarray as xr

from sesindex.manifest import Timer, manifest_of, save_manifest
from sesindex.runs import run_tree, with_manifest, write_tables

#: what the demo's intervals are (the publication's "Om data" sheet)
BOOTSTRAP_INTERVALS = (
    "90 % intervals from 1,000 parametric bootstrap replicates of each "
    "area's binomial noise (sesindex demo, official method)"
)


def _no_step(label: str):
    return nullcontext()


def index_run(
    loaded,
    spec=None,
    *,
    cutpoints=None,
    uncertainty_years: int = 0,
    seed: int | None = None,
    command: str = "index",
    step=_no_step,
) -> xr.DataTree:
    """The deterministic index of ``loaded`` as one run tree.

    Parameters
    ----------
    loaded : sesindex.data.io.LoadedData
        The data (:func:`sesindex.load`).
    spec : sesindex.index.IndexSpec, optional
        The index method (default: SCB/Delmos' official one).
    cutpoints : dict, optional
        National ``{year: (mu, sigma)}`` for data holding only some areas.
    uncertainty_years : int
        Bootstrap the last this many years (1,000 replicates): intervals, type
        probabilities and, for two or more, the ``/changes`` group.
    seed : int, optional
        The bootstrap's seed (default 20240101); recorded in the manifest.
    command : str
        The command the run is recorded as (``"demo"`` or ``"index"``).
    step : callable, optional
        ``step(label)`` gives a context manager around each stage (the CLI's progress).

    Returns
    -------
    xarray.DataTree
        ``/areas``, ``/summary``, ``/changes`` (with a bootstrap of two or more years),
        ``/data``; provenance (spec, inputs, seed, timings, notes, types note) in
        ``attrs["manifest"]``.
    """
    from sesindex.index import IndexSpec, compute_index
    from sesindex.reporting.tables import area_table, summary_table

    spec = IndexSpec() if spec is None else spec
    timer = Timer()
    with step(f"index ({spec.name})"), timer("index"):
        result = compute_index(loaded.dataset, spec, cutpoints=cutpoints)
    areas, changes = area_table(result), None
    if uncertainty_years:
        from sesindex.uncertainty import bootstrap_uncertainty

        years = result["year"].values[-uncertainty_years:]
        with (
            step(f"bootstrap uncertainty {years[0]}-{years[-1]} (1,000 replicates)"),
            timer("bootstrap"),
        ):
            extra, changes = bootstrap_uncertainty(
                loaded.dataset, spec, years=years, seed=seed or 20240101
            )
        areas = areas.merge(extra, on=["area_code", "year"], how="left", validate="1:1")
    published: dict[str, Any] = {}
    if "published_index" in result:
        diff = abs(result["index"] - result["published_index"])
        where = diff.where(diff == diff.max(), drop=True)
        published = {
            "largest_difference": float(diff.max()),
            "area": str(where["area"].values[0]),
            "year": int(where["year"].values[0]),
        }
    from sesindex.data.io import input_provenance

    manifest = manifest_of(
        command=command,
        spec=spec.to_dict(),
        **input_provenance(loaded),
        seed=seed,
        timings=timer.seconds,
        notes=loaded.notes,
        types_note=result.attrs.get("types_note", ""),
        types_warnings=list(result.attrs.get("types_warnings") or []),
        source=loaded.dataset.attrs.get("source", loaded.name),
        intervals=BOOTSTRAP_INTERVALS if uncertainty_years else "",
        **({"recomputed_vs_published": published} if published else {}),
    )
    return run_tree(
        {"areas": areas, "summary": summary_table(result), "changes": changes},
        data=loaded.dataset,
        manifest=manifest,
    )


def write_index_run(
    tree: xr.DataTree,
    out_dir: str | Path,
    *,
    loaded=None,
    publish: bool = False,
    report: bool = True,
) -> list[Path]:
    """Write an :func:`index_run` tree into ``out_dir``: ``areas.csv`` (and ``.parquet``),
    ``summary.csv``, ``changes.csv``; with ``publish`` the publication of every area and
    year (CSV per language, Excel: :func:`~sesindex.reporting.publish.publish_run`); with
    ``loaded`` its inputs (``data.csv``, and the truth of synthetic data); then
    ``manifest.json`` and, with ``report``, the reports in Swedish and English and the
    explorer (:func:`write_reader_pages`).
    Returns the paths written (the manifest's ``outputs``).
    """
    out = Path(out_dir)
    manifest = dict(tree.attrs.get("manifest", {}))
    paths = write_tables(tree, out, parquet=("areas",))
    if publish:
        from sesindex.reporting.publish import publish_run

        paths += publish_run(tree, out)
    if loaded is not None:
        paths.append(out / "data.csv")
        loaded.tidy.to_csv(paths[-1], index=False)
        if loaded.truth is not None:
            paths.append(out / "truth.csv")
            loaded.truth.to_csv(paths[-1], index=False, float_format="%.6g")
    with_manifest(
        tree,
        save_manifest(
            out, manifest, outputs=[p.name for p in paths] + (list(READER_FILES) if report else [])
        ),
    )
    if report:
        paths += write_reader_pages(tree, out)
    return paths


#: The pages a reader opens, written by every run with a report: the report in Swedish
#: and English, and the explorer.
READER_FILES = ("report.html", "report_en.html", "explorer.html")


def write_reader_pages(tree: xr.DataTree, out: Path) -> list[Path]:
    """The report in Swedish and English (:func:`~sesindex.reporting.html.build_reports`)
    and the explorer (:func:`~sesindex.reporting.explorer.write_explorer`) of a run's
    tree, into the directory ``out``: the paths of :data:`READER_FILES`.
    """
    from sesindex.reporting.explorer import write_explorer
    from sesindex.reporting.html import build_reports

    return build_reports(tree, out) + [write_explorer(tree, out / "explorer.html")]

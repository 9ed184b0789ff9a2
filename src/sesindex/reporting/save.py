"""Write any result as its run directory, whole or not at all: what every command writes.

:func:`save` takes a fit (:func:`sesindex.fit`), an evaluation (:func:`sesindex.evaluate`)
or an index run's tree (:func:`sesindex.reporting.index_run.index_run`), refuses an
output directory holding an earlier run unless ``overwrite``, and writes the run into a
hidden sibling renamed into place when complete (:func:`sesindex.runs.run_directory`).

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from sesindex.data.io import load_data
>>> from sesindex.reporting.index_run import index_run
>>> loaded = load_data("karlstad-tab6586")
>>> out = Path(tempfile.mkdtemp()) / "karlstad"
>>> path = save(index_run(loaded, cutpoints={2022: (9.10, 5.47)}), out, loaded=loaded)
>>> sorted(p.name for p in path.iterdir())[:5]
['areas.csv', 'areas.parquet', 'data.csv', 'explorer.html', 'manifest.json']
>>> save(index_run(loaded), out)
Traceback (most recent call last):
...
sesindex.runs.EarlierRunError: ... holds an earlier run (index): choose another output directory, or
overwrite it
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import xarray as xr

from sesindex.runs import check_out, run_directory


def save(
    result,
    out: str | Path,
    *,
    overwrite: bool = False,
    loaded=None,
    publish: bool = False,
    report: bool = True,
    inputs: dict | None = None,
    replaces: str | None = None,
    attach: Mapping[str, str | Path] | None = None,
) -> Path:
    """Write ``result`` as the run directory ``out``; returns ``out``.

    Parameters
    ----------
    result : FitResult, EvaluationResult or xarray.DataTree
        A fit, an evaluation, or an index run's tree.
    out : path
        The run directory to write.
    overwrite : bool
        Replace an earlier run in ``out`` (refused by default: nothing is lost): only the
        files its manifest lists; a directory holding any other file is refused
        (:func:`sesindex.runs.check_out`).
    loaded : sesindex.data.io.LoadedData, optional
        The data the result came from: written beside it (``data.csv``, and the truth of
        synthetic data); names and municipalities of a fit's areas.
    publish : bool
        An index run: also the publication of every area and year (a fit and an evaluation
        always write theirs).
    report : bool
        Also the reports (``report.html`` in Swedish, ``report_en.html``) and
        ``explorer.html``.
    inputs : dict, optional
        An evaluation: its input files and their hashes, for the manifest.
    replaces : str, optional
        A command whose earlier runs ``out`` may hold and be replaced (the demo).
    attach : mapping of str to path, optional
        Files copied into the run under these names (e.g. the data it was fitted on),
        listed in its manifest with the outputs.

    Returns
    -------
    pathlib.Path
    """
    if isinstance(result, xr.DataTree) and result.attrs.get("command") not in ("index", "demo"):
        raise TypeError(
            "save writes an index run's tree; save a fit or an evaluation "
            "itself (its FitResult / EvaluationResult), not its tree"
        )
    check_out(out, overwrite, replaces)
    with run_directory(out) as tmp:
        if isinstance(result, xr.DataTree):
            from sesindex.reporting.index_run import write_index_run

            write_index_run(result, tmp, loaded=loaded, publish=publish, report=report)
        elif hasattr(result, "starts"):  # an evaluation
            write_evaluation_run(result, tmp, inputs=inputs)
        else:
            write_fit_run(result, tmp, loaded=loaded, report=report)
        if attach:
            from sesindex.manifest import add_outputs

            add_outputs(tmp, [shutil.copy2(src, tmp / name) for name, src in attach.items()])
    return Path(out)


def write_fit_run(result, out: Path, *, loaded=None, report: bool = True) -> list[Path]:
    """A fit's files into ``out`` from its tree: posterior, tables, inputs, diagnostics,
    manifest, publication and (``report``) the reports in Swedish and English and the
    explorer.
    """
    from sesindex.bayes.output import fit_tree, write_fit
    from sesindex.manifest import add_outputs
    from sesindex.reporting.publish import publish_run

    tree = fit_tree(result, loaded)
    files = write_fit(result, out, loaded, tree=tree)
    later = publish_run(tree, out)
    if report:
        from sesindex.reporting.index_run import write_reader_pages

        later += write_reader_pages(tree, out)
    add_outputs(out, later, tree)
    return files + later


def write_evaluation_run(result, out: Path, *, inputs: dict | None = None) -> list[Path]:
    """An evaluation's files into ``out`` from its tree: tables, figures, manifest, the
    bilingual effect tables and ``report.html``.
    """
    from sesindex.evaluation.output import evaluation_tree, write_evaluation
    from sesindex.reporting.evaluation import publish_evaluation

    tree = evaluation_tree(result, inputs=inputs)
    return write_evaluation(result, out, tree=tree) + publish_evaluation(out, tree)

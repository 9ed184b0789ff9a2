"""A run directory read back as one labelled result: an ``xarray.DataTree``.

Every command writes a run directory (tables, ``manifest.json``, for a fit also
``posterior.nc``). :func:`read_run` gathers it into one tree, each table indexed by its
labels (areas by code, never by position):

* ``/`` — attrs: the manifest (command, created, status, spec, inputs, seed, ...);
* ``/data`` — the input the run used (``data.csv``), area x year x indicator;
* ``/areas`` — per area and year (``areas.csv``);
* ``/summary`` — per year (``summary.csv``);
* ``/changes`` — per area and pair of years (``changes.csv``);
* ``/regso_areas``, ``/regso_changes`` — a DeSO fit aggregated to RegSO in every draw;
* ``/effects``, ``/event_study``, ``/controls``, ``/balance``, ``/trajectories`` — an
  evaluation's estimands, event times, matched controls, pre-period balance (per start
  year, feature and comparison) and the treated and comparison groups' paths;
* ``/posterior`` — the fit's InferenceData (``posterior.nc``, opened lazily).

Each table group also holds ``file_line``, every cell's line in its file (NaN where no
row filled the label grid), so :func:`table_frame` gives it back as the rows of its file
(what the report, the publication writers and ``evaluate`` read): every reader of a run
goes through :func:`read_run`.

The same tree exists before anything is written: a run builds it in memory
(:func:`run_tree`; :func:`sesindex.bayes.output.fit_tree`,
:func:`sesindex.reporting.index_run.index_run`, :func:`sesindex.evaluation.output.evaluation_tree`)
and its writers write it (:func:`write_tables`), so what a run writes and what
:func:`read_run` reads back are one structure.

Examples
--------
>>> import pathlib, tempfile
>>> import pandas as pd
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame(
...     {"area_code": ["0114R001", "0114R002"], "year": [2024, 2024], "index": [7.5, 12.0]}
... ).to_csv(d / "areas.csv", index=False)
>>> _ = (d / "manifest.json").write_text('{"command": "index", "status": "ok"}')
>>> tree = read_run(d)
>>> tree.attrs["command"], float(tree["areas"]["index"].sel(area="0114R002", year=2024))
('index', 12.0)
>>> table_frame(tree, "areas").equals(pd.read_csv(d / "areas.csv"))
True
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import xarray as xr

#: table file -> (tree group, its index columns, their dimension names)
TABLES = {
    "areas.csv": ("areas", ["area_code", "year"], ["area", "year"]),
    "summary.csv": ("summary", ["year"], ["year"]),
    "changes.csv": (
        "changes",
        ["area_code", "year_from", "year_to"],
        ["area", "year_from", "year_to"],
    ),
    "regso_areas.csv": ("regso_areas", ["area_code", "year"], ["area", "year"]),
    "regso_changes.csv": (
        "regso_changes",
        ["area_code", "year_from", "year_to"],
        ["area", "year_from", "year_to"],
    ),
    "effects.csv": ("effects", ["programme", "estimand"], ["programme", "estimand"]),
    "event_study.csv": ("event_study", ["programme", "event_time"], ["programme", "event_time"]),
    "controls.csv": (
        "controls",
        ["area_code", "start_year", "control"],
        ["area", "start_year", "control"],
    ),
    "balance.csv": (
        "balance",
        ["programme", "start_year", "feature", "comparison"],
        ["programme", "start_year", "feature", "comparison"],
    ),
    "trajectories.csv": (
        "trajectories",
        ["programme", "group", "year"],
        ["programme", "group", "year"],
    ),
}
#: tree group -> its table file
TABLE_FILES = {group: name for name, (group, _, _) in TABLES.items()}


def table_spec(group: str) -> tuple[str, list[str], list[str]]:
    """A table group's file, index columns and dimension names: :data:`TABLES`, or for a
    fit aggregated to larger areas of another level (``"<level>_areas"``,
    ``"<level>_changes"``, :mod:`sesindex.bayes.posterior.aggregate`) the layout of ``areas`` and
    ``changes``.

    Examples
    --------
    >>> table_spec("kommun_areas")
    ('kommun_areas.csv', ['area_code', 'year'], ['area', 'year'])
    """
    if group in TABLE_FILES:
        name = TABLE_FILES[group]
        return (name, *TABLES[name][1:])
    level, _, kind = group.rpartition("_")
    if level.isalpha() and level.islower() and kind in ("areas", "changes"):
        return (f"{group}.csv", *TABLES[f"{kind}.csv"][1:])
    raise KeyError(
        f"{group!r} is not a table group of a run ({sorted(TABLE_FILES)}, or "
        "<level>_areas / <level>_changes)"
    )


#: the variable of each table group holding every cell's line in its file (NaN: a cell of
#: the label grid that no row filled)
FILE_LINE = "file_line"


#: tables whose rows may carry other labels: an evaluation against given comparison
#: areas lists them alone (no treated area or start year beside each); an evaluation
#: written before tables had a programme column
OTHER_LABELS = {
    "controls": (["control"], ["control"]),
    "effects": (["estimand"], ["estimand"]),
    "event_study": (["event_time"], ["event_time"]),
    "balance": (["start_year", "feature", "comparison"], ["start_year", "feature", "comparison"]),
    "trajectories": (["group", "year"], ["group", "year"]),
}


def _labelled(
    frame: pd.DataFrame, index: list[str], dims: list[str], where: str, group: str | None = None
) -> xr.Dataset:
    """A table's rows as a Dataset on its labels, each cell remembering its line in the
    file (``where`` names the table in errors); the labels used are in its attrs.
    """
    missing = [c for c in index if c not in frame]
    other = OTHER_LABELS.get(group) if group is not None else None
    if missing and other and all(c in frame for c in other[0]):
        (index, dims), missing = other, []
    if missing:
        raise ValueError(f"{where} lacks the column(s) {missing} that label its rows")
    if FILE_LINE in frame:
        raise ValueError(
            f"{where} has a column {FILE_LINE!r}, the name the run's tree "
            "gives each row's line in its file"
        )
    frame = frame.reset_index(drop=True)
    twice = frame.duplicated(index, keep=False)
    if twice.any():
        raise ValueError(
            f"{where}: rows {[int(i) + 2 for i in frame.index[twice][:10]]} "
            f"repeat the same {index} (file line numbers)"
        )
    ds = frame.assign(**{FILE_LINE: frame.index + 2}).set_index(index).to_xarray()
    ds.attrs["table_columns"] = list(frame.columns)
    ds.attrs["table_dtypes"] = [str(t) for t in frame.dtypes]
    ds.attrs["table_index"], ds.attrs["table_dims"] = list(index), list(dims)
    return ds.rename({old: new for old, new in zip(index, dims, strict=True) if old != new})


def _table(path: Path, index: list[str], dims: list[str], group: str) -> xr.Dataset:
    frame = pd.read_csv(path, dtype={"area_code": str, "municipality_code": str, "control": str})
    return _labelled(frame, index, dims, str(path), group)


def table_frame(tree: xr.DataTree, group: str) -> pd.DataFrame | None:
    """The rows of a table group of :func:`read_run`'s tree as in its file: the same rows
    in the same order (by each cell's ``file_line``; the label grid's cells that no row
    filled are left out), the same columns in the same order and dtypes. ``None`` if the
    run has no such table.

    Examples
    --------
    >>> ds = xr.Dataset(
    ...     {
    ...         "x": (("area", "year"), [[1.0, float("nan")], [2.0, 3.0]]),
    ...         "file_line": (("area", "year"), [[3.0, float("nan")], [2.0, 4.0]]),
    ...     },
    ...     coords={"area": ["a", "b"], "year": [2023, 2024]},
    ...     attrs={
    ...         "table_columns": ["area_code", "year", "x"],
    ...         "table_dtypes": ["object", "int64", "float64"],
    ...     },
    ... )
    >>> table_frame(xr.DataTree.from_dict({"/areas": ds}), "areas").values.tolist()
    [['b', 2023, 2.0], ['a', 2023, 1.0], ['b', 2024, 3.0]]
    """
    _, index, dims = table_spec(group)
    if group not in tree.children:
        return None
    ds = tree[group].to_dataset()
    index, dims = ds.attrs.get("table_index", index), ds.attrs.get("table_dims", dims)
    frame = ds.to_dataframe().reset_index()
    frame = frame[frame[FILE_LINE].notna()].sort_values(FILE_LINE)
    frame = frame.rename(columns=dict(zip(dims, index, strict=True)))
    columns = ds.attrs.get("table_columns", [c for c in frame.columns if c != FILE_LINE])
    # a tree without "table_dtypes" keeps the columns' types as read
    dtypes = dict(zip(columns, ds.attrs.get("table_dtypes", []), strict=False))
    frame = frame[columns]
    for column, dtype in dtypes.items():
        if str(frame[column].dtype) != dtype and frame[column].notna().all():
            frame[column] = frame[column].astype(dtype)
    return frame.reset_index(drop=True)


#: every group a run's tree can hold
GROUPS = (*(g for g, _, _ in TABLES.values()), "data", "posterior")
#: the table groups (what a report reads)
TABLE_GROUPS = tuple(g for g, _, _ in TABLES.values())


def read_run(run_dir: str | Path, *, groups=None) -> xr.DataTree:
    """One ``xarray.DataTree`` of everything a run directory holds (module docstring);
    ``groups`` (names from :data:`GROUPS`) reads only those, e.g. :data:`TABLE_GROUPS`
    for a report (no input data, no posterior).
    """
    run = Path(run_dir)
    if not run.is_dir():
        raise FileNotFoundError(f"{run} is not a run directory")
    wanted = set(GROUPS if groups is None else groups)
    unknown = sorted(wanted - set(GROUPS))
    if unknown:
        raise ValueError(f"unknown group(s) {unknown} of a run; choose from {list(GROUPS)}")
    manifest_path = run / "manifest.json"
    if (
        not manifest_path.exists()
        and not any((run / name).exists() for name in TABLES)
        and not any(run.glob("*_areas.csv"))
    ):
        raise FileNotFoundError(
            f"{run} has neither manifest.json nor a table "
            f"({', '.join(TABLES)}): not a sesindex run directory"
        )
    # tables written by the writers alone (no command) have no manifest
    manifest = (
        json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    )
    found: dict[str, xr.Dataset] = {}
    for name, (group, index, dims) in TABLES.items():
        if group in wanted and (run / name).exists():
            found[group] = _table(run / name, index, dims, group)
    if wanted & {"regso_areas", "regso_changes"}:  # aggregated to other levels too
        for path in sorted(run.glob("*_areas.csv")) + sorted(run.glob("*_changes.csv")):
            group = path.stem
            if group not in found and group not in TABLE_FILES:
                try:
                    found[group] = _table(path, *table_spec(group)[1:], group)
                except KeyError:  # not a table of a run
                    continue
    data = None
    if "data" in wanted and (run / "data.csv").exists():
        from sesindex.data.io import load_data

        data = load_data(str(run / "data.csv")).dataset
    tree = _tree(found, data)
    if "posterior" in wanted and (run / "posterior.nc").exists():
        tree["posterior"] = xr.open_datatree(run / "posterior.nc")
    return with_manifest(tree, manifest)


def _tree(tables: dict[str, xr.Dataset], data: xr.Dataset | None) -> xr.DataTree:
    groups = {f"/{k}": v for k, v in tables.items()}
    if data is not None:
        groups["/data"] = data
    return xr.DataTree.from_dict(groups)


def with_manifest(tree: xr.DataTree, manifest: dict) -> xr.DataTree:
    """``tree`` with the run's manifest in its attrs: whole under ``"manifest"``, and its
    plain values (command, created, status, seed, ...) as attrs of their own.
    """
    tree.attrs.update({k: v for k, v in manifest.items() if isinstance(v, (str, int, float, bool))})
    tree.attrs["manifest"] = manifest
    return tree


def run_tree(
    tables, *, data: xr.Dataset | None = None, posterior=None, manifest: dict | None = None
) -> xr.DataTree:
    """A run's results as its tree, in memory: the same tree :func:`read_run` gives back
    once :func:`write_tables` has written it (tables labelled by area, year, ...; each
    cell's ``file_line`` the line it is written to).

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame or None
        Table group (``"areas"``, ``"summary"``, ``"changes"``, ... see
        :data:`TABLE_FILES`) to its rows; ``None`` or an empty table is left out.
    data : xarray.Dataset, optional
        The input the run used (``/data``).
    posterior : xarray.Dataset or xarray.DataTree, optional
        A fit's draws (``/posterior``).
    manifest : dict, optional
        Provenance (:func:`with_manifest`); a run being written gets it last.

    Returns
    -------
    xarray.DataTree

    Examples
    --------
    >>> areas = pd.DataFrame(
    ...     {"area_code": ["0114R002", "0114R001"], "year": [2024, 2024], "index": [12.0, 7.5]}
    ... )
    >>> tree = run_tree({"areas": areas, "changes": None}, manifest={"command": "index"})
    >>> sorted(tree.children), float(tree["areas"]["index"].sel(area="0114R001", year=2024))
    (['areas'], 7.5)
    >>> table_frame(tree, "areas").equals(areas), tree.attrs["command"]
    (True, 'index')
    """
    specs = {group: table_spec(group) for group in tables}
    found = {}
    for group, frame in tables.items():
        if frame is not None and len(frame):
            _, index, dims = specs[group]
            found[group] = _labelled(frame, index, dims, f"the {group} table", group)
    tree = _tree(found, data)
    if posterior is not None:
        tree["posterior"] = posterior
    return with_manifest(tree, manifest or {})


def write_tables(
    tree: xr.DataTree, out_dir: str | Path, *, parquet: tuple[str, ...] = ()
) -> list[Path]:
    """Write every table group of ``tree`` as its CSV file (:data:`TABLE_FILES`; floats
    to 6 significant digits), and the groups in ``parquet`` also as Parquet (full
    precision). Returns the paths written, in :data:`TABLES` order.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> tree = run_tree({"summary": pd.DataFrame({"year": [2024], "mu": [9.104]})})
    >>> [p.name for p in write_tables(tree, d)]
    ['summary.csv']
    >>> table_frame(read_run(d), "summary").equals(table_frame(tree, "summary"))
    True
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    others = [
        g for g in tree.children if g not in TABLE_FILES and g.endswith(("_areas", "_changes"))
    ]
    for group in [g for g, _, _ in TABLES.values()] + others:
        frame = table_frame(tree, group)
        if frame is None:
            continue
        paths.append(out / table_spec(group)[0])
        frame.to_csv(paths[-1], index=False, float_format="%.6g")
        if group in parquet:
            paths.append(paths[-1].with_suffix(".parquet"))
            frame.to_parquet(paths[-1], index=False)
    return paths


#: the run's own record, listing every file the run wrote (``outputs``)
MANIFEST = "manifest.json"
#: how many names an error about a directory's files lists before giving a count
NAMES_SHOWN = 20


class EarlierRunError(FileExistsError):
    """The output directory holds an earlier run that would be replaced, or files that
    no run wrote. ``replaceable``: overwriting would replace it (it holds a run's listed
    files only); ``foreign``: the files no run's manifest lists.
    """

    def __init__(
        self, message: str, *, replaceable: bool = False, foreign: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.replaceable, self.foreign = replaceable, tuple(foreign)


def listed_files(run_dir: str | Path) -> set[str]:
    """The files a run directory's ``manifest.json`` says the run wrote (its ``outputs``,
    paths relative to the directory, and the manifest itself); empty without a readable
    manifest.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "manifest.json").write_text('{"outputs": ["areas.csv"]}')
    >>> sorted(listed_files(d))
    ['areas.csv', 'manifest.json']
    """
    try:
        manifest = json.loads((Path(run_dir) / MANIFEST).read_text(encoding="utf-8"))
        outputs = manifest.get("outputs") or []
    except (OSError, ValueError, AttributeError):
        return set()
    return {Path(str(name)).as_posix() for name in outputs} | {MANIFEST}


def _present(run_dir: Path) -> list[str]:
    """Every file, link and empty folder under ``run_dir``, relative, sorted."""
    found = []
    for path in sorted(run_dir.rglob("*")):
        if path.is_symlink() or not path.is_dir() or not any(path.iterdir()):
            found.append(path.relative_to(run_dir).as_posix())
    return found


def foreign_files(run_dir: str | Path) -> list[str]:
    """The files in ``run_dir`` that its manifest does not list (:func:`listed_files`):
    files no run wrote, which sesindex never deletes.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "manifest.json").write_text('{"outputs": ["areas.csv"]}')
    >>> _ = (d / "areas.csv").write_text("area_code,year")
    >>> _ = (d / "notes.txt").write_text("a week of work")
    >>> foreign_files(d)
    ['notes.txt']
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return []
    listed = listed_files(run_dir)
    return [name for name in _present(run_dir) if name not in listed]


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown + (f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else "")


def refuse_foreign(out: str | Path) -> None:
    """Refuse ``out`` if it holds any file its manifest does not list
    (:func:`foreign_files`), naming them: a run replaces only an earlier run's own
    files, never anything else, with or without overwrite.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise EarlierRunError(f"{out} is a file, not a directory: choose an output directory")
    foreign = foreign_files(out)
    if not foreign:
        return
    what = (
        "files that its manifest.json does not list as an earlier run's"
        if (out / MANIFEST).exists()
        else "files but no sesindex run (no manifest.json listing a run's files)"
    )
    raise EarlierRunError(
        f"{out} holds {what}: {_names(foreign)} ({len(foreign)} in all). sesindex replaces "
        "only the files of an earlier run, never others, even when told to overwrite: "
        "move those files elsewhere or choose an empty or new output directory",
        foreign=tuple(foreign),
    )


def check_out(out: str | Path, overwrite: bool = False, replaces: str | None = None) -> None:
    """Refuse, before any work, an ``out`` that holds an earlier run (a long fit is not
    lost to a reused directory) unless ``overwrite``, and always one that holds any file
    its ``manifest.json`` does not list (:func:`refuse_foreign`: ``--out results
    --overwrite`` must not delete a note, nor every run in results/). ``replaces``: a
    command whose earlier runs may be replaced anyway (the demo replaces an earlier
    demo's listed files).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "manifest.json").write_text('{"command": "fit", "outputs": []}')
    >>> check_out(d)
    Traceback (most recent call last):
    ...
    sesindex.runs.EarlierRunError: ... holds an earlier run (fit): choose another output directory,
    or overwrite it
    >>> check_out(d, overwrite=True)
    >>> _ = (d / "notes.txt").write_text("a week of work")
    >>> check_out(d, overwrite=True)
    Traceback (most recent call last):
    ...
    sesindex.runs.EarlierRunError: ... holds files that its manifest.json does not list as an
    earlier run's: notes.txt (1 in all)...
    """
    out = Path(out)
    if not out.exists() or (out.is_dir() and not any(out.iterdir())):
        return
    refuse_foreign(out)
    if overwrite:
        return
    try:
        earlier = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        earlier = {}
    if replaces is not None and earlier.get("command") == replaces:
        return
    raise EarlierRunError(
        f"{out} holds an earlier run ({earlier.get('command', 'files')}): "
        "choose another output directory, or overwrite it",
        replaceable=True,
    )


def _list_outputs(run_dir: Path) -> None:
    """Make the manifest of a run just written list every file in ``run_dir`` (itself
    included): what a later overwrite may replace. No manifest: left as it is.
    """
    path = run_dir / MANIFEST
    if not path.exists():
        return
    manifest = json.loads(path.read_text(encoding="utf-8"))
    outputs = [str(name) for name in manifest.get("outputs") or []]
    missing = [name for name in _present(run_dir) if name not in {*outputs}]
    if missing:
        manifest["outputs"] = outputs + missing
        path.write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )


def _remove_run(run_dir: Path, listed: set[str]) -> list[str]:
    """Delete the listed files of a replaced run, then its emptied folders; returns what
    is left (nothing, unless a file appeared after the check: it is kept).
    """
    for name in _present(run_dir):  # never a listed name that points elsewhere
        path = run_dir / name
        if name in listed and (path.is_symlink() or path.is_file()):
            path.unlink()
    for path in sorted(run_dir.rglob("*"), key=lambda p: -len(p.parts)):
        if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()
    left = _present(run_dir)
    if not left:
        run_dir.rmdir()
    return left


@contextmanager
def run_directory(out: str | Path):
    """Write a run whole or not at all: into a hidden sibling, renamed to ``out`` when
    complete (the manifest is the writers' last file; it is made to list every file
    written); on an error nothing replaces ``out`` and the partial sibling is removed.

    An earlier run in ``out`` is replaced only if ``out`` holds nothing but the files its
    manifest lists (checked again right before the swap, :func:`refuse_foreign`); if it
    holds anything else by then, the finished run is kept in the hidden sibling and the
    error names both. Of the replaced run only its listed files are deleted.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "run"
    >>> with run_directory(out) as tmp:
    ...     _ = (tmp / "manifest.json").write_text("{}")
    >>> sorted(p.name for p in out.iterdir())
    ['manifest.json']
    >>> json.loads((out / "manifest.json").read_text())["outputs"]
    ['manifest.json']
    """
    out = Path(out).resolve()  # "." has no name to put a sibling beside
    refuse_foreign(out)
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
        _list_outputs(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        refuse_foreign(out)
    except EarlierRunError as exc:
        raise EarlierRunError(
            f"{exc}. The finished run is kept in {tmp}", foreign=exc.foreign
        ) from None
    old = out.with_name(f".{out.name}.replaced-{os.getpid()}")
    listed = listed_files(out)
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    if old.exists():
        left = _remove_run(old, listed)
        if left:
            import warnings

            warnings.warn(
                f"{old} keeps {_names(left)}: they appeared in {out} while the "
                "run was written, and are not the earlier run's",
                stacklevel=2,
            )

"""A run directory read back as one labelled result: an ``xarray.DataTree``.

Every command writes a run directory (tables, ``manifest.json``, for a fit also
``posterior.nc``). :func:`read_run` gathers it into one tree, each table indexed by its
labels (areas by code, never by position):

* ``/`` — attrs: the manifest (command, created, status, spec, inputs, seed, ...);
* ``/data`` — the input the run used (``data.csv``), area x year x indicator;
* ``/areas`` — per area and year (``areas.csv``);
* ``/summary`` — per year (``summary.csv``);
* ``/changes`` — per area and pair of years (``changes.csv``);
* ``/effects``, ``/event_study`` — an evaluation's estimands and event times;
* ``/posterior`` — the fit's InferenceData (``posterior.nc``, opened lazily).

Examples
--------
>>> import pathlib, tempfile
>>> import pandas as pd
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame({"area_code": ["0114R001", "0114R002"], "year": [2024, 2024],
...               "index": [7.5, 12.0]}).to_csv(d / "areas.csv", index=False)
>>> _ = (d / "manifest.json").write_text('{"command": "index", "status": "ok"}')
>>> tree = read_run(d)
>>> tree.attrs["command"], float(tree["areas"]["index"].sel(area="0114R002", year=2024))
('index', 12.0)
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import xarray as xr

#: table file -> (tree group, its index columns, their dimension names)
TABLES = {
    "areas.csv": ("areas", ["area_code", "year"], ["area", "year"]),
    "summary.csv": ("summary", ["year"], ["year"]),
    "changes.csv": ("changes", ["area_code", "year_from", "year_to"],
                    ["area", "year_from", "year_to"]),
    "effects.csv": ("effects", ["estimand"], ["estimand"]),
    "event_study.csv": ("event_study", ["event_time"], ["event_time"]),
}


def _table(path: Path, index: list[str], dims: list[str]) -> xr.Dataset:
    frame = pd.read_csv(path, dtype={"area_code": str, "municipality_code": str})
    missing = [c for c in index if c not in frame]
    if missing:
        raise ValueError(f"{path} lacks the column(s) {missing} that label its rows")
    twice = frame.duplicated(index, keep=False)
    if twice.any():
        raise ValueError(f"{path}: rows {[int(i) + 2 for i in frame.index[twice][:10]]} "
                         f"repeat the same {index} (file line numbers)")
    ds = frame.set_index(index).to_xarray()
    return ds.rename({old: new for old, new in zip(index, dims) if old != new})


def read_run(run_dir: str | Path) -> xr.DataTree:
    """One ``xarray.DataTree`` of everything a run directory holds (module docstring)."""
    run = Path(run_dir)
    if not run.is_dir():
        raise FileNotFoundError(f"{run} is not a run directory")
    manifest_path = run / "manifest.json"
    if not manifest_path.exists():
        raise FileNotFoundError(f"{run} has no manifest.json: not a sesindex run directory")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    groups: dict[str, xr.Dataset | xr.DataTree] = {}
    for name, (group, index, dims) in TABLES.items():
        if (run / name).exists():
            groups[group] = _table(run / name, index, dims)
    if (run / "data.csv").exists():
        from sesindex.data.io import load_data

        groups["data"] = load_data(str(run / "data.csv")).dataset
    tree = xr.DataTree.from_dict({f"/{k}": v for k, v in groups.items()})
    if (run / "posterior.nc").exists():
        tree["posterior"] = xr.open_datatree(run / "posterior.nc")
    tree.attrs.update({k: v for k, v in manifest.items()
                       if isinstance(v, (str, int, float, bool))})
    tree.attrs["manifest"] = manifest
    return tree

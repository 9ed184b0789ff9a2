"""Generic JSON-stat 2.0 parsing: a response as a numpy cube of values and statuses.

SCB-specific meaning (region codes, contents, boundary versions) is in
:mod:`sesindex.data.pxweb`; this module knows only the format.

Examples
--------
>>> cube = parse_cube(
...     {
...         "class": "dataset",
...         "id": ["Region", "Tid"],
...         "size": [1, 2],
...         "dimension": {
...             "Region": {"category": {"index": ["A"]}},
...             "Tid": {"category": {"index": ["2022", "2023"]}},
...         },
...         "value": [1.0, None],
...         "status": {"1": ".."},
...     }
... )
>>> cube.values.tolist(), cube.status.tolist()
([[1.0, nan]], [[None, '..']])
>>> cells_long(cube, ["Region", "Tid"])["value"].tolist()
[1.0, nan]
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Dim:
    """One dimension of a JSON-stat cube: its id, label, category codes and their labels."""

    id: str
    label: str
    codes: tuple[str, ...]
    labels: dict[str, str]
    raw: dict


@dataclass(frozen=True)
class Cube:
    """A parsed JSON-stat 2.0 dataset: its dimensions, values and status flags."""

    dims: tuple[Dim, ...]
    values: np.ndarray  # float, shape = sizes, NaN for null
    status: np.ndarray  # object, same shape, None where no status
    raw: dict

    def dim(self, dim_id: str) -> Dim:
        """The dimension with id ``dim_id``."""
        return next(d for d in self.dims if d.id == dim_id)

    def axis(self, dim_id: str) -> int:
        """The position of dimension ``dim_id`` among the cube's axes."""
        return [d.id for d in self.dims].index(dim_id)


def load_json(source: str | os.PathLike | dict) -> tuple[dict, str | None]:
    """A JSON-stat answer as a dict, with its path (None for a dict given)."""
    if isinstance(source, dict):
        return source, None
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        # utf-8-sig strips SCB's byte-order mark (and reads files without one unchanged).
        return json.loads(path.read_text(encoding="utf-8-sig")), str(path)
    raise TypeError(f"source must be a path or a parsed JSON-stat dict, not {type(source)}")


def categories(dim_id: str, dim: dict) -> tuple[tuple[str, ...], dict[str, str]]:
    """The category codes of a dimension in index order, and their labels."""
    cat = dim.get("category") or {}
    labels = {str(k): str(v) for k, v in (cat.get("label") or {}).items()}
    index = cat.get("index")
    if index is None:
        if len(labels) != 1:
            raise ValueError(f"dimension {dim_id!r} has no category.index and {len(labels)} labels")
        codes = tuple(labels)
    elif isinstance(index, list):
        codes = tuple(str(c) for c in index)
    else:
        order = sorted(index.items(), key=lambda kv: int(kv[1]))
        if [int(p) for _, p in order] != list(range(len(order))):
            raise ValueError(
                f"dimension {dim_id!r}: category.index positions are not 0..{len(order) - 1}"
            )
        codes = tuple(str(c) for c, _ in order)
    return codes, {c: labels.get(c, c) for c in codes}


def flat_values(data: Any, n: int, what: str, fill: Any) -> list:
    """A JSON-stat ``value``/``status`` (list, dict or single status string) as a list."""
    if data is None:
        return [fill] * n
    if isinstance(data, str):  # one status for every cell
        return [data] * n
    if isinstance(data, list):
        if len(data) == 1 and what == "status":
            return data * n
        if len(data) != n:
            raise ValueError(f"JSON-stat {what} has {len(data)} entries, size says {n}")
        return data
    if isinstance(data, dict):
        out = [fill] * n
        for key, v in data.items():
            i = int(key)
            if not 0 <= i < n:
                raise ValueError(f"JSON-stat {what} index {key} outside 0..{n - 1}")
            out[i] = v
        return out
    raise ValueError(f"JSON-stat {what} must be a list or an object, not {type(data).__name__}")


def parse_cube(obj: dict) -> Cube:
    """The JSON-stat 2.0 dataset as a numpy cube (values row-major in ``id`` order)."""
    if obj.get("class", "dataset") != "dataset" or "id" not in obj or "dimension" not in obj:
        raise ValueError(
            "not a JSON-stat 2.0 dataset (need class 'dataset', 'id', 'size', "
            f"'dimension'); got keys {sorted(obj)[:10]}"
        )
    ids = [str(i) for i in obj["id"]]
    sizes = [int(s) for s in obj["size"]]
    dims = []
    for dim_id, size in zip(ids, sizes, strict=True):
        raw = obj["dimension"][dim_id]
        codes, labels = categories(dim_id, raw)
        if len(codes) != size:
            raise ValueError(f"dimension {dim_id!r} has {len(codes)} categories, size says {size}")
        dims.append(Dim(dim_id, str(raw.get("label", dim_id)), codes, labels, raw))
    n = int(np.prod(sizes))
    raw_values = flat_values(obj.get("value"), n, "value", None)
    status = np.array(flat_values(obj.get("status"), n, "status", None), dtype=object)
    values = np.full(n, np.nan)
    for i, v in enumerate(raw_values):
        if v is None:
            continue
        try:
            values[i] = float(v)
        except (TypeError, ValueError):  # a marker such as ".." written as the value
            if status[i] is None:
                status[i] = str(v)
    return Cube(tuple(dims), values.reshape(sizes), status.reshape(sizes), obj)


def cells_long(cube: Cube, keep: Sequence[str]) -> pd.DataFrame:
    """One row per cell over the dimensions ``keep`` (others must have one category)."""
    values, status = cube.values, cube.status
    drop = [cube.axis(d.id) for d in cube.dims if d.id not in keep]
    if drop:
        values = values.squeeze(axis=tuple(drop))
        status = status.squeeze(axis=tuple(drop))
    order = [d for d in cube.dims if d.id in keep]
    index = pd.MultiIndex.from_product([d.codes for d in order], names=[d.id for d in order])
    return pd.DataFrame(
        {"value": values.ravel(), "status": status.ravel()}, index=index
    ).reset_index()


def whole_years(dim: Dim) -> dict[str, int]:
    """The year of each code of a time dimension (codes that are whole years)."""
    out = {}
    for code in dim.codes:
        if not re.fullmatch(r"\d{4}", code.strip()):
            raise ValueError(
                f"time dimension {dim.id!r} has code {code!r}: only whole years "
                "(e.g. 2022) are supported"
            )
        out[code] = int(code)
    return out

"""Read SCB's PxWebApi 2 responses (JSON-stat 2.0) into the tidy data model.

:func:`read_jsonstat` reads SCB's socioeconomic index table TAB6586 (V1-V3 as published
percentages, the published index and area type) into a :class:`PxWebTable`: the tidy frame,
one-line ``notes`` on everything that was dropped or inferred, the ``problems`` that must
not be passed on silently, and the table's ``meta``. :func:`read_counts_table` reads any
table of counts by region and year (e.g. population) as the ``count`` or ``denominator`` of
one indicator: this is how denominators for percent-only data are supplied.

What the loader handles (all of it occurs in SCB's real response for Karlstad):

* a UTF-8 byte-order mark;
* dimensions found by role (``role.time``, ``role.metric``, ``role.geo``) or, failing
  that, by their usual ids/labels (``Tid``/``Year``, ``ContentsCode``, ``Region``);
* contents mapped **by code** (``000008IW`` = V1, ``000008IV`` = V2, ``000008IX`` = V3,
  ``000008IT`` = published index, ``000008IU`` = published type) and, for unknown codes,
  **by label** (Swedish or English), never by position; a code whose label names another
  indicator, or that maps to nothing, is a ``ValueError``;
* each area twice, as ``1780R001`` (RegSO 2020) and ``1780R001_RegSO2025`` (RegSO 2025):
  one ``area_code`` plus ``boundary_version``; DeSO codes likewise (``_DeSO2025``);
  municipality, county and country rows are skipped with a note;
* ``null`` cells: outside their boundary version's years (structural, SCB's ``..`` for
  the other division's years) they are dropped and counted in one note; inside the
  version's years they are a :class:`~sesindex.data.schema.Problem` naming area and year;
* ``status`` given as one string, a list, or a ``{flat index: status}`` dict, and
  ``value`` as a list or a sparse dict; ``category.index`` as a dict or a list.

Why not :mod:`pyjstat`: it rejects the byte-order mark, ignores ``status`` entirely (so a
suppressed ``..`` cell and a structural one look alike), and gives codes *or* labels per
call. JSON-stat 2.0 itself is simple and exact: the values are a row-major array of shape
``size`` over the dimensions in ``id`` order, each dimension's categories ordered by
``category.index``. Parsing that with numpy takes a few lines (:func:`parse_cube`), and the
tests check it cell by cell against pyjstat on the real file.

Examples
--------
>>> table = read_jsonstat(packaged_example())
>>> table.tidy["area_code"].nunique(), table.meta["table_id"], table.problems
(31, 'TAB6586', [])
>>> print(table.notes[0])  # doctest: +NORMALIZE_WHITESPACE
dropped 2,170 structural '..' cells (a boundary version outside its years):
RegSO2020 codes have none for 2024; RegSO2025 codes have none for 2011–2023
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from sesindex.data.jsonstat import Cube, Dim, cells_long, load_json, parse_cube, whole_years
from sesindex.data.pxweb_cells import cell_list, null_problems, split_nulls, status_notes
from sesindex.data.regions import area_regions
from sesindex.data.schema import (
    TIDY_COLUMNS,
    DataValidationError,
    Problem,
    check_tidy,
)
from sesindex.indicators import INDICATORS, official_indicators

EXAMPLE_FILE = "TAB6586_region1780_jsonstat2.json"

#: TAB6586's content codes (SCB, table updated 2026-06-23). Never rely on their order.
CONTENTS_CODES: dict[str, str] = {
    "000008IW": "V1",
    "000008IV": "V2",
    "000008IX": "V3",
    "000008IT": "published_index",
    "000008IU": "published_type",
}

#: Label keywords (normalised: case-folded, one space, ASCII hyphens) per indicator, Swedish
#: and English. A label must match exactly one indicator to be mapped.
LABEL_KEYWORDS: dict[str, tuple[str, ...]] = {
    "V1": ("låg ekonomisk standard", "low economic standard"),
    "V2": ("förgymnasial", "pre-upper secondary", "compulsory education", "compulsory school"),
    "V3": (
        "ekonomiskt bistånd",
        "långtidsarbetslös",
        "financial assistance",
        "income support",
        "social assistance",
        "long-term unemploy",
    ),
    "published_index": ("socioekonomiskt index", "socioeconomic index", "socio-economic index"),
    "published_type": ("områdestyp", "area type"),
}

_TIME_IDS = {"tid", "time", "year", "years", "år", "ar"}
_METRIC_IDS = {"contentscode", "contents", "tabellinnehåll", "table contents"}
_GEO_IDS = {
    "region",
    "regions",
    "area",
    "areas",
    "område",
    "omrade",
    "regso",
    "deso",
    "geo",
    "geography",
}


@dataclass
class PxWebTable:
    """A PxWeb response in the data model: tidy rows, notes, problems and metadata."""

    tidy: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def raise_on_problems(self) -> PxWebTable:
        """Raise :class:`DataValidationError` listing every problem; else return ``self``.

        Examples
        --------
        >>> read_jsonstat(packaged_example()).raise_on_problems().tidy.shape
        (2170, 9)
        """
        if self.problems:
            raise DataValidationError(self.problems)
        return self


def packaged_example() -> Path:
    """Path of the packaged real response (TAB6586, Karlstad, 2011–2024).

    Examples
    --------
    >>> packaged_example().name
    'TAB6586_region1780_jsonstat2.json'
    """
    return Path(str(resources.files("sesindex.data") / "resources" / EXAMPLE_FILE))


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", str(text)).casefold()
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def _role_dim(cube: Cube, role: str, ids: set[str]) -> str | None:
    roles = cube.raw.get("role") or {}
    named = [str(d) for d in roles.get(role) or [] if str(d) in {x.id for x in cube.dims}]
    if named:
        return named[0]
    found = [d.id for d in cube.dims if _norm(d.id) in ids or _norm(d.label) in ids]
    return found[0] if found else None


@overload
def find_dims(cube: Cube, *, need_metric: Literal[True]) -> tuple[str, str, str]: ...


@overload
def find_dims(cube: Cube, *, need_metric: bool) -> tuple[str, str, str | None]: ...


def find_dims(cube: Cube, *, need_metric: bool) -> tuple[str, str, str | None]:
    """The ids of the cube's time, region and (if any) metric dimensions."""
    time = _role_dim(cube, "time", _TIME_IDS)
    metric = _role_dim(cube, "metric", _METRIC_IDS)
    geo = _role_dim(cube, "geo", _GEO_IDS)
    have = [f"{d.id} ({d.label!r})" for d in cube.dims]
    if geo is None:
        raise ValueError(f"no region dimension (role 'geo', or id/label like 'Region'): {have}")
    if time is None:
        raise ValueError(f"no time dimension (role 'time', or id/label like 'Tid'): {have}")
    if need_metric and metric is None:
        raise ValueError(f"no contents dimension (role 'metric', or id 'ContentsCode'): {have}")
    return geo, time, metric


# --------------------------------------------------------------------------- regions


# --------------------------------------------------------------------------- contents


def indicator_for_label(label: str) -> str | None:
    """The indicator a content label names (Swedish or English), or None if not exactly one.

    Examples
    --------
    >>> indicator_for_label("Andelen personer med låg ekonomisk standard (oavsett ålder)")
    'V1'
    >>> indicator_for_label("Share with financial assistance and/or long-term unemployed")
    'V3'
    >>> indicator_for_label("Medianinkomst") is None
    True
    """
    text = _norm(label)
    hits = [ind for ind, words in LABEL_KEYWORDS.items() if any(w in text for w in words)]
    return hits[0] if len(hits) == 1 else None


def _map_contents(dim: Dim) -> tuple[dict[str, str], list[str]]:
    """Content code -> indicator id, by code, else by label (never by position)."""
    alt = (dim.raw.get("extension") or {}).get("alternativeText") or {}
    mapping, notes, by_label = {}, [], []
    for code in dim.codes:
        labels = [dim.labels[code]] + ([str(alt[code])] if code in alt else [])
        from_label = next((i for i in map(indicator_for_label, labels) if i), None)
        if code in CONTENTS_CODES:
            ind = CONTENTS_CODES[code]
            if from_label and from_label != ind:
                raise ValueError(
                    f"ContentsCode {code!r} is {ind} in TAB6586, but its label "
                    f"{dim.labels[code]!r} names {from_label}: the table's codes have changed; "
                    "refusing to guess"
                )
        elif from_label:
            ind = from_label
            by_label.append(f"{code} {dim.labels[code]!r} -> {ind}")
        else:
            raise ValueError(
                f"ContentsCode {code!r} ({dim.labels[code]!r}) cannot be mapped to an "
                f"indicator: not a known TAB6586 code {sorted(CONTENTS_CODES)} and its label "
                "names none of V1 (låg ekonomisk standard), V2 (förgymnasial utbildning), "
                "V3 (ekonomiskt bistånd/långtidsarbetslösa), socioekonomiskt index, "
                "områdestyp"
            )
        mapping[code] = ind
    dup = pd.Series(mapping).loc[lambda s: s.duplicated(keep=False)]
    if len(dup):
        raise ValueError(f"several ContentsCodes map to the same indicator: {dup.to_dict()}")
    if by_label:
        notes.append("ContentsCode mapped by label: " + "; ".join(by_label))
    return mapping, notes


# --------------------------------------------------------------------------- long form


def _extra_dims(
    cube: Cube, used: Sequence[str], sum_over: Sequence[str] = (), *, summable: bool = False
) -> list[str]:
    extra = [d for d in cube.dims if d.id not in used and d.id not in sum_over and len(d.codes) > 1]
    if extra:
        desc = ", ".join(
            f"{d.id} ({len(d.codes)} categories: {', '.join(d.codes[:5])}"
            f"{', ...' if len(d.codes) > 5 else ''})"
            for d in extra
        )
        hint = " or pass sum_over=[...]" if summable else ""
        raise ValueError(
            f"dimension(s) {desc} have more than one category: select one "
            f"category in the query{hint}"
        )
    return [d.id for d in cube.dims if d.id not in used and d.id not in sum_over]


def _meta(cube: Cube, path: str | None, roles: dict[str, str]) -> dict[str, Any]:
    px = (cube.raw.get("extension") or {}).get("px") or {}
    return {
        "table_id": px.get("tableid") or px.get("matrix"),
        "label": cube.raw.get("label"),
        "updated": cube.raw.get("updated"),
        "language": px.get("language"),
        "source": cube.raw.get("source"),
        "path": path,
        "table_notes": list(cube.raw.get("note") or []),
        "dimensions": {
            d.id: {
                "label": d.label,
                "role": roles.get(d.id),
                "size": len(d.codes),
                "codes": list(d.codes),
            }
            for d in cube.dims
        },
    }


# --------------------------------------------------------------------------- public


def read_jsonstat(source: str | os.PathLike | dict) -> PxWebTable:
    """Read a TAB6586 JSON-stat 2.0 response (path or parsed dict) into a :class:`PxWebTable`.

    V1-V3 become ``percent`` rows (``value`` = the published percentage, no count or
    denominator); the published index and area type become ``published_index`` and
    ``published_type`` rows.

    Examples
    --------
    >>> t = read_jsonstat(packaged_example())
    >>> sorted(t.tidy["indicator"].unique())
    ['V1', 'V2', 'V3', 'published_index', 'published_type']
    >>> t.tidy.groupby("boundary_version")["year"].agg(["min", "max"]).values.tolist()
    [[2011, 2023], [2024, 2024]]
    >>> t.tidy.iloc[0][["area_code", "area_name", "municipality_code"]].tolist()
    ['1780R001', 'Alster-Skattkärr-Skattkärrs omland', '1780']
    """
    obj, path = load_json(source)
    cube = parse_cube(obj)
    geo, time, metric = find_dims(cube, need_metric=True)
    _extra_dims(cube, [geo, time, metric])
    mapping, notes = _map_contents(cube.dim(metric))
    regions, region_notes = area_regions(cube.dim(geo))
    notes += region_notes

    cells = cells_long(cube, [geo, metric, time]).rename(columns={geo: "region"})
    cells["indicator"] = cells[metric].map(mapping)
    cells["year"] = cells[time].map(whole_years(cube.dim(time)))
    cells = cells.merge(regions, on="region", how="left")
    cells = cells[cells["area_code"].notna()]
    kept, missing, null_notes = split_nulls(cells)
    notes = null_notes + notes
    problems = null_problems(missing, extra="indicator")
    notes += status_notes(kept)

    key = ["area_code", "year", "indicator"]
    twice = kept[kept.duplicated(key, keep=False)]
    if len(twice):
        problems.append(
            Problem(
                "duplicate_versions",
                f"{len(twice)} cell(s) have values under more than one "
                f"boundary version for the same year: {cell_list(twice, 'indicator')}; "
                "left out of the data",
                tuple(dict.fromkeys(twice["area_code"])),
            )
        )
        kept = kept.drop(twice.index)

    tidy = kept.assign(count=np.nan, denominator=np.nan)[list(TIDY_COLUMNS)]
    tidy = tidy.sort_values(key, ignore_index=True)
    tidy["year"] = tidy["year"].astype("int64")

    absent = [i for i in official_indicators() if i not in mapping.values()]
    if absent:
        names = ", ".join(f"{i} ({INDICATORS[i].label_en})" for i in absent)
        notes.append(
            f"the response lacks {names}: the official index (V1-V3) cannot be computed from it"
        )
    if len(tidy):
        problems += check_tidy(tidy)
    else:
        problems.append(Problem("empty", "the response holds no area values"))

    roles = {geo: "geo", time: "time", metric: "metric"}
    meta = _meta(cube, path, roles)
    meta["contents"] = {
        c: {
            "label": cube.dim(metric).labels[c],
            "indicator": i,
            "unit": ((cube.dim(metric).raw.get("category") or {}).get("unit") or {}).get(c),
        }
        for c, i in mapping.items()
    }
    return PxWebTable(tidy, notes, problems, meta)


def read_counts_table(
    source: str | os.PathLike | dict, *, indicator: str, role: str, sum_over: Sequence[str] = ()
) -> pd.DataFrame:
    """Tidy rows of one indicator's ``count`` or ``denominator`` from a counts table.

    For SCB tables of counts by region and year (e.g. population: TAB6574, ContentsCode
    ``000007Y7``, which :func:`sesindex.data.population.read_population` reads with its
    ages and sexes). Dimensions other than region and year must have one
    category unless named in ``sum_over`` (summed; a null anywhere makes the sum null).
    Structural nulls (a boundary version outside its years) are dropped; other nulls stay
    as NaN rows so that validation names them. Notes go to ``df.attrs["notes"]``.

    Examples
    --------
    >>> pop = {
    ...     "version": "2.0",
    ...     "class": "dataset",
    ...     "id": ["Region", "Alder", "Tid"],
    ...     "size": [2, 2, 1],
    ...     "role": {"time": ["Tid"]},
    ...     "dimension": {
    ...         "Region": {
    ...             "label": "region",
    ...             "category": {
    ...                 "index": ["1780R001", "1780"],
    ...                 "label": {"1780R001": "Karlstad (Alster)", "1780": "Karlstad"},
    ...             },
    ...         },
    ...         "Alder": {"label": "ålder", "category": {"index": {"20-39": 0, "40-64": 1}}},
    ...         "Tid": {"label": "år", "category": {"index": {"2022": 0}}},
    ...     },
    ...     "value": [700, 900, 40000, 50000],
    ... }
    >>> den = read_counts_table(pop, indicator="V2", role="denominator", sum_over=["Alder"])
    >>> den[["area_code", "year", "indicator", "count", "denominator"]].values.tolist()
    [['1780R001', 2022, 'V2', nan, 1600.0]]
    >>> for note in den.attrs["notes"]:
    ...     print(note)
    skipped 1 region(s) that are not RegSO/DeSO areas: 1780 Karlstad (municipality)
    summed over Alder (cell counts in these notes are after summing)

    Combine a numerator and a denominator table of the same indicator::

        key = ["area_code", "year", "indicator"]
        both = num.set_index(key).combine_first(den.set_index(key)).reset_index()
    """
    if role not in ("count", "denominator"):
        raise ValueError(f"role must be 'count' or 'denominator', not {role!r}")
    if indicator not in INDICATORS:
        raise ValueError(f"unknown indicator {indicator!r}; known: {sorted(INDICATORS)}")
    obj, path = load_json(source)
    cube = parse_cube(obj)
    geo, time, _ = find_dims(cube, need_metric=False)
    ids = [d.id for d in cube.dims]
    unknown = [d for d in sum_over if d not in ids]
    if unknown or geo in sum_over or time in sum_over:
        raise ValueError(
            f"sum_over={list(sum_over)}: can sum only over dimensions other "
            f"than region {geo!r} and time {time!r}; the table has {ids}"
        )
    _extra_dims(cube, [geo, time], sum_over, summable=True)
    meta = _meta(cube, path, {geo: "geo", time: "time"})
    if sum_over:
        axes = tuple(cube.axis(d) for d in sum_over)
        summed = cube.values.sum(axis=axes, keepdims=True)  # NaN propagates
        status = np.full(summed.shape, None, dtype=object)
        status[np.isnan(summed)] = ".."
        dims = tuple(
            Dim(d.id, d.label, ("total",), {"total": "total"}, d.raw) if d.id in sum_over else d
            for d in cube.dims
        )
        cube = Cube(dims, summed, status, cube.raw)
    regions, notes = area_regions(cube.dim(geo))
    cells = cells_long(cube, [geo, time]).rename(columns={geo: "region"})
    cells["year"] = cells[time].map(whole_years(cube.dim(time)))
    cells = cells.merge(regions, on="region", how="left")
    cells = cells[cells["area_code"].notna()]
    kept, missing, null_notes = split_nulls(cells)
    cells = pd.concat([kept, missing]).sort_values(["area_code", "year"], ignore_index=True)
    if len(missing):
        null_notes.append(
            f"{len(missing)} null cell(s) inside their boundary version's years "
            f"kept as NaN (validation will report them): {cell_list(missing)}"
        )
    out = cells.assign(indicator=indicator, count=np.nan, denominator=np.nan)
    out[role] = cells["value"].to_numpy()
    out = out.assign(value=np.nan)[list(TIDY_COLUMNS)]
    out["year"] = out["year"].astype("int64")
    if sum_over:
        notes.append(
            f"summed over {', '.join(sum_over)} (cell counts in these notes are after summing)"
        )
    out.attrs["notes"] = null_notes + notes
    out.attrs["meta"] = {k: v for k, v in meta.items() if k != "table_notes"}
    return out

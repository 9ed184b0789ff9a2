"""Populations behind SCB's published percentages: the denominators a fit needs.

SCB's index table TAB6586 publishes V1-V3 only as percentages rounded to 0.1. The model
needs how many people each percentage is of: all residents for V1 (low economic
standard), residents aged 20-64 for V2 and V3. Those come from SCB's population tables
of the RegSO areas by age and year (the BE0101 population statistics, content
``BE0101N1`` Folkmängd, by region, age and sex), read here from a PxWebApi 2 JSON-stat 2.0
response or from a tidy CSV with the columns ``area_code, year, population,
population_20_64``.

SCB's population tables answer **0, not '..', for a boundary version outside its years**
(a RegSO 2020 code in 2024, a ``_RegSO2025`` code before 2024): those cells are masked by
the version's validity years and never treated as data; a zero *inside* them is
reported as a problem.

Examples
--------
>>> frame = pd.DataFrame({"area_code": ["0114R001"], "year": [2022], "population": [2100],
...                       "population_20_64": [1200]})
>>> read_population(frame)[["area_code", "population", "population_20_64"]].values.tolist()
[['0114R001', 2100, 1200]]
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sesindex.data.jsonstat import Cube, cells_long, load_json, parse_cube, whole_years
from sesindex.data.pxweb import find_dims
from sesindex.data.regions import VERSION_YEARS, area_regions
from sesindex.data.schema import DataValidationError, Problem

COLUMNS = ("area_code", "year", "population", "population_20_64")
#: The working ages of V2 and V3.
WORKING_AGES = (20, 64)


def age_range(code: str, label: str = "") -> tuple[int, int] | None:
    """(first, last) age of an age category code, None for a total.

    >>> age_range("20-44"), age_range("65+"), age_range("23"), age_range("tot")
    ((20, 44), (65, 200), (23, 23), None)
    >>> age_range("x")
    Traceback (most recent call last):
    ...
    ValueError: age category 'x' is neither an age ('23'), a range ('20-44', '65+') nor a total ('tot')
    """
    text = code.strip().lower().replace("år", "").replace(" ", "")
    if text in ("tot", "totalt", "total", "tot1") or label.strip().lower().startswith("total"):
        return None
    for pattern, make in ((r"(\d+)-(\d+)", lambda m: (int(m[1]), int(m[2]))),
                          (r"(\d+)\+", lambda m: (int(m[1]), 200)),
                          (r"-?(\d+)", lambda m: (int(m[1]), int(m[1])))):
        m = re.fullmatch(pattern, text)
        if m:
            return make(m)
    raise ValueError(f"age category {code!r} is neither an age ('23'), a range ('20-44', "
                     "'65+') nor a total ('tot')")


def _from_jsonstat(source) -> tuple[pd.DataFrame, list[str]]:
    """area_code, year, boundary_version, population, population_20_64 from a response."""
    obj, _ = load_json(source)
    cube = parse_cube(obj)
    geo, time, _ = find_dims(cube, need_metric=False)
    age = next((d.id for d in cube.dims if d.id.lower() in ("alder", "ålder", "age")), None)
    values = cube.values
    others = [d for d in cube.dims if d.id not in (geo, time, age)]
    # sum over every other dimension (sex, the one content): NaN (a '..') propagates
    summed = values.sum(axis=tuple(cube.axis(d.id) for d in others), keepdims=True)
    if age is None:
        raise ValueError("the population response has no age dimension ('Alder'): V2 and V3 "
                         "need residents aged 20-64")
    ages = cube.dim(age)
    ranges = {c: age_range(c, ages.labels[c]) for c in ages.codes}
    totals = [c for c, r in ranges.items() if r is None]
    axis = cube.axis(age)
    parts = [c for c, r in ranges.items() if r is not None]
    working = [c for c in parts if WORKING_AGES[0] <= ranges[c][0] and ranges[c][1] <= WORKING_AGES[1]]
    straddle = [c for c in parts if c not in working and ranges[c][0] <= WORKING_AGES[1]
                and ranges[c][1] >= WORKING_AGES[0]]
    if straddle:
        raise ValueError(f"age categories {straddle} straddle 20-64: ask SCB for ages that "
                         "split at 20 and 64 (e.g. single years or 20-44, 45-64)")
    pick = lambda codes: np.take(summed, [ages.codes.index(c) for c in codes],  # noqa: E731
                                 axis=axis).sum(axis=axis)
    everyone = pick(totals[:1]) if totals else pick(parts)
    notes = [] if totals else [f"population = the sum of {len(parts)} age categories"]
    frame = None
    for name, data in (("population", everyone), ("population_20_64", pick(working))):
        keep_dims = [d for d in cube.dims if d.id in (geo, time)]
        sub = _region_time_cube(cube, data, keep_dims)
        cells = cells_long(sub, [geo, time]).rename(columns={"value": name, geo: "region"})
        cells["year"] = cells[time].map(whole_years(cube.dim(time)))
        cells = cells[["region", "year", name]]
        frame = cells if frame is None else frame.merge(cells, on=["region", "year"])
    regions, region_notes = area_regions(cube.dim(geo))
    frame = frame.merge(regions, on="region", how="left")
    frame = frame[frame["area_code"].notna()]
    return frame[["area_code", "year", "boundary_version", "population",
                  "population_20_64"]], notes + region_notes


def _region_time_cube(cube: Cube, data: np.ndarray, dims) -> Cube:
    """A cube of ``data`` over the region and time dimensions of ``cube`` only."""
    shape = [len(d.codes) for d in dims]
    values = np.asarray(data).reshape(shape)
    return Cube(tuple(dims), values, np.full(shape, None, dtype=object), cube.raw)


def _mask_validity(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Drop cells of a boundary version outside its years (SCB answers 0 there)."""
    valid = np.array([y in VERSION_YEARS.get(v, range(0)) for v, y in
                      zip(frame["boundary_version"], frame["year"])], dtype=bool)
    dropped = frame[~valid]
    notes = []
    if len(dropped):
        zeros = int((dropped["population"].fillna(0) == 0).sum())
        notes.append(f"masked {len(dropped):,} population cells of a boundary version "
                     f"outside its years ({zeros:,} of them SCB's 0s): never used as data")
    return frame[valid], notes


def read_population(source) -> pd.DataFrame:
    """The population table: ``area_code, year, population, population_20_64`` (+
    ``boundary_version``), from a JSON-stat response (path or dict), a CSV or a frame.

    Problems are named (areas, years, lines); notes (masked cells, summed ages) are in
    ``frame.attrs["notes"]``.
    """
    notes: list[str] = []
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
    elif isinstance(source, dict) or str(source).lower().endswith(".json"):
        frame, notes = _from_jsonstat(source)
    else:
        frame = pd.read_csv(source, dtype={"area_code": str})
        frame["source_line"] = np.arange(len(frame)) + 2
    missing = [c for c in COLUMNS if c not in frame]
    if missing:
        raise DataValidationError([Problem("missing_columns", f"the population table needs "
                                           f"columns {list(COLUMNS)}; {missing} are absent "
                                           f"(has {list(frame.columns)})")])
    if "boundary_version" not in frame:
        frame["boundary_version"] = np.where(frame["year"] >= 2024, "RegSO2025", "RegSO2020")
    frame, masked = _mask_validity(frame)
    notes += masked
    problems = []
    for col in ("population", "population_20_64"):
        bad = frame[frame[col].isna() | (frame[col] <= 0)]
        if len(bad):
            where = ", ".join(f"{r.area_code} {r.year}" for r in bad.head(12).itertuples())
            problems.append(Problem("population_missing", f"{col} is missing or 0 inside its "
                                    f"boundary version's years: {where}",
                                    tuple(dict.fromkeys(bad["area_code"])),
                                    lines=tuple(bad.get("source_line", pd.Series(dtype=int)))))
    over = frame[frame["population_20_64"] > frame["population"]]
    if len(over):
        problems.append(Problem("population_20_64_exceeds", "more residents aged 20-64 than "
                                "residents", tuple(dict.fromkeys(over["area_code"])),
                                lines=tuple(over.get("source_line", pd.Series(dtype=int)))))
    if problems:
        raise DataValidationError(problems)
    frame = frame.astype({"population": "int64", "population_20_64": "int64"})
    out = frame[[*COLUMNS, "boundary_version"]].reset_index(drop=True)
    out.attrs["notes"] = notes
    return out


def assemble(rates: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Published percentages (tidy rows with ``value``) with their denominators: V1 of
    all residents, V2 and V3 of residents aged 20-64. Every area-year of the rates must
    have a population (the missing ones are named)."""
    keyed = population.set_index(["area_code", "year"])
    rows = rates[rates["indicator"].isin(["V1", "V2", "V3"])].copy()
    key = pd.MultiIndex.from_frame(rows[["area_code", "year"]])
    lacking = ~key.isin(keyed.index)
    if lacking.any():
        cells = rows.loc[lacking, ["area_code", "year"]].drop_duplicates()
        where = ", ".join(f"{r.area_code} {r.year}" for r in cells.head(12).itertuples())
        raise DataValidationError([Problem(
            "population_missing", f"{len(cells)} area-year(s) of the rates have no population "
            f"(fetch the population table for them): {where}",
            tuple(dict.fromkeys(cells["area_code"])))])
    column = np.where(rows["indicator"] == "V1", "population", "population_20_64")
    rows["denominator"] = [keyed.at[(a, y), c] for a, y, c in
                           zip(rows["area_code"], rows["year"], column)]
    rows["count"] = np.nan  # a published percentage: value + its denominator
    return rows.reset_index(drop=True)

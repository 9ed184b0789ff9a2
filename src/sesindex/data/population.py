"""Populations behind SCB's published percentages: the denominators a fit needs.

SCB's index table TAB6586 publishes V1-V3 only as percentages rounded to 0.1. The model
needs how many people each percentage is of: all residents for V1 (low economic
standard), residents aged 20-64 for V2 and V3. Those come from SCB's population table of
the RegSO and DeSO areas by age, sex and year, TAB6574 ("Folkmängden per region efter
ålder och kön", content ``000007Y7``; :data:`sesindex.data.fetch.POPULATION_TABLE`), read
here from a PxWebApi 2 JSON-stat 2.0 response or from a tidy CSV with the columns
``area_code, year, population, population_20_64``.

How a response is read (:func:`read_population`):

* ``Kon``: ``1+2`` (both sexes) when present, else ``1`` + ``2`` summed, never all three
  added up; when all three are present ``1+2`` is used and checked against ``1`` + ``2``
  (mismatches are reported in the notes). One sex alone is refused.
* ``Alder``: ``totalt`` for all residents when present, else the bands summed (they must
  cover every age); residents aged 20-64 are the bands ``20-24`` ... ``60-64``. ``-4``
  is ages 0-4 and ``80-`` is 80 and over. A total and the bands are never added up.
* ``Region``: RegSO codes (``0114R001``) and DeSO codes (``0114A0010``) are kept apart by
  their boundary version; ``_RegSO2025``/``_DeSO2025`` codes are the 2025 versions.
  :func:`assemble` uses only the rates' division and says how many rows it set aside.

SCB's population tables answer **0, not '..', for a boundary version outside its years**
(a RegSO 2020 code in 2024, a ``_RegSO2025`` code before 2024): those cells are masked by
the version's validity years and never treated as data; a zero *inside* them is
reported as a problem.

Examples
--------
>>> frame = pd.DataFrame(
...     {
...         "area_code": ["0114R001"],
...         "year": [2022],
...         "population": [2100],
...         "population_20_64": [1200],
...     }
... )
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
#: The oldest age an open band (``80-``, ``65+``) reaches.
OPEN_END = 200
#: ``Kon`` codes: both sexes, and the two sexes.
BOTH_SEXES, SEXES = "1+2", ("1", "2")


def age_range(code: str, label: str = "") -> tuple[int, int] | None:
    """(first, last) age of an age category code, None for a total.

    SCB's open bands: ``-4`` is ages 0-4, ``80-`` (or ``80+``) 80 and over.

    >>> age_range("20-24"), age_range("-4"), age_range("80-"), age_range("65+")
    ((20, 24), (0, 4), (80, 200), (65, 200))
    >>> age_range("23"), age_range("totalt"), age_range("tot")
    ((23, 23), None, None)
    >>> age_range("x")
    Traceback (most recent call last):
    ...
    ValueError: age category 'x' is neither an age ('23'), a range ('20-24', '-4', '80-', '65+') nor
    a total ('totalt')
    """
    text = code.strip().lower().replace("år", "").replace(" ", "")
    if text in ("tot", "totalt", "total", "tot1") or label.strip().lower().startswith("total"):
        return None
    for pattern, make in (
        (r"(\d+)-(\d+)", lambda m: (int(m[1]), int(m[2]))),
        (r"(\d+)[+-]", lambda m: (int(m[1]), OPEN_END)),
        (r"-(\d+)", lambda m: (0, int(m[1]))),
        (r"(\d+)", lambda m: (int(m[1]), int(m[1]))),
    ):
        m = re.fullmatch(pattern, text)
        if m:
            return make(m)
    raise ValueError(
        f"age category {code!r} is neither an age ('23'), a range ('20-24', "
        "'-4', '80-', '65+') nor a total ('totalt')"
    )


def _dim_named(cube: Cube, names: tuple[str, ...]) -> str | None:
    return next((d.id for d in cube.dims if d.id.lower() in names), None)


def _cell_names(cube: Cube, index: tuple[int, ...], skip: str) -> str:
    """``0114R001 2022 20-24``: the codes of one cell, without the dimension ``skip``."""
    return " ".join(d.codes[i] for d, i in zip(cube.dims, index, strict=True) if d.id != skip)


def _both_sexes(cube: Cube, sex: str) -> tuple[np.ndarray, list[str]]:
    """The values for both sexes (the ``Kon`` axis kept, of size 1) and notes.

    ``1+2`` when present (checked against ``1`` + ``2`` where all three are given), else
    ``1`` + ``2``; never the three added up. One sex alone is refused.
    """
    dim, axis = cube.dim(sex), cube.axis(sex)
    codes = list(dim.codes)
    unknown = [c for c in codes if c not in (BOTH_SEXES, *SEXES)]
    if unknown or not (BOTH_SEXES in codes or set(SEXES) <= set(codes)):
        raise ValueError(
            f"{sex} holds {codes}: the denominators need both sexes, as "
            f"'{BOTH_SEXES}' or as '1' and '2' (men, women)"
        )
    take = lambda c: np.take(cube.values, [codes.index(c)], axis=axis)  # noqa: E731
    parts = take(SEXES[0]) + take(SEXES[1]) if set(SEXES) <= set(codes) else None
    if parts is not None and BOTH_SEXES not in codes:
        return parts, [f"both sexes = {sex} 1 + 2 (the response has no '{BOTH_SEXES}')"]
    both = take(BOTH_SEXES)
    notes = [f"both sexes = {sex} '{BOTH_SEXES}'"]
    if parts is not None:
        bad = np.isfinite(both) & np.isfinite(parts) & (both != parts)
        notes[0] += " (checked against 1 + 2: " + (
            "equal everywhere both are given)" if not bad.any() else "see below)"
        )
        if bad.any():
            cells = [
                f"{_cell_names(cube, tuple(i), sex)}: {both[tuple(i)]:g} vs {parts[tuple(i)]:g}"
                for i in np.argwhere(bad)[:12]
            ]
            notes.append(
                f"{int(bad.sum())} cell(s) where {sex} '{BOTH_SEXES}' differs from "
                f"1 + 2 ('{BOTH_SEXES}' used): " + "; ".join(cells)
            )
    return both, notes


def age_groups(dim) -> tuple[list[str], list[str], list[str]]:
    """(codes summed for all residents, codes summed for ages 20-64, notes) of an age
    dimension: the total when present, else bands covering every age; never a total and
    bands together.

    Examples
    --------
    >>> from sesindex.data.jsonstat import Dim
    >>> codes = ("totalt", "-4", "5-19", "20-44", "45-64", "65-79", "80-")
    >>> age_groups(Dim("Alder", "ålder", codes, {c: c for c in codes}, {}))
    (['totalt'], ['20-44', '45-64'], [])
    """
    ranges = {c: age_range(c, dim.labels[c]) for c in dim.codes}
    totals = [c for c, r in ranges.items() if r is None]
    band_ranges = {c: r for c, r in ranges.items() if r is not None}
    bands = list(band_ranges)
    if len(totals) > 1:
        raise ValueError(f"{dim.id} has {len(totals)} totals {totals}: expected one ('totalt')")
    lo, hi = WORKING_AGES
    working = [c for c in bands if lo <= band_ranges[c][0] and band_ranges[c][1] <= hi]
    straddle = [
        c for c in bands if c not in working and band_ranges[c][0] <= hi and band_ranges[c][1] >= lo
    ]
    if straddle:
        raise ValueError(
            f"age categories {straddle} straddle 20-64: ask SCB for ages that "
            "split at 20 and 64 (the five-year bands 20-24 ... 60-64)"
        )
    gaps = _uncovered([ranges[c] for c in working], lo, hi)
    if gaps:
        raise ValueError(
            f"{dim.id}: the bands {working or 'given'} leave ages {gaps} of "
            "20-64 uncovered: ask for the bands 20-24 ... 60-64"
        )
    if totals:
        return totals, working, []
    gaps = _uncovered([ranges[c] for c in bands], 0, OPEN_END)
    if gaps:
        raise ValueError(
            f"{dim.id} has no total ('totalt') and its bands leave ages {gaps} "
            "uncovered: all residents cannot be counted"
        )
    return bands, working, [f"population = the sum of {len(bands)} age bands"]


def _uncovered(ranges, lo: int, hi: int) -> str:
    """The ages in ``lo..hi`` that no range covers (or that two cover), as text."""
    count = np.zeros(hi - lo + 1, dtype=int)
    for a, b in ranges:
        count[max(a, lo) - lo : min(b, hi) - lo + 1] += 1
    wrong = [lo + i for i in np.flatnonzero(count != 1)]
    from sesindex.data.spans import year_spans  # consecutive ages as ranges

    return year_spans(wrong) if wrong else ""


def _from_jsonstat(source) -> tuple[pd.DataFrame, list[str]]:
    """area_code, year, boundary_version, population, population_20_64 from a response."""
    obj, _ = load_json(source)
    cube = parse_cube(obj)
    geo, time, _ = find_dims(cube, need_metric=False)
    age = _dim_named(cube, ("alder", "ålder", "age"))
    if age is None:
        raise ValueError(
            "the population response has no age dimension ('Alder'): V2 and V3 "
            "need residents aged 20-64"
        )
    sex = _dim_named(cube, ("kon", "kön", "sex"))
    values, notes = _both_sexes(cube, sex) if sex else (cube.values, [])
    others = [d for d in cube.dims if d.id not in (geo, time, age, sex)]
    several = [f"{d.id} ({', '.join(d.codes)})" for d in others if len(d.codes) > 1]
    if several:
        raise ValueError(
            f"dimension(s) {'; '.join(several)} have more than one category: "
            "ask for one (the population, ContentsCode 000007Y7)"
        )
    summed = values.sum(axis=tuple(cube.axis(d.id) for d in others), keepdims=True)
    everyone, working, age_notes = age_groups(cube.dim(age))
    axis, ages = cube.axis(age), cube.dim(age).codes

    def pick(codes):  # NaN (a '..') propagates
        return np.take(summed, [ages.index(c) for c in codes], axis=axis).sum(axis=axis)

    counted = []
    keep_dims = [d for d in cube.dims if d.id in (geo, time)]
    for name, data in (("population", pick(everyone)), ("population_20_64", pick(working))):
        sub = _region_time_cube(cube, data, keep_dims)
        cells = cells_long(sub, [geo, time]).rename(columns={"value": name, geo: "region"})
        cells["year"] = cells[time].map(whole_years(cube.dim(time)))
        counted.append(cells[["region", "year", name]])
    frame = counted[0].merge(counted[1], on=["region", "year"])
    regions, region_notes = area_regions(cube.dim(geo))
    frame = frame.merge(regions, on="region", how="left")
    frame = frame[frame["area_code"].notna()]
    return frame[
        ["area_code", "year", "boundary_version", "population", "population_20_64"]
    ], notes + age_notes + region_notes


def _region_time_cube(cube: Cube, data: np.ndarray, dims) -> Cube:
    """A cube of ``data`` over the region and time dimensions of ``cube`` only."""
    shape = [len(d.codes) for d in dims]
    values = np.asarray(data).reshape(shape)
    return Cube(tuple(dims), values, np.full(shape, None, dtype=object), cube.raw)


def _mask_validity(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Drop cells of a boundary version outside its years (SCB answers 0 there)."""
    valid = np.array(
        [
            y in VERSION_YEARS.get(v, range(0))
            for v, y in zip(frame["boundary_version"], frame["year"], strict=True)
        ],
        dtype=bool,
    )
    dropped = frame[~valid]
    notes = []
    if len(dropped):
        zeros = int((dropped["population"].fillna(0) == 0).sum())
        notes.append(
            f"masked {len(dropped):,} population cells of a boundary version "
            f"outside its years ({zeros:,} of them SCB's 0s): never used as data"
        )
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
        raise DataValidationError(
            [
                Problem(
                    "missing_columns",
                    f"the population table needs "
                    f"columns {list(COLUMNS)}; {missing} are absent "
                    f"(has {list(frame.columns)})",
                )
            ]
        )
    if "boundary_version" not in frame:
        frame["boundary_version"] = np.where(frame["year"] >= 2024, "RegSO2025", "RegSO2020")
    frame, masked = _mask_validity(frame)
    notes += masked
    problems = []
    for col in ("population", "population_20_64"):
        bad = frame[frame[col].isna() | (frame[col] <= 0)]
        if len(bad):
            where = ", ".join(f"{r.area_code} {r.year}" for r in bad.head(12).itertuples())
            problems.append(
                Problem(
                    "population_missing",
                    f"{col} is missing or 0 inside its boundary version's years: {where}",
                    tuple(dict.fromkeys(bad["area_code"])),
                    lines=tuple(bad.get("source_line", pd.Series(dtype=int))),
                )
            )
    over = frame[frame["population_20_64"] > frame["population"]]
    if len(over):
        problems.append(
            Problem(
                "population_20_64_exceeds",
                "more residents aged 20-64 than residents",
                tuple(dict.fromkeys(over["area_code"])),
                lines=tuple(over.get("source_line", pd.Series(dtype=int))),
            )
        )
    if problems:
        raise DataValidationError(problems)
    frame = frame.astype({"population": "int64", "population_20_64": "int64"})
    out = frame[[*COLUMNS, "boundary_version"]].reset_index(drop=True)
    out.attrs["notes"] = notes
    return out


def division(area_code: str) -> str:
    """``RegSO`` or ``DeSO``: the division an area code belongs to.

    >>> division("0114R001"), division("0114A0010"), division("0114C1010")
    ('RegSO', 'DeSO', 'DeSO')
    """
    return "RegSO" if str(area_code)[4:5] == "R" else "DeSO"


def _same_division(rates: pd.DataFrame, population: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The population rows of the rates' division, and a note on the rows set aside."""
    wanted = set(rates["area_code"].map(division))
    kinds = population["area_code"].map(division)
    aside = population[~kinds.isin(wanted)]
    if not len(aside):
        return population, []
    other = ", ".join(sorted(set(kinds[aside.index]) - wanted))
    note = (
        f"set aside {len(aside):,} population rows of {aside['area_code'].nunique():,} "
        f"{other} areas: the rates are {', '.join(sorted(wanted))}"
    )
    return population[kinds.isin(wanted)], [note]


def assemble(rates: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Published percentages (tidy rows with ``value``) with their denominators: V1 of
    all residents, V2 and V3 of residents aged 20-64. Every area-year of the rates must
    have a population (the missing ones are named). Population rows of another division
    than the rates' (DeSO rows beside RegSO rates) are set aside and counted in
    ``attrs["notes"]``.

    Examples
    --------
    >>> rates = pd.DataFrame(
    ...     {"area_code": ["0114R001"], "year": [2022], "indicator": ["V1"], "value": [12.5]}
    ... )
    >>> pop = pd.DataFrame(
    ...     {
    ...         "area_code": ["0114R001", "0114A0010"],
    ...         "year": [2022, 2022],
    ...         "population": [2100, 900],
    ...         "population_20_64": [1200, 500],
    ...     }
    ... )
    >>> out = assemble(rates, pop)
    >>> out[["area_code", "denominator"]].values.tolist(), out.attrs["notes"]
    ([['0114R001', 2100]], ['set aside 1 population rows of 1 DeSO areas: the rates are RegSO'])
    """
    population, notes = _same_division(rates, population)
    keyed = population.set_index(["area_code", "year"])
    rows = rates[rates["indicator"].isin(["V1", "V2", "V3"])].copy()
    key = pd.MultiIndex.from_frame(rows[["area_code", "year"]])
    lacking = ~key.isin(keyed.index)
    if lacking.any():
        cells = rows.loc[lacking, ["area_code", "year"]].drop_duplicates()
        where = ", ".join(f"{r.area_code} {r.year}" for r in cells.head(12).itertuples())
        raise DataValidationError(
            [
                Problem(
                    "population_missing",
                    f"{len(cells)} area-year(s) of the rates have no population "
                    f"(fetch the population table for them): {where}",
                    tuple(dict.fromkeys(cells["area_code"])),
                )
            ]
        )
    column = np.where(rows["indicator"] == "V1", "population", "population_20_64")
    rows["denominator"] = [
        keyed.at[(a, y), c] for a, y, c in zip(rows["area_code"], rows["year"], column, strict=True)
    ]
    rows["count"] = np.nan  # a published percentage: value + its denominator
    out = rows.reset_index(drop=True)
    out.attrs["notes"] = notes
    return out


#: What a fit-ready file's manifest says of its denominators and SCB's rounding.
ASSEMBLY_NOTES = {
    "denominators": "V1: all residents (population); V2, V3: residents aged 20-64 "
    "(population_20_64)",
    "measurement_error": "V1-V3 are SCB's percentages rounded to 0.1: the fit carries "
    "the rounding as known measurement error (uniform, +-0.05 "
    "points; sesindex.bayes.model.inputs.ROUNDING_SD_PROPORTION)",
}


def assemble_loaded(loaded, population: pd.DataFrame, years=None) -> pd.DataFrame:
    """Fit-ready tidy rows: the published percentages of ``loaded`` (a
    :class:`~sesindex.data.io.LoadedData` of TAB6586) in ``years`` (default: all it holds)
    with their denominators from ``population`` (:func:`read_population`), plus SCB's
    published index and types as they are. ``attrs["notes"]`` holds every note of the
    rates, the population and the assembly.

    Examples
    --------
    >>> from sesindex.data.io import load_data
    >>> rates = load_data("karlstad-tab6586")
    >>> codes = sorted(set(rates.tidy["area_code"]))
    >>> pop = pd.DataFrame(
    ...     {"area_code": codes, "year": 2022, "population": 2000, "population_20_64": 1200}
    ... )
    >>> tidy = assemble_loaded(rates, pop, [2022])
    >>> tidy.groupby("indicator")["denominator"].first().to_dict()
    {'V1': 2000.0, 'V2': 1200.0, 'V3': 1200.0, 'published_index': nan, 'published_type': nan}
    """
    from sesindex.data.model import to_tidy

    given = to_tidy(loaded.dataset)  # validated, typed
    if years is not None:
        absent = sorted(set(years) - set(given["year"]))
        if absent:
            raise ValueError(
                f"years {absent} are not in the rates (they hold {sorted(set(given['year']))})"
            )
        given = given[given["year"].isin(list(years))]
    with_denominators = assemble(given, population)
    published = given[~given["indicator"].isin(["V1", "V2", "V3"])]
    tidy = pd.concat([with_denominators, published], ignore_index=True)
    tidy.attrs["notes"] = (
        list(loaded.notes)
        + list(population.attrs.get("notes", []))
        + with_denominators.attrs["notes"]
    )
    return tidy


def write_assembled(tidy: pd.DataFrame, out, manifest: dict):
    """Write fit-ready rows to ``out`` (CSV) and ``<out>.manifest.json`` beside it: the
    given ``manifest`` with the years, the denominators, the rounding as measurement
    error, the notes and the number of rows. Returns the sidecar's path.
    """
    import json
    from pathlib import Path

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tidy.to_csv(out, index=False)
    sidecar = out.with_suffix(".manifest.json")
    sidecar.write_text(
        json.dumps(
            {
                **manifest,
                "years": sorted(int(y) for y in tidy["year"].unique()),
                **ASSEMBLY_NOTES,
                "notes": list(tidy.attrs.get("notes", [])),
                "rows": len(tidy),
            },
            indent=1,
            ensure_ascii=False,
        )
        + "\n"
    )
    return sidecar

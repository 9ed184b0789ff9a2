"""Validation of the tidy data model: one error that lists every problem and its areas.

The tidy frame has one row per area, year and indicator::

    (
        area_code,
        year,
        indicator,
        count,
        denominator,
        value,
    )
    area_name, municipality_code, boundary_version

``count``/``denominator`` carry count indicators, ``value`` carries published percentages
and continuous indicators (see :mod:`sesindex.indicators`). Nothing is ever dropped:
:func:`check_tidy` returns every :class:`Problem` found, :func:`validate_tidy` raises them
all at once as :class:`DataValidationError`.

Examples
--------
>>> import pandas as pd
>>> bad = pd.DataFrame(
...     {
...         "area_code": ["0114R001", "0114R001"],
...         "year": [2022, 2022],
...         "indicator": ["V2", "V2"],
...         "count": [50, 50],
...         "denominator": [40, 40],
...     }
... )
>>> [p.check for p in check_tidy(bad)]
['count_exceeds_denominator', 'duplicate']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa

from sesindex.data.boundaries import CODE_PATTERNS, DEFAULT_BOUNDARY_VERSION
from sesindex.indicators import INDICATORS, PUBLISHED

ID_COLUMNS = ("area_code", "year", "indicator")
NUMERIC_COLUMNS = ("count", "denominator", "value")
META_COLUMNS = ("area_name", "municipality_code", "boundary_version")
TIDY_COLUMNS = ID_COLUMNS + NUMERIC_COLUMNS + META_COLUMNS
#: SCB's markers for suppressed or unavailable cells.
SUPPRESSION_MARKERS = frozenset({"..", ".", "-", "x", "…", "...", ":"})
_SHOW = 12


@dataclass(frozen=True)
class Problem:
    """One kind of problem and every row and area it affects."""

    check: str
    message: str
    areas: tuple[str, ...] = ()
    rows: tuple[int, ...] = field(default=(), repr=False)
    lines: tuple[int, ...] = ()  # the file's line numbers, when read from a file

    def __str__(self) -> str:
        parts = []
        for label, items in (("areas", self.areas), ("lines", self.lines)):
            if items:
                shown = ", ".join(map(str, items[:_SHOW]))
                more = f" and {len(items) - _SHOW} more" if len(items) > _SHOW else ""
                parts.append(f"{label}: {shown}{more}")
        if not parts and self.rows:
            shown = ", ".join(map(str, self.rows[:_SHOW]))
            more = f" and {len(self.rows) - _SHOW} more" if len(self.rows) > _SHOW else ""
            parts.append(f"rows: {shown}{more}")
        return f"{self.check}: {self.message}" + (f" [{'; '.join(parts)}]" if parts else "")


class DataValidationError(ValueError):
    """Raised with every problem found in a dataset; ``.problems`` holds them."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} data problem(s):\n{lines}")


def _problem(check: str, message: str, frame: pd.DataFrame) -> Problem:
    """A problem naming the areas (and row numbers) of ``frame``'s rows."""
    codes = frame["area_code"] if "area_code" in frame else pd.Series(dtype=object)
    areas = tuple(dict.fromkeys(str(c) for c in codes if isinstance(c, str) and c))
    lines: tuple[int, ...] = ()
    if "source_line" in frame:
        lines = tuple(sorted({int(x) for x in pd.to_numeric(frame["source_line"]).dropna()}))
    return Problem(check, message, areas, tuple(int(r) for r in frame.index), lines)


def _non_numeric(df: pd.DataFrame) -> tuple[list[Problem], pd.DataFrame]:
    """Report text in numeric columns (SCB's '..' markers or anything else), then coerce."""
    problems: list[Problem] = []
    out = df.copy()
    for col in NUMERIC_COLUMNS + ("year",):
        raw = out[col]
        num = pd.to_numeric(raw, errors="coerce")
        text = raw.notna() & num.isna()
        if text.any():
            stripped = raw[text].astype(str).str.strip()
            marker = stripped.isin(SUPPRESSION_MARKERS)
            if marker.any():
                problems.append(
                    _problem(
                        "suppressed",
                        f"column '{col}' holds SCB suppression markers "
                        f"({', '.join(sorted(set(stripped[marker])))}): the value is not "
                        "published; supply it or remove the area explicitly",
                        out.loc[marker[marker].index],
                    )
                )
            other = ~marker
            if other.any():
                problems.append(
                    _problem(
                        "non_numeric",
                        f"column '{col}' holds non-numeric text "
                        f"({', '.join(sorted(set(stripped[other]))[:5])})",
                        out.loc[other[other].index],
                    )
                )
        out[col] = num.astype("float64")
    return problems, out


def normalise(df: pd.DataFrame, boundary_version: str | None = None) -> pd.DataFrame:
    """Fill absent optional columns (without changing given values) and order columns.

    ``municipality_code`` defaults to the code's first four digits; ``boundary_version``
    to ``boundary_version`` (default ``RegSO2020``).
    """
    out = df.copy()
    for col in NUMERIC_COLUMNS:
        if col not in out:
            out[col] = np.nan
    if "area_name" not in out:
        out["area_name"] = pd.NA
    code = out["area_code"].astype("string").str.strip()
    out["area_code"] = code
    out["indicator"] = out["indicator"].astype("string").str.strip()
    if "municipality_code" not in out:
        out["municipality_code"] = code.str[:4]
    else:
        out["municipality_code"] = out["municipality_code"].astype("string").str.zfill(4)
    if "boundary_version" not in out:
        out["boundary_version"] = boundary_version or DEFAULT_BOUNDARY_VERSION
    extra = [c for c in out.columns if c not in TIDY_COLUMNS]
    return out[list(TIDY_COLUMNS) + extra]


def _row_schema() -> pa.DataFrameSchema:
    """Row-level rules; each failing row is reported under the check's name."""
    is_count = lambda d: d["count"].notna()  # noqa: E731
    kind = _row_kind

    def code_ok(d: pd.DataFrame) -> pd.Series:
        ok = pd.Series(True, index=d.index)
        for version, pattern in CODE_PATTERNS.items():
            sel = d["boundary_version"] == version
            ok[sel] = d.loc[sel, "area_code"].str.match(pattern).fillna(False)
        return ok

    checks = {
        "unknown_boundary_version": lambda d: d["boundary_version"].isin(CODE_PATTERNS),
        "malformed_code": code_ok,
        "unknown_indicator": lambda d: d["indicator"].isin(INDICATORS),
        "negative": lambda d: (
            ~(
                (d["count"] < 0)
                | (d["denominator"] < 0)
                | ((d["value"] < 0) & (kind(d) != "continuous"))
            )
        ),
        "zero_denominator": lambda d: ~(d["denominator"] == 0),
        "count_exceeds_denominator": lambda d: ~(d["count"] > d["denominator"]),
        "non_integer_count": lambda d: (
            ~(
                (d["count"] % 1 != 0) & d["count"].notna()
                | (d["denominator"] % 1 != 0) & d["denominator"].notna()
            )
        ),
        "percent_above_100": lambda d: ~((d["value"] > 100) & (kind(d) == "percent")),
        "missing_value": lambda d: (
            ~((is_count(d) & d["denominator"].isna()) | (~is_count(d) & d["value"].isna()))
        ),
        "count_and_value": lambda d: ~(is_count(d) & d["value"].notna()),
        "bad_year": lambda d: d["year"].between(1960, 2100) & (d["year"] % 1 == 0),
        "municipality_mismatch": lambda d: (
            d["municipality_code"].astype(str) == d["area_code"].str[:4]
        ),
    }
    return pa.DataFrameSchema(
        checks=[pa.Check(fn, name=name, element_wise=False) for name, fn in checks.items()],
    )


_MESSAGES = {
    "unknown_boundary_version": f"boundary_version must be one of {sorted(CODE_PATTERNS)}",
    "malformed_code": "area code does not have the shape of its boundary version "
    "(RegSO: 4 digits + 'R' + 3 digits, e.g. 0114R001; DeSO: e.g. 0114C1010)",
    "unknown_indicator": f"indicator not in the registry {sorted(INDICATORS)}",
    "negative": "negative count, denominator or percentage",
    "zero_denominator": "denominator (population) is zero: no rate can be formed",
    "count_exceeds_denominator": "count is larger than its denominator",
    "non_integer_count": "counts and denominators must be whole numbers",
    "percent_above_100": "a percentage above 100",
    "missing_value": "missing (NaN/empty) count, denominator or value",
    "count_and_value": "row carries both count/denominator and value: say which one it is",
    "bad_year": "year must be a whole number between 1960 and 2100",
    "municipality_mismatch": "municipality_code differs from the area code's first four digits",
}


def _row_kind(d: pd.DataFrame) -> pd.Series:
    """Kind of each row: ``count`` when it has a count, else its unit's kind.

    A published percentage may carry its denominator (e.g. residents aged 20-64 from SCB's
    population tables): it stays a ``percent`` row, and models that need counts use it.
    """
    percent = [getattr(INDICATORS.get(i), "unit", None) == "percent" for i in d["indicator"]]
    kind = pd.Series(np.where(percent, "percent", "continuous"), index=d.index)
    kind[d["indicator"].isin(PUBLISHED)] = "published"
    kind[d["count"].notna()] = "count"
    return kind


def indicator_kinds(df: pd.DataFrame) -> dict[str, str]:
    """Kind of each indicator in a tidy frame.

    One of ``count``, ``percent``, ``continuous``, ``published``.

    Examples
    --------
    >>> f = pd.DataFrame(
    ...     {
    ...         "indicator": ["V1", "median_income"],
    ...         "count": [1, None],
    ...         "denominator": [9, None],
    ...         "value": [None, 300.0],
    ...     }
    ... )
    >>> indicator_kinds(f)
    {'V1': 'count', 'median_income': 'continuous'}
    """
    kind = _row_kind(df)
    return {
        str(ind): str(kind[rows].iloc[0])
        for ind, rows in df.groupby("indicator", sort=False).groups.items()
    }


def _row_problems(df: pd.DataFrame) -> list[Problem]:
    try:
        _row_schema().validate(df, lazy=True)
        return []
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    problems = []
    for check, group in cases.groupby("check", sort=False):
        idx = pd.Index(group["index"].dropna().astype(int).unique())
        message = _MESSAGES[str(check)]
        if check == "unknown_indicator":
            names = sorted(set(df.loc[idx, "indicator"].astype(str)))
            message = (
                f"unknown indicator(s) {', '.join(names)}: not in the registry {sorted(INDICATORS)}"
            )
        problems.append(_problem(str(check), message, df.loc[idx]))
    return problems


def _fraction_problems(df: pd.DataFrame) -> list[Problem]:
    """Percent indicators whose every value lies in [0, 1]: fractions, not percentages."""
    kinds = _row_kind(df)
    values = df[kinds == "percent"]
    problems = []
    for indicator, rows in values.groupby("indicator"):
        v = pd.to_numeric(rows["value"], errors="coerce").dropna()
        if len(v) and v.between(0, 1).all() and (v > 0).any():
            problems.append(
                _problem(
                    "fractions",
                    f"every value of percent indicator {indicator} lies between 0 "
                    f"and 1 (largest {v.max():g}): these look like fractions; percentages are "
                    "in percent: multiply by 100",
                    rows,
                )
            )
    return problems


def _frame_problems(
    df: pd.DataFrame, expected_areas: Iterable[str] | None, suppressed: frozenset[int] = frozenset()
) -> list[Problem]:
    problems: list[Problem] = []
    dup = df.duplicated(list(ID_COLUMNS), keep=False)
    if dup.any():
        problems.append(
            _problem(
                "duplicate", "the same area, year and indicator occurs more than once", df[dup]
            )
        )
    # a suppressed count is already reported; it must not make its indicator look "mixed"
    known = df[~df.index.isin(list(suppressed))]
    n_kinds = known.assign(c=known["count"].notna()).groupby("indicator")["c"].nunique()
    mixed = n_kinds.index[n_kinds.gt(1)].difference(list(PUBLISHED))
    if len(mixed):
        problems.append(
            _problem(
                "mixed_kind",
                f"indicator(s) {', '.join(mixed)} are given as counts in some rows and "
                "as values in others",
                df[df["indicator"].isin(mixed)],
            )
        )
    versions = df.groupby("year")["boundary_version"].nunique()
    for year in versions.index[versions.gt(1)]:
        rows = df[df["year"] == year]
        counts = rows["boundary_version"].value_counts()
        minority = rows[rows["boundary_version"] != counts.index[0]]
        problems.append(
            _problem(
                "mixed_boundary_versions",
                f"year {int(year)} mixes boundary versions {dict(counts)}: areas of different "
                "divisions cannot be compared; convert with a crosswalk first",
                minority,
            )
        )
    for col in ("area_name", "municipality_code"):
        n = df.dropna(subset=[col]).groupby(["area_code", "boundary_version"])[col].nunique()
        bad = n.index[n.gt(1)].get_level_values(0)
        if len(bad):
            problems.append(
                _problem(
                    "inconsistent_metadata",
                    f"an area has more than one {col}",
                    df[df["area_code"].isin(bad)],
                )
            )
    inputs = df[~df["indicator"].isin(PUBLISHED)]
    # an unreadable year is its own problem ('bad_year'), not a year the others lack
    inputs = inputs[inputs["year"].between(1960, 2100) & (inputs["year"] % 1 == 0)]
    if len(inputs):
        problems += _missing_indicators(inputs)
        problems += _missing_area_years(inputs)
    if expected_areas is not None:
        expected = set(expected_areas)
        missing = sorted(expected - set(df["area_code"].dropna()))
        if missing:
            problems.append(
                Problem(
                    "missing_areas",
                    f"{len(missing)} expected area code(s) are absent from the data",
                    tuple(missing),
                )
            )
        unexpected = df[~df["area_code"].isin(expected)]
        if len(unexpected):
            problems.append(
                _problem("unexpected_areas", "area codes not in the expected division", unexpected)
            )
    return problems


#: how many missing cells a problem spells out before giving the count alone
CELLS_SHOWN = 30


def _cells(cells: list[tuple], what: str) -> str:
    """``cells`` (tuples of codes) spelled out, at most :data:`CELLS_SHOWN`, counted."""
    shown = ", ".join(" ".join(str(v) for v in cell) for cell in cells[:CELLS_SHOWN])
    more = f" and {len(cells) - CELLS_SHOWN} more" if len(cells) > CELLS_SHOWN else ""
    return f"{len(cells)} {what} absent: {shown}{more}"


def _absent(grid: pd.DataFrame, present: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``grid`` that ``present`` lacks (on ``grid``'s columns), sorted."""
    cols = list(grid.columns)
    merged = grid.merge(present[cols].drop_duplicates(), how="left", indicator=True)
    return merged.loc[merged["_merge"] == "left_only", cols].sort_values(cols, ignore_index=True)


def _missing_area_years(inputs: pd.DataFrame) -> list[Problem]:
    """Every area of a boundary version must have every year of that version: each
    absent (area, year) named (an absent area-year leaves its year without the whole
    division, so without national types and ranks).

    Examples
    --------
    >>> f = pd.DataFrame(
    ...     {
    ...         "area_code": ["0114R001", "0114R002", "0114R001"],
    ...         "year": [2022, 2022, 2023],
    ...         "boundary_version": "RegSO2020",
    ...     }
    ... )
    >>> problem = _missing_area_years(f)[0]
    >>> problem.areas, problem.message[:36]
    (('0114R002',), '1 area-year(s) absent: 0114R002 2023')
    """
    problems = []
    for version, rows in inputs.groupby("boundary_version", sort=True):
        years = rows[["year"]].drop_duplicates()
        grid = rows[["area_code"]].drop_duplicates().merge(years, how="cross")
        missing = _absent(grid, rows)
        if len(missing):
            span = f"{int(years['year'].min())}-{int(years['year'].max())}"
            cells = [(a, int(y)) for a, y in missing.itertuples(index=False)]
            problems.append(
                Problem(
                    "missing_area_years",
                    f"{_cells(cells, 'area-year(s)')}; every area of boundary version "
                    f"{version} needs every one of its years ({span}): a year that lacks an "
                    "area does not hold the whole division and gets no national types or "
                    "ranks; supply the missing rows",
                    tuple(dict.fromkeys(missing["area_code"])),
                )
            )
    return problems


def _missing_indicators(inputs: pd.DataFrame) -> list[Problem]:
    """Every area-year must have every indicator that other areas have that year: each
    absent (area, year, indicator) named, with the rows of those area-years.
    """
    grid = (
        inputs[["area_code", "year"]]
        .drop_duplicates()
        .merge(inputs[["year", "indicator"]].drop_duplicates(), on="year")
    )
    missing = _absent(grid, inputs)
    if not len(missing):
        return []
    cells = [(a, int(y), i) for a, y, i in missing.itertuples(index=False)]
    lacking = pd.MultiIndex.from_frame(missing[["area_code", "year"]])
    rows = inputs[pd.MultiIndex.from_frame(inputs[["area_code", "year"]]).isin(lacking)]
    return [
        _problem(
            "incomplete",
            f"{_cells(cells, 'area-year-indicator(s)')}: "
            "area-years lack some indicator that other areas have that year",
            rows,
        )
    ]


def check_tidy(
    df: pd.DataFrame,
    *,
    boundary_version: str | None = None,
    expected_areas: Iterable[str] | None = None,
) -> list[Problem]:
    """Every problem in a tidy frame (empty list when it is clean). Never drops a row."""
    required = set(ID_COLUMNS)
    missing_cols = sorted(required - set(df.columns))
    if not ({"count", "denominator"} <= set(df.columns) or "value" in df.columns):
        missing_cols.append("count+denominator or value")
    if missing_cols:
        return [
            Problem(
                "missing_columns",
                f"required column(s) absent: {missing_cols}; have {list(df.columns)}",
            )
        ]
    if df.empty:
        return [Problem("empty", "the dataset has no rows")]
    base = df.reset_index(drop=True)
    problems, df = _non_numeric(normalise(base, boundary_version))
    no_code = df["area_code"].isna() | (df["area_code"] == "")
    if no_code.any():
        label = base.get("area_name", base.get("regso_label"))
        shown = ", ".join(map(str, label[no_code].unique()[:5])) if label is not None else ""
        hint = "" if label is None else f" (labels: {shown})"
        problems.append(
            Problem(
                "missing_area_code",
                f"rows without an area code{hint}",
                rows=tuple(int(i) for i in df.index[no_code]),
            )
        )
    coded = df[~no_code]
    suppressed = {r for p in problems for r in p.rows}
    problems += [
        p
        for p in _row_problems(coded)
        if not (p.check == "missing_value" and set(p.rows) <= suppressed)
    ]
    problems += _frame_problems(coded, expected_areas, frozenset(suppressed))
    problems += _fraction_problems(coded)
    return problems


def validate_tidy(
    df: pd.DataFrame,
    *,
    boundary_version: str | None = None,
    expected_areas: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The normalised frame, or :class:`DataValidationError` naming every problem."""
    problems = check_tidy(df, boundary_version=boundary_version, expected_areas=expected_areas)
    if problems:
        raise DataValidationError(problems)
    out = normalise(df.reset_index(drop=True), boundary_version)
    out[list(NUMERIC_COLUMNS)] = out[list(NUMERIC_COLUMNS)].apply(pd.to_numeric).astype("float64")
    out["year"] = pd.to_numeric(out["year"]).astype("int64")
    return out

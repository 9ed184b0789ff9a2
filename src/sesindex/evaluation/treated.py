"""The treated areas of a programme: read, check, and refuse what cannot be evaluated.

A treated-areas file is a CSV with a column ``area_code`` and, for staggered adoption, a
column ``start_year`` (the programme's first year in that area); without it every area
starts in the one ``start`` year given. Every problem is named with its line number or
its areas, and nothing is dropped: unknown codes, areas the fit does not hold, start
years outside the fitted years or without a pre-period, duplicates.

Examples
--------
>>> import io
>>> rows = io.StringIO("area_code,start_year\\n0114R001,2020\\n0114R002,2021\\n")
>>> read_treated(rows)
{'0114R001': 2020, '0114R002': 2021}
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd


class EvaluationInputError(ValueError):
    """The programme cannot be evaluated as given (the message says why and where)."""


def read_treated(source, start: int | None = None) -> dict[str, int]:
    """Area code -> programme start year, from a CSV path, a file object or a frame.

    Examples
    --------
    >>> read_treated(pd.DataFrame({"area_code": ["A", "B"]}), start=2019)
    {'A': 2019, 'B': 2019}
    >>> read_treated(pd.DataFrame({"area_code": ["A", "A"]}), start=2019)
    Traceback (most recent call last):
    ...
    sesindex.evaluation.treated.EvaluationInputError: treated areas listed twice: A (lines 2, 3)
    """
    name = "the treated areas"
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
    else:
        name = str(source) if isinstance(source, (str, Path)) else name
        try:
            frame = pd.read_csv(source, dtype=str, keep_default_na=False)
        except pd.errors.EmptyDataError:
            raise EvaluationInputError(f"{name} is empty: give a CSV with a column "
                                       "area_code (and optionally start_year)") from None
    if "area_code" not in frame.columns:
        raise EvaluationInputError(f"{name} has no column 'area_code' (columns: "
                                   f"{list(frame.columns)})")
    frame["area_code"] = frame["area_code"].astype(str).str.strip()
    line = pd.Series(frame.index + 2, index=frame.index)  # header is line 1
    blank = frame["area_code"] == ""
    if blank.any():
        raise EvaluationInputError(f"{name}: empty area_code on line(s) "
                                   f"{_lines(line[blank])}")
    if frame.empty:
        raise EvaluationInputError(f"{name} lists no areas")
    dup = frame["area_code"].duplicated(keep=False)
    if dup.any():
        parts = [f"{code} (lines {_lines(line[frame['area_code'] == code])})"
                 for code in dict.fromkeys(frame.loc[dup, "area_code"])]
        raise EvaluationInputError(f"treated areas listed twice: {'; '.join(parts)}")
    if "start_year" in frame.columns:
        years = pd.to_numeric(frame["start_year"], errors="coerce")
        bad = years.isna() | (years != years.round())
        if bad.any():
            raise EvaluationInputError(f"{name}: start_year is not a year on line(s) "
                                       f"{_lines(line[bad])}")
        if start is not None:
            raise EvaluationInputError(f"{name} has a start_year column and --start "
                                       f"{start} was given too: use one")
        return dict(zip(frame["area_code"], years.astype(int)))
    if start is None:
        raise EvaluationInputError(f"{name} has no start_year column: give --start YEAR")
    return {code: int(start) for code in frame["area_code"]}


def check_programme(starts: dict[str, int], known: Sequence[str], fitted: Sequence[str],
                    years: Sequence[int]) -> None:
    """Refuse treated areas the data or the fit do not hold, and start years that leave no
    pre-period or fall outside the fitted years.

    ``known``: every area code of the fit's data; ``fitted``: the areas the fit holds.

    Examples
    --------
    >>> check_programme({"A": 2019}, ["A"], ["A"], [2019, 2020])
    Traceback (most recent call last):
    ...
    sesindex.evaluation.treated.EvaluationInputError: start year 2019 leaves no pre-period (the first fitted year is 2019): A
    """
    years = [int(y) for y in years]
    unknown = sorted(set(starts) - set(known))
    if unknown:
        raise EvaluationInputError(f"{len(unknown)} treated area code(s) are not in the data: "
                                   f"{_codes(unknown)}")
    missing = sorted(set(starts) - set(fitted))
    if missing:
        raise EvaluationInputError(f"{len(missing)} treated area(s) are not in the fit: "
                                   f"{_codes(missing)}")
    for year in sorted(set(starts.values())):
        areas = sorted(a for a, s in starts.items() if s == year)
        if year > years[-1] or year < years[0]:
            raise EvaluationInputError(f"start year {year} is outside the fitted years "
                                       f"{years[0]}-{years[-1]}: {_codes(areas)}")
        if year == years[0]:
            raise EvaluationInputError(f"start year {year} leaves no pre-period (the first "
                                       f"fitted year is {years[0]}): {_codes(areas)}")


def _lines(lines: pd.Series) -> str:
    return ", ".join(str(int(x)) for x in lines)


def _codes(codes: Sequence[str], limit: int = 12) -> str:
    codes = list(codes)
    more = f" and {len(codes) - limit} more" if len(codes) > limit else ""
    return ", ".join(codes[:limit]) + more

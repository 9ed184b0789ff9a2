r"""The treated areas of a programme: read, check, and refuse what cannot be evaluated.

A treated-areas file is a CSV with a column ``area_code`` and, for staggered adoption, a
column ``start_year`` (the programme's first year in that area); without it every area
starts in the one ``start`` year given. A column ``programme`` names each area's
programme: several programmes are evaluated in one refit, each with its own shifts
(without the column every area is in the one programme ``"programme"``). Every problem
is named with its line number or its areas, and nothing is dropped: unknown codes, areas
the fit does not hold, start years outside the fitted years or without a pre-period,
duplicates, blank programme names, an area in two programmes.

Examples
--------
>>> import io
>>> rows = io.StringIO("area_code,start_year\n0114R001,2020\n0114R002,2021\n")
>>> read_treated(rows)
{'0114R001': 2020, '0114R002': 2021}
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd


class EvaluationInputError(ValueError):
    """The programme cannot be evaluated as given (the message says why and where)."""


#: The programme of a treated-areas file without a ``programme`` column.
DEFAULT_PROGRAMME = "programme"


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
    frame = read_programmes(source, start)
    return dict(zip(frame["area_code"], frame["start_year"], strict=True))


def read_programmes(source, start: int | None = None) -> pd.DataFrame:
    r"""The treated areas as rows ``area_code, start_year, programme, line`` (``line``:
    the row's line in the file, the header being line 1), from a CSV path, a file object
    or a frame; refused with the offending lines: blank codes or programme names, an
    area listed twice (or in two programmes), start years that are not years.

    Examples
    --------
    >>> import io
    >>> rows = io.StringIO("area_code,start_year,programme\nA,2020,p\nB,2021,q\n")
    >>> read_programmes(rows)[["area_code", "programme", "line"]].values.tolist()
    [['A', 'p', 2], ['B', 'q', 3]]
    >>> read_programmes(io.StringIO("area_code,programme\nA,p\nA,q\n"), start=2020)
    Traceback (most recent call last):
    ...
    sesindex.evaluation.treated.EvaluationInputError: areas in two programmes: A (line 2: p, line 3:
    q)
    """
    name = "the treated areas"
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
    else:
        name = str(source) if isinstance(source, (str, Path)) else name
        try:
            frame = pd.read_csv(source, dtype=str, keep_default_na=False)
        except pd.errors.EmptyDataError:
            raise EvaluationInputError(
                f"{name} is empty: give a CSV with a column area_code (and optionally start_year)"
            ) from None
    if "area_code" not in frame.columns:
        raise EvaluationInputError(
            f"{name} has no column 'area_code' (columns: {list(frame.columns)})"
        )
    frame = frame.reset_index(drop=True)
    frame["area_code"] = frame["area_code"].astype(str).str.strip()
    line = pd.Series(frame.index + 2, index=frame.index)  # header is line 1
    blank = frame["area_code"] == ""
    if blank.any():
        raise EvaluationInputError(f"{name}: empty area_code on line(s) {_lines(line[blank])}")
    if frame.empty:
        raise EvaluationInputError(f"{name} lists no areas")
    if "programme" in frame.columns:
        frame["programme"] = frame["programme"].fillna("").astype(str).str.strip()
        blank = frame["programme"] == ""
        if blank.any():
            raise EvaluationInputError(f"{name}: empty programme on line(s) {_lines(line[blank])}")
    else:
        frame["programme"] = DEFAULT_PROGRAMME
    _refuse_twice(frame, line)
    if "start_year" in frame.columns:
        years = pd.to_numeric(frame["start_year"], errors="coerce")
        bad = years.isna() | (years != years.round())
        if bad.any():
            raise EvaluationInputError(
                f"{name}: start_year is not a year on line(s) {_lines(line[bad])}"
            )
        if start is not None:
            raise EvaluationInputError(
                f"{name} has a start_year column and --start {start} was given too: use one"
            )
        frame["start_year"] = years.astype(int)
    elif start is None:
        raise EvaluationInputError(f"{name} has no start_year column: give --start YEAR")
    else:
        frame["start_year"] = int(start)
    frame["line"] = line
    return frame[["area_code", "start_year", "programme", "line"]]


def _refuse_twice(frame: pd.DataFrame, line: pd.Series) -> None:
    """Refuse an area listed twice, naming its lines (and programmes if they differ)."""
    dup = frame["area_code"].duplicated(keep=False)
    if not dup.any():
        return
    codes = list(dict.fromkeys(frame.loc[dup, "area_code"]))
    split = [c for c in codes if frame.loc[frame["area_code"] == c, "programme"].nunique() > 1]
    if split:
        parts = [
            f"{c} ("
            + ", ".join(
                f"line {line[i]}: {frame.at[i, 'programme']}"
                for i in frame.index[frame["area_code"] == c]
            )
            + ")"
            for c in split
        ]
        raise EvaluationInputError(f"areas in two programmes: {'; '.join(parts)}")
    parts = [f"{code} (lines {_lines(line[frame['area_code'] == code])})" for code in codes]
    raise EvaluationInputError(f"treated areas listed twice: {'; '.join(parts)}")


def read_area_list(source, what: str) -> pd.DataFrame:
    r"""A list of area codes (comparison areas, excluded areas) as rows ``area_code,
    line``: from a CSV with a column ``area_code`` (path or file object), a frame with
    one, or a sequence of codes (``line``: the position from 1). ``what`` names the list
    in errors; blank codes and codes listed twice are refused with their lines.

    Examples
    --------
    >>> read_area_list(["A", "B"], "excluded areas")["line"].tolist()
    [1, 2]
    >>> import io
    >>> read_area_list(io.StringIO("area_code\nA\nB\nA\n"), "excluded areas")
    Traceback (most recent call last):
    ...
    sesindex.evaluation.treated.EvaluationInputError: excluded areas listed more than once: A (lines
    2, 4)
    """
    if (
        isinstance(source, pd.DataFrame)
        or hasattr(source, "read")
        or isinstance(source, (str, Path))
    ):
        name = f"{what} ({source})" if isinstance(source, (str, Path)) else what
        frame = (
            source.copy()
            if isinstance(source, pd.DataFrame)
            else pd.read_csv(source, dtype=str, keep_default_na=False)
        )
        if "area_code" not in frame:
            raise EvaluationInputError(
                f"{name} has no column 'area_code' (columns: {list(frame.columns)})"
            )
        frame = frame.reset_index(drop=True)
        line = pd.Series(frame.index + 2, index=frame.index)  # header is line 1
    else:
        name, frame = what, pd.DataFrame({"area_code": list(source)})
        line = pd.Series(frame.index + 1, index=frame.index)
    codes = frame["area_code"].astype(str).str.strip()
    blank = codes == ""
    if blank.any():
        raise EvaluationInputError(f"{name}: empty area_code on line(s) {_lines(line[blank])}")
    dup = codes.duplicated(keep=False)
    if dup.any():
        parts = [f"{c} (lines {_lines(line[codes == c])})" for c in dict.fromkeys(codes[dup])]
        raise EvaluationInputError(f"{what} listed more than once: {'; '.join(parts)}")
    return pd.DataFrame({"area_code": codes, "line": line})


def check_programme(
    starts: dict[str, int],
    known: Sequence[str],
    fitted: Sequence[str],
    years: Sequence[int],
    programmes: dict[str, str] | None = None,
    lines: dict[str, int] | None = None,
) -> None:
    """Refuse treated areas the data or the fit do not hold, and start years that leave no
    pre-period or fall outside the fitted years.

    ``known``: every area code of the fit's data; ``fitted``: the areas the fit holds;
    ``programmes``: each area's programme, named in the messages; ``lines``: each area's
    line in the treated-areas file, named beside it.

    Examples
    --------
    >>> check_programme({"A": 2019}, ["A"], ["A"], [2019, 2020])
    Traceback (most recent call last):
    ...
    sesindex.evaluation.treated.EvaluationInputError: start year 2019 leaves no pre-period (the
    first fitted year is 2019): A
    >>> check_programme(
    ...     {"A": 2019, "B": 2020},
    ...     ["A", "B"],
    ...     ["A", "B"],
    ...     [2019, 2020],
    ...     programmes={"A": "p", "B": "q"},
    ...     lines={"A": 2, "B": 3},
    ... )
    Traceback (most recent call last):
    ...
    sesindex.evaluation.treated.EvaluationInputError: programme p: start year 2019 leaves no
    pre-period (the first fitted year is 2019): A (line 2)
    """
    years = [int(y) for y in years]
    lines = lines or {}
    unknown = sorted(set(starts) - set(known))
    if unknown:
        raise EvaluationInputError(
            f"{len(unknown)} treated area code(s) are not in the data: "
            f"{_codes(unknown, lines=lines)}"
        )
    missing = sorted(set(starts) - set(fitted))
    if missing:
        raise EvaluationInputError(
            f"{len(missing)} treated area(s) are not in the fit: {_codes(missing, lines=lines)}"
        )
    names = programmes or {}
    for name, year in sorted({(names.get(a, ""), s) for a, s in starts.items()}):
        areas = _codes(
            sorted(a for a, s in starts.items() if s == year and names.get(a, "") == name),
            lines=lines,
        )
        which = f"programme {name}: " if programmes else ""
        if year > years[-1] or year < years[0]:
            raise EvaluationInputError(
                f"{which}start year {year} is outside the fitted "
                f"years {years[0]}-{years[-1]}: {areas}"
            )
        if year == years[0]:
            raise EvaluationInputError(
                f"{which}start year {year} leaves no pre-period (the "
                f"first fitted year is {years[0]}): {areas}"
            )


def _lines(lines: pd.Series) -> str:
    return ", ".join(str(int(x)) for x in lines)


def _codes(codes: Sequence[str], limit: int = 12, lines: dict | None = None) -> str:
    codes = list(codes)
    more = f" and {len(codes) - limit} more" if len(codes) > limit else ""
    lines = lines or {}
    return ", ".join(f"{c} (line {lines[c]})" if c in lines else c for c in codes[:limit]) + more

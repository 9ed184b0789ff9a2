"""The cells of a PxWeb table that carry no value or an SCB status flag.

SCB marks a cell it cannot publish with ``..`` (suppressed or unavailable) and returns
``null`` for the years outside an area code's boundary version (a RegSO 2020 code has
none for 2024). :func:`split_nulls` drops the structural ones with one note and keeps the
others apart; :func:`null_problems` turns those into :class:`~sesindex.data.schema.Problem`
records naming area and year; :func:`status_notes` counts kept values with a status flag.

Examples
--------
>>> import pandas as pd
>>> cells = pd.DataFrame(
...     {
...         "area_code": ["1780R001", "1780R001"],
...         "year": [2023, 2024],
...         "boundary_version": ["RegSO2020", "RegSO2020"],
...         "value": [10.0, None],
...         "status": [None, ".."],
...     }
... )
>>> kept, missing, notes = split_nulls(cells)
>>> len(kept), len(missing), notes[0][:30]
(1, 0, "dropped 1 structural '..' cell")
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sesindex.data.regions import VERSION_YEARS, format_years
from sesindex.data.schema import SUPPRESSION_MARKERS, Problem

#: Cells listed by name in one message, at most.
SHOW_CELLS = 20


def split_nulls(cells: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(kept cells, null cells inside their version's years, notes).

    Null cells outside their boundary version's years are structural and dropped.
    """
    null = cells["value"].isna()
    in_years = np.array(
        [
            y in VERSION_YEARS.get(v, range(0))
            for v, y in zip(cells["boundary_version"], cells["year"], strict=True)
        ],
        dtype=bool,
    )
    structural = cells[null & ~in_years]
    notes = []
    if len(structural):
        markers = sorted({str(s) for s in structural["status"].dropna()})
        what = (
            "'..'"
            if markers == [".."]
            else f"null ({', '.join(map(repr, markers)) or 'no status'})"
        )
        per = structural.groupby("boundary_version")["year"].unique()
        parts = [f"{v} codes have none for {format_years(ys)}" for v, ys in per.items()]
        notes.append(
            f"dropped {len(structural):,} structural {what} cells (a boundary version "
            f"outside its years): {'; '.join(parts)}"
        )
    return cells[~null], cells[null & in_years], notes


def cell_list(cells: pd.DataFrame, extra: str | None = None) -> str:
    """The first cells of ``cells`` named in words (area, boundary version, year)."""
    parts = [
        f"{r.area_code} ({r.boundary_version}) {r.year}"
        + (f" {getattr(r, extra)}" if extra else "")
        for r in cells.head(SHOW_CELLS).itertuples()
    ]
    more = f" and {len(cells) - SHOW_CELLS} more" if len(cells) > SHOW_CELLS else ""
    return ", ".join(parts) + more


def null_problems(missing: pd.DataFrame, extra: str | None = None) -> list[Problem]:
    """The problems of null cells: suppressed ones and ones without a status."""
    problems = []
    marker = missing["status"].map(
        lambda s: s is not None and str(s).strip() in SUPPRESSION_MARKERS
    )
    for check, cells, why in (
        (
            "suppressed",
            missing[marker],
            "suppressed/unavailable ('..') inside its boundary version's years",
        ),
        (
            "missing_value",
            missing[~marker],
            "null without a status inside its boundary version's years",
        ),
    ):
        if len(cells):
            cells = cells.sort_values(["area_code", "year"])
            areas = tuple(dict.fromkeys(cells["area_code"]))
            problems.append(
                Problem(
                    check,
                    f"{len(cells)} cell(s) {why}, so they are not in the data: "
                    f"{cell_list(cells, extra)}; supply the values or remove the area(s) "
                    "explicitly",
                    areas,
                )
            )
    return problems


def status_notes(kept: pd.DataFrame) -> list[str]:
    """Notes on the status flags of the cells kept."""
    flagged = kept["status"].dropna().astype(str)
    if flagged.empty:
        return []
    counts = ", ".join(f"{s!r}: {n}" for s, n in flagged.value_counts().items())
    return [f"{len(flagged)} value(s) carry an SCB status flag ({counts}); kept as published"]

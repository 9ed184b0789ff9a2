"""SCB's region codes in PxWeb responses: RegSO and DeSO areas, their boundary versions
(``1780R001`` is RegSO 2020, ``1780R001_RegSO2025`` RegSO 2025), names and municipalities,
and the years each version's series covers.

Examples
--------
>>> VERSION_YEARS["RegSO2025"].start
2024
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from sesindex.data.boundaries import CODE_PATTERNS, REGSO_VERSION_YEARS
from sesindex.data.jsonstat import Dim

#: Years each boundary version's series covers. RegSO as in
#: :data:`sesindex.data.boundaries.REGSO_VERSION_YEARS`; DeSO 2018 underlies RegSO 2020 and
#: DeSO 2025 underlies RegSO 2025 (SCB switched both from statistics year 2024), and DeSO
#: series start before 2011, so DeSO 2018 is open to the past.
VERSION_YEARS: dict[str, range] = {
    **REGSO_VERSION_YEARS,
    "DeSO2018": range(1960, REGSO_VERSION_YEARS["RegSO2025"].start),
    "DeSO2025": REGSO_VERSION_YEARS["RegSO2025"],
}
_BASE_VERSION = {"RegSO": "RegSO2020", "DeSO": "DeSO2018"}

_AREA_CODE = re.compile(r"^(?P<code>\d{4}(?:R\d{3}|[A-C]\d{4}))(?:_(?P<suffix>[A-Za-z]+\d{4}))?$")
_NON_AREA = (
    (re.compile(r"^(00|SE|Riket)$", re.I), "country"),
    (re.compile(r"^\d{2}$"), "county"),
    (re.compile(r"^\d{4}$"), "municipality"),
)
_LABEL = re.compile(r"^(?:\d{4}(?:R\d{3}|[A-C]\d{4})\s+)?(?P<muni>[^(]*?)\s*\((?P<name>.*)\)\s*$")


def format_years(years: Iterable[int]) -> str:
    """``2011–2013, 2015`` for consecutive runs.

    Examples
    --------
    >>> format_years([2011, 2012, 2013, 2015])
    '2011–2013, 2015'
    """
    ys = sorted(set(int(y) for y in years))
    runs: list[list[int]] = []
    for y in ys:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def area_regions(dim: Dim) -> tuple[pd.DataFrame, list[str]]:
    """Area code, boundary version, name and municipality per region category.

    Non-area regions (country, county, municipality) get ``area_code`` None and a note.
    """
    rows, skipped, bad = [], [], []
    for code in dim.codes:
        label = dim.labels[code]
        m = _AREA_CODE.match(code)
        if m:
            kind = "RegSO" if "R" in m["code"] else "DeSO"
            version = _BASE_VERSION[kind] if m["suffix"] is None else m["suffix"]
            if version not in CODE_PATTERNS or not version.startswith(kind):
                raise ValueError(
                    f"region {code!r} ({label!r}): unknown boundary version "
                    f"suffix {m['suffix']!r} (known: {sorted(CODE_PATTERNS)})"
                )
            lm = _LABEL.match(label)
            name = lm["name"].strip() if lm else re.sub(rf"^{m['code']}\s*", "", label).strip()
            rows.append((code, m["code"], version, name or None, m["code"][:4]))
            continue
        kinds = [k for pattern, k in _NON_AREA if pattern.match(code)]
        if kinds:
            skipped.append(f"{code} {label} ({kinds[0]})")
            rows.append((code, None, None, None, None))
        else:
            bad.append(f"{code!r} ({label!r})")
    if bad:
        raise ValueError(
            f"region code(s) {', '.join(bad)} are neither RegSO/DeSO area codes "
            "(e.g. 1780R001, 1780R001_RegSO2025, 0114C1010) nor country, county "
            "or municipality codes"
        )
    notes = []
    if skipped:
        notes.append(
            f"skipped {len(skipped)} region(s) that are not RegSO/DeSO areas: " + "; ".join(skipped)
        )
    frame = pd.DataFrame(
        rows, columns=["region", "area_code", "boundary_version", "area_name", "municipality_code"]
    )
    return frame, notes

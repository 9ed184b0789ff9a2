"""Area divisions (boundary versions) and the shape of their codes.

Examples
--------
>>> from sesindex.data.boundaries import code_matches
>>> code_matches("0114R001", "RegSO2020"), code_matches("0114C1010", "RegSO2020")
(True, False)
"""

from __future__ import annotations

import re

#: Known boundary versions and the regular expression their area codes follow.
CODE_PATTERNS: dict[str, str] = {
    "RegSO2020": r"^\d{4}R\d{3}$",
    "RegSO2025": r"^\d{4}R\d{3}$",
    "DeSO2018": r"^\d{4}[A-C]\d{4}$",
    "DeSO2025": r"^\d{4}[A-C]\d{4}$",
}
DEFAULT_BOUNDARY_VERSION = "RegSO2020"
#: SCB's published RegSO series: RegSO 2020 boundaries for 2011-2023, RegSO 2025 from 2024.
REGSO_VERSION_YEARS = {"RegSO2020": range(2011, 2024), "RegSO2025": range(2024, 2100)}


def code_matches(code: str, boundary_version: str) -> bool:
    """True when ``code`` has the shape of an area code of ``boundary_version``."""
    pattern = CODE_PATTERNS.get(boundary_version)
    return bool(pattern and re.match(pattern, code))


def municipality_of(code: str) -> str:
    """The four-digit municipality (kommun) code that prefixes every RegSO/DeSO code."""
    return code[:4]

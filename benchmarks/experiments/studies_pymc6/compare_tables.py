"""Every table of the committed studies beside its rerun on PyMC 6 / ArviZ 1, cell by cell.

For the studies whose results are tables of index figures (agreement, the agreement
with SCB's published types, bootstrap, calibration, change, sensitivity, stability):
for each CSV of ``results/validation/<study>/`` and its namesake in the rerun's
directory, whether the shapes and the text columns are equal, and for the numeric
columns the largest absolute difference, the column it is in, and the number of cells
that differ by more than 1e-9.

Usage, from the project root::

    python benchmarks/experiments/studies_pymc6/compare_tables.py /tmp/p6val

(its output is ``comparison_tables.txt`` beside it).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

COMMITTED = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("results/validation")
STUDIES = (
    "agreement",
    "agreement_regso2022",
    "bootstrap",
    "calibration",
    "change",
    "sensitivity",
    "stability",
)


def compare(committed: pd.DataFrame, rerun: pd.DataFrame) -> dict:
    """How two versions of one table differ."""
    if committed.shape != rerun.shape or list(committed.columns) != list(rerun.columns):
        return {
            "same shape": False,
            "text equal": "",
            "largest difference": np.nan,
            "in column": "",
            "cells > 1e-9": "",
        }
    numeric = committed.select_dtypes("number").columns
    text = [c for c in committed.columns if c not in numeric]
    same_text = committed[text].astype(str).equals(rerun[text].astype(str))
    diff = (committed[numeric] - rerun[numeric]).abs()
    both_missing = committed[numeric].isna() & rerun[numeric].isna()
    one_missing = committed[numeric].isna() ^ rerun[numeric].isna()
    diff = diff.where(~both_missing, 0.0).where(~one_missing, np.inf)
    largest = diff.max()
    column = largest.idxmax() if len(numeric) else ""
    return {
        "same shape": True,
        "text equal": same_text,
        "largest difference": float(largest.max()) if len(numeric) else 0.0,
        "in column": column,
        "cells > 1e-9": int((diff > 1e-9).sum().sum()),
    }


def main(rerun_root: Path) -> None:
    rows = []
    for study in STUDIES:
        for path in sorted((COMMITTED / study).glob("*.csv")):
            other = rerun_root / study / path.name
            row = {"study": study, "table": path.name}
            if not other.exists():
                rows.append({**row, "same shape": "missing in rerun"})
                continue
            rows.append({**row, **compare(pd.read_csv(path), pd.read_csv(other))})
    pd.set_option("display.width", 200)
    pd.set_option("display.max_rows", 200)
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""DeSO -> RegSO aggregation: sums of counts and denominators, never means of percentages.

Examples
--------
>>> import pandas as pd
>>> deso = pd.DataFrame({"deso_code": ["0114C1010", "0114C1030"], "n": [10, 30]})
>>> key = pd.DataFrame({"deso_code": ["0114C1010", "0114C1030"], "regso_code": ["0114R001"] * 2})
>>> aggregate_counts(deso, key, columns=["n"])["n"].tolist()
[40]
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sesindex.data.schema import DataValidationError, Problem


def aggregate_counts(
    deso: pd.DataFrame, key: pd.DataFrame, *, columns: Sequence[str], by: Sequence[str] = ()
) -> pd.DataFrame:
    """Sum ``columns`` of DeSO rows into their RegSO (``key``: deso_code -> regso_code).

    Every DeSO must be in the key exactly once and every listed value must be present:
    otherwise :class:`DataValidationError` names the DeSO codes. ``by`` adds grouping
    columns (e.g. ``year``, ``indicator``).
    """
    problems = []
    dup_key = key["deso_code"][key["deso_code"].duplicated()]
    if len(dup_key):
        problems.append(
            Problem("duplicate", "DeSO code listed twice in the key", tuple(dup_key.unique()))
        )
    unknown = deso.loc[~deso["deso_code"].isin(key["deso_code"]), "deso_code"]
    if len(unknown):
        problems.append(
            Problem("unknown_deso", "DeSO code not in the DeSO->RegSO key", tuple(unknown.unique()))
        )
    missing = deso[list(columns)].isna().any(axis=1)
    if missing.any():
        problems.append(
            Problem(
                "missing_value",
                "DeSO rows with missing counts",
                tuple(deso.loc[missing, "deso_code"].unique()),
            )
        )
    if problems:
        raise DataValidationError(problems)
    merged = deso.merge(key[["deso_code", "regso_code"]], on="deso_code", validate="many_to_one")
    return merged.groupby(["regso_code", *by])[list(columns)].sum()


def deso_to_regso_tidy(
    tidy: pd.DataFrame, key: pd.DataFrame, boundary_version: str = "RegSO2020"
) -> pd.DataFrame:
    """Aggregate a tidy DeSO frame of count indicators to RegSO (sums count, denominator).

    Examples
    --------
    >>> t = pd.DataFrame(
    ...     {
    ...         "area_code": ["0114C1010", "0114C1030"],
    ...         "year": 2022,
    ...         "indicator": "V2",
    ...         "count": [5, 15],
    ...         "denominator": [50, 50],
    ...     }
    ... )
    >>> k = pd.DataFrame({"deso_code": ["0114C1010", "0114C1030"], "regso_code": "0114R001"})
    >>> deso_to_regso_tidy(t, k)[["area_code", "count", "denominator"]].values.tolist()
    [['0114R001', 20, 100]]
    """
    non_count = tidy[tidy["count"].isna() | tidy["denominator"].isna()]
    if len(non_count):
        raise DataValidationError(
            [
                Problem(
                    "not_summable",
                    "only count indicators can be aggregated (percentages and "
                    "medians cannot be summed); rows without count and denominator",
                    tuple(non_count["area_code"].unique()),
                )
            ]
        )
    out = aggregate_counts(
        tidy.rename(columns={"area_code": "deso_code"}),
        key,
        columns=["count", "denominator"],
        by=["year", "indicator"],
    )
    out = out.reset_index().rename(columns={"regso_code": "area_code"})
    out["boundary_version"] = boundary_version
    return out

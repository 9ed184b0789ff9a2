"""Area tables: one row per area and year, with Swedish and English type labels.

Examples
--------
>>> from sesindex.data.synthetic import generate
>>> from sesindex.index import IndexSpec, compute_index
>>> res = compute_index(
...     generate(n_areas=30, years=(2022,), seed=2).dataset, IndexSpec(types_over="given_areas")
... )
>>> list(area_table(res).columns[:6])
['area_code', 'area_name', 'municipality_code', 'boundary_version', 'year', 'V1']
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr

from sesindex.index.area_type import TYPE_LABELS


def type_label(types: pd.Series, lang: str) -> pd.Series:
    """Label of each type code in ``lang`` ('sv' or 'en'); empty for 0 (no type)."""
    return types.map(TYPE_LABELS[lang]).fillna("")


def type_column(areas: pd.DataFrame) -> str | None:
    """The column that types the areas: ``type`` (the observed type) or, in a fit,
    ``type_mode`` (the most probable); None when no area has a type (no such column, or
    all 0 or empty: a partial file without national cut points).

    Examples
    --------
    >>> type_column(pd.DataFrame({"type": [0, 0], "type_mode": [3, 4]}))
    'type_mode'
    >>> type_column(pd.DataFrame({"type": [0, 0]})) is None
    True
    """
    for col in ("type", "type_mode"):
        if col in areas and (pd.to_numeric(areas[col], errors="coerce") > 0).any():
            return col
    return None


def area_table(result: xr.Dataset) -> pd.DataFrame:
    """Flatten an index result into the published area x year table."""
    rates = result["rate"].to_series().unstack("indicator")
    rates.columns = [str(c) for c in rates.columns]
    cols = [
        c for c in ("index", "type", "rank", "published_index", "published_type") if c in result
    ]
    df = rates.join(result[cols].to_dataframe())
    df = df.reset_index().rename(columns={"area": "area_code"})
    meta = [c for c in ("area_name", "municipality_code", "boundary_version") if c in df]
    inds = list(result["indicator"].values)
    df["mu"] = df["year"].map(result["mu"].to_series())
    df["sigma"] = df["year"].map(result["sigma"].to_series())
    df["type"] = df["type"].astype(int)
    df["type_label_en"] = type_label(df["type"], "en")
    df["type_label_sv"] = type_label(df["type"], "sv")
    if "published_index" in df:
        df["index_minus_published"] = df["index"] - df["published_index"]
    if "published_type" in df:
        df["published_type_label_en"] = type_label(df["published_type"], "en")
        df["published_type_label_sv"] = type_label(df["published_type"], "sv")
    ordered = [
        "area_code",
        *meta,
        "year",
        *inds,
        "index",
        "type",
        "rank",
        "type_label_en",
        "type_label_sv",
        "mu",
        "sigma",
    ]
    rest = [c for c in df.columns if c not in ordered]
    df = df[[c for c in ordered if c in df] + rest]
    return df.sort_values(["year", "area_code"], ignore_index=True)


def summary_table(result: xr.Dataset) -> pd.DataFrame:
    """Per year: areas, national mu and sigma, and the number of areas of each type."""
    types = result["type"].to_series().unstack("year")
    rows = []
    for year in result["year"].values:
        t = types[year]
        rows.append(
            {
                "year": int(year),
                "areas": int(result["index"].sel(year=year).count()),
                "mu": float(result["mu"].sel(year=year)),
                "sigma": float(result["sigma"].sel(year=year)),
                **{f"type_{k}": int((t == k).sum()) for k in range(1, 6)},
                "untyped": int((t == 0).sum()),
            }
        )
    return pd.DataFrame(rows)


def write_area_tables(result: xr.Dataset, out_dir: str | Path) -> list[Path]:
    """Write an index result's area table (CSV and Parquet) and yearly summary (CSV),
    through its run tree (:func:`sesindex.runs.run_tree`, :func:`~sesindex.runs.write_tables`).
    """
    from sesindex.runs import run_tree, write_tables

    tree = run_tree({"areas": area_table(result), "summary": summary_table(result)})
    return write_tables(tree, out_dir, parquet=("areas",))

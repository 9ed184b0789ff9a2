"""The one data model: an ``xarray.Dataset`` over ``area × year × indicator``.

Variables ``count``, ``denominator`` (count indicators) and ``value`` (published
percentages, continuous indicators, published index/type), NaN where a cell is absent.
Coordinates: ``area_name``, ``municipality_code`` (per area), ``boundary_version``
(per area and year: SCB's series changes division in 2024) and ``indicator_kind``
(per indicator). :func:`from_tidy` and :func:`to_tidy` convert losslessly.

Examples
--------
>>> import pandas as pd
>>> tidy = pd.DataFrame(
...     {
...         "area_code": ["0114R001", "0114R002"],
...         "year": [2022, 2022],
...         "indicator": ["V2", "V2"],
...         "count": [50, 120],
...         "denominator": [1000, 800],
...     }
... )
>>> ds = from_tidy(tidy)
>>> ds["count"].sizes["area"], float(indicator_rates(ds).sel(area="0114R002").item())
(2, 15.0)
>>> to_tidy(ds)[["area_code", "count"]].values.tolist()
[['0114R001', 50.0], ['0114R002', 120.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import xarray as xr

from sesindex.data.schema import (
    NUMERIC_COLUMNS,
    TIDY_COLUMNS,
    indicator_kinds,
    validate_tidy,
)


def from_tidy(
    tidy: pd.DataFrame,
    *,
    boundary_version: str | None = None,
    validate: bool = True,
    attrs: dict | None = None,
) -> xr.Dataset:
    """Build the dataset from a tidy frame, validating it first (see :mod:`.schema`)."""
    df = validate_tidy(tidy, boundary_version=boundary_version) if validate else tidy
    text = [c for c in df.columns if c not in NUMERIC_COLUMNS and c != "year"]
    df = df.astype({c: object for c in text})  # xarray holds strings as numpy objects
    kinds = indicator_kinds(df)
    indexed = df.set_index(["area_code", "year", "indicator"])[list(NUMERIC_COLUMNS)]
    ds = xr.Dataset.from_dataframe(indexed).rename(area_code="area")
    areas = df.drop_duplicates("area_code").set_index("area_code")
    ds = ds.assign_coords(
        area_name=("area", areas["area_name"].reindex(ds["area"].values).to_numpy(object)),
        municipality_code=(
            "area",
            areas["municipality_code"].reindex(ds["area"].values).to_numpy(object),
        ),
        indicator_kind=("indicator", [kinds[i] for i in ds["indicator"].values]),
    )
    version = (
        df.drop_duplicates(["area_code", "year"])
        .set_index(["area_code", "year"])["boundary_version"]
        .astype(object)
        .to_xarray()
        .rename(area_code="area")
    )
    ds = ds.assign_coords(boundary_version=version.reindex_like(ds["count"].isel(indicator=0)))
    ds["area"] = ds["area"].astype(str)
    ds["indicator"] = ds["indicator"].astype(str)
    ds.attrs.update(attrs or {})
    return ds


def to_tidy(ds: xr.Dataset) -> pd.DataFrame:
    """The tidy frame of a dataset: one row per present cell, columns as in the schema."""
    cells = ds[list(NUMERIC_COLUMNS)].to_dataframe()[list(NUMERIC_COLUMNS)]
    cells = cells[cells.notna().any(axis=1)].reset_index()
    cells = cells.rename(columns={"area": "area_code"})
    area_meta = pd.DataFrame(
        {
            "area_code": ds["area"].values,
            "area_name": ds["area_name"].values,
            "municipality_code": ds["municipality_code"].values,
        }
    )
    # the series alone: a coordinate's frame would repeat it beside the other coordinates
    version = ds["boundary_version"].to_series().rename("boundary_version").reset_index()
    version = version.rename(columns={"area": "area_code"})
    out = cells.merge(area_meta, on="area_code").merge(version, on=["area_code", "year"])
    out["year"] = out["year"].astype("int64")
    return out[list(TIDY_COLUMNS)].sort_values(
        ["area_code", "year", "indicator"], ignore_index=True
    )


def indicator_rates(ds: xr.Dataset, indicators: Sequence[str] | None = None) -> xr.DataArray:
    """Each indicator's value in its unit: percent for count and percent indicators.

    Count indicators become ``100 * count / denominator``; published percentages and
    continuous indicators are their ``value``.
    """
    sel = ds if indicators is None else ds.sel(indicator=list(indicators))
    from_counts = 100.0 * sel["count"] / sel["denominator"]
    is_count = sel["indicator_kind"] == "count"
    rate = xr.where(is_count, from_counts, sel["value"])
    return rate.rename("rate").transpose("area", "year", "indicator")


def lacking_denominators(ds: xr.Dataset, indicators: Sequence[str]) -> list[str]:
    """Indicators that are absent or lack a denominator in some present cell."""
    lacking = []
    for ind in indicators:
        if ind not in ds["indicator"].values:
            lacking.append(ind)
            continue
        cell = ds.sel(indicator=ind)
        present = cell["count"].notnull() | cell["value"].notnull()
        if bool((present & cell["denominator"].isnull()).any()):
            lacking.append(ind)
    return lacking


def require_denominators(ds: xr.Dataset, indicators: Sequence[str], purpose: str) -> None:
    """Raise a clear error when ``purpose`` needs denominators but indicators lack them.

    Count indicators have them; published percentages have them when the user attached
    them (a ``denominator`` column beside ``value``).
    """
    kinds = dict(zip(ds["indicator"].values, ds["indicator_kind"].values, strict=True))
    lacking = lacking_denominators(ds, indicators)
    if lacking:
        raise ValueError(
            f"{purpose} needs counts and denominators, but indicator(s) {lacking} are "
            f"published only as {', '.join(sorted({kinds.get(i, 'absent') for i in lacking}))}. "
            "Supply denominators from SCB's population tables (all residents for V1, residents "
            "aged 20-64 for V2 and V3) as a tidy file with count and denominator columns; "
            "sesindex never invents them."
        )

"""SCB's 2024 boundary break: which areas' series continue across it and which do not.

SCB publishes the index on RegSO 2020 boundaries for 2011-2023 and on RegSO 2025 from
2024, not back-cast. Both versions have 3,363 codes; 2,940 areas are unchanged (136 more
changed only territorial water or a name), 286 keep their code but gained or lost parts,
``2584R001`` (Kiruna, Bolaget) ended and ``2523R011`` (Gällivare, Repisvaara-Dundret) is
new (the packaged list ``resources/regso2025_boundary_changes.csv``, derived from SCB's
list of historical RegSO changes).

What the project does with it:

* an unchanged area continues as one series: its 2023 -> 2024 change is its own;
* an area whose boundaries changed has a *series break* in the first year of the new
  version: its comparisons across the break are flagged ``boundary_changed`` in
  ``changes.csv`` and get the verdict "boundary changed", never "probably real"; in the
  Bayesian panel its status in that year has a prior centred on its predecessor's status
  with a wide step (:data:`BREAK_SD`, see :func:`sesindex.bayes.model.graph.build_model`);
* an area present in one version only (ended, new) cannot be in a panel that spans the
  break: the model's data check names it.

A break is an area-year where the area's ``boundary_version`` differs from the previous
year's in the data *and* the area is in the list of changed areas; data without a
``boundary_version`` have none.

Examples
--------
>>> changed = changed_areas()
>>> changed["change_2025"].value_counts().sort_index().to_dict()
{'boundary_changed': 286, 'ended': 1, 'new': 1}
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import xarray as xr

from sesindex.data.boundaries import REGSO_VERSION_YEARS

#: The first year SCB serves on RegSO 2025 boundaries.
BREAK_YEAR = REGSO_VERSION_YEARS["RegSO2025"].start
#: The boundary versions on either side of the break.
VERSIONS = ("RegSO2020", "RegSO2025")
#: The verdict of a comparison across an area's boundary change.
BOUNDARY_VERDICT = "boundary changed"


@lru_cache(maxsize=1)
def changed_areas() -> pd.DataFrame:
    """The RegSO codes whose boundaries changed between RegSO 2020 and RegSO 2025.

    Columns ``area_code`` and ``change_2025`` (``boundary_changed``, ``ended``, ``new``).
    Source: Statistics Sweden (SCB).

    Examples
    --------
    >>> "2584R001" in set(changed_areas()["area_code"])
    True
    """
    path = resources.files("sesindex.data") / "resources" / "regso2025_boundary_changes.csv"
    with path.open(encoding="utf-8") as handle:
        return pd.read_csv(handle, comment="#", dtype=str)


def boundary_breaks(ds: xr.Dataset) -> xr.DataArray:
    """Series breaks per (area, year): True where the area's boundary version differs
    from the year before and its boundaries changed (:func:`changed_areas`).

    Examples
    --------
    >>> from sesindex.data.synthetic import generate
    >>> ds = generate(n_areas=400, years=(2023, 2024), seed=1, boundary_break=True).dataset
    >>> b = boundary_breaks(ds)
    >>> bool(b.sel(year=2023).any()), int(b.sel(year=2024).sum()) > 0
    (False, True)
    """
    shape = (ds.sizes["area"], ds.sizes["year"])
    out = xr.DataArray(
        np.zeros(shape, bool),
        dims=("area", "year"),
        coords={"area": ds["area"].values, "year": ds["year"].values},
    )
    if "boundary_version" not in ds.coords or shape[1] < 2:
        return out
    version = ds["boundary_version"].transpose("area", "year").values.astype(str)
    moved = np.zeros(shape, bool)
    moved[:, 1:] = version[:, 1:] != version[:, :-1]
    changed = np.isin(ds["area"].values.astype(str), changed_areas()["area_code"])
    out.values[:] = moved & changed[:, None]
    return out


def crosses_break(breaks: xr.DataArray, area, year_from, year_to) -> np.ndarray:
    """Per comparison (``area``, ``year_from``, ``year_to``, equal-length arrays): does
    it cross a series break of that area (a break in a year after the earlier and up to
    the later of the two)?

    Examples
    --------
    >>> b = xr.DataArray(
    ...     [[False, False, True], [False, False, False]],
    ...     dims=("area", "year"),
    ...     coords={"area": ["a", "b"], "year": [2022, 2023, 2024]},
    ... )
    >>> crosses_break(
    ...     b, ["a", "a", "a", "b"], [2022, 2024, 2023, 2023], [2023, 2022, 2024, 2024]
    ... ).tolist()
    [False, True, True, False]
    """
    counted = breaks.astype(int).cumsum("year")  # breaks up to and including each year
    area = xr.DataArray(np.asarray(area), dims="row")
    y0, y1 = np.asarray(year_from), np.asarray(year_to)
    lo = xr.DataArray(np.minimum(y0, y1), dims="row")
    hi = xr.DataArray(np.maximum(y0, y1), dims="row")
    return (counted.sel(area=area, year=hi) - counted.sel(area=area, year=lo)).values > 0


def mark_boundary_changes(changes: pd.DataFrame, breaks: xr.DataArray) -> pd.DataFrame:
    """``changes`` (rows of ``area_code``, ``year_from``, ``year_to``) with a
    ``boundary_changed`` column; where it is true an observed type change's ``verdict``
    is "boundary changed" (never "probably real" or "noise"): the comparison is not the
    area's own movement.

    Examples
    --------
    >>> b = xr.DataArray(
    ...     [[False, True]], dims=("area", "year"), coords={"area": ["a"], "year": [2023, 2024]}
    ... )
    >>> rows = pd.DataFrame(
    ...     {
    ...         "area_code": ["a"],
    ...         "year_from": [2023],
    ...         "year_to": [2024],
    ...         "verdict": ["probably real"],
    ...     }
    ... )
    >>> mark_boundary_changes(rows, b)[["boundary_changed", "verdict"]].values.tolist()
    [[True, 'boundary changed']]
    """
    out = changes.copy()
    if not len(out):
        out["boundary_changed"] = pd.Series(dtype=bool)
        return out
    out["boundary_changed"] = crosses_break(
        breaks, out["area_code"].to_numpy(), out["year_from"].to_numpy(), out["year_to"].to_numpy()
    )
    if "verdict" in out:
        out.loc[out["boundary_changed"] & (out["verdict"] != ""), "verdict"] = BOUNDARY_VERDICT
    return out

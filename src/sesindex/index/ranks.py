"""Ranks of areas within each year: 1 = highest index = lowest socioeconomic status.

Ties share the best (lowest) rank ("competition" ranking, SciPy's ``method='min'``).

Examples
--------
>>> import xarray as xr
>>> ranks(xr.DataArray([[5.0], [9.0], [5.0]], dims=("area", "year"))).values.ravel().tolist()
[2, 1, 2]
"""

from __future__ import annotations

import numpy as np
import xarray as xr


def rank_array(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Competition ranks along ``axis`` (1 = largest); NaN stays unranked (0)."""
    from sesindex.index.arrays import competition_ranks

    return np.moveaxis(competition_ranks(np.moveaxis(values, axis, -1)), -1, axis)


def ranks(index: xr.DataArray, dim: str = "area") -> xr.DataArray:
    """Rank of each area along ``dim`` (all other dims are kept)."""
    return (
        xr.apply_ufunc(rank_array, index, input_core_dims=[[dim]], output_core_dims=[[dim]])
        .transpose(*index.dims)
        .rename("rank")
    )

"""National moments of the index and the area types (the rule itself is shared:
:mod:`sesindex.area_types`, which the synthetic generator uses too).

Examples
--------
>>> import xarray as xr
>>> [round(float(v), 4) for v in national_moments(xr.DataArray([1.0, 2.0, 3.0, 4.0], dims="area"))]
[2.5, 1.291]
"""

from __future__ import annotations

import xarray as xr

from sesindex.area_types import CUT_MULTIPLES, TYPE_LABELS, area_types, cut_points

__all__ = ["CUT_MULTIPLES", "TYPE_LABELS", "area_types", "cut_points", "national_moments"]


def national_moments(
    index: xr.DataArray, weights: xr.DataArray | None = None, ddof: int = 1, dim: str = "area"
) -> tuple[xr.DataArray, xr.DataArray]:
    """Mean and standard deviation of the index over areas (per year).

    Unweighted by default (``ddof`` 1, the sample standard deviation). With ``weights``
    (e.g. population) the weighted mean and the weighted standard deviation with
    frequency weights (``ddof`` subtracted from the total weight).

    Examples
    --------
    >>> ix = xr.DataArray([1.0, 2.0, 3.0, 4.0], dims="area")
    >>> [round(float(v), 4) for v in national_moments(ix)]
    [2.5, 1.291]
    """
    from sesindex.index.arrays import moments

    ix = index.transpose(..., dim)
    pop = None if weights is None else weights.broadcast_like(ix).transpose(*ix.dims).values
    mu, sigma = moments(ix.values, pop, ddof)
    template = ix.isel({dim: 0}, drop=True)
    return template.copy(data=mu).rename("mu"), template.copy(data=sigma).rename("sigma")

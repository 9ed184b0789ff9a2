"""Composite indicators on the data model: normalisation, weighting, aggregation.

The xarray face of the arithmetic in :mod:`sesindex.index.arrays` (one implementation,
used by the deterministic index, the bootstrap and the sensitivity study alike).

The official method is ``normalisation="none"``, equal weights, ``aggregation="arithmetic"``:
the plain mean of the three percentages. The alternatives are those a methodologist
compares it with (OECD/JRC *Handbook on Constructing Composite Indicators*):

* normalisation per year across areas: ``zscore``, ``minmax`` (0-1), ``rank`` (percentile
  0-1), or ``none``; indicators whose direction is -1 (higher = better, e.g. income) are
  turned around so that every normalised value points the official way (higher = lower
  status);
* weights: any non-negative vector (normalised to sum 1);
* aggregation: ``arithmetic`` (weighted mean), ``geometric`` (weighted geometric mean on a
  positive scale: rates as they are, min-max and rank values mapped to [1, 100]) or
  ``pca`` (scores on the first principal component of the z-scored indicators, signed to
  agree with the equal-weight mean).

Examples
--------
>>> import numpy as np, xarray as xr
>>> r = xr.DataArray(
...     np.array([[[10.0, 20.0, 30.0]], [[1.0, 2.0, 3.0]]]),
...     dims=("area", "year", "indicator"),
...     coords={"indicator": ["V1", "V2", "V3"]},
... )
>>> composite_index(r).values.ravel().tolist()
[20.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import xarray as xr

from sesindex.index import arrays
from sesindex.index.spec import IndexSpec

NORMALISATIONS = ("none", "zscore", "minmax", "rank")
AGGREGATIONS = ("arithmetic", "geometric", "pca")


def _last(rates: xr.DataArray, dim: str) -> xr.DataArray:
    return rates.transpose(..., dim, "indicator")


def normalise(rates: xr.DataArray, method: str = "none", dim: str = "area") -> xr.DataArray:
    """Normalise each indicator across ``dim`` (per year), oriented higher = lower status."""
    if method not in NORMALISATIONS:
        raise ValueError(f"normalisation {method!r} unknown; choose from {NORMALISATIONS}")
    r = _last(rates, dim)
    x = arrays.normalise(r.values, method, arrays.indicator_directions(list(r["indicator"].values)))
    return r.copy(data=x).transpose(*rates.dims)


def composite_index(
    rates: xr.DataArray,
    *,
    normalisation: str = "none",
    weights: Sequence[float] | None = None,
    aggregation: str = "arithmetic",
    dim: str = "area",
) -> xr.DataArray:
    """Combine indicator values (``area × year × indicator``) into one index per area-year."""
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"aggregation {aggregation!r} unknown; choose from {AGGREGATIONS}")
    if normalisation not in NORMALISATIONS:
        raise ValueError(f"normalisation {normalisation!r} unknown; choose from {NORMALISATIONS}")
    r = _last(rates, dim)
    indicators = list(r["indicator"].values)
    spec = IndexSpec(
        indicators=tuple(indicators),
        normalisation=normalisation,
        weights=None if weights is None else tuple(weights),
        aggregation=aggregation,
    )
    index = arrays.composite(r.values, spec, indicators)
    out = r.isel(indicator=0, drop=True).copy(data=index)
    keep = [d for d in rates.dims if d != "indicator"]
    return out.transpose(*keep).rename("index")

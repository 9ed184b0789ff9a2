"""Composite indicators: normalisation, weighting and aggregation of indicator values.

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

Example
-------
>>> import numpy as np, xarray as xr
>>> r = xr.DataArray(np.array([[[10.0, 20.0, 30.0]], [[1.0, 2.0, 3.0]]]),
...                  dims=("area", "year", "indicator"),
...                  coords={"indicator": ["V1", "V2", "V3"]})
>>> composite_index(r).values.ravel().tolist()
[20.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from scipy.stats import rankdata

from sesindex.indicators import INDICATORS

NORMALISATIONS = ("none", "zscore", "minmax", "rank")
AGGREGATIONS = ("arithmetic", "geometric", "pca")


def _directions(indicators: Sequence[str]) -> xr.DataArray:
    d = [INDICATORS[i].direction if i in INDICATORS else 1 for i in indicators]
    return xr.DataArray(np.array(d, float), dims="indicator", coords={"indicator": indicators})


def normalise(rates: xr.DataArray, method: str = "none", dim: str = "area") -> xr.DataArray:
    """Normalise each indicator across ``dim`` (per year), oriented higher = lower status."""
    if method not in NORMALISATIONS:
        raise ValueError(f"normalisation {method!r} unknown; choose from {NORMALISATIONS}")
    direction = _directions(list(rates["indicator"].values))
    if method == "none":
        if (direction < 0).any():
            flipped = list(direction["indicator"].values[direction.values < 0])
            raise ValueError(f"indicators {flipped} point the other way (higher = better): "
                             "use a normalisation (zscore, minmax, rank) to combine them")
        return rates
    if method == "zscore":
        z = (rates - rates.mean(dim)) / rates.std(dim, ddof=1)
        return z * direction
    if method == "minmax":
        lo, hi = rates.min(dim), rates.max(dim)
        x = (rates - lo) / (hi - lo)
        return xr.where(direction > 0, x, 1 - x).transpose(*rates.dims)
    pct = xr.apply_ufunc(_percentile, rates, input_core_dims=[[dim]],
                         output_core_dims=[[dim]]).transpose(*rates.dims)
    return xr.where(direction > 0, pct, 1 - pct + 1.0 / rates.count(dim)).transpose(*rates.dims)


def _percentile(a: np.ndarray) -> np.ndarray:
    """Average-tie percentile ranks in (0, 1] along the last axis, NaN kept."""
    n = np.sum(~np.isnan(a), axis=-1, keepdims=True)
    return rankdata(a, axis=-1, nan_policy="omit") / n


def _weights(indicators: Sequence[str], weights: Sequence[float] | None) -> xr.DataArray:
    w = np.ones(len(indicators)) if weights is None else np.asarray(weights, float)
    if w.shape != (len(indicators),) or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"weights {list(w)} must be {len(indicators)} non-negative numbers "
                         f"with a positive sum, one per indicator {list(indicators)}")
    return xr.DataArray(w / w.sum(), dims="indicator", coords={"indicator": list(indicators)})


def composite_index(rates: xr.DataArray, *, normalisation: str = "none",
                    weights: Sequence[float] | None = None,
                    aggregation: str = "arithmetic", dim: str = "area") -> xr.DataArray:
    """Combine indicator values (``area × year × indicator``) into one index per area-year."""
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"aggregation {aggregation!r} unknown; choose from {AGGREGATIONS}")
    indicators = list(rates["indicator"].values)
    w = _weights(indicators, weights)
    if aggregation == "pca":
        return _first_component(normalise(rates, "zscore", dim), dim).rename("index")
    x = normalise(rates, normalisation, dim)
    if aggregation == "arithmetic":
        return (x * w).sum("indicator", skipna=False).rename("index")
    if normalisation == "zscore":
        raise ValueError("geometric aggregation needs positive values: use normalisation "
                         "'none', 'minmax' or 'rank', not 'zscore'")
    if normalisation in ("minmax", "rank"):
        x = 1 + 99 * x
    if (x <= 0).any():
        raise ValueError("geometric aggregation needs every value > 0; some rates are 0")
    return np.exp((np.log(x) * w).sum("indicator", skipna=False)).rename("index")


def _first_component(z: xr.DataArray, dim: str) -> xr.DataArray:
    """First principal component score per year, signed to agree with the row mean."""
    from sklearn.decomposition import PCA

    other = [d for d in z.dims if d not in (dim, "indicator")]
    out = xr.full_like(z.isel(indicator=0, drop=True), np.nan)
    for key in (np.ndindex(*[z.sizes[d] for d in other]) if other else [()]):
        sel = dict(zip(other, key))
        m = z.isel(sel).transpose(dim, "indicator").values
        ok = ~np.isnan(m).any(axis=1)
        score = PCA(n_components=1).fit_transform(m[ok])[:, 0]
        if np.corrcoef(score, m[ok].mean(axis=1))[0, 1] < 0:
            score = -score
        col = np.full(m.shape[0], np.nan)
        col[ok] = score
        out[sel] = col
    return out

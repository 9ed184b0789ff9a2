"""Model inputs from the data model: observations on a Gaussian working scale.

Each indicator becomes, per area and year, an observation ``z`` with a known sampling
variance ``v`` and a direction that makes higher mean lower socioeconomic status:

* count indicators: the empirical logit ``log((y + 1/2) / (n - y + 1/2))`` with variance
  ``1/(y + 1/2) + 1/(n - y + 1/2)`` (the binomial sampling variance on the logit scale);
* published percentages with denominators (e.g. SCB's TAB6586 plus population tables):
  the same, from ``y = n * value / 100``, plus the variance of SCB's rounding to 0.1
  points (uniform, ``(0.001)^2 / 12`` on the proportion scale, carried to the logit);
* continuous indicators (income): the declared transform (log), turned so that higher
  means lower status, standardised across areas; no sampling variance (``v = 0``).

Examples
--------
>>> from sesindex.data.synthetic import generate
>>> ds = generate(n_areas=20, years=(2021, 2022), seed=1).dataset
>>> m = model_inputs(ds, ["V1", "V2", "V3"])
>>> m.z.shape, m.kinds, bool((m.v > 0).all())
((20, 2, 3), ('count', 'count', 'count'), True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from sesindex.data.boundary_change import boundary_breaks
from sesindex.data.model import require_denominators
from sesindex.indicators import INDICATORS

ROUNDING_SD_PROPORTION = 0.001 / np.sqrt(12)  # SCB rounds percentages to 0.1


@dataclass
class ModelInputs:
    """Arrays (area, year, indicator) for the latent-factor model, plus their labels."""

    z: np.ndarray
    v: np.ndarray
    count: np.ndarray  # NaN for continuous indicators
    denominator: np.ndarray
    municipality: np.ndarray  # integer index per area
    areas: np.ndarray
    years: np.ndarray
    indicators: tuple[str, ...]
    kinds: tuple[str, ...]
    municipalities: np.ndarray
    scale: dict = field(default_factory=dict)  # continuous: (centre, sd) of the transform
    design: np.ndarray | None = None  # programme effects: (area, year, event time) 0/1
    # indicators (sesindex.bayes.model.programme); None: no programme in the model
    event_times: tuple[int, ...] = ()  # the design's event times (years from the start)
    event_programmes: tuple[str, ...] = ()  # several programmes: each column's programme
    breaks: np.ndarray | None = None  # (area, year) 0/1 series breaks at a boundary
    # change (sesindex.data.boundary_change); None: every area one series

    @property
    def rate_indicators(self) -> list[int]:
        """Positions of indicators that have rates (count or percent)."""
        return [k for k, kind in enumerate(self.kinds) if kind != "continuous"]


def empirical_logit(y, n) -> tuple[np.ndarray, np.ndarray]:
    """Empirical logit of ``y`` of ``n`` and its binomial sampling variance (logit scale).

    Examples
    --------
    >>> [round(float(a), 4) for a in empirical_logit(np.array(9.5), np.array(19.0))]
    [0.0, 0.2]
    """
    return (np.log((y + 0.5) / (n - y + 0.5)), 1 / (y + 0.5) + 1 / (n - y + 0.5))


def _continuous(values: np.ndarray, name: str, transform: str) -> tuple[np.ndarray, tuple]:
    if transform == "log":
        if np.nanmin(values) <= 0:
            raise ValueError(f"indicator {name!r}: log transform needs positive values")
        values = np.log(values)
    elif transform != "identity":
        raise ValueError(f"indicator {name!r}: unknown transform {transform!r}")
    direction = INDICATORS[name].direction if name in INDICATORS else 1
    x = direction * values
    centre, sd = float(np.nanmean(x)), float(np.nanstd(x))
    return (x - centre) / sd, (centre, sd, direction, transform)


def model_inputs(
    ds: xr.Dataset,
    indicators: Sequence[str],
    continuous: dict[str, str] | None = None,
    years: Sequence[int] | None = None,
) -> ModelInputs:
    """Build :class:`ModelInputs`; count/percent indicators must have denominators."""
    continuous = continuous or {}
    if years is not None:
        missing = sorted(set(years) - set(ds["year"].values.tolist()))
        if missing:
            raise ValueError(
                f"years {missing} are not in the data "
                f"({ds['year'].values.tolist()}): choose the years to fit "
                "(sesindex fit --years)"
            )
        ds = ds.sel(year=list(years))
    absent = [i for i in indicators if i not in ds["indicator"].values]
    if absent:
        raise ValueError(
            f"the model needs indicators {absent}, which the data lacks "
            f"(it has {ds['indicator'].values.tolist()})"
        )
    rated = [i for i in indicators if i not in continuous]
    require_denominators(ds, rated, "The Bayesian model")
    sel = ds.sel(indicator=list(indicators))
    kinds = tuple(str(k) for k in sel["indicator_kind"].values)
    shape = sel["count"].transpose("area", "year", "indicator").shape
    z, v = np.empty(shape), np.zeros(shape)
    count = np.full(shape, np.nan)
    den = sel["denominator"].transpose("area", "year", "indicator").values.copy()
    scale = {}
    for k, ind in enumerate(indicators):
        cell = sel.sel(indicator=ind).transpose("area", "year")
        if ind in continuous:
            z[..., k], scale[ind] = _continuous(cell["value"].values, ind, continuous[ind])
            continue
        n = cell["denominator"].values
        y = cell["count"].values if kinds[k] == "count" else n * cell["value"].values / 100
        count[..., k] = y
        z[..., k], v[..., k] = empirical_logit(y, n)
        if kinds[k] != "count":
            p = np.clip((y + 0.5) / (n + 1), 1e-6, 1 - 1e-6)
            v[..., k] += (ROUNDING_SD_PROPORTION / (p * (1 - p))) ** 2
    bad = ~np.isfinite(z)
    if bad.any():
        area_i, year_i, ind_i = np.nonzero(bad)
        cells = ", ".join(
            f"{sel['area'].values[a]} {sel['year'].values[b]} {indicators[int(c)]}"
            for a, b, c in list(zip(area_i, year_i, ind_i, strict=True))[:10]
        )
        raise ValueError(f"{bad.sum()} cells have no usable value for the model: {cells}")
    munis, muni_index = np.unique(sel["municipality_code"].values.astype(str), return_inverse=True)
    breaks = boundary_breaks(sel).transpose("area", "year").values
    return ModelInputs(
        z,
        v,
        count,
        den,
        muni_index,
        sel["area"].values,
        sel["year"].values,
        tuple(indicators),
        kinds,
        munis,
        scale,
        breaks=breaks.astype(float) if breaks.any() else None,
    )

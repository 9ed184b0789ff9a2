"""Bootstrap replicates: how much of each area's index, rank and type is binomial noise.

Replicate schemes (``method``):

``parametric``
    counts redrawn as Binomial(denominator, observed rate) in every area and indicator;
``beta``
    rates drawn from the Jeffreys Beta(count + 1/2, denominator - count + 1/2) posterior
    (differs from ``parametric`` mainly in small counts, and never gives a zero-width
    interval to a zero count);
``areas``
    the index held at its observed values while the national mean and standard deviation
    are recomputed on areas resampled with replacement: the uncertainty of the cut points
    alone (ranks do not move).

Every replicate recomputes index, national mu and sigma, types and ranks for all areas at
once (:mod:`sesindex.index.arrays`): arrays of replicates x areas, no loop per area.
The two rate schemes need denominators (count indicators, or published percentages that
carry them) and raise the error of :func:`sesindex.data.model.require_denominators` for
percent-only data; continuous
indicators (income) may be held fixed only when the spec says so (``fixed_indicators``).

Examples
--------
>>> from sesindex.data.synthetic import generate
>>> from sesindex.index.spec import IndexSpec
>>> ds = generate(n_areas=100, years=(2022,), seed=1).dataset
>>> b = bootstrap_year(ds, IndexSpec(types_over="given_areas"), 2022, replicates=200, seed=5)
>>> b.index.shape, b.type.dtype.name, round(float(b.mu.std()), 2) < 0.2
((200, 100), 'int8', True)
>>> s = area_summary(b)
>>> probs = s[[f"p_type_{k}" for k in TYPES]].sum(axis=1)
>>> bool((s["index_lo90"] <= s["index_hi90"]).all()), bool(np.allclose(probs, 1))
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from sesindex.data.model import indicator_rates, require_denominators
from sesindex.index.area_type import cut_points
from sesindex.index.arrays import BatchIndex, batch_index
from sesindex.index.spec import IndexSpec

METHODS = ("parametric", "beta", "areas")
LEVELS = (0.5, 0.9, 0.95)
TYPES = (1, 2, 3, 4, 5)
_METHOD_ID = {m: k for k, m in enumerate(METHODS)}


@dataclass
class BootstrapResult:
    """Replicates of one year: arrays with replicates on axis 0 and areas on axis 1."""

    method: str
    year: int
    areas: np.ndarray  # area codes
    population: np.ndarray  # denominator of the first indicator (residents for V1)
    observed: BatchIndex  # the index of the data itself
    index: np.ndarray  # (R, A)
    mu: np.ndarray  # (R,)
    sigma: np.ndarray  # (R,)
    type: np.ndarray  # (R, A) int8
    rank: np.ndarray  # (R, A) int32

    @property
    def replicates(self) -> int:
        """Number of replicates (the length of axis 0)."""
        return self.index.shape[0]

    def type_probabilities(self) -> np.ndarray:
        """P(type = k) per area, ``(area, 5)``: the share of replicates in each type.

        Examples
        --------
        >>> from sesindex.data.synthetic import generate
        >>> ds = generate(n_areas=30, years=(2022,), seed=1).dataset
        >>> b = bootstrap_year(ds, IndexSpec(), 2022, replicates=20, method="areas")
        >>> b.type_probabilities().shape, bool(np.allclose(b.type_probabilities().sum(1), 1))
        ((30, 5), True)
        """
        return np.stack([(self.type == k).mean(axis=0) for k in TYPES], axis=1)


@dataclass
class YearInputs:
    """One year's arrays for the bootstrap: rates, denominators, population."""

    areas: np.ndarray
    indicators: list[str]
    rates: np.ndarray  # (A, J) percent (continuous indicators in their unit)
    denominator: np.ndarray  # (A, J), NaN where an indicator has none
    population: np.ndarray | None  # (A,)


def year_inputs(ds: xr.Dataset, spec: IndexSpec, year: int) -> YearInputs:
    """The arrays of ``year`` that ``spec`` needs.

    Examples
    --------
    >>> from sesindex.data.synthetic import generate
    >>> i = year_inputs(generate(n_areas=30, years=(2022,), seed=1).dataset, IndexSpec(), 2022)
    >>> i.rates.shape, i.indicators, i.population.shape
    ((30, 3), ['V1', 'V2', 'V3'], (30,))
    """
    ind = list(spec.indicators)
    one = ds.sel(year=year)
    rates = indicator_rates(ds, ind).sel(year=year).transpose("area", "indicator").to_numpy()
    denom = one["denominator"].sel(indicator=ind).transpose("area", "indicator").to_numpy()
    pop = denom[:, 0] if np.isfinite(denom[:, 0]).all() else None
    return YearInputs(ds["area"].values, ind, rates, denom, pop)


def draw_rates(
    rate: np.ndarray,
    denominator: np.ndarray,
    replicates: int,
    rng: np.random.Generator,
    method: str = "parametric",
) -> np.ndarray:
    """Replicate rates in percent, ``(replicates, *rate.shape)``, from observed rates.

    ``rate`` is in percent (a count indicator's 100 count / denominator, or a published
    percentage that carries its denominator); ``denominator`` the number of people.

    Examples
    --------
    >>> r = draw_rates(np.array([20.0]), np.array([100.0]), 4000, np.random.default_rng(1))
    >>> round(float(r.mean()), 1), round(float(r.std()), 1)  # 20 and sqrt(.2 * .8 / 100)
    (20.0, 4.0)
    """
    size = (replicates, *rate.shape)
    p = np.clip(rate / 100.0, 0.0, 1.0)
    if method == "parametric":
        n = np.rint(denominator).astype(np.int64)
        return 100.0 * rng.binomial(n, p, size=size) / denominator
    if method == "beta":
        count = p * denominator
        return 100.0 * rng.beta(count + 0.5, denominator - count + 0.5, size=size)
    raise ValueError(f"rate scheme {method!r} unknown; choose 'parametric' or 'beta'")


def _rate_replicates(
    inputs: YearInputs,
    spec: IndexSpec,
    replicates: int,
    rng: np.random.Generator,
    method: str,
    fixed: Sequence[str],
    chunk: int,
) -> list[BatchIndex]:
    noisy = [k for k, i in enumerate(inputs.indicators) if i not in fixed]
    parts = []
    for start in range(0, replicates, chunk):
        r = min(chunk, replicates - start)
        rates = np.broadcast_to(inputs.rates, (r, *inputs.rates.shape)).copy()
        rates[..., noisy] = draw_rates(
            inputs.rates[:, noisy], inputs.denominator[:, noisy], r, rng, method
        )
        parts.append(batch_index(rates, spec, inputs.indicators, population=inputs.population))
    return parts


def _area_replicates(
    observed: BatchIndex,
    inputs: YearInputs,
    spec: IndexSpec,
    replicates: int,
    rng: np.random.Generator,
) -> list[BatchIndex]:
    from sesindex.index.area_type import area_types
    from sesindex.index.arrays import moments

    n = observed.index.shape[-1]
    pick = rng.integers(0, n, size=(replicates, n))
    pop = None
    if spec.moments == "population":
        if inputs.population is None:
            raise ValueError("population-weighted cut points need the areas' populations")
        pop = inputs.population[pick]
    mu, sigma = moments(observed.index[pick], pop, spec.ddof)
    index = np.broadcast_to(observed.index, (replicates, n))
    types = area_types(index, mu[:, None], sigma[:, None]).astype(np.int8)
    rank = np.broadcast_to(observed.rank, (replicates, n))
    return [BatchIndex(index, mu, sigma, types, rank)]


def bootstrap_year(
    ds: xr.Dataset,
    spec: IndexSpec,
    year: int,
    *,
    replicates: int = 1000,
    seed: int = 20240101,
    method: str = "parametric",
    fixed_indicators: Sequence[str] = (),
    chunk: int = 250,
) -> BootstrapResult:
    """Bootstrap replicates of one year's index, mu, sigma, types and ranks.

    Seeded from ``(seed, year, method)``; replicates are drawn in chunks of ``chunk`` to
    bound memory (about ``chunk x areas x indicators`` floats at a time).

    Examples
    --------
    >>> from sesindex.data.synthetic import generate
    >>> ds = generate(n_areas=40, years=(2022,), seed=1).dataset
    >>> b = bootstrap_year(ds, IndexSpec(), 2022, replicates=30, seed=2, method="beta")
    >>> b.index.shape, b.rank.shape, b.method
    ((30, 40), (30, 40), 'beta')
    """
    if method not in METHODS:
        raise ValueError(f"bootstrap method {method!r} unknown; choose from {METHODS}")
    inputs = year_inputs(ds, spec, year)
    fixed = list(fixed_indicators)
    kinds = dict(zip(ds["indicator"].values, ds["indicator_kind"].values, strict=True))
    bad = [i for i in fixed if kinds.get(i) != "continuous"]
    if bad:
        raise ValueError(f"only continuous indicators can be held fixed; {bad} are not")
    if method != "areas":
        require_denominators(
            ds, [i for i in inputs.indicators if i not in fixed], f"The {method} bootstrap"
        )
    if spec.moments == "population" and inputs.population is None:
        raise ValueError("population-weighted moments need the first indicator's denominator")
    observed = batch_index(inputs.rates, spec, inputs.indicators, population=inputs.population)
    rng = np.random.default_rng([seed, int(year), _METHOD_ID[method]])
    if method == "areas":
        parts = _area_replicates(observed, inputs, spec, replicates, rng)
    else:
        parts = _rate_replicates(inputs, spec, replicates, rng, method, fixed, chunk)
    cat = {
        f: np.concatenate([getattr(p, f) for p in parts])
        for f in ("index", "mu", "sigma", "type", "rank")
    }
    pop = inputs.population if inputs.population is not None else np.full(len(inputs.areas), np.nan)
    return BootstrapResult(method, int(year), inputs.areas, pop, observed, **cat)


def area_summary(
    b: BootstrapResult, levels: Sequence[float] = LEVELS, published: np.ndarray | None = None
) -> pd.DataFrame:
    """Per area: observed and bootstrap index, intervals, rank interval, type probabilities.

    Columns ``index_lo90``/``index_hi90`` (and the other ``levels``) are percentile
    intervals; ``p_type_k`` the share of replicates in type k; ``p_type_differs`` the
    share whose type differs from the observed type (and ``p_differs_published`` from the
    published type when given).

    Examples
    --------
    >>> from sesindex.data.synthetic import generate
    >>> ds = generate(n_areas=40, years=(2022,), seed=1).dataset
    >>> s = area_summary(bootstrap_year(ds, IndexSpec(), 2022, replicates=50), levels=(0.9,))
    >>> bool((s["index_lo90"] <= s["index_obs"] + 1).all()), "p_type_3" in s
    (True, True)
    """
    obs = b.observed
    fixed_index = b.method == "areas"  # index held at its observed value
    out = pd.DataFrame(
        {
            "area_code": b.areas,
            "population": b.population,
            "index_obs": obs.index,
            "index_mean": obs.index if fixed_index else b.index.mean(axis=0),
            "index_se": 0.0 if fixed_index else b.index.std(axis=0, ddof=1),
        }
    )
    qs = sorted({q for lv in levels for q in ((1 - lv) / 2, (1 + lv) / 2)})
    iq = dict(
        zip(
            qs,
            [obs.index] * len(qs) if fixed_index else np.quantile(b.index, qs, axis=0),
            strict=True,
        )
    )
    rq = dict(zip(qs, np.quantile(b.rank, qs, axis=0), strict=True))
    for lv in levels:
        tag = f"{round(100 * lv)}"
        out[f"index_lo{tag}"] = iq[(1 - lv) / 2]
        out[f"index_hi{tag}"] = iq[(1 + lv) / 2]
    out["rank_obs"] = obs.rank
    out["rank_median"] = np.median(b.rank, axis=0)
    for lv in levels:
        tag = f"{round(100 * lv)}"
        out[f"rank_lo{tag}"] = np.floor(rq[(1 - lv) / 2]).astype(int)
        out[f"rank_hi{tag}"] = np.ceil(rq[(1 + lv) / 2]).astype(int)
    out["type_obs"] = obs.type
    probs = b.type_probabilities()
    for k in TYPES:
        out[f"p_type_{k}"] = probs[:, k - 1]
    out["type_modal"] = probs.argmax(axis=1) + 1
    out["p_type_differs"] = (b.type != obs.type[None, :]).mean(axis=0)
    cuts = np.array(cut_points(float(obs.mu), float(obs.sigma)))
    out["distance_to_cut_sd"] = np.min(np.abs(obs.index[:, None] - cuts[None, :]), axis=1) / float(
        obs.sigma
    )
    if published is not None:
        out["type_published"] = published
        out["p_differs_published"] = (b.type != published[None, :]).mean(axis=0)
    return out


def year_summary(b: BootstrapResult, table: pd.DataFrame) -> dict:
    """Key numbers of one year's replicates (one row of ``summary.csv``).

    Examples
    --------
    >>> from sesindex.data.synthetic import generate
    >>> b = bootstrap_year(
    ...     generate(n_areas=40, years=(2022,), seed=1).dataset, IndexSpec(), 2022, replicates=30
    ... )
    >>> row = year_summary(b, area_summary(b))
    >>> row["replicates"], row["areas"], row["mu_se"] > 0
    (30, 40, True)
    """
    row = {
        "method": b.method,
        "year": b.year,
        "replicates": b.replicates,
        "areas": len(b.areas),
        "mu_obs": float(b.observed.mu),
        "mu_se": float(b.mu.std(ddof=1)),
        "sigma_obs": float(b.observed.sigma),
        "sigma_se": float(b.sigma.std(ddof=1)),
        "index_se_median": float(table["index_se"].median()),
        "width_90_median": float((table["index_hi90"] - table["index_lo90"]).median()),
        "rank_width_90_median": float((table["rank_hi90"] - table["rank_lo90"]).median()),
        "expected_type_flips": float(table["p_type_differs"].sum()),
        "share_p_differs_gt_0.2": float((table["p_type_differs"] > 0.2).mean()),
        "share_p_differs_gt_0.5": float((table["p_type_differs"] > 0.5).mean()),
        "share_modal_is_observed": float((table["type_modal"] == table["type_obs"]).mean()),
    }
    if "p_differs_published" in table:
        row["share_observed_is_published"] = float(
            (table["type_obs"] == table["type_published"]).mean()
        )
        row["mean_p_differs_published"] = float(table["p_differs_published"].mean())
    return row

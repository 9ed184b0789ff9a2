"""The index for many replicates at once: ``(replicate, area, indicator)`` -> types, ranks.

The same arithmetic as :func:`sesindex.index.run.compute_index` (normalisation, weights,
aggregation, national mean and standard deviation, types, competition ranks), written on
numpy arrays whose leading axis holds replicates (bootstrap draws, Monte Carlo samples)
so that a thousand replicates of 3,363 areas cost a few array operations, never a Python
loop per area or per replicate. The area axis is ``-2`` of the rates and ``-1`` of every
result. ``tests/validate/test_batch_index.py`` checks it against ``compute_index``.

Cut rules: ``"sd"`` (SCB: mu - sigma, mu, mu + sigma, mu + 2 sigma) or ``"quantile"``
(the same five types with fixed shares of areas, by default SCB's 2022 shares).

Examples
--------
>>> import numpy as np
>>> from sesindex.index.spec import IndexSpec
>>> rates = np.array([[[10.0, 20.0, 30.0], [1.0, 2.0, 3.0], [5.0, 5.0, 5.0]]])
>>> b = batch_index(rates, IndexSpec(), ["V1", "V2", "V3"])
>>> b.index.tolist(), b.rank.tolist(), b.type.tolist()
([[20.0, 2.0, 5.0]], [[1, 3, 2]], [[2, 4, 4]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sesindex.index.area_type import area_types
from sesindex.index.spec import IndexSpec
from sesindex.indicators import INDICATORS

#: SCB's published area-type counts 2022 (types 1-5 of 3,363 RegSO) as shares.
OFFICIAL_TYPE_SHARES_2022 = tuple(np.array([160, 289, 855, 1770, 289]) / 3363)
CUT_RULES = ("sd", "quantile")


@dataclass
class BatchIndex:
    """Index, moments, types and ranks of a batch of replicates (area axis last)."""

    index: np.ndarray  # (..., area) float
    mu: np.ndarray  # (...,)
    sigma: np.ndarray  # (...,)
    type: np.ndarray  # (..., area) int8, 0 = no value
    rank: np.ndarray  # (..., area) int32, 1 = highest index, 0 = no value


def competition_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, 1 = largest, ties share the best rank; NaN gets 0.

    The same as :func:`sesindex.index.ranks.rank_array` but by one sort per row.

    Examples
    --------
    >>> competition_ranks(np.array([[5.0, 9.0, 5.0, np.nan]])).tolist()
    [[2, 1, 2, 0]]
    """
    x = np.where(np.isnan(values), -np.inf, values)
    order = np.argsort(-x, axis=-1, kind="stable")
    s = np.take_along_axis(x, order, axis=-1)
    pos = np.broadcast_to(np.arange(s.shape[-1]), s.shape)
    new_group = np.ones(s.shape, bool)
    new_group[..., 1:] = s[..., 1:] != s[..., :-1]
    first = np.maximum.accumulate(np.where(new_group, pos, 0), axis=-1)
    out = np.empty(s.shape, np.int32)
    np.put_along_axis(out, order, (first + 1).astype(np.int32), axis=-1)
    return np.where(np.isnan(values), 0, out).astype(np.int32)


def indicator_directions(indicators: Sequence[str]) -> np.ndarray:
    """+1 where a higher value means lower status, -1 where it means higher (income).

    Examples
    --------
    >>> indicator_directions(["V1", "median_income"]).tolist()
    [1.0, -1.0]
    """
    return np.array([INDICATORS[i].direction if i in INDICATORS else 1 for i in indicators], float)


def _doubled_ranks(rates: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Twice each value's average rank among the areas (axis -2), whole numbers, 2 for
    the lowest, oriented so that a larger rank means lower status; NaN kept.

    Examples
    --------
    >>> _doubled_ranks(
    ...     np.array([[1.0, 1.0], [3.0, 3.0], [3.0, 5.0]]), np.array([1.0, -1.0])
    ... ).tolist()
    [[2.0, 6.0], [5.0, 4.0], [5.0, 2.0]]
    """
    from scipy.stats import rankdata

    doubled = 2 * rankdata(rates, method="average", axis=-2, nan_policy="omit")
    n = np.sum(~np.isnan(rates), axis=-2, keepdims=True)
    return np.where(directions > 0, doubled, 2 * n + 2 - doubled)


def normalise(rates: np.ndarray, method: str, directions: np.ndarray) -> np.ndarray:
    """Normalise each indicator across areas (axis -2), oriented higher = lower status.

    Examples
    --------
    >>> x = np.array([[1.0, 10.0], [3.0, 30.0]])  # 2 areas x 2 indicators
    >>> normalise(x, "minmax", np.array([1.0, -1.0])).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    if method == "none":
        if (directions < 0).any():
            raise ValueError(
                "indicators that point the other way (higher = better) need a "
                "normalisation (zscore, minmax, rank) to be combined"
            )
        return rates
    if method == "zscore":
        z = (rates - np.nanmean(rates, axis=-2, keepdims=True)) / np.nanstd(
            rates, axis=-2, ddof=1, keepdims=True
        )
        return z * directions
    if method == "minmax":
        lo = np.nanmin(rates, axis=-2, keepdims=True)
        hi = np.nanmax(rates, axis=-2, keepdims=True)
        x = (rates - lo) / (hi - lo)
        return np.where(directions > 0, x, 1 - x)
    if method == "rank":  # percentile ranks 1/n..1, each the nearest float to its fraction
        n = np.sum(~np.isnan(rates), axis=-2, keepdims=True)
        return _doubled_ranks(rates, directions) / (2 * n)
    raise ValueError(f"normalisation {method!r} unknown")


def _whole_rank_composite(
    rates: np.ndarray, weights: np.ndarray, directions: np.ndarray
) -> np.ndarray | None:
    """The arithmetic composite of percentile ranks, computed exactly; None where it
    cannot be (weights that are neither whole numbers nor binary fractions such as 0.25,
    or indicators with different numbers of areas).

    Composites of percentile ranks tie often (736 of 3,363 synthetic areas in 2017).
    Summed as fractions ``r / n``, two composites equal in exact arithmetic can differ in
    their last bit, and which one comes out larger depends on the machine's BLAS kernel,
    so ranks and types of tied areas would follow the CPU. Twice an average rank is a
    whole number, so with whole-number weights the weighted sum is an exact integer, and
    one division gives equal composites equal bits on every machine.

    Examples
    --------
    >>> x = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]])  # areas tie at 2/3 + 2/3
    >>> _whole_rank_composite(x, np.ones(2), np.ones(2)).tolist() == [2 / 3] * 3
    True
    """
    n = np.sum(~np.isnan(rates), axis=-2)  # (..., indicator)
    whole = [weights * 2.0**k for k in range(11)]  # 0.5, 0.25, ... scale exactly
    whole = [w for w in whole if (w == np.round(w)).all()]
    if not whole or (n != n[..., :1]).any():
        return None
    weights = whole[0]
    doubled = _doubled_ranks(rates, directions)
    total = np.zeros(doubled.shape[:-1])
    for j, w in enumerate(weights):  # in order, each sum an exact integer
        total = total + w * doubled[..., j]
    return total / (2 * n[..., :1] * weights.sum())


def _first_component(z: np.ndarray) -> np.ndarray:
    """First principal-component score of z-scored indicators, per replicate (batched)."""
    ok = ~np.isnan(z).any(axis=-1, keepdims=True)
    zc = np.where(ok, z, 0.0)
    n = ok.sum(axis=-2, keepdims=True)
    zc = np.where(ok, zc - zc.sum(axis=-2, keepdims=True) / n, 0.0)
    cov = np.einsum("...ai,...aj->...ij", zc, zc)
    _, vec = np.linalg.eigh(cov)
    v = vec[..., :, -1]  # eigenvector of the largest eigenvalue
    score = np.einsum("...ai,...i->...a", zc, v)
    mean = zc.mean(axis=-1)
    mean = mean - (mean * ok[..., 0]).sum(axis=-1, keepdims=True) / n[..., 0]
    sign = np.sign(np.sum(score * mean * ok[..., 0], axis=-1, keepdims=True))
    return np.where(ok[..., 0], score * np.where(sign == 0, 1, sign), np.nan)


def composite(rates: np.ndarray, spec: IndexSpec, indicators: Sequence[str]) -> np.ndarray:
    """The composite index ``(..., area)`` of rates ``(..., area, indicator)``.

    Examples
    --------
    >>> composite(
    ...     np.array([[10.0, 20.0, 30.0]]), IndexSpec(weights=(2, 1, 1)), ["V1", "V2", "V3"]
    ... ).tolist()
    [17.5]
    """
    directions = indicator_directions(indicators)
    if spec.aggregation == "pca":
        return _first_component(normalise(rates, "zscore", directions))
    w = np.ones(len(indicators)) if spec.weights is None else np.asarray(spec.weights, float)
    if w.shape != (len(indicators),) or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"weights {list(w)} must be {len(indicators)} non-negative numbers")
    if spec.normalisation == "rank" and spec.aggregation == "arithmetic":
        exact = _whole_rank_composite(rates, w, directions)
        if exact is not None:
            return exact
    w = w / w.sum()
    x = normalise(rates, spec.normalisation, directions)
    if spec.aggregation == "arithmetic":
        return x @ w
    if spec.aggregation != "geometric":
        raise ValueError(f"aggregation {spec.aggregation!r} unknown")
    if spec.normalisation == "zscore":
        raise ValueError("geometric aggregation needs positive values: not 'zscore'")
    if spec.normalisation in ("minmax", "rank"):
        x = 1 + 99 * x
    if (x <= 0).any():
        raise ValueError("geometric aggregation needs every value > 0; some rates are 0")
    return np.exp(np.log(x) @ w)


def moments(
    index: np.ndarray, population: np.ndarray | None = None, ddof: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over areas (last axis), optionally population-weighted.

    Examples
    --------
    >>> [round(float(v), 4) for v in moments(np.array([1.0, 2.0, 3.0, 4.0]))]
    [2.5, 1.291]
    """
    if population is None:
        return np.nanmean(index, axis=-1), np.nanstd(index, axis=-1, ddof=ddof)
    w = np.where(np.isnan(index), 0.0, np.broadcast_to(population, index.shape))
    x = np.where(np.isnan(index), 0.0, index)
    total = w.sum(axis=-1)
    mu = (w * x).sum(axis=-1) / total
    var = (w * (x - mu[..., None]) ** 2).sum(axis=-1) / (total - ddof)
    return mu, np.sqrt(var)


def quantile_types(
    rank: np.ndarray, shares: Sequence[float] | np.ndarray = OFFICIAL_TYPE_SHARES_2022
) -> np.ndarray:
    """Types 1-5 from ranks (1 = highest index) with fixed shares of areas per type.

    Examples
    --------
    >>> quantile_types(np.arange(1, 11), (0.1, 0.2, 0.3, 0.3, 0.1)).tolist()
    [1, 2, 2, 3, 3, 3, 4, 4, 4, 5]
    """
    shares = np.asarray(shares, float)
    n = np.sum(rank > 0, axis=-1, keepdims=True)
    bounds = np.rint(n[..., None] * np.cumsum(shares / shares.sum())[:-1])  # (..., 1, 4)
    t = 1 + np.sum(rank[..., None] > bounds, axis=-1)
    return np.where(rank > 0, t, 0).astype(np.int8)


def batch_index(
    rates: np.ndarray,
    spec: IndexSpec,
    indicators: Sequence[str],
    *,
    population: np.ndarray | None = None,
    cut_rule: str = "sd",
    shares: Sequence[float] = OFFICIAL_TYPE_SHARES_2022,
) -> BatchIndex:
    """Index, moments, types and ranks of rates ``(..., area, indicator)``.

    ``population`` (area weights) is needed when ``spec.moments == "population"``; the
    quantile cut rule types by rank with ``shares`` and reports the sd-rule moments.

    Examples
    --------
    >>> rates = np.random.default_rng(0).uniform(1, 30, size=(4, 100, 3))  # 4 replicates
    >>> b = batch_index(rates, IndexSpec(), ["V1", "V2", "V3"], cut_rule="quantile")
    >>> b.index.shape, b.mu.shape, np.bincount(b.type[0], minlength=6)[1:].tolist()
    ((4, 100), (4,), [5, 8, 26, 52, 9])
    """
    index = composite(rates, spec, indicators)
    if spec.moments == "population" and population is None:
        raise ValueError("population-weighted moments need the population of each area")
    mu, sigma = moments(index, population if spec.moments == "population" else None, spec.ddof)
    rank = competition_ranks(index)
    if cut_rule == "sd":
        types = area_types(index, mu[..., None], sigma[..., None])
    elif cut_rule == "quantile":
        types = quantile_types(rank, shares)
    else:
        raise ValueError(f"cut rule {cut_rule!r} unknown; choose from {CUT_RULES}")
    return BatchIndex(index, mu, sigma, types.astype(np.int8), rank)

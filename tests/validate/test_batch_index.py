"""The vectorised replicate index equals compute_index, variant by variant."""

import numpy as np
import pytest

from sesindex.index import IndexSpec
from sesindex.index.arrays import batch_index, competition_ranks, quantile_types
from sesindex.index.ranks import rank_array
from sesindex.index.run import compute_index

SPECS = [
    IndexSpec(types_over="given_areas"),
    IndexSpec(normalisation="zscore", types_over="given_areas"),
    IndexSpec(normalisation="minmax", weights=(1, 2, 3), types_over="given_areas"),
    IndexSpec(normalisation="rank", types_over="given_areas"),
    IndexSpec(normalisation="minmax", aggregation="geometric", types_over="given_areas"),
    IndexSpec(aggregation="pca", types_over="given_areas"),
    IndexSpec(moments="population", types_over="given_areas"),
]


@pytest.mark.parametrize(
    "spec", SPECS, ids=lambda s: f"{s.normalisation}-{s.aggregation}-{s.moments}-{s.weights}"
)
def test_batch_index_matches_compute_index(small, spec):
    ds = small.dataset
    ref = compute_index(ds, spec)
    rates = (100 * ds["count"] / ds["denominator"]).transpose("year", "area", "indicator").values
    pop = ds["denominator"].sel(indicator="V1").transpose("year", "area").values
    b = batch_index(rates, spec, ["V1", "V2", "V3"], population=pop)
    np.testing.assert_allclose(b.index, ref["index"].values.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.mu, ref["mu"].values, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.sigma, ref["sigma"].values, rtol=1e-12, atol=1e-12)
    assert np.array_equal(b.type, ref["type"].values.T)
    assert np.array_equal(b.rank, ref["rank"].values.T)


def test_competition_ranks_equal_scipy_ranks_with_ties_and_nan():
    from scipy.stats import rankdata

    x = np.round(np.random.default_rng(0).normal(size=(30, 200)), 1)
    x[2, 7] = np.nan
    expected = rankdata(-np.where(np.isnan(x), -np.inf, x), method="min", axis=-1)
    assert np.array_equal(competition_ranks(x), np.where(np.isnan(x), 0, expected))
    assert np.array_equal(rank_array(x.T, axis=0), competition_ranks(x).T)


def test_quantile_types_give_the_requested_shares():
    shares = (0.05, 0.10, 0.25, 0.5, 0.10)
    t = quantile_types(np.arange(1, 1001), shares)
    assert np.bincount(t, minlength=6)[1:].tolist() == [50, 100, 250, 500, 100]

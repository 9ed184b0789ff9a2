"""Bootstrap: binomial SEs, type probabilities, clear errors, reproducibility."""

import numpy as np
import pytest

from sesindex.data.model import from_tidy
from sesindex.index import IndexSpec
from sesindex.uncertainty.bootstrap import area_summary, bootstrap_year, draw_rates

GIVEN = IndexSpec(types_over="given_areas")


def test_parametric_se_of_a_rate_is_binomial(small):
    """SD of replicate rates vs 100 sqrt(p(1-p)/n), cell by cell and on average.

    The relative SE of a sample SD from R near-normal draws is 1/sqrt(2(R-1)); cells
    (area x indicator) are independent, so their mean ratio has SE 1/sqrt(2(R-1) cells).
    """
    r = 2000
    ds = small.dataset.sel(year=2022)
    count = ds["count"].values
    n = ds["denominator"].values
    keep = (count > 0) & (count < n)
    draws = draw_rates(100 * count[keep] / n[keep], n[keep], r, np.random.default_rng(7))
    p = count[keep] / n[keep]
    ratio = draws.std(axis=0, ddof=1) / (100 * np.sqrt(p * (1 - p) / n[keep]))
    rel_se = 1 / np.sqrt(2 * (r - 1))
    assert np.all(np.abs(ratio - 1) < 5 * rel_se)
    assert abs(ratio.mean() - 1) < 3 * rel_se / np.sqrt(keep.sum())
    assert np.allclose(
        draws.mean(axis=0), 100 * p, atol=5 * 100 * np.sqrt(p * (1 - p) / n[keep] / r)
    )


def test_type_probabilities_sum_to_one_and_agree_with_flips(small):
    b = bootstrap_year(small.dataset, GIVEN, 2022, replicates=300, seed=3)
    s = area_summary(b)
    probs = s[[f"p_type_{k}" for k in range(1, 6)]].to_numpy()
    assert np.allclose(probs.sum(axis=1), 1.0)
    own = probs[np.arange(len(s)), s["type_obs"].to_numpy() - 1]
    assert np.allclose(1 - own, s["p_type_differs"])
    assert (s["index_lo50"] >= s["index_lo90"]).all()
    assert (s["index_lo90"] >= s["index_lo95"]).all()
    assert (s["rank_lo90"] <= s["rank_obs"] + 30).all()


def test_seeded_and_vectorised_in_chunks(small):
    a = bootstrap_year(small.dataset, GIVEN, 2022, replicates=120, seed=9, chunk=50)
    b = bootstrap_year(small.dataset, GIVEN, 2022, replicates=120, seed=9, chunk=50)
    assert np.array_equal(a.index, b.index) and a.index.shape == (120, 200)


def test_area_resampling_moves_only_the_cut_points(small):
    b = bootstrap_year(small.dataset, GIVEN, 2022, replicates=200, seed=4, method="areas")
    assert np.all(b.index == b.observed.index) and np.all(b.rank == b.observed.rank)
    assert b.mu.std() > 0
    s = area_summary(b)
    assert (s["index_se"] == 0).all() and (s["index_lo90"] == s["index_obs"]).all()


def test_percent_only_data_raises_the_denominator_error():
    tidy = __import__("pandas").DataFrame(
        {
            "area_code": ["0114R001", "0114R002"] * 3,
            "year": 2022,
            "indicator": ["V1", "V1", "V2", "V2", "V3", "V3"],
            "value": [10.0, 12.0, 8.0, 9.0, 3.0, 4.0],
        }
    )
    ds = from_tidy(tidy)
    with pytest.raises(ValueError, match="needs counts and denominators"):
        bootstrap_year(ds, GIVEN, 2022, replicates=10)
    # the area-resampling scheme needs no denominators
    assert bootstrap_year(ds, GIVEN, 2022, replicates=10, method="areas").mu.shape == (10,)


def test_continuous_indicators_are_held_fixed_only_when_declared():
    from sesindex.validate.inputs import real_data
    from sesindex.validate.spec import StudySpec

    data = real_data(StudySpec.from_dict({"study": "bootstrap", "data": "sweden-regso-2022"}))
    spec = IndexSpec(
        indicators=("forgymnasial_25_64", "rental_dwellings", "median_income"),
        normalisation="zscore",
    )
    with pytest.raises(ValueError, match="median_income"):
        bootstrap_year(data.dataset, spec, 2022, replicates=5)
    b = bootstrap_year(data.dataset, spec, 2022, replicates=20, fixed_indicators=["median_income"])
    assert b.index.shape == (20, 3363)


def test_published_percentages_with_denominators_bootstrap_like_counts(small):
    """A percentage that carries its denominator gives the same replicates as its counts."""
    import pandas as pd

    tidy = small.tidy[small.tidy["year"] == 2022].copy()
    pct = tidy.assign(value=100 * tidy["count"] / tidy["denominator"], count=np.nan)
    a = bootstrap_year(from_tidy(tidy), GIVEN, 2022, replicates=50, seed=8)
    b = bootstrap_year(from_tidy(pct), GIVEN, 2022, replicates=50, seed=8)
    assert isinstance(pct, pd.DataFrame)
    np.testing.assert_allclose(a.index, b.index, rtol=1e-12)

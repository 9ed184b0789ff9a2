"""The embedded synthetic national panel reproduces SCB's published facts.

Targets (shared/data/README.md, SCB/Delmos documentation): national mu about 9.10 and
sigma about 5.47 percentage points (2022), type shares 4.8 / 8.6 / 25.4 / 52.6 / 8.6 %
(160 / 289 / 855 / 1,770 / 289 of 3,363) and 253 of 3,363 areas (7.5 %) changing type
2022 -> 2023, all to a neighbouring type. Tolerances: mu and sigma within 0.4 points
(the synthetic years drift by about 0.35 over 2011-2024); type shares within 2 points
(binomial sd of a share near 50 % over 3,363 areas is 0.9 points, so 2 points is a bit
over two sd); churn between 6 and 9.5 % in every pair of consecutive years.
"""

from __future__ import annotations

import numpy as np
import pytest

from sesindex.data.synthetic import POPULATION_RANGE, generate
from sesindex.index import compute_index

TARGET_SHARES = np.array([160, 289, 855, 1770, 289]) / 3363 * 100


@pytest.fixture(scope="module")
def national():
    data = generate()
    return data, compute_index(data.dataset)


def test_shape_and_codes(national):
    data, _ = national
    ds = data.dataset
    assert ds.sizes == {"area": 3363, "year": 14, "indicator": 3}
    assert ds["municipality_code"].to_series().nunique() == 290
    assert ds["area"].to_series().str.match(r"^\d{4}R\d{3}$").all()


def test_populations_in_published_range_and_right_skewed(national):
    pop = national[0].truth["population"]
    assert pop.min() >= POPULATION_RANGE[0] and pop.max() <= POPULATION_RANGE[1]
    assert pop.mean() > pop.median()


@pytest.mark.parametrize("year", range(2011, 2025))
def test_mean_and_sd_of_index(national, year):
    out = national[1]
    assert abs(out["mu"].sel(year=year).item() - 9.10) < 0.4
    assert abs(out["sigma"].sel(year=year).item() - 5.47) < 0.4


@pytest.mark.parametrize("year", [2011, 2022, 2024])
def test_type_shares(national, year):
    types = national[1]["type"].sel(year=year).values
    shares = np.bincount(types, minlength=6)[1:] / types.size * 100
    assert np.abs(shares - TARGET_SHARES).max() < 2.0, shares


def test_type_churn_between_consecutive_years(national):
    t = national[1]["type"].values.astype(int)
    churn = (t[:, 1:] != t[:, :-1]).mean(axis=0) * 100
    assert churn.min() > 6.0 and churn.max() < 9.5, churn
    jumps = np.abs(t[:, 1:] - t[:, :-1])
    assert (jumps > 1).mean() < 0.001  # as in 2022->2023: (almost) all to a neighbour


def test_truth_is_complete_and_consistent(national):
    data, _ = national
    truth = data.truth
    assert len(truth) == 3363 * 14 and not truth.isna().any().any()
    rates = truth[["rate_V1_true", "rate_V2_true", "rate_V3_true"]].mean(axis=1)
    assert np.allclose(rates, truth["index_true"])
    assert np.allclose(truth["ses_true"], -truth["eta_true"])


def test_generator_is_seeded():
    a = generate(n_areas=40, years=(2022,), seed=7).tidy
    b = generate(n_areas=40, years=(2022,), seed=7).tidy
    c = generate(n_areas=40, years=(2022,), seed=8).tidy
    assert a.equals(b) and not a["count"].equals(c["count"])

"""Change detection: calibrated false-positive rate, decomposition, MDC."""

import numpy as np
import pytest
from scipy.stats import norm

from sesindex.index import IndexSpec
from sesindex.uncertainty.change import change_table, decompose, linear_coefficients, mdc
from sesindex.validate.change import false_positive_rates

GIVEN = IndexSpec(types_over="given_areas")
KW = dict(replicates=300, seed=1, delta=1.0, alpha=0.05, power=0.8)


@pytest.fixture(scope="module")
def null_table(no_change):
    return change_table(no_change.dataset, GIVEN, (2022, 2023), **KW)


def test_no_change_panel_is_really_unchanged(no_change):
    t = no_change.truth.pivot(index="area_code", columns="year", values="index_true")
    assert np.allclose(t[2022], t[2023])


def test_false_positive_rate_of_the_test_is_nominal(null_table):
    """Under no change the z test rejects with probability alpha in every area, so the
    rejection count is Binomial(n, alpha): tolerance 3 sqrt(alpha (1 - alpha) / n).
    """
    alpha, n = 0.05, len(null_table)
    fpr = false_positive_rates(null_table, alpha)
    rate = fpr.iloc[0]["rate"]
    assert abs(rate - alpha) <= 3 * np.sqrt(alpha * (1 - alpha) / n)
    assert bool(fpr.iloc[0]["within_tolerance"])
    # the combined rule (type changed and test rejects) can only be rarer
    assert fpr.set_index("rule").loc["type_changed_and_test_rejects", "rate"] <= rate


def test_analytic_se_matches_bootstrap_se(null_table):
    """Bootstrap SD over R=300 replicates: relative SE 1/sqrt(2(R-1)) per area."""
    ratio = null_table["se_change_bootstrap"] / null_table["se_change"]
    rel = 1 / np.sqrt(2 * (KW["replicates"] - 1))
    assert abs(ratio.mean() - 1) < 3 * rel / np.sqrt(len(ratio))
    assert np.all(np.abs(ratio - 1) < 5 * rel)


def test_decomposition_by_construction():
    # own movement: new index alone crosses; cut points: old index under new cuts
    t1, t2, cross = np.array([3, 3, 4, 2]), np.array([2, 4, 4, 4]), np.array([2, 3, 4, 3])
    assert decompose(t1, t2, cross) == [
        "own movement",
        "cut points (mu, sigma)",
        "no change",
        "both",
    ]


def test_decomposition_in_the_table(small):
    t = change_table(small.dataset, GIVEN, (2022, 2023), **KW)
    own = t["component"] == "own movement"
    assert (t.loc[own, "type_y2_index_y1_cuts"] == t.loc[own, "type_2023"]).all()
    assert set(t["component"]) <= {"own movement", "cut points (mu, sigma)", "both", "no change"}
    assert ((t["component"] == "no change") == ~t["type_changed"]).all()


def test_mdc_is_z_sum_times_se_and_shrinks_with_population(small):
    assert mdc(np.array([2.0]))[0] == pytest.approx(2 * (norm.ppf(0.975) + norm.ppf(0.8)))
    t = change_table(small.dataset, GIVEN, (2022, 2023), **KW)
    rho = np.corrcoef(np.log(t["population"]), np.log(t["mdc"]))[0, 1]
    assert rho < -0.5


def test_linear_coefficients_refuse_nonlinear_indices():
    with pytest.raises(ValueError, match="linear index"):
        linear_coefficients(IndexSpec(aggregation="geometric"), np.ones((3, 3)))

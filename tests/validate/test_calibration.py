"""Calibration measures and the coverage of bootstrap intervals on synthetic truth."""

import numpy as np

from sesindex.index import IndexSpec
from sesindex.uncertainty.bootstrap import area_summary, bootstrap_year
from sesindex.validate.calibration import binomial_tolerance, brier, coverage, one_hot


def test_brier_score_known_values():
    truth = np.array([1, 2, 3])
    assert brier(one_hot(truth), truth) == 0.0
    assert brier(one_hot(np.array([2, 3, 4])), truth) == 2.0
    assert brier(np.full((3, 5), 0.2), truth) == np.float64(0.8) or np.isclose(
        brier(np.full((3, 5), 0.2), truth), 0.8
    )


def test_bootstrap_intervals_cover_the_true_index_at_the_nominal_rate(small):
    """Coverage of 300 independent areas within 3 binomial SEs of the nominal level."""
    from sesindex.data.synthetic import generate

    d = generate(n_areas=300, years=(2022,), seed=21)
    b = bootstrap_year(d.dataset, IndexSpec(types_over="given_areas"), 2022, replicates=400, seed=2)
    s = area_summary(b)
    truth = d.truth.set_index("area_code").loc[s["area_code"], "index_true"].to_numpy()
    for level in (0.5, 0.9, 0.95):
        tag = round(100 * level)
        cov = coverage(s[f"index_lo{tag}"], s[f"index_hi{tag}"], truth)
        # + 1/sqrt(2R)-order Monte Carlo error of the percentile end points is negligible
        assert abs(cov - level) <= binomial_tolerance(level, 300), (level, cov)

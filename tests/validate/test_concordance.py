"""Agreement measures with answers known by construction."""

import numpy as np

from sesindex.validate.concordance import (
    bland_altman,
    compare,
    deciles,
    transition_matrix,
    weighted_kappa,
)


def test_identical_methods_agree_perfectly():
    rng = np.random.default_rng(1)
    x = rng.normal(size=250)
    t = rng.integers(1, 6, size=250)
    c = compare(x, x, t, t)
    assert c["spearman"] == 1.0 and c["kendall"] == 1.0
    assert c["kappa_linear"] == 1.0 and c["kappa_quadratic"] == 1.0
    assert c["share_same_type"] == 1.0 and c["mean_abs_rank_shift"] == 0.0
    assert c["share_same_decile"] == 1.0 and c["type_changes"] == 0


def test_monotone_transform_keeps_ranks_but_not_scale():
    x = np.random.default_rng(2).uniform(1, 10, size=200)
    c = compare(x, np.log(x))
    assert c["spearman"] == 1.0 and c["kendall"] == 1.0
    assert bland_altman(x, 3 * x + 7)["sd_difference"] == 0.0
    assert bland_altman(x, np.log(x))["sd_difference"] > 0


def test_transition_matrix_rows_sum_to_type_counts():
    rng = np.random.default_rng(3)
    a = rng.integers(1, 6, size=300)
    b = np.clip(a + rng.integers(-1, 2, size=300), 1, 5)
    m = transition_matrix(a, b)
    assert m.sum(axis=1).tolist() == np.bincount(a, minlength=6)[1:].tolist()
    assert m.sum(axis=0).tolist() == np.bincount(b, minlength=6)[1:].tolist()
    assert compare(a.astype(float), b.astype(float), a, b)["moves_to_neighbours_only"]


def test_weighted_kappa_penalises_distant_disagreement_more():
    a = np.array([1, 2, 3, 4, 5] * 20)
    near = np.where(a == 3, 4, a)
    far = np.where(a == 3, 5, a)
    assert weighted_kappa(a, near, "quadratic") > weighted_kappa(a, far, "quadratic")
    assert weighted_kappa(a, near, None) == weighted_kappa(a, far, None)


def test_deciles_have_equal_sizes():
    assert np.bincount(deciles(np.arange(300.0)))[1:].tolist() == [30] * 10

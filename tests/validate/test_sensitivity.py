"""Sobol indices and Monte Carlo evaluation with answers known by construction."""

import numpy as np
import pytest

from sesindex.index import IndexSpec
from sesindex.validate.sensitivity import Context, Factors, evaluate, sobol_indices

GIVEN = IndexSpec(types_over="given_areas")


def _sobol(small, factors, base=64):
    ctx = Context.build(small.dataset, 2022, GIVEN, factors)
    return sobol_indices(ctx, base, seed=5, resamples=20).set_index(["output", "factor"])


@pytest.mark.filterwarnings("ignore:Constant values encountered")
def test_choices_that_do_not_act_have_zero_sobol_indices(small):
    """PCA sets its own weights on z-scores: normalisation and weights cannot act."""
    s = _sobol(small, Factors(aggregations=("pca",)))
    for factor in ("normalisation", "weights"):
        for output in ("mean_abs_rank_shift", "share_type_changed", "spearman"):
            assert s.loc[(output, factor), "S1"] == pytest.approx(0, abs=1e-12)
            assert s.loc[(output, factor), "ST"] == pytest.approx(0, abs=1e-12)
    # the cut rule acts on types only, never on ranks
    assert s.loc[("share_type_changed", "cut_rule"), "ST"] > 0.5
    assert s.loc[("mean_abs_rank_shift", "cut_rule"), "ST"] == pytest.approx(0, abs=1e-12)


def test_cut_rule_never_moves_ranks(small):
    s = _sobol(small, Factors(normalisations=("none", "zscore"), aggregations=("arithmetic",)))
    assert s.loc[("spearman", "cut_rule"), "ST"] == pytest.approx(0, abs=1e-12)
    assert s.loc[("mean_abs_rank_shift", "weights"), "ST"] > 0.1


def test_reference_choice_reproduces_the_reference(small):
    """Equal weights, no normalisation, arithmetic, SCB's sd rule = the official index."""
    f = Factors(
        normalisations=("none",),
        aggregations=("arithmetic",),
        cut_rules=("sd_unweighted",),
        vary_weights=False,
    )
    ctx = Context.build(small.dataset, 2022, GIVEN, f)
    ev = evaluate(ctx, np.zeros((3, f.dimension)), keep_areas=True)
    assert np.allclose(ev.outputs, [[0.0, 0.0, 1.0]] * 3)
    assert np.array_equal(ev.ranks[0], ctx.ref_rank)


def test_backend_switch_without_code_change(small):
    from joblib import parallel_config

    ctx = Context.build(small.dataset, 2022, GIVEN, Factors())
    u = np.random.default_rng(0).random((40, ctx.factors.dimension))
    serial = evaluate(ctx, u, block=10).outputs
    with parallel_config(backend="threading", n_jobs=2):
        threaded = evaluate(ctx, u, n_jobs=2, block=10).outputs
    assert np.array_equal(serial, threaded)


def test_dirichlet_weights_centre_on_equal():
    f = Factors(concentration=50.0)
    u = np.random.default_rng(1).random((4000, f.dimension))
    w = f.decode(u)["weights"]
    assert np.allclose(w.sum(axis=1), 1)
    sd = np.sqrt((1 / 3) * (2 / 3) / (3 * 50 + 1))  # Dirichlet(50,50,50) marginal sd
    assert np.allclose(w.mean(axis=0), 1 / 3, atol=5 * sd / np.sqrt(4000))
    assert np.allclose(w.std(axis=0), sd, rtol=0.1)

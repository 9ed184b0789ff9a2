"""Chains started about the mode (``sampler.init = "mode"``,
:mod:`sesindex.bayes.sampling.start`).
"""

from __future__ import annotations

import numpy as np
import pytest

from sesindex.bayes.model.form import ModelForm
from sesindex.bayes.sampling.start import INFLATION, climb, compiled_logp, start_near_mode


def test_climb_gives_the_exact_gaussian_mode_and_covariance():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4))
    cov = a @ a.T + 0.1 * np.eye(4)
    prec, mean = np.linalg.inv(cov), np.arange(4.0)

    def logp(x):
        d = x - mean
        return -0.5 * d @ prec @ d, -prec @ d

    mode, got = climb(logp, np.full(4, 10.0))
    np.testing.assert_allclose(mode, mean, atol=1e-5)
    # central differences of a linear gradient are exact up to rounding
    np.testing.assert_allclose(got, cov, rtol=1e-6, atol=1e-8)


def test_a_flat_direction_has_no_laplace_covariance():
    def logp(x):  # x[1] does not enter: the Hessian is singular
        return -(x[0] ** 2), np.array([-2 * x[0], 0.0])

    mode, cov = climb(logp, np.array([3.0, 1.0]))
    assert abs(mode[0]) < 1e-6 and cov is None


@pytest.fixture(scope="module")
def small_model():
    from sesindex.bayes.model.inputs import model_inputs
    from sesindex.bayes.sampling.compiled import compiled_model
    from sesindex.data.synthetic import generate

    inputs = model_inputs(
        generate(n_areas=60, years=(2022, 2023), seed=3).dataset, ["V1", "V2", "V3"]
    )
    return compiled_model(inputs, ModelForm(dispersion="variance", steps="jumps"))


def test_each_chain_starts_apart_near_the_mode_of_the_model(small_model):
    logp = compiled_logp(small_model)
    started = start_near_mode(small_model)
    starts = [started.initial_point_func(seed) for seed in (1, 2)]
    jittered = [np.asarray(small_model.initial_point_func(seed)) for seed in (1, 2)]
    assert not np.allclose(starts[0], starts[1])  # over-dispersed, not one point
    mode, cov = climb(logp, jittered[0])
    assert cov is not None
    # the climbed point is the mode to well within a posterior sd: the Newton step to
    # the exact mode, cov @ grad, is < 0.05 Laplace sd long (Mahalanobis), while the
    # chains start ~2 sd apart from it; nutpie's jittered start is far from it
    grad = logp(mode)[1]
    assert np.sqrt(grad @ cov @ grad) < 0.05
    grad0 = logp(jittered[0])[1]
    assert np.sqrt(grad0 @ cov @ grad0) > 6 * INFLATION
    sd = np.sqrt(np.diag(cov))
    for start, jit in zip(starts, jittered, strict=True):
        assert np.isfinite(logp(start)[0])
        # a draw of N(mode, (2 sd)^2) lies within 6 x 2 sd in every coordinate with
        # probability > 1 - 1e-8 per coordinate; nutpie's jittered start does not
        assert np.max(np.abs(start - mode) / sd) < 6 * INFLATION
        assert np.max(np.abs(jit - mode) / sd) > 6 * INFLATION


def test_a_climb_without_a_laplace_approximation_starts_at_the_climbed_point(
    small_model, monkeypatch
):
    import sesindex.bayes.sampling.start as start

    x0 = np.asarray(small_model.initial_point_func(5))
    climbed = x0 + 0.25  # a finite point other than the jittered start
    monkeypatch.setattr(start, "climb", lambda logp, x: (climbed, None))
    with pytest.warns(RuntimeWarning, match="seed 5: the Hessian"):
        got = start_near_mode(small_model).initial_point_func(5)
    np.testing.assert_array_equal(got, climbed)


def test_a_climb_to_a_non_finite_density_starts_where_nutpie_would(small_model, monkeypatch):
    import sesindex.bayes.sampling.start as start

    x0 = np.asarray(small_model.initial_point_func(5))
    nowhere = np.full_like(x0, np.inf)
    monkeypatch.setattr(start, "climb", lambda logp, x: (nowhere, None))
    with pytest.warns(RuntimeWarning, match="seed 5 ended at a non-finite"):
        got = start_near_mode(small_model).initial_point_func(5)
    np.testing.assert_array_equal(got, x0)


@pytest.mark.slow
def test_a_fit_started_at_the_mode_agrees_with_one_started_by_nutpie():
    from dataclasses import replace

    import arviz as az

    from sesindex.bayes import fit, load_model_spec
    from sesindex.bayes.sampling.trace import group
    from sesindex.data.synthetic import generate
    from sesindex.specs import resolve_spec

    spec = load_model_spec(resolve_spec("latent_factor_single_year"))
    ds = generate(n_areas=150, years=(2024,), seed=4).dataset
    # Both fits must pass the gate (R-hat <= 1.01, ESS >= 400), whatever stack draws the
    # chains. The slowest quantities (the intercepts alpha) get a bulk ESS e of 0.19-0.31
    # per kept draw, with either start (lower on nutpie 0.16.11, whose trajectories are
    # shorter). With ESS = 2 D e over D draws a chain, split R-hat's 4 half-chain means
    # give R^2 ~ 1 - 1/N + 4 chi2_3 / (3 ESS), N = D / 2, so R > 1.01 when
    # chi2_3 > 3 ESS (0.0201 + 1/N) / 4. At D = 1000 the ESS is 380-620, near the gate,
    # and P(R > 1.01) 2-10 % per quantity: 4 of 24 such fits missed the gate, on both
    # stacks and with either start. At D = 4000 and e = 0.19: ESS 1,520 and P < 3.2e-5
    # per quantity, so < 0.12 % that any of 18 slow quantities in either fit misses
    # (benchmarks/experiments/py312_mode_start_gate).
    fits = {
        init: fit(ds, replace(spec, sampler=replace(spec.sampler, draws=4000, init=init)))
        for init in ("jitter", "mode")
    }
    means, mcse = {}, {}
    for init, res in fits.items():
        assert res.gate["passed"], (init, res.gate["worst"])
        post = group(res.idata, "posterior")[["alpha", "lam", "dispersion"]]
        means[init], mcse[init] = post.mean(("chain", "draw")), az.mcse(post)
    for name in ("alpha", "lam", "dispersion"):
        gap = np.abs(means["mode"][name] - means["jitter"][name]).values
        se = np.hypot(mcse["mode"][name], mcse["jitter"][name]).values
        # the same posterior: each of the 9 means within 4 Monte Carlo standard errors
        # (a false alarm has probability < 1e-3 in all)
        assert (gap < 4 * se).all(), (name, gap, se)


def test_maxdepth_caps_every_trajectory(small_model):
    from sesindex.bayes.sampling.samplers import nutpie_sample
    from sesindex.bayes.spec import SamplerSpec

    idata = nutpie_sample(small_model, SamplerSpec(tune=50, draws=30, maxdepth=2), seed=5)
    steps = idata.sample_stats["n_steps"].values
    # a tree of depth 2 has at most 2**2 - 1 = 3 leapfrog steps; uncapped, this model's
    # trajectories run longer
    assert steps.max() <= 3
    free = nutpie_sample(small_model, SamplerSpec(tune=50, draws=30), seed=5)
    assert free.sample_stats["n_steps"].values.max() > 3

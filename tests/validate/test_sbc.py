"""Prior simulator moments and a tiny simulation-based calibration (SBC) of the model.

Tolerances come from the sampling distributions: a sample variance of n iid normals
with variance s^2 is s^2 chi2_(n-1) / (n-1), so the test asks the chi-square cdf of the
observed statistic to lie in (0.0005, 0.9995) (a false alarm once in a thousand runs
per check; the seeds are fixed, so a run is reproducible).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sesindex.bayes.model.form import ModelForm
from sesindex.bayes.model.inputs import ModelInputs
from sesindex.bayes.simulate import simulate_prior, template_inputs
from sesindex.bayes.spec import GateSpec, ModelSpec
from sesindex.validate.ranks import overall
from sesindex.validate.sbc import run_sbc, summarise

MUNI = ModelForm(municipality=True)  # the simulator draws municipality effects

EDGE = 0.0005
TINY = {"tune": 200, "draws": 150, "posterior_draws": 49}  # L = 49: every 6th draw


def fake_template(
    n_area: int, n_muni: int, n_year: int, v: float | np.ndarray = 0.05, seed: int = 0
) -> ModelInputs:
    """Inputs of the right shapes without generating data (v given)."""
    shape = (n_area, n_year, 3)
    v = np.broadcast_to(np.asarray(v, float), shape).copy()
    muni = np.arange(n_area) % n_muni
    return ModelInputs(
        z=np.zeros(shape),
        v=v,
        count=np.full(shape, np.nan),
        denominator=np.ones(shape),
        municipality=muni,
        areas=np.array([f"A{i}" for i in range(n_area)]),
        years=np.arange(2022, 2022 + n_year),
        indicators=("V1", "V2", "V3"),
        kinds=("count",) * 3,
        municipalities=np.array([f"M{k}" for k in range(n_muni)]),
    )


def variance_ok(x: np.ndarray, var: float, ddof: int = 1) -> bool:
    """Is the sample variance of x consistent with ``var`` (chi-square, two-sided 0.001)?"""
    n = x.size
    stat = (n - ddof) * x.var(ddof=ddof) / var
    q = stats.chi2.cdf(stat, n - ddof)
    return EDGE < q < 1 - EDGE


def mean_ok(x: np.ndarray, mean: float, sd: float) -> bool:
    """Is the sample mean of x consistent with ``mean`` given the known sd (normal)?"""
    zscore = (x.mean() - mean) / (sd / np.sqrt(x.size))
    return abs(zscore) < stats.norm.ppf(1 - EDGE)


def test_first_year_eta_has_unit_variance():
    # every area its own municipality: eta_i0 = m_i + u_i are iid N(0, rho + 1 - rho)
    sim, truth = simulate_prior(
        fake_template(20000, 20000, 1), np.random.default_rng(1), MUNI, panel=False
    )
    eta = truth["eta"][:, 0]
    assert variance_ok(eta, 1.0, ddof=0) and mean_ok(eta, 0.0, 1.0)
    # a deliberately wrong variance is rejected by the same check
    assert not variance_ok(eta, 1.1, ddof=0)


def test_municipality_and_area_parts_split_by_rho():
    tpl = fake_template(300 * 50, 300, 1)
    sim, truth = simulate_prior(tpl, np.random.default_rng(2), MUNI, panel=False)
    rho, m = truth["rho"], truth["m"]
    assert 0 < rho < 1
    assert variance_ok(m, rho, ddof=0) and mean_ok(m, 0.0, np.sqrt(rho))
    within = truth["eta"][:, 0] - m[tpl.municipality]
    assert variance_ok(within, 1 - rho, ddof=0) and mean_ok(within, 0.0, np.sqrt(1 - rho))


def test_observations_decompose_into_signal_and_known_plus_residual_variance():
    tpl = template_inputs(300, 30, (2021, 2022, 2023), seed=4)
    sim, t = simulate_prior(tpl, np.random.default_rng(3), MUNI, panel=True)
    mean = t["alpha"] + t["lam"] * t["eta"][:, :, None] + t["gamma"][:, None, :]
    std = (sim.z - mean) / np.sqrt(t["dispersion"] + tpl.v)
    assert variance_ok(std.ravel(), 1.0, ddof=0) and mean_ok(std.ravel(), 0.0, 1.0)
    # without v (only the dispersion) the residuals are too wide whenever v matters
    wrong = (sim.z - mean) / np.sqrt(np.abs(t["dispersion"]))
    assert not variance_ok(wrong.ravel(), 1.0, ddof=0)
    steps = np.diff(t["eta"], axis=1) / t["tau"]
    assert variance_ok(steps.ravel(), 1.0, ddof=0)
    assert variance_ok((t["gamma"] / t["kappa"]).ravel(), 1.0, ddof=0)
    assert np.array_equal(sim.v, tpl.v) and sim.z.shape == tpl.z.shape


def test_prior_moments_over_replicates():
    tpl = fake_template(4, 2, 2)
    rng = np.random.default_rng(4)
    draws = [simulate_prior(tpl, rng, MUNI, panel=True)[1] for _ in range(4000)]
    get = {
        k: np.array([d[k] for d in draws])
        for k in ("alpha", "lam", "sigma", "dispersion", "rho", "tau", "kappa")
    }
    half = np.sqrt(2 / np.pi)  # E|N(0, 1)|, sd of |N(0, 1)| is sqrt(1 - 2/pi)
    hsd = np.sqrt(1 - 2 / np.pi)
    assert mean_ok(get["rho"], 0.5, np.sqrt(1 / 20))  # Beta(2, 2): variance 1/20
    assert mean_ok(get["alpha"].ravel(), 0.0, 3.0) and variance_ok(get["alpha"].ravel(), 9.0)
    for name, scale in (("lam", 1.0), ("tau", 0.2), ("kappa", 0.3)):
        x = get[name].ravel()
        assert (x >= 0).all() and mean_ok(x, scale * half, scale * hsd), name
    x = get["sigma"].ravel()  # the default: sigma ~ HalfNormal(0.5), dispersion sigma^2
    assert (x >= 0).all() and mean_ok(x, 0.5 * half, 0.5 * hsd)
    assert np.allclose(get["dispersion"], get["sigma"] ** 2)
    # dispersion="variance": N(0, 0.5^2) truncated below at -floor
    variance = ModelForm(municipality=True, dispersion="variance")
    get["dispersion"] = np.array(
        [simulate_prior(tpl, rng, variance, panel=True)[1]["dispersion"] for _ in range(4000)]
    )
    floor = tpl.v.min(axis=(0, 1))
    for j in range(tpl.v.shape[-1]):
        x, law = get["dispersion"][:, j], stats.truncnorm(-floor[j] / 0.5, np.inf, scale=0.5)
        assert (x > -floor[j]).all() and mean_ok(x, law.mean(), law.std()), j
        assert variance_ok(x, law.var())
    eta0 = np.array([d["eta"][:, 0] for d in draws]).ravel()  # marginally N(0, 1)
    assert mean_ok(eta0[::4], 0.0, 1.0) and variance_ok(eta0[::4], 1.0, ddof=0)


def test_panel_flag_must_match_the_years():
    with pytest.raises(ValueError, match="more than one year"):
        simulate_prior(fake_template(3, 1, 1), np.random.default_rng(0), MUNI, panel=True)
    with pytest.raises(ValueError, match="one year"):
        simulate_prior(fake_template(3, 1, 2), np.random.default_rng(0), MUNI, panel=False)


#: A gate 2 x 150 draws pass (the production gate asks 400 ESS of 3,000 draws; the
#: filter itself is tested in test_replicates_that_miss_the_gate_are_not_ranked).
TINY_GATE = GateSpec(rhat_max=1.3, ess_bulk_min=5, ess_tail_min=5, divergences_max=100)


@pytest.fixture(scope="module")
def tiny_sbc():
    """SBC at tiny size: 30 replicates, 20 areas in 4 municipalities, one year."""
    tpl = template_inputs(20, 4, (2022,), seed=1)
    return run_sbc(
        tpl,
        replicates=30,
        seed=11,
        options=TINY,
        model=ModelSpec(municipality=True, gate=TINY_GATE),
    )


@pytest.mark.slow
def test_tiny_sbc_ranks_are_uniform(tiny_sbc):
    rep = tiny_sbc.replicates
    assert len(rep) == 30 and set(rep["status"]) <= {"ok", "not_converged"}, rep[
        ["status", "error"]
    ]
    # a replicate drawn from the prior can be too hard for 150 draws: it stays in the
    # table, marked, and out of the ranks. Such misses must stay rare (on the PyMC 6
    # stack's draws one of the 30 missed even this loose gate, R-hat 1.34; here none)
    ok = int((rep["status"] == "ok").sum())
    assert ok >= 27, rep[["status", "max_rhat", "min_ess_bulk", "divergences"]]
    ranks = tiny_sbc.ranks()
    # 3 alpha, 3 lambda, 3 dispersion, rho, eta and index of 4 areas, mu, sigma
    assert ranks.shape == (30, 20) and ranks.min().min() >= 0 and ranks.max().max() <= 49
    ranked = (rep["status"] == "ok").to_numpy()
    assert ranks[ranked].notna().all().all() and ranks[~ranked].isna().all().all()
    assert {"mu[2022]", "sigma[2022]"} <= set(ranks.columns)
    assert sum(c.startswith("index[") for c in ranks.columns) == 4
    table, summary = summarise(tiny_sbc, bins=5)
    assert (table["replicates_used"] == ok).all()
    assert summary["bonferroni_p"] > 0.001, table[["quantity", "p_value", "counts"]]
    assert summary["ks_p"] > 0.001


@pytest.mark.slow
def test_tiny_sbc_rejects_a_shifted_posterior(tiny_sbc):
    # negative control: the same truths ranked against draws moved up by one posterior sd
    table, summary = summarise(tiny_sbc, bins=5, shift_sd=1.0)
    assert summary["bonferroni_p"] < 0.001 and summary["rejects_uniformity"]
    assert (table["rank_mean"] < 0.5).all()  # truths now sit low among the draws


def test_a_failing_replicate_is_recorded_not_dropped():
    tpl = template_inputs(20, 4, (2022,), seed=1)
    # Beta(0, 2) is not a distribution: every simulation fails, and says why
    res = run_sbc(
        tpl,
        replicates=2,
        seed=11,
        prior={"rho_ab": (0.0, 2.0)},
        options=TINY,
        model=ModelSpec(municipality=True),
    )
    assert res.replicates["status"].tolist() == ["error", "error"]
    assert res.replicates["error"].str.startswith("ValueError").all()
    assert res.ranks().isna().all().all()
    assert overall(summarise(res)[0])["quantities"] == 0


def test_replicates_that_miss_the_gate_are_not_ranked():
    # only converged fits count: a gate no short run can pass leaves every replicate
    # "not_converged", recorded with its diagnostics and out of the ranks
    tpl = template_inputs(20, 4, (2022,), seed=1)
    res = run_sbc(
        tpl, replicates=2, seed=11, options=TINY, model=ModelSpec(gate=GateSpec(ess_bulk_min=1e9))
    )
    assert res.replicates["status"].tolist() == ["not_converged"] * 2
    assert res.replicates["min_ess_bulk"].notna().all()
    assert res.ranks().isna().all().all()


def test_the_stated_power_is_the_power_of_the_test():
    # at the shift detectable_miscalibration reports, the Bonferroni chi-square test of
    # R = 200 simulated ranks rejects in about 80 % of 600 simulated studies (binomial
    # sd of that share 0.016: the band is over 4 sd wide)
    from sesindex.validate.ranks import detectable_miscalibration

    d = detectable_miscalibration(200, 10, 14, alpha=0.01)
    rng = np.random.default_rng(0)
    crit = stats.chi2.ppf(1 - 0.01 / 14, 9)
    u = stats.norm.cdf(rng.standard_normal((600, 200)) + d["shift_sd"])
    counts = np.stack([np.bincount((x * 10).astype(int), minlength=10) for x in u])
    chi2 = ((counts - 20.0) ** 2 / 20.0).sum(axis=1)
    assert 0.73 < np.mean(chi2 > crit) < 0.87
    # more replicates detect smaller shifts
    assert detectable_miscalibration(400, 10, 14)["shift_sd"] < d["shift_sd"]


def test_binomial_prior_simulation_draws_counts_on_the_denominators():
    tpl = template_inputs(30, 5, (2022,), seed=2)
    sim, truth = simulate_prior(
        tpl,
        np.random.default_rng(4),
        ModelForm(municipality=True, likelihood="binomial"),
        panel=False,
    )
    assert np.array_equal(sim.denominator, tpl.denominator)
    assert (sim.count == np.round(sim.count)).all()
    assert ((0 <= sim.count) & (sim.count <= sim.denominator)).all()
    z = np.log((sim.count + 0.5) / (sim.denominator - sim.count + 0.5))
    np.testing.assert_allclose(sim.z, z)


@pytest.mark.slow
def test_tiny_sbc_of_the_exact_binomial_model_ranks_are_uniform():
    # the exact model samples every cell's logit: its whole fit, eta's conditional draws
    # included, must give uniform ranks when data come from its own generative form
    tpl = template_inputs(20, 4, (2022,), seed=1)
    res = run_sbc(
        tpl,
        replicates=30,
        seed=12,
        options={**TINY, "likelihood": "binomial", "target_accept": 0.95},
        model=ModelSpec(likelihood="binomial", gate=TINY_GATE),
    )
    status = res.replicates["status"]
    assert (status != "error").all() and (status == "ok").sum() >= 27, res.replicates
    table, summary = summarise(res, bins=5)
    assert summary["bonferroni_p"] > 0.001, table[["quantity", "p_value", "counts"]]
    assert summary["ks_p"] > 0.001
    assert summarise(res, bins=5, shift_sd=1.0)[1]["rejects_uniformity"]

"""The exact binomial likelihood and the kernel's per-cell dispersion, against first
principles.
"""

from __future__ import annotations

import numpy as np
import pytest
from dense_gaussian import dense_neg2loglik
from scipy.special import expit

from sesindex.bayes import ModelSpec, fit
from sesindex.bayes.likelihood.kernel import loglik_and_grad
from sesindex.bayes.model.form import ModelForm
from sesindex.bayes.model.graph import build_model
from sesindex.bayes.model.inputs import model_inputs
from sesindex.bayes.model.steps import step_sd
from sesindex.bayes.spec import SamplerSpec
from sesindex.data.synthetic import generate


def test_kernel_gradient_in_the_observations_matches_finite_differences():
    # the exact binomial model samples the kernel's "observations" (the true logits):
    # d log p / d z must be right in every cell, panel and municipality effects included
    rng = np.random.default_rng(21)
    z, v = rng.normal(size=(5, 3, 3)), rng.uniform(0.0, 0.1, size=(5, 3, 3))
    muni = np.array([0, 1, 1, 0, 2])
    theta = {
        "alpha": rng.normal(size=3),
        "lam": np.array([0.5, 0.7, 0.9]),
        "dispersion": np.array([0.03, 0.02, 0.05]),
        "rho": 0.3,
        "tau": 0.2,
        "kappa": np.array([0.2, 0.3, 0.1]),
    }
    _, grad = loglik_and_grad(z, v, muni, **theta, panel=True, municipality=True)
    h = 1e-6
    for cell in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[cell] += h
        down[cell] -= h
        fd = (
            loglik_and_grad(up, v, muni, **theta, panel=True, municipality=True)[0]
            - loglik_and_grad(down, v, muni, **theta, panel=True, municipality=True)[0]
        ) / (2 * h)
        assert grad["z"][cell] == pytest.approx(fd, rel=1e-6, abs=1e-7), cell


def test_the_dispersion_adds_to_every_cells_sampling_variance():
    # kernel(v, dispersion) must equal the dense Gaussian with cell variances
    # v_itj + dispersion_j, and its dispersion gradient must match differences
    rng = np.random.default_rng(22)
    z, v = rng.normal(size=(4, 2, 3)), rng.uniform(0.02, 0.2, size=(4, 2, 3))
    muni = np.array([0, 0, 1, 1])
    theta = {
        "alpha": np.zeros(3),
        "lam": np.array([0.6, 0.5, 0.9]),
        "dispersion": np.array([0.004, 0.001, 0.002]),
        "rho": 0.3,
        "tau": 0.2,
        "kappa": np.array([0.2, 0.1, 0.3]),
    }

    def value(disp):
        return loglik_and_grad(
            z, v, muni, **{**theta, "dispersion": disp}, panel=True, municipality=True
        )

    got, grad = value(theta["dispersion"])
    d = v + theta["dispersion"]
    want = -0.5 * dense_neg2loglik(
        z, d, theta["lam"], theta["tau"], theta["kappa"], theta["rho"], muni
    )
    assert got == pytest.approx(want, rel=1e-9)
    for j in range(3):
        step = np.eye(3)[j] * 1e-7
        fd = (value(theta["dispersion"] + step)[0] - value(theta["dispersion"] - step)[0]) / 2e-7
        assert grad["dispersion"][j] == pytest.approx(fd, rel=1e-5), j


@pytest.mark.parametrize("n_year", [1, 3])
def test_binomial_model_density_is_binomial_counts_plus_gaussian_logits(n_year):
    # at fixed hyperparameters, moving the sampled logits changes the model's log
    # density by exactly the change in sum(log Binomial(y | n, expit(theta))) plus the
    # change in the dense multivariate normal density of theta (eta, gamma, m integrated
    # out): theta = z + sqrt(v) xi has a constant Jacobian
    from scipy.stats import binom

    years = (2021, 2022, 2023)[:n_year]
    inputs = model_inputs(generate(n_areas=6, years=years, seed=4).dataset, ["V1", "V2", "V3"])
    model = build_model(inputs, ModelForm(likelihood="binomial", municipality=True))
    logp = model.compile_logp()
    rng = np.random.default_rng(3)
    base = {k: val + 0.05 for k, val in model.initial_point().items()}
    if n_year == 1:  # single years sample the loadings in polar form
        s = np.exp(base["loading_scale_log__"])
        angle = np.pi / 2 * expit(base["loading_angle_interval__"])
        lam, sigma = s * np.cos(angle), s * np.sin(angle)
    else:
        lam, sigma = np.exp(base["lam_log__"]), np.exp(base["sigma_log__"])
    hyper = {
        "alpha": base["alpha"],
        "lam": lam,
        "disp": sigma**2,
        "rho": expit(base["rho_logodds__"]),
    }
    if n_year > 1:
        hyper.update(
            tau=step_sd(np.exp(base["tau_log__"]), xp=np), kappa=np.exp(base["kappa_log__"])
        )

    def by_hand(xi):
        theta = inputs.z + np.sqrt(inputs.v) * xi
        counts = binom.logpmf(inputs.count, inputs.denominator, expit(theta)).sum()
        neg2 = dense_neg2loglik(
            theta - hyper["alpha"],
            np.broadcast_to(hyper["disp"], theta.shape),
            hyper["lam"],
            hyper.get("tau", 0.0),
            hyper.get("kappa", np.zeros(3)),
            hyper["rho"],
            inputs.municipality,
        )
        return counts - 0.5 * neg2

    for _ in range(3):
        other = {**base, "xi": rng.normal(size=base["xi"].shape)}
        assert logp(other) - logp(base) == pytest.approx(
            by_hand(other["xi"]) - by_hand(base["xi"]), rel=1e-9
        )


@pytest.mark.parametrize(
    "table,key",
    [
        ({"model": {"likelihood": "beta_binomial"}}, "model.likelihood"),
        ({"model": {"dispersion": "beta_binomial"}}, "model.dispersion"),
        ({"model": {"adjacency": "pairs.csv"}}, "model.adjacency"),
    ],
)
def test_retired_forms_are_refused_by_name(table, key):
    with pytest.raises(ValueError, match=key):
        ModelSpec.from_dict(table)


N_AREAS = 250


@pytest.mark.slow
def test_exact_binomial_fit_recovers_truth_with_calibrated_intervals():
    data = generate(n_areas=N_AREAS, years=(2022,), seed=5)
    spec = ModelSpec(
        years=(2022,), likelihood="binomial", sampler=SamplerSpec(tune=400, draws=500, seed=3)
    )
    res = fit(data.dataset, spec)
    assert "xi" in res.idata.posterior and res.gate["divergences"] == 0
    a = res.areas.merge(data.truth, on=["area_code", "year"])
    truth_ses = -(a["eta_true"] - a["eta_true"].mean()) / a["eta_true"].std(ddof=0)
    assert np.corrcoef(a["ses_mean"], truth_ses)[0, 1] > 0.95
    tol = 3 * np.sqrt(0.9 * 0.1 / N_AREAS)  # three binomial sd of a 90 % coverage
    for lo, hi, truth in (
        ("ses_lo90", "ses_hi90", truth_ses),
        ("index_lo90", "index_hi90", a["index_true"]),
    ):
        cover = ((a[lo] <= truth) & (truth <= a[hi])).mean()
        assert abs(cover - 0.9) < tol, (lo, cover)

"""The compiled likelihood kernel against the pytensor graph of the same density."""

from __future__ import annotations

import numpy as np
import pytest

from sesindex.bayes.likelihood.kernel import GRADIENTS, loglik_and_grad


def _graph_value_and_grad(z, v, muni, theta, panel, municipality):
    """log-likelihood and gradient of :func:`marginal_neg2loglik` by pytensor autodiff."""
    import pytensor
    import pytensor.tensor as pt

    from sesindex.bayes.likelihood.reference import marginal_neg2loglik

    sym = {
        "alpha": pt.dmatrix(),
        "lam": pt.dvector(),
        "dispersion": pt.dvector(),
        "rho": pt.dscalar(),
        "tau": pt.dmatrix(),
        "kappa": pt.dvector(),
    }
    neg2 = marginal_neg2loglik(
        z - sym["alpha"],
        sym["dispersion"] + v,
        sym["lam"],
        sym["tau"] if panel else pt.as_tensor(0.0),
        sym["kappa"] if panel else None,
        sym["rho"] if municipality else pt.as_tensor(0.0),
        muni if municipality else None,
        n_ind=z.shape[-1],
    )
    wrt = (
        ["alpha", "lam", "dispersion"]
        + (["rho"] if municipality else [])
        + (["tau", "kappa"] if panel else [])
    )
    logp = -0.5 * neg2
    f = pytensor.function(
        list(sym.values()),
        [logp, *pytensor.grad(logp, [sym[k] for k in wrt])],
        on_unused_input="ignore",
        mode="FAST_COMPILE",
    )
    out = f(*(theta[k] for k in sym))
    return float(out[0]), dict(zip(wrt, out[1:], strict=True))


@pytest.mark.parametrize(
    ("panel", "municipality", "n_year"),
    [
        pytest.param(True, True, 4, marks=pytest.mark.slow),
        (True, False, 3),
        (False, True, 1),
        (False, False, 1),
        (True, True, 2),
    ],
)
def test_value_and_gradient_equal_the_graph(panel, municipality, n_year):
    rng = np.random.default_rng(n_year + 10 * panel + 100 * municipality)
    z = rng.normal(size=(7, n_year, 3))
    v = rng.uniform(0.05, 0.3, size=z.shape)
    muni = np.array([0, 0, 1, 2, 2, 2, 1])
    # a level per year and indicator, a random-walk sd per area and step
    theta = {
        "alpha": rng.normal(size=(n_year, 3)),
        "lam": rng.uniform(0.3, 1.0, 3),
        # one indicator under-dispersed (negative dispersion above -min v)
        "dispersion": np.array([0.04, -0.01, 0.09]),
        "rho": 0.35 if municipality else 0.0,
        "tau": rng.uniform(0.1, 0.4, (7, n_year)),
        "kappa": rng.uniform(0.1, 0.4, 3),
    }
    want, want_grad = _graph_value_and_grad(z, v, muni, theta, panel, municipality)
    got, got_grad = loglik_and_grad(z, v, muni, **theta, panel=panel, municipality=municipality)
    assert got == pytest.approx(want, rel=1e-12)
    got_grad["rho"] = got_grad["rho"] - got_grad["var0"]  # var0 = 1 - rho in the graph
    if panel:  # the step into year 0 does not exist: its gradient is 0 in both
        assert not got_grad["tau"][:, 0].any() and not want_grad["tau"][:, 0].any()
    for name, g in want_grad.items():
        np.testing.assert_allclose(got_grad[name], g, rtol=1e-9, atol=1e-9, err_msg=name)
    assert set(got_grad) == set(GRADIENTS) | {"responsibility"}


def test_gradient_matches_finite_differences_at_a_small_random_walk_sd():
    # tau = 0.01: the random walk's precision 1/tau^2 = 1e4 dominates the sweep
    rng = np.random.default_rng(7)
    z, v = rng.normal(size=(6, 5, 3)), rng.uniform(0.01, 0.1, size=(6, 5, 3))
    muni = np.array([0, 1, 1, 2, 2, 0])
    theta = {
        "alpha": np.zeros(3),
        "lam": np.array([0.5, 0.7, 0.9]),
        "dispersion": np.array([0.001, 0.0, 0.02]),
        "rho": 0.2,
        "tau": 0.01,
        "kappa": np.array([0.2, 0.3, 0.1]),
    }

    def value(**kw):
        return loglik_and_grad(z, v, muni, **{**theta, **kw}, panel=True, municipality=True)[0]

    _, grad = loglik_and_grad(z, v, muni, **theta, panel=True, municipality=True)
    grad["rho"] = grad["rho"] - grad["var0"]  # var0 = 1 - rho by default
    grad["tau"] = grad["tau"][:, 1:].sum()  # one tau for every area and step
    for name in ("rho", "tau"):
        h = 1e-6 * theta[name]
        fd = (value(**{name: theta[name] + h}) - value(**{name: theta[name] - h})) / (2 * h)
        assert grad[name] == pytest.approx(fd, rel=1e-5), name


@pytest.mark.slow  # the fast tier: the kernel against the graph above, the model in
# test_boundary_change's density test
@pytest.mark.parametrize("dispersion", ["sd", "variance"])
def test_model_density_is_the_kernel_and_the_graph_alike(dispersion):
    from sesindex.bayes.model.form import ModelForm
    from sesindex.bayes.model.graph import build_model
    from sesindex.bayes.model.inputs import model_inputs
    from sesindex.data.synthetic import generate

    inputs = model_inputs(
        generate(n_areas=40, years=(2021, 2022, 2023), seed=3).dataset, ["V1", "V2", "V3"]
    )
    kernel = build_model(inputs, ModelForm(municipality=True, dispersion=dispersion))
    graph = build_model(inputs, ModelForm(municipality=True, dispersion=dispersion, graph=True))
    point = {k: x + 0.1 for k, x in kernel.initial_point().items()}
    assert kernel.compile_logp()(point) == pytest.approx(graph.compile_logp()(point), rel=1e-12)
    np.testing.assert_allclose(
        kernel.compile_dlogp()(point), graph.compile_dlogp()(point), rtol=1e-9
    )


def test_spatial_offset_and_first_year_variance_gradients_match_finite_differences():
    # the spatial term enters as a known shift of each area's eta and a smaller
    # first-year variance; their gradients are checked against central differences
    rng = np.random.default_rng(8)
    z, v = rng.normal(size=(6, 3, 3)), rng.uniform(0.02, 0.2, size=(6, 3, 3))
    muni = np.array([0, 1, 1, 2, 2, 0])
    base = {
        "alpha": rng.normal(size=3),
        "lam": np.array([0.5, 0.7, 0.9]),
        "dispersion": np.array([0.01, 0.0, 0.02]),
        "rho": 0.2,
        "tau": 0.1,
        "kappa": np.array([0.2, 0.3, 0.1]),
        "var0": 0.45,
        "offset": rng.normal(0, 0.5, 6),
    }

    def value(**kw):
        return loglik_and_grad(z, v, muni, **{**base, **kw}, panel=True, municipality=True)[0]

    _, grad = loglik_and_grad(z, v, muni, **base, panel=True, municipality=True)
    h = 1e-6
    fd = (value(var0=base["var0"] + h) - value(var0=base["var0"] - h)) / (2 * h)
    assert grad["var0"] == pytest.approx(fd, rel=1e-6)
    for i in range(6):
        up, down = base["offset"].copy(), base["offset"].copy()
        up[i] += h
        down[i] -= h
        fd = (value(offset=up) - value(offset=down)) / (2 * h)
        # one shift per area (the same in every year): the sum over its years
        assert grad["offset"][i].sum() == pytest.approx(fd, rel=1e-6, abs=1e-6), i
    for i, t in [(0, 0), (2, 1), (5, 2)]:  # a shift of one area-year (programme effects)
        up = np.repeat(base["offset"][:, None], 3, axis=1)
        down = up.copy()
        up[i, t] += h
        down[i, t] -= h
        fd = (value(offset=up) - value(offset=down)) / (2 * h)
        assert grad["offset"][i, t] == pytest.approx(fd, rel=1e-6, abs=1e-6), (i, t)
    for j in range(3):  # lambda now also multiplies the offset
        up, down = base["lam"].copy(), base["lam"].copy()
        up[j] += h
        down[j] -= h
        fd = (value(lam=up) - value(lam=down)) / (2 * h)
        assert grad["lam"][j] == pytest.approx(fd, rel=1e-6), j


def test_extreme_parameters_give_a_non_finite_density_not_an_exception():
    # samplers probe wild values on divergent trajectories: the kernel must answer with
    # inf/nan (a divergence), as the pytensor graph does, never raise
    z, v = np.zeros((3, 1, 3)), np.full((3, 1, 3), 0.1)
    value, _ = loglik_and_grad(
        z,
        v,
        np.array([0, 0, 1]),
        alpha=np.zeros(3),
        lam=np.array([1e98, 0.0, np.inf]),
        dispersion=np.array([1e10, 1e79, 1e172]),
        rho=1.0,
        tau=1.0,
        kappa=np.ones(3),
        panel=False,
        municipality=True,
    )
    assert not np.isfinite(value)


def _jump_problem(seed: int = 1, n_year: int = 5):
    rng = np.random.default_rng(seed)
    n_area = 6
    z, v = rng.normal(size=(n_area, n_year, 3)), rng.uniform(0.05, 0.3, (n_area, n_year, 3))
    theta = {
        "alpha": rng.normal(size=(n_year, 3)),
        "lam": rng.uniform(0.3, 1.0, 3),
        "dispersion": np.array([0.04, -0.01, 0.09]),
        "rho": 0.0,
        "tau": rng.uniform(0.1, 0.5, (n_area, n_year)),
        "kappa": rng.uniform(0.1, 0.4, 3),
        "var0": 0.7,
        "offset": rng.normal(0, 0.3, n_area),
        "jump_sd": 0.8,
        "jump_share": 0.2,
    }
    return z, v, np.zeros(n_area, np.int64), theta


@pytest.mark.parametrize("n_year", [2, 3, 5])  # fewer years than indicators, too
def test_jump_mixture_is_the_sum_over_its_components(n_year):
    # "no jump" with weight 1 - share, or the one jump at step k (its variance grows by
    # jump_sd^2) with weight share / (T - 1): the kernel's value and responsibilities
    # equal the mixture summed component by component, area by area
    from scipy.special import logsumexp

    z, v, muni, theta = _jump_problem(n_year=n_year)
    n_area, n_year, _ = z.shape
    got, grads = loglik_and_grad(z, v, muni, **theta, panel=True, municipality=False)
    plain = {**theta, "jump_sd": None, "jump_share": 0.0}

    def per_area(tau):
        return np.array(
            [
                loglik_and_grad(
                    z[i : i + 1],
                    v[i : i + 1],
                    muni[i : i + 1],
                    **{**plain, "tau": tau[i : i + 1], "offset": theta["offset"][i : i + 1]},
                    panel=True,
                    municipality=False,
                )[0]
                for i in range(n_area)
            ]
        )

    parts = [np.log(1 - theta["jump_share"]) + per_area(theta["tau"])]
    for k in range(1, n_year):
        tau = theta["tau"].copy()
        tau[:, k] = np.hypot(tau[:, k], theta["jump_sd"])
        parts.append(np.log(theta["jump_share"] / (n_year - 1)) + per_area(tau))
    parts = np.array(parts)
    assert got == pytest.approx(logsumexp(parts, axis=0).sum(), rel=1e-12)
    np.testing.assert_allclose(
        grads["responsibility"], np.exp(parts - logsumexp(parts, axis=0)).T, rtol=1e-10
    )


@pytest.mark.parametrize("municipality", [False, True])
def test_without_the_gradient_the_density_and_jump_probabilities_are_the_same(municipality):
    # derive asks only for the responsibilities: the pass skips the gradient's work (the
    # mixture reads each step's variance from the area's moments, not the full covariance)
    z, v, muni, theta = _jump_problem(3)
    if municipality:  # no jump mixture with municipality effects
        muni = np.array([0, 0, 1, 1, 1, 2])
        theta = {**theta, "rho": 0.3, "jump_sd": None, "jump_share": 0.0}
    kw = dict(panel=True, municipality=municipality)
    full, grads = loglik_and_grad(z, v, muni, **theta, **kw)
    value, only = loglik_and_grad(z, v, muni, **theta, **kw, gradient=False)
    assert value == pytest.approx(full, rel=1e-13)
    np.testing.assert_allclose(only["responsibility"], grads["responsibility"], rtol=1e-11)
    assert all(not np.any(only[k]) for k in only if k != "responsibility")
    assert np.any(grads["z"]) and np.any(grads["rho"] if municipality else grads["tau"])


@pytest.mark.parametrize("n_year", [2, 5])
def test_jump_mixture_gradient_matches_finite_differences(n_year):
    z, v, muni, theta = _jump_problem(2, n_year)
    last = n_year - 1
    _, grads = loglik_and_grad(z, v, muni, **theta, panel=True, municipality=False)

    def value(**kw):
        return loglik_and_grad(z, v, muni, **{**theta, **kw}, panel=True, municipality=False)[0]

    h = 1e-6
    for name in ("jump_sd", "jump_share", "var0"):
        fd = (value(**{name: theta[name] + h}) - value(**{name: theta[name] - h})) / (2 * h)
        assert grads[name] == pytest.approx(fd, rel=1e-6), name
    for name, idx in [
        ("tau", (0, 1)),
        ("tau", (3, last)),
        ("tau", (5, min(2, last))),
        ("alpha", (0, 0)),
        ("alpha", (last, 2)),
        ("lam", (1,)),
        ("dispersion", (1,)),
        ("kappa", (2,)),
        ("offset", (3,)),
    ]:
        up, down = np.array(theta[name], float), np.array(theta[name], float)
        up[idx] += h
        down[idx] -= h
        fd = (value(**{name: up}) - value(**{name: down})) / (2 * h)
        got = grads[name][idx].sum() if name == "offset" else grads[name][idx]
        assert got == pytest.approx(fd, rel=1e-6, abs=1e-7), (name, idx)


def test_jump_mixture_refuses_municipality_effects():
    z, v, muni, theta = _jump_problem()
    with pytest.raises(ValueError, match="without municipality effects"):
        loglik_and_grad(z, v, muni, **theta, panel=True, municipality=True)

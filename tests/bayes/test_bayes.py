"""Bayesian latent-factor model at small size (one national-size fit is in benchmarks)."""

from __future__ import annotations

import numpy as np
import pytest
from dense_gaussian import dense_neg2loglik

from sesindex.bayes import ModelSpec, fit
from sesindex.bayes.output import ROUNDING_ERROR
from sesindex.bayes.posterior.states import ffbs
from sesindex.bayes.spec import SamplerSpec
from sesindex.data.synthetic import generate

N_AREAS = 250


@pytest.fixture(scope="module")
def fitted():
    data = generate(n_areas=N_AREAS, years=(2022,), seed=5)
    # 250 of the 3,363 areas: typed relative to them (an explicit opt-in; the default
    # rule gives a partial set of areas no types, see the typing tests below)
    spec = ModelSpec(
        years=(2022,), types_over="given_areas", sampler=SamplerSpec(tune=400, draws=500, seed=3)
    )
    return data, fit(data.dataset, spec)


def test_outputs_have_the_documented_columns(fitted):
    _, res = fitted
    need = {
        "area_code",
        "year",
        "ses_mean",
        "ses_lo90",
        "ses_hi90",
        "index_mean",
        "index_lo90",
        "index_hi90",
        "rank_lo90",
        "rank_hi90",
        "fit_ok",
        *[f"p_type_{k}" for k in range(1, 6)],
    }
    assert need <= set(res.areas.columns)
    probs = res.areas[[f"p_type_{k}" for k in range(1, 6)]].sum(axis=1)
    assert np.allclose(probs, 1.0)
    assert (res.areas["fit_ok"] == res.gate["passed"]).all()
    assert set(res.gate["checks"]) == {"rhat", "ess_bulk", "ess_tail", "divergences"}


def test_recovers_truth_with_calibrated_intervals(fitted):
    data, res = fitted
    a = res.areas.merge(data.truth, on=["area_code", "year"])
    truth_ses = -(a["eta_true"] - a["eta_true"].mean()) / a["eta_true"].std(ddof=0)
    assert np.corrcoef(a["ses_mean"], truth_ses)[0, 1] > 0.95
    # 90% intervals over 250 areas: binomial sd of the coverage is sqrt(.9*.1/250) = 0.019;
    # allow three sd either side
    tol = 3 * np.sqrt(0.9 * 0.1 / N_AREAS)
    for lo, hi, truth in (
        ("ses_lo90", "ses_hi90", truth_ses),
        ("index_lo90", "index_hi90", a["index_true"]),
    ):
        cover = ((a[lo] <= truth) & (truth <= a[hi])).mean()
        assert abs(cover - 0.9) < tol, (lo, cover)


def test_type_probabilities_beat_plug_in_types(fitted):
    data, res = fitted
    a = res.areas.merge(data.truth, on=["area_code", "year"])
    onehot = np.eye(6)[a["type_true"].to_numpy()][:, 1:]
    probs = a[[f"p_type_{k}" for k in range(1, 6)]].to_numpy()
    from sesindex.index import IndexSpec, compute_index

    plug = compute_index(data.dataset, IndexSpec(types_over="given_areas"))["type"]
    plug_onehot = np.eye(6)[plug.sel(area=a["area_code"].to_numpy()).values.ravel()][:, 1:]
    brier = ((probs - onehot) ** 2).sum(axis=1).mean()
    brier_plug = ((plug_onehot - onehot) ** 2).sum(axis=1).mean()
    assert brier < brier_plug


def test_a_partial_set_of_areas_gets_no_types_or_ranks_without_cutpoints(fitted):
    # the same rule as the deterministic index: 250 areas cannot give the national mu and
    # sigma, so no types and no ranks; SCB's cut points type them (and say so)
    from sesindex.bayes.posterior.tables import tables, typing_of

    data, res = fitted
    spec = ModelSpec(years=(2022,))
    typing = typing_of(data.dataset, res.inputs.years, spec)
    assert not typing.typed.any() and "cutpoints" in typing.note
    areas, _ = tables(res.posterior, spec, None, True, typing)
    assert areas[[f"p_type_{k}" for k in range(1, 6)]].isna().all().all()
    assert areas[["rank_lo90", "rank_hi90"]].isna().all().all()
    assert areas["index_lo90"].notna().all()  # the areas' own intervals stay
    typing = typing_of(data.dataset, res.inputs.years, spec, {2022: (9.10, 5.47)})
    areas, _ = tables(res.posterior, spec, None, True, typing)
    probs = areas[[f"p_type_{k}" for k in range(1, 6)]].sum(axis=1)
    assert np.allclose(probs, 1.0) and areas["rank_lo90"].isna().all()
    assert "supplied national cut points" in typing.note


def test_percent_only_data_is_refused_with_instructions():
    import pandas as pd

    from sesindex.data import from_tidy

    df = pd.DataFrame(
        {
            "area_code": ["1780R001", "1780R002"] * 3,
            "year": 2022,
            "indicator": ["V1", "V1", "V2", "V2", "V3", "V3"],
            "value": [10.0, 12.0, 8.0, 7.0, 2.0, 3.0],
        }
    )
    with pytest.raises(ValueError, match="population tables"):
        fit(from_tidy(df), ModelSpec(years=(2022,)))


def test_ffbs_matches_the_exact_two_year_posterior():
    # two years, rho = 0.5, tau = 0.3, pseudo-observations b/w with precision w
    rng = np.random.default_rng(1)
    w = np.array([[2.0, 3.0]])
    b = np.array([[1.0, -0.5]])
    k = np.array([[0.5, 0.5], [0.5, 0.5 + 0.09]])
    prec = np.linalg.inv(k) + np.diag(w[0])
    mean, cov = np.linalg.solve(prec, b[0]), np.linalg.inv(prec)
    draws = np.stack([ffbs(np.repeat(b, 20000, 0), np.repeat(w, 20000, 0), 0.5, 0.3, rng)])[0]
    se = np.sqrt(np.diag(cov) / 20000)
    assert np.all(np.abs(draws.mean(0) - mean) < 4 * se)
    assert np.allclose(np.cov(draws.T), cov, atol=0.01)


def test_cli_fit_marks_a_failed_gate_loudly(tmp_path):
    import json

    import pandas as pd
    from typer.testing import CliRunner

    from sesindex.cli import app

    res = CliRunner().invoke(
        app,
        [
            "fit",
            "--spec",
            "models/latent_factor_single_year.toml",
            "--areas",
            "120",
            "--draws",
            "60",
            "--tune",
            "60",
            "--maxdepth",
            "6",
            "--out",
            str(tmp_path),
        ],
    )
    # 60 draws cannot give ESS >= 400: the gate must fail, loudly, and say so everywhere
    assert res.exit_code == 3, res.output
    assert "FIT GATE FAILED" in res.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["fit_ok"] is False
    assert manifest["spec"]["sampler"]["maxdepth"] == 6  # --maxdepth reached the spec
    # whether this run's draws repeat bit for bit elsewhere (bayes.compiled.compile_origin)
    assert manifest["model_compiled"].startswith(
        ("loaded from PyTensor's disk cache", "compiled in this process")
    )
    areas = pd.read_csv(tmp_path / "areas.csv")
    assert len(areas) == 120 and not areas["fit_ok"].any()
    assert (tmp_path / "posterior.nc").exists() and (tmp_path / "report.html").exists()
    # the report renders from the fit's tree in memory: its manifest carries the gate
    assert "failed its fit gate" in (tmp_path / "report_en.html").read_text()
    page = (tmp_path / "report.html").read_text()  # Swedish
    assert "klarade inte sin anpassningskontroll" in page and "<html lang='sv'>" in page
    assert "klarade inte sin anpassningskontroll" in (tmp_path / "explorer.html").read_text()


def test_posterior_file_keeps_sampled_values_exactly_and_derived_draws_to_2_pow_minus_13(tmp_path):
    import xarray as xr

    from sesindex.bayes import ModelSpec, fit
    from sesindex.bayes.output import write_fit
    from sesindex.bayes.spec import SamplerSpec
    from sesindex.data.synthetic import generate

    ds = generate(n_areas=40, years=(2021, 2022), seed=4).dataset
    res = fit(ds, ModelSpec(sampler=SamplerSpec(tune=60, draws=60)))
    tree = res.to_tree()
    write_fit(res, tmp_path, tree=tree)
    # the tables written are the fit's tree, and read back as it (to the CSV's digits)
    from sesindex.runs import read_run, table_frame

    written = read_run(tmp_path)
    assert tree.attrs["manifest"]["outputs"] == written.attrs["manifest"]["outputs"]
    for group in ("areas", "changes", "summary"):
        a, b = table_frame(tree, group), table_frame(written, group)
        assert list(a.columns) == list(b.columns) and len(a) == len(b) > 0
        floats = a.select_dtypes("float").columns
        np.testing.assert_allclose(a[floats], b[floats], rtol=5e-6, equal_nan=True)
    # /posterior holds posterior.nc's groups, in memory as on disk (there rounded)
    assert set(tree["posterior"].children) == set(written["posterior"].children)
    np.testing.assert_array_equal(
        tree["posterior"]["posterior"]["index"].values, res.posterior["index"].values
    )
    np.testing.assert_allclose(
        written["posterior"]["posterior"]["index"].values,
        res.posterior["index"].values,
        rtol=ROUNDING_ERROR,
    )
    back = xr.open_datatree(tmp_path / "posterior.nc")
    assert set(back.children) == set(res.idata.children)
    for name in ("alpha", "lam", "dispersion", "tau"):  # sampled: exact
        np.testing.assert_array_equal(back.posterior[name].values, res.idata.posterior[name].values)
    for name in ("eta", "index"):  # derived: float32, mantissa rounded to 12 bits
        got, want = back.posterior[name].values, res.posterior[name].values
        assert got.dtype == np.float32 and got.shape == want.shape
        assert np.all(np.abs(got - want) <= np.abs(want) * ROUNDING_ERROR)
        assert not np.array_equal(got, want.astype(np.float32))  # really rounded


@pytest.mark.parametrize(("n_year", "tau"), [(1, 0.0), (3, 0.25), (4, 1e-3)])
def test_marginal_likelihood_equals_the_dense_gaussian(n_year, tau):
    # the Kalman filter with municipality effects integrated out must equal the
    # multivariate normal density of all cells at once (5 areas in 2 municipalities)
    import pytensor
    import pytensor.tensor as pt

    from sesindex.bayes.likelihood.reference import marginal_neg2loglik

    rng = np.random.default_rng(4)
    shape = (5, n_year, 3)
    r, d = rng.normal(size=shape), rng.uniform(0.05, 0.5, size=shape)
    lam, kappa = np.array([0.6, 0.5, 0.9]), np.array([0.2, 0.1, 0.3])
    rho, muni = 0.3, np.array([0, 0, 1, 1, 1])
    graph = marginal_neg2loglik(
        pt.as_tensor(r),
        pt.as_tensor(d),
        pt.as_tensor(lam),
        pt.as_tensor(tau),
        pt.as_tensor(kappa) if n_year > 1 else None,
        pt.as_tensor(rho),
        pt.as_tensor(muni),
        n_ind=3,
    )
    got = pytensor.function([], graph, mode="FAST_COMPILE")()
    want = dense_neg2loglik(r, d, lam, tau, kappa, rho, muni)
    assert got == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("spatial", [False, True])
def test_state_draws_match_the_dense_gaussian_posterior(spatial):
    # draws of (m, gamma, eta) given the hyperparameters against the exact conditional
    # Gaussian of all latent values, built entry by entry (3 areas, 2 municipalities);
    # with a spatial term each area's eta is shifted by a known offset and its
    # unstructured first-year variance is var0 < 1 - rho
    from types import SimpleNamespace

    from sesindex.bayes.posterior.states import draw_states

    rng = np.random.default_rng(11)
    n_area, n_year, n_ind = 3, 3, 3
    muni = np.array([0, 0, 1])
    z = rng.normal(size=(n_area, n_year, n_ind))
    v = rng.uniform(0.05, 0.3, size=z.shape)
    p = {
        "alpha": np.array([0.1, -0.2, 0.3]),
        "lam": np.array([0.6, 0.5, 0.9]),
        "dispersion": np.array([0.04, -0.01, 0.09]),
        "rho": 0.4,
        "tau": 0.3,
        "kappa": np.array([0.2, 0.15, 0.3]),
    }
    offset = np.array([0.4, -0.3, 0.1]) if spatial else np.zeros(n_area)
    var0 = 0.35 if spatial else 1 - p["rho"]
    if spatial:
        p.update(offset=offset, var0=var0)
    inputs = SimpleNamespace(z=z, v=v, municipality=muni, municipalities=np.array(["a", "b"]))
    # latent x = (m_0, m_1, eta (area, year), gamma (area, indicator))
    n_lat = 2 + n_area * n_year + n_area * n_ind
    eta_at = lambda i, t: 2 + i * n_year + t  # noqa: E731
    gam_at = lambda i, j: 2 + n_area * n_year + i * n_ind + j  # noqa: E731
    prior = np.zeros((n_lat, n_lat))
    load = np.zeros((n_lat, n_lat))  # x = load @ standard innovations
    load[0, 0] = load[1, 1] = np.sqrt(p["rho"])
    for i in range(n_area):
        for t in range(n_year):
            load[eta_at(i, t), muni[i]] = np.sqrt(p["rho"])
            load[eta_at(i, t), eta_at(i, 0)] = np.sqrt(var0)
            for s in range(1, t + 1):
                load[eta_at(i, t), eta_at(i, s)] = p["tau"]
        for j in range(n_ind):
            load[gam_at(i, j), gam_at(i, j)] = p["kappa"][j]
    prior = load @ load.T
    obs = np.zeros((z.size, n_lat))
    for a, (i, t, j) in enumerate(np.ndindex(z.shape)):
        obs[a, eta_at(i, t)] = p["lam"][j]
        obs[a, gam_at(i, j)] = 1.0
    noise = np.diag((p["dispersion"] + v).reshape(-1))  # V2 under-dispersed
    resid = (z - p["alpha"] - p["lam"] * offset[:, None, None]).reshape(-1)
    gain = prior @ obs.T @ np.linalg.inv(obs @ prior @ obs.T + noise)
    mean, cov = gain @ resid, prior - gain @ obs @ prior
    n_draw = 6000
    draws = np.empty((n_draw, n_lat))
    for d in range(n_draw):
        m, gamma, eta = draw_states(inputs, p, rng)
        draws[d] = np.r_[m, (eta - offset[:, None]).reshape(-1), gamma.reshape(-1)]
    sd = np.sqrt(np.diag(cov))
    # sample mean within 4.5 standard errors (67 latent values), variance within the
    # chi-square sampling band: sd of a sample variance is var * sqrt(2 / n)
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 4.5 * sd / np.sqrt(n_draw))
    assert np.all(np.abs(draws.var(axis=0) / sd**2 - 1) < 4.5 * np.sqrt(2 / n_draw))


def test_an_advi_fit_never_passes_the_gate():
    # independent draws from an approximation would pass R-hat/ESS trivially
    data = generate(n_areas=30, years=(2022,), seed=2)
    spec = ModelSpec(
        years=(2022,), sampler=SamplerSpec(backend="advi", draws=100, advi_iterations=2000, seed=1)
    )
    res = fit(data.dataset, spec)
    assert res.gate["checks"]["exact_sampler"] is False
    assert not res.gate["passed"] and not res.areas["fit_ok"].any()
    assert "nutpie" in res.gate["note"]


def test_an_unavailable_likelihood_is_refused():
    with pytest.raises(ValueError, match="model.likelihood.*'binomial'.*poisson"):
        ModelSpec.from_dict({"model": {"likelihood": "poisson"}})
    from sesindex.bayes.model.form import ModelForm  # a form built in code: the same check

    with pytest.raises(ValueError, match="model.likelihood.*'binomial'.*poisson"):
        ModelForm(likelihood="poisson")


def test_bitround_errs_by_at_most_its_bound_and_the_bound_is_reached():
    from sesindex.bayes.output import KEEP_BITS, bitround

    rng = np.random.default_rng(3)
    x = rng.normal(50, 20, 200_000) * 10.0 ** rng.integers(-6, 3, 200_000)
    err = np.abs(bitround(x).astype(np.float64) - x) / np.abs(x)
    assert err.max() <= ROUNDING_ERROR
    # below a tie in float64, a tie in float32: the two roundings add up beyond half a
    # unit of the kept bits, so no bound of 2**-(KEEP_BITS + 1) alone would hold
    edge = 1 + 2.0 ** -(KEEP_BITS + 1) - 2.0**-26
    got = float(bitround(np.array([edge]))[0])
    assert got == 1 + 2.0**-KEEP_BITS
    assert 2.0 ** -(KEEP_BITS + 1) * edge < got - edge <= ROUNDING_ERROR * edge

"""A DeSO fit aggregated to RegSO per draw, and the synthetic DeSO panel it runs on."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from sesindex.bayes import ModelSpec, fit
from sesindex.bayes.output import ROUNDING_ERROR
from sesindex.bayes.posterior.aggregate import area_groups, deso_to_regso, group_rates
from sesindex.bayes.spec import SamplerSpec
from sesindex.data.real_bundle import load_deso_areas
from sesindex.data.schema import DataValidationError
from sesindex.data.synthetic import generate

YEARS = (2022, 2023)


@pytest.fixture(scope="module")
def deso_fit():
    """Every DeSO of 40 RegSO areas (73 DeSO), two years, typed among themselves."""
    deso = load_deso_areas()
    regso = np.sort(deso["regso_code"].unique())[:40]
    codes = deso.loc[deso["regso_code"].isin(regso), "area_code"].to_numpy()
    syn = generate(years=YEARS, seed=3, division="deso")
    ds = syn.dataset.sel(area=codes)
    spec = ModelSpec(types_over="given_areas", sampler=SamplerSpec(tune=300, draws=300, seed=2))
    return syn, ds, fit(ds, spec, groups=deso_to_regso(codes))


def test_the_synthetic_deso_panel_is_the_real_deso_division():
    from sesindex.data.io import load_data

    loaded = load_data("synthetic-deso", n_areas=50, years=(2024,))
    assert loaded.dataset.sizes["area"] == 50
    assert set(loaded.tidy["boundary_version"]) == {"DeSO2018"}
    key = load_deso_areas().set_index("area_code")["regso_code"]
    truth = loaded.truth
    assert (truth["regso_code"] == truth["area_code"].map(key)).all()
    assert "DeSO" in loaded.notes[0]
    with pytest.raises(ValueError, match="RegSO only"):
        generate(n_areas=10, division="deso", boundary_break=True)


def test_group_rates_are_the_rates_of_the_summed_counts():
    rng = np.random.default_rng(1)
    denom = rng.integers(100, 2000, size=(6, 2, 3)).astype(float)
    count = rng.binomial(denom.astype(int), 0.2).astype(float)
    groups = area_groups(
        [f"a{i}" for i in range(6)],
        {"a0": "g1", "a1": "g1", "a2": "g2", "a3": "g1", "a4": "g2", "a5": "g3"},
    )
    got = group_rates(100 * count / denom, denom, groups)
    members = {"g1": [0, 1, 3], "g2": [2, 4], "g3": [5]}
    for g, rows in members.items():
        want = 100 * count[rows].sum(axis=0) / denom[rows].sum(axis=0)
        np.testing.assert_allclose(got[list(groups.codes).index(g)], want, rtol=1e-12)


def test_an_area_without_a_group_is_named():
    with pytest.raises(DataValidationError, match="0114C9999"):
        area_groups(["0114C1010", "0114C9999"], {"0114C1010": "0114R001"})


@pytest.mark.slow
def test_a_one_deso_regso_has_its_deso_index_in_every_draw(deso_fit):
    _, ds, res = deso_fit
    key = deso_to_regso(ds["area"].values)
    sizes = pd.Series(key.of_area).value_counts()
    single = sizes.index[sizes == 1]
    assert len(single) >= 5
    area_of = dict(zip(key.of_area, ds["area"].values, strict=True))
    for g in single:
        np.testing.assert_allclose(
            res.posterior["group_index"].sel(group=g).values,
            res.posterior["index"].sel(area=area_of[g]).values,
            rtol=1e-12,
        )


@pytest.mark.slow
def test_regso_intervals_cover_the_true_regso_index(deso_fit):
    syn, ds, res = deso_fit
    truth = syn.truth[syn.truth["area_code"].isin(ds["area"].values)]
    tidy = syn.tidy[syn.tidy["area_code"].isin(ds["area"].values)]
    true_rate = truth.melt(
        ["area_code", "regso_code", "year"],
        [f"rate_{j}_true" for j in ("V1", "V2", "V3")],
        var_name="indicator",
        value_name="rate",
    )
    true_rate["indicator"] = true_rate["indicator"].str[5:7]
    cells = true_rate.merge(tidy[["area_code", "year", "indicator", "denominator"]])
    cells["w_rate"] = cells["rate"] * cells["denominator"]
    per = cells.groupby(["regso_code", "year", "indicator"])[["w_rate", "denominator"]].sum()
    true_index = (per["w_rate"] / per["denominator"]).groupby(["regso_code", "year"]).mean()
    table = res.grouped.areas.set_index(["area_code", "year"])
    assert len(table) == 40 * len(YEARS) and res.grouped.level == "RegSO2020"
    truth_here = true_index.reindex(table.index).to_numpy()
    inside = (table["index_lo90"] <= truth_here) & (truth_here <= table["index_hi90"])
    # 80 intervals at 90 %: fewer than the binomial 0.1 % quantile would be a miss
    assert inside.sum() >= binom.ppf(0.001, len(inside), 0.9)
    assert np.allclose(table[[f"p_type_{k}" for k in range(1, 6)]].sum(axis=1), 1.0)
    assert set(res.grouped.changes["area_code"]) == set(table.index.get_level_values(0))


@pytest.mark.slow
def test_the_aggregated_tables_and_draws_are_written(deso_fit, tmp_path):
    import arviz as az

    from sesindex.bayes.output import write_fit

    _, _, res = deso_fit
    paths = write_fit(res, tmp_path)
    assert {"regso_areas.csv", "regso_changes.csv"} <= {p.name for p in paths}
    back = pd.read_csv(tmp_path / "regso_areas.csv", dtype={"area_code": str})
    assert back["area_code"].str.match(r"^\d{4}R\d{3}$").all() and len(back) == 80
    post = az.from_netcdf(tmp_path / "posterior.nc").posterior
    got, want = post["group_index"].values, res.posterior["group_index"].values
    assert got.dtype == np.float32
    assert np.all(np.abs(got - want) <= np.abs(want) * ROUNDING_ERROR)


@pytest.mark.slow
def test_sesindex_fit_on_deso_data_also_writes_their_regso_areas(tmp_path):
    from typer.testing import CliRunner

    from sesindex.cli import app

    res = CliRunner().invoke(
        app,
        [
            "fit",
            "--data",
            "synthetic-deso",
            "--areas",
            "60",
            "--years",
            "2023,2024",
            "--draws",
            "100",
            "--tune",
            "100",
            "--no-report",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code in (0, 3), res.output  # 3: the short run's gate may fail, loudly
    deso = pd.read_csv(tmp_path / "areas.csv", dtype={"area_code": str})
    regso = pd.read_csv(tmp_path / "regso_areas.csv", dtype={"area_code": str})
    key = load_deso_areas().set_index("area_code")["regso_code"]
    assert set(regso["area_code"]) == set(deso["area_code"].map(key))
    assert len(regso) == 2 * regso["area_code"].nunique()
    # 60 DeSO are not the whole RegSO division: no national types (the fit's typing rule)
    assert regso["p_type_1"].isna().all() and regso["index_lo90"].notna().all()
    changes = pd.read_csv(tmp_path / "regso_changes.csv", dtype={"area_code": str})
    assert set(changes["area_code"]) == set(regso["area_code"])


def test_a_deso_without_a_denominator_is_named_before_anything_is_sampled():
    # model_inputs already refuses a count cell without a denominator; the aggregation
    # checks again, as its weights would silently lose that area's people
    from dataclasses import replace

    from sesindex.bayes.model.inputs import model_inputs
    from sesindex.bayes.posterior.aggregate import prepare_groups

    ds = generate(n_areas=12, years=YEARS, seed=1, division="deso").dataset
    inputs = model_inputs(ds, ["V1", "V2", "V3"])
    denominator = inputs.denominator.copy()
    denominator[4, 1, 1] = np.nan
    with pytest.raises(DataValidationError, match=str(inputs.areas[4])):
        prepare_groups(replace(inputs, denominator=denominator), deso_to_regso(inputs.areas))
    with pytest.raises(ValueError, match="official three"):
        prepare_groups(model_inputs(ds, ["V1", "V3"]), deso_to_regso(inputs.areas))

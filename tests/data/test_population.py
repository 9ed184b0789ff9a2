"""From SCB's published percentages and population tables to fit-ready data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sesindex.data.population import assemble, read_population
from sesindex.data.schema import DataValidationError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "pxweb"
ZEROS = FIXTURES / "population_regso_zeros.json"


def test_scb_zeros_outside_a_boundary_version_are_masked_not_data():
    # SCB's population tables answer 0 for RegSO 2020 codes in 2024 and for the
    # _RegSO2025 codes before 2024: masked by validity, said, never used
    pop = read_population(ZEROS)
    assert (pop["population"] > 0).all()
    assert set(pop.loc[pop["year"] == 2024, "boundary_version"]) == {"RegSO2025"}
    assert set(pop.loc[pop["year"] < 2024, "boundary_version"]) == {"RegSO2020"}
    assert any("6 population cells" in n and "0s" in n for n in pop.attrs["notes"])
    row = pop[(pop["area_code"] == "1780R001") & (pop["year"] == 2022)].iloc[0]
    assert row["population_20_64"] < row["population"]  # 20-64 summed apart from the total


def test_a_zero_inside_the_validity_years_is_a_problem_named(tmp_path):
    bad = tmp_path / "pop.csv"
    bad.write_text(
        "area_code,year,population,population_20_64\n1780R001,2022,2400,1400\n1780R002,2022,0,0\n"
    )
    with pytest.raises(DataValidationError) as err:
        read_population(bad)
    text = " ".join(str(p) for p in err.value.problems)
    assert "1780R002 2022" in text and "lines: 3" in text


def test_assemble_gives_each_percentage_its_denominator():
    from sesindex.data.io import load_data

    rates = load_data("karlstad-tab6586").tidy
    pop = read_population(ZEROS)
    both = rates[
        rates["area_code"].isin(["1780R001", "1780R002"]) & rates["year"].isin([2022, 2023, 2024])
    ]
    tidy = assemble(both, pop)
    v1 = tidy[
        (tidy["indicator"] == "V1") & (tidy["year"] == 2022) & (tidy["area_code"] == "1780R001")
    ].iloc[0]
    v2 = tidy[
        (tidy["indicator"] == "V2") & (tidy["year"] == 2022) & (tidy["area_code"] == "1780R001")
    ].iloc[0]
    assert v1["denominator"] == 2406 and v2["denominator"] == 1396
    with pytest.raises(DataValidationError, match="1780R003"):
        assemble(rates[rates["area_code"] == "1780R003"], pop)


def test_cli_assembles_fit_ready_data_with_a_manifest(tmp_path):
    from sesindex.cli import app

    pop = read_population(ZEROS)
    full = pd.concat([pop.drop(columns="boundary_version")])
    csv = tmp_path / "population.csv"
    full.to_csv(csv, index=False)
    rates = tmp_path / "rates.csv"
    from sesindex.data.io import load_data

    tidy = load_data("karlstad-tab6586").tidy
    tidy[
        tidy["area_code"].isin(["1780R001", "1780R002"]) & tidy["year"].isin([2022, 2023, 2024])
    ].to_csv(rates, index=False)
    out = tmp_path / "fit_ready.csv"
    got = CliRunner().invoke(
        app,
        ["data", "assemble", "--rates", str(rates), "--population", str(csv), "--out", str(out)],
    )
    assert got.exit_code == 0, got.output
    header = out.read_text().splitlines()[0].split(",")
    assert len(header) == len(set(header)) and header.count("boundary_version") == 1, header
    manifest = json.loads(out.with_suffix(".manifest.json").read_text())
    assert "rounded to 0.1" in manifest["measurement_error"]
    loaded = load_data(str(out))
    ds = loaded.dataset
    kinds = dict(zip(ds["indicator"].values, ds["indicator_kind"].values, strict=True))
    assert kinds["V1"] == "percent" and ds["denominator"].sel(indicator="V1").notnull().any()
    from sesindex.bayes.model.inputs import model_inputs

    inputs = model_inputs(loaded.dataset, ["V1", "V2", "V3"])  # what a fit takes
    assert (inputs.v > 0).all()


# ---------------------------------------------------------------- TAB6574's layout

TAB6574 = FIXTURES / "tab6574_handmade.json"


def _tab6574(**value_codes):
    from fake_scb import subset

    from sesindex.data.jsonstat import load_json

    return subset(load_json(TAB6574)[0], value_codes)


def _cell(obj, region, age, sex, year):
    """One value of the fixture, by codes."""
    from sesindex.data.jsonstat import parse_cube

    cube = parse_cube(obj)
    at = tuple(
        cube.dim(d).codes.index(c)
        for d, c in zip(cube.raw["id"], (region, age, sex, "000007Y7", year), strict=True)
    )
    return cube.values[at]


WORKING = [f"{a}-{a + 4}" for a in range(20, 65, 5)]


def test_tab6574_reads_totalt_for_everyone_and_the_nine_bands_for_20_64():
    obj = _tab6574()
    pop = read_population(obj).set_index(["area_code", "year"])
    row = pop.loc[("1780R001", 2023)]
    assert row["population"] == _cell(obj, "1780R001", "totalt", "1+2", "2023")
    assert row["population_20_64"] == sum(_cell(obj, "1780R001", a, "1+2", "2023") for a in WORKING)
    # RegSO and DeSO kept apart; the suffixed codes are the 2025 versions
    versions = pop.groupby("area_code")["boundary_version"].agg(set).to_dict()
    assert versions["1780R001"] == {"RegSO2020", "RegSO2025"}
    assert versions["1780C1010"] == {"DeSO2018", "DeSO2025"}
    assert pop.loc[("1780R002", 2024), "boundary_version"] == "RegSO2025"
    assert any("checked against 1 + 2: equal everywhere" in n for n in pop.attrs["notes"])


def test_only_1_plus_2_or_only_1_and_2_give_the_same_populations():
    both = read_population(_tab6574(Kon=["1+2"]))
    parts = read_population(_tab6574(Kon=["1", "2"]))
    every = read_population(_tab6574())
    cols = ["area_code", "year", "population", "population_20_64"]
    pd.testing.assert_frame_equal(both[cols], parts[cols])
    pd.testing.assert_frame_equal(both[cols], every[cols])  # never 1 + 2 + (1+2)
    assert any("1 + 2" in n and "no '1+2'" in n for n in parts.attrs["notes"])


def test_bands_without_totalt_give_the_same_populations():
    bands = read_population(_tab6574(Alder=["-4", "5-9", "1?-*", "[2-7]?-*", "80-"]))
    total = read_population(_tab6574())
    assert bands["population"].tolist() == total["population"].tolist()
    assert any("sum of 17 age bands" in n for n in bands.attrs["notes"])


def test_1_plus_2_that_differs_from_1_and_2_is_reported_and_1_plus_2_used():
    obj = _tab6574()
    from sesindex.data.jsonstat import parse_cube

    cube = parse_cube(obj)
    i = np.ravel_multi_index((0, 0, 2, 0, 0), cube.values.shape)  # 1780R001 totalt 1+2 2023
    obj["value"][i] += 5
    pop = read_population(obj)
    note = next(n for n in pop.attrs["notes"] if "differs" in n)
    assert note.startswith("1 cell(s)") and "1780R001 totalt 000007Y7 2023" in note
    row = pop[(pop["area_code"] == "1780R001") & (pop["year"] == 2023)].iloc[0]
    assert row["population"] == _cell(obj, "1780R001", "totalt", "1+2", "2023")


def test_one_sex_alone_is_refused():
    with pytest.raises(ValueError, match=r"both sexes.*'1\+2'"):
        read_population(_tab6574(Kon=["2"]))


def test_bands_that_leave_part_of_20_64_uncovered_are_refused():
    with pytest.raises(ValueError, match="leave ages 45-64 of 20-64 uncovered"):
        read_population(_tab6574(Alder=["totalt", "20-24", "25-29", "30-34", "35-39", "40-44"]))


def test_a_regso_assembly_sets_the_deso_rows_aside_and_says_how_many():
    from sesindex.data.io import load_data

    rates = load_data("karlstad-tab6586").tidy
    rates = rates[
        rates["area_code"].isin(["1780R001", "1780R002", "1780R003"])
        & rates["year"].isin([2023, 2024])
    ]
    tidy = assemble(rates, read_population(TAB6574))
    assert set(tidy["area_code"]) == {"1780R001", "1780R002", "1780R003"}
    note = "set aside 4 population rows of 2 DeSO areas: the rates are RegSO"
    assert tidy.attrs["notes"] == [note]

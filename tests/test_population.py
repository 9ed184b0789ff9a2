"""From SCB's published percentages and population tables to fit-ready data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sesindex.data.population import assemble, read_population
from sesindex.data.schema import DataValidationError

FIXTURES = Path(__file__).parent / "fixtures" / "pxweb"
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
    bad.write_text("area_code,year,population,population_20_64\n1780R001,2022,2400,1400\n"
                   "1780R002,2022,0,0\n")
    with pytest.raises(DataValidationError) as err:
        read_population(bad)
    text = " ".join(str(p) for p in err.value.problems)
    assert "1780R002 2022" in text and "lines: 3" in text


def test_assemble_gives_each_percentage_its_denominator():
    from sesindex.data.io import load_data

    rates = load_data("karlstad-tab6586").tidy
    pop = read_population(ZEROS)
    both = rates[rates["area_code"].isin(["1780R001", "1780R002"])
                 & rates["year"].isin([2022, 2023, 2024])]
    tidy = assemble(both, pop)
    v1 = tidy[(tidy["indicator"] == "V1") & (tidy["year"] == 2022)
              & (tidy["area_code"] == "1780R001")].iloc[0]
    v2 = tidy[(tidy["indicator"] == "V2") & (tidy["year"] == 2022)
              & (tidy["area_code"] == "1780R001")].iloc[0]
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
    tidy[tidy["area_code"].isin(["1780R001", "1780R002"]) & tidy["year"].isin(
        [2022, 2023, 2024])].to_csv(rates, index=False)
    out = tmp_path / "fit_ready.csv"
    got = CliRunner().invoke(app, ["data", "assemble", "--rates", str(rates), "--population",
                                   str(csv), "--out", str(out)])
    assert got.exit_code == 0, got.output
    header = out.read_text().splitlines()[0].split(",")
    assert len(header) == len(set(header)) and header.count("boundary_version") == 1, header
    manifest = json.loads(out.with_suffix(".manifest.json").read_text())
    assert "rounded to 0.1" in manifest["measurement_error"]
    loaded = load_data(str(out))
    kinds = dict(zip(loaded.dataset["indicator"].values, loaded.dataset["indicator_kind"].values))
    assert kinds["V1"] == "percent" and loaded.dataset["denominator"].sel(indicator="V1").notnull().any()
    from sesindex.bayes.data import model_inputs

    inputs = model_inputs(loaded.dataset, ["V1", "V2", "V3"])  # what a fit takes
    assert (inputs.v > 0).all()

"""Loaders: tidy CSV/Parquet long and wide, packaged datasets, DeSO -> RegSO sums."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sesindex.data import DataValidationError
from sesindex.data.deso import aggregate_counts, deso_to_regso_tidy
from sesindex.data.io import load_data, read_table, wide_to_long
from sesindex.data.model import require_denominators


def test_long_csv_keeps_leading_zeros_and_reports_markers(tmp_path, clean):
    path = tmp_path / "data.csv"
    bad = clean.astype({"count": object})
    bad.loc[3, "count"] = ".."
    bad.to_csv(path, index=False)
    table = read_table(path)
    assert table["area_code"].iloc[0] == "0114R001"
    with pytest.raises(DataValidationError) as info:
        load_data(str(path))
    assert info.value.problems[0].check == "suppressed"
    assert "0114R002" in str(info.value)


def test_long_csv_and_parquet_give_the_same_dataset(tmp_path, clean):
    clean.to_csv(tmp_path / "d.csv", index=False)
    clean.to_parquet(tmp_path / "d.parquet", index=False)
    a = load_data(str(tmp_path / "d.csv")).dataset
    b = load_data(str(tmp_path / "d.parquet")).dataset
    a.attrs, b.attrs = {}, {}
    assert a.identical(b)


def test_wide_csv(tmp_path, clean):
    wide = clean.pivot(
        index=["area_code", "year"], columns="indicator", values=["count", "denominator"]
    )
    wide.columns = [f"{ind}_{what}" for what, ind in wide.columns]
    wide.reset_index().to_csv(tmp_path / "w.csv", index=False)
    ds = load_data(str(tmp_path / "w.csv")).dataset
    assert ds["count"].sel(area="0115R001", indicator="V3").item() == 32


def test_wide_without_area_code_is_named():
    with pytest.raises(DataValidationError, match="area_code and year"):
        wide_to_long(pd.DataFrame({"code": ["x"], "V1": [1.0]}))


def test_unknown_source_is_named():
    with pytest.raises(FileNotFoundError, match="neither a packaged dataset"):
        load_data("no-such-dataset")


def test_missing_boundary_version_is_noted(tmp_path, clean):
    clean.drop(columns="boundary_version").to_csv(tmp_path / "d.csv", index=False)
    assert "assumed RegSO2020" in load_data(str(tmp_path / "d.csv")).notes[0]


def test_real_bundle_loads_with_official_types():
    ds = load_data("sweden-regso-2022").dataset
    assert ds.sizes["area"] == 3363
    types = ds["value"].sel(indicator="published_type").values.ravel()
    assert np.bincount(types.astype(int), minlength=6)[1:].tolist() == [160, 289, 855, 1770, 289]
    kinds = dict(zip(ds["indicator"].values, ds["indicator_kind"].values, strict=True))
    assert kinds["forgymnasial_25_64"] == "count" and kinds["median_income"] == "continuous"


def test_real_bundle_education_share_is_a_sum_not_a_mean_of_percentages():
    from sesindex.data.real_bundle import load_areas

    a = load_areas().set_index("area_code")
    deso = pd.read_csv
    ds = load_data("sweden-regso-2022").dataset
    c = ds["count"].sel(indicator="forgymnasial_25_64", year=2022)
    assert (
        c.sel(area="0114R001").item()
        == a.loc["0114R001", "edu_forgymnasial"] + a.loc["0114R001", "edu_missing"]
    )
    del deso


def test_deso_aggregation_sums_counts():
    t = pd.DataFrame(
        {
            "area_code": ["0114C1010", "0114C1030", "0114C1050"],
            "year": 2022,
            "indicator": "V2",
            "count": [5, 15, 2],
            "denominator": [50, 50, 40],
        }
    )
    k = pd.DataFrame(
        {
            "deso_code": ["0114C1010", "0114C1030", "0114C1050"],
            "regso_code": ["0114R001", "0114R001", "0114R002"],
        }
    )
    out = deso_to_regso_tidy(t, k).set_index("area_code")
    assert out.loc["0114R001", "count"] == 20 and out.loc["0114R001", "denominator"] == 100
    # 20/100 = 20 %, whereas the mean of the DeSO percentages would be (10 + 30) / 2 = 20 too;
    # unequal denominators show the difference:
    t.loc[1, "denominator"] = 150
    out = deso_to_regso_tidy(t, k).set_index("area_code")
    assert out.loc["0114R001", "count"] / out.loc["0114R001", "denominator"] == 0.1


def test_deso_aggregation_names_unknown_and_refuses_percentages():
    k = pd.DataFrame({"deso_code": ["0114C1010"], "regso_code": ["0114R001"]})
    d = pd.DataFrame({"deso_code": ["0114C1010", "9999C9999"], "n": [1, 2]})
    with pytest.raises(DataValidationError, match="9999C9999"):
        aggregate_counts(d, k, columns=["n"])
    pct = pd.DataFrame(
        {
            "area_code": ["0114C1010"],
            "year": 2022,
            "indicator": "V1",
            "count": [np.nan],
            "denominator": [np.nan],
            "value": [12.0],
        }
    )
    with pytest.raises(DataValidationError, match="cannot be summed"):
        deso_to_regso_tidy(pct, k)


def test_percent_only_data_says_how_to_supply_denominators():
    df = pd.DataFrame(
        {"area_code": ["1780R001"], "year": [2022], "indicator": ["V1"], "value": [12.3]}
    )
    from sesindex.data import from_tidy

    with pytest.raises(ValueError, match="population tables"):
        require_denominators(from_tidy(df), ["V1"], "the binomial bootstrap")


def test_the_tidy_frame_of_a_dataset_has_each_column_once():
    from sesindex.data.io import load_data
    from sesindex.data.model import to_tidy
    from sesindex.data.schema import TIDY_COLUMNS

    tidy = to_tidy(load_data("karlstad-tab6586").dataset)
    assert list(tidy.columns) == list(TIDY_COLUMNS)

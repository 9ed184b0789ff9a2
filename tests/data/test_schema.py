"""Bad input: every problem is named with its areas, nothing is dropped silently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sesindex.data import DataValidationError, check_tidy, from_tidy, to_tidy, validate_tidy


def only(problems, check):
    found = [p for p in problems if p.check == check]
    assert found, f"expected a {check!r} problem, got {[p.check for p in problems]}"
    return found[0]


def test_clean_frame_has_no_problems(clean):
    assert check_tidy(clean) == []


def test_roundtrip_tidy_dataset_is_lossless(clean):
    back = to_tidy(from_tidy(clean))
    expected = validate_tidy(clean).sort_values(
        ["area_code", "year", "indicator"], ignore_index=True
    )
    pd.testing.assert_frame_equal(back, expected[back.columns], check_dtype=False)


def test_missing_required_column(clean):
    p = only(check_tidy(clean.drop(columns="indicator")), "missing_columns")
    assert "indicator" in p.message


def test_no_count_and_no_value_columns(clean):
    only(check_tidy(clean.drop(columns=["count", "denominator"])), "missing_columns")


def test_empty_frame(clean):
    only(check_tidy(clean.iloc[:0]), "empty")


def test_missing_area_code_names_rows_and_label(clean):
    clean.loc[4, "area_code"] = None
    p = only(check_tidy(clean), "missing_area_code")
    assert p.rows == (4,) and "Hammarby" in p.message


def test_duplicate_rows_name_area(clean):
    bad = pd.concat([clean, clean.iloc[[0]]], ignore_index=True)
    p = only(check_tidy(bad), "duplicate")
    assert p.areas == ("0114R001",) and len(p.rows) == 2


def test_count_above_denominator(clean):
    clean.loc[5, "count"] = 2000
    assert only(check_tidy(clean), "count_exceeds_denominator").areas == ("0114R002",)


def test_negative_count(clean):
    clean.loc[0, "count"] = -1
    assert only(check_tidy(clean), "negative").areas == ("0114R001",)


def test_negative_denominator(clean):
    clean.loc[7, "denominator"] = -5
    assert only(check_tidy(clean), "negative").areas == ("0115R001",)


def test_nan_count(clean):
    clean.loc[8, "count"] = np.nan
    assert only(check_tidy(clean), "missing_value").areas == ("0115R001",)


def test_scb_suppression_markers_are_reported_not_dropped(clean):
    bad = clean.astype({"count": object})
    bad.loc[3, "count"] = ".."
    bad.loc[6, "count"] = "."
    p = only(check_tidy(bad), "suppressed")
    assert set(p.areas) == {"0114R002", "0115R001"} and ".." in p.message
    # the suppressed cell is not also double-reported as a plain missing value
    assert not [q for q in check_tidy(bad) if q.check == "missing_value"]


def test_other_text_in_numeric_column(clean):
    bad = clean.astype({"denominator": object})
    bad.loc[2, "denominator"] = "many"
    assert "many" in only(check_tidy(bad), "non_numeric").message


def test_zero_population(clean):
    clean.loc[1, ["count", "denominator"]] = 0
    assert only(check_tidy(clean), "zero_denominator").areas == ("0114R001",)


def test_mixed_boundary_versions_in_one_year(clean):
    clean.loc[clean["area_code"] == "0115R001", "boundary_version"] = "RegSO2025"
    p = only(check_tidy(clean), "mixed_boundary_versions")
    assert p.areas == ("0115R001",) and "2022" in p.message


def test_boundary_versions_may_differ_between_years(clean):
    later = clean.assign(year=2024, boundary_version="RegSO2025")
    assert check_tidy(pd.concat([clean, later], ignore_index=True)) == []


def test_unknown_boundary_version(clean):
    clean["boundary_version"] = "RegSO1999"
    only(check_tidy(clean), "unknown_boundary_version")


def test_unknown_indicator(clean):
    clean.loc[0, "indicator"] = "V9"
    assert only(check_tidy(clean), "unknown_indicator").areas == ("0114R001",)


def test_malformed_regso_code(clean):
    clean.loc[clean["area_code"] == "0114R002", "area_code"] = "114R002"
    assert only(check_tidy(clean), "malformed_code").areas == ("114R002",)


def test_deso_code_in_regso_data_is_malformed(clean):
    clean.loc[clean["area_code"] == "0114R002", "area_code"] = "0114C1010"
    only(check_tidy(clean), "malformed_code")


def test_leading_zero_lost_is_caught(clean):
    clean["area_code"] = clean["area_code"].str.lstrip("0")
    assert len(only(check_tidy(clean), "malformed_code").areas) == 3


def test_non_integer_counts(clean):
    clean["count"] = clean["count"].astype(float)
    clean.loc[2, "count"] = 10.5
    only(check_tidy(clean), "non_integer_count")


def test_percent_above_100():
    df = pd.DataFrame(
        {"area_code": ["1780R001"], "year": [2022], "indicator": ["V1"], "value": [101.0]}
    )
    only(check_tidy(df), "percent_above_100")


def test_indicator_given_both_as_counts_and_values(clean):
    clean = clean.astype({"count": float, "denominator": float})
    clean["value"] = np.nan
    clean.loc[0, ["count", "denominator", "value"]] = [np.nan, np.nan, 1.0]
    only(check_tidy(clean), "mixed_kind")


def test_incomplete_area_year(clean):
    p = only(check_tidy(clean.drop(index=8)), "incomplete")
    assert p.areas == ("0115R001",)
    assert "1 area-year-indicator(s) absent: 0115R001 2022 V3" in p.message


def test_an_area_missing_a_whole_year_of_its_boundary_version_is_named(clean):
    later = clean.assign(year=2023)
    panel = pd.concat([clean, later[later["area_code"] != "0115R001"]], ignore_index=True)
    p = only(check_tidy(panel), "missing_area_years")
    assert p.areas == ("0115R001",) and "0115R001 2023" in p.message
    # another boundary version's years are its own: RegSO 2025 from 2024 is no gap
    moved = clean.assign(year=2024, boundary_version="RegSO2025")
    assert check_tidy(pd.concat([clean, moved], ignore_index=True)) == []


def test_bad_year(clean):
    clean.loc[0, "year"] = 22
    only(check_tidy(clean), "bad_year")


def test_municipality_code_mismatch(clean):
    clean["municipality_code"] = "0114"
    assert only(check_tidy(clean), "municipality_mismatch").areas == ("0115R001",)


def test_inconsistent_area_names(clean):
    clean.loc[0, "area_name"] = "Other name"
    assert only(check_tidy(clean), "inconsistent_metadata").areas == ("0114R001",)


def test_expected_areas_missing_and_unexpected(clean):
    problems = check_tidy(clean, expected_areas=["0114R001", "0114R002", "0116R001"])
    assert only(problems, "missing_areas").areas == ("0116R001",)
    assert only(problems, "unexpected_areas").areas == ("0115R001",)


def test_all_problems_reported_at_once(clean):
    clean.loc[0, "count"] = -1
    clean.loc[4, "count"] = 5000
    clean.loc[8, "indicator"] = "V9"
    with pytest.raises(DataValidationError) as info:
        validate_tidy(clean)
    checks = {p.check for p in info.value.problems}
    assert {"negative", "count_exceeds_denominator", "unknown_indicator"} <= checks
    assert "0114R002" in str(info.value)


def test_many_areas_are_summarised_in_message():
    codes = [f"0114R{i:03d}" for i in range(1, 31)]
    df = pd.DataFrame(
        {"area_code": codes, "year": 2022, "indicator": "V1", "count": -1, "denominator": 10}
    )
    text = str(only(check_tidy(df), "negative"))
    assert "and 18 more" in text and "0114R001" in text


def test_validation_never_drops_rows(clean):
    assert len(validate_tidy(clean)) == len(clean)


def test_published_percent_may_carry_its_denominator():
    from sesindex.data.model import lacking_denominators

    df = pd.DataFrame(
        {
            "area_code": ["1780R001", "1780R002"],
            "year": 2022,
            "indicator": "V1",
            "value": [12.3, 4.5],
            "denominator": [5000, 4000],
        }
    )
    assert check_tidy(df) == []
    ds = from_tidy(df)
    assert ds["indicator_kind"].item() == "percent" and lacking_denominators(ds, ["V1"]) == []
    assert lacking_denominators(from_tidy(df.drop(columns="denominator")), ["V1"]) == ["V1"]


def test_count_without_denominator_is_missing(clean):
    clean.loc[2, "denominator"] = np.nan
    assert only(check_tidy(clean), "missing_value").areas == ("0114R001",)


def test_suppressed_count_does_not_make_its_indicator_look_mixed(clean):
    bad = clean.astype({"count": object})
    bad.loc[0, "count"] = ".."
    assert [p.check for p in check_tidy(bad)] == ["suppressed"]


def test_an_unreadable_year_is_named_as_such_not_as_a_year_others_lack(clean):
    later = clean.assign(year=2023)
    panel = pd.concat([clean, later], ignore_index=True).astype({"year": object})
    panel.loc[0, "year"] = "abc"
    panel.loc[1, "year"] = 20222
    checks = [p.check for p in check_tidy(panel)]
    assert {"non_numeric", "bad_year", "incomplete"} <= set(checks)
    assert "missing_area_years" not in checks  # 0114R001 keeps a row in 2022

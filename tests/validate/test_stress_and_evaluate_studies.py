"""The stress and evaluation studies run end to end at tiny size and score what they say."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sesindex.validate.stress import coverage_rows, flag_rows


def test_coverage_rows_count_what_the_intervals_cover():
    draws = np.tile(np.linspace(-1, 1, 101)[:, None], (1, 3))  # the same draws per cell
    rows = coverage_rows("x", draws, np.array([0.0, 0.95, np.nan]), (0.5, 0.9))
    assert [(r["level"], r["covered"], r["cells"]) for r in rows] == [(0.5, 1, 2), (0.9, 1, 2)]


def test_change_flags_score_false_positives_and_power():
    rng = np.random.default_rng(0)
    truth = np.array([0.0, 0.0, 2.0, -2.0])
    draws = truth + rng.normal(0, 0.1, (400, 4))
    draws[:, 1] += 1.5  # a posterior that puts a no-change pair far from 0: a false flag
    rows = {r["flag"]: r for r in flag_rows(draws, truth, "consecutive", 1.0, 0.9, 0.95)}
    assert rows["material"]["false_positives"] == 1 and rows["material"]["true_positives"] == 2
    assert rows["direction"]["false_positives"] == 1  # flagged "up" where nothing moved


@pytest.mark.slow  # fits: the scoring below is fast
def test_stress_study_runs_and_writes_its_tables(tmp_path):
    from sesindex.validate import run_study

    spec = {
        "study": "stress",
        "years": [2021, 2022, 2023, 2024],
        "n_areas": 40,
        "stress": {
            "model": "models/latent_factor.toml",
            "scenarios": ["static", "jumps"],
            "seeds": 1,
            "n_areas": 60,
            "sampler": {"tune": 150, "draws": 150},
        },
    }
    m = run_study(spec, tmp_path)
    cov = pd.read_csv(tmp_path / "coverage.csv")
    assert {"scenario", "quantity", "level", "coverage"} <= set(cov.columns)
    assert {"index", "change", "mu", "change_jumped"} <= set(cov["quantity"])
    assert set(cov["scenario"]) == {"static", "jumps"}
    assert (cov["coverage"].between(0, 1)).all()
    # the static panel has no change at all: its change intervals should hold 0 nearly
    # always (the truth sits where the model's small steps put most mass)
    static = cov[
        (cov["scenario"] == "static") & (cov["quantity"] == "change") & (cov["level"] == 0.95)
    ]
    assert static["coverage"].iloc[0] > 0.9
    assert m["results"]["fits"] == 2 and (tmp_path / "coverage.png").exists()


@pytest.mark.slow
def test_evaluation_study_runs_with_causalpy_beside_it(tmp_path):
    # CausalPy is a dev extra (the comparison's yardstick); CausalPy 0.9 requires PyMC < 6,
    # so an environment on PyMC 6 may lack it
    pytest.importorskip("causalpy", reason="CausalPy is not installed (the dev extra)")
    from sesindex.validate import run_study

    spec = {
        "study": "evaluate",
        "years": [2019, 2020, 2021, 2022, 2023],
        "n_areas": 40,
        "evaluate": {
            "n_areas": 80,
            "start": 2022,
            "seeds": 1,
            "sizes": [8],
            "effects": [-2.0],
            "k": 2,
            "causalpy": True,
            "sampler": {"tune": 150, "draws": 150},
        },
    }
    m = run_study(spec, tmp_path)
    est = pd.read_csv(tmp_path / "estimates.csv")
    assert set(est["kind"]) == {"placebo", "planted"}
    assert est["causalpy_estimate"].notna().all() and est["naive_estimate"].notna().all()
    planted = est[est["kind"] == "planted"].iloc[0]
    assert planted["true_att"] < -1.5  # the planted improvement
    assert m["results"]["failed"] == 0
    assert (tmp_path / "power_and_false_positives.png").exists()


def test_placebo_false_positives_are_counted_with_exact_intervals():
    from sesindex.validate.evaluate import summary_tables

    # 12 placebo groups over 2 seeds: one interval excludes 0 (a false positive)
    rows = pd.DataFrame(
        {
            "kind": "placebo",
            "selection": ["worst_quarter", "random"] * 6,
            "size": [10, 10, 30, 30, 100, 100] * 2,
            "effect": 0.0,
            "seed": [1] * 6 + [2] * 6,
            "true_att": 0.0,
            "estimate": 0.0,
            "lo90": -0.5,
            "hi90": 0.5,
            "lo95": [-1.0] * 11 + [0.1],
            "hi95": [1.0] * 11 + [0.9],
            "naive_estimate": 0.0,
            "naive_lo95": -1.0,
            "naive_hi95": 1.0,
            "fit_ok": True,
            "comparison_areas": 30,
            "looks_treated": 0,
        }
    )
    tables = summary_tables(rows)
    assert tables["planted"].empty  # a placebo-only study has no planted table
    pooled = tables["false_positives_pooled"].set_index(["method", "kind", "selection"])
    allof = pooled.loc[("sesindex", "placebo", "all")]
    assert (allof["groups"], allof["false_positives"], allof["data_seeds"]) == (12, 1, 2)
    # Clopper-Pearson: P(X >= 1 | p = lo) = 0.025 and P(X <= 1 | p = hi) = 0.025
    from scipy import stats

    assert abs(stats.binom.sf(0, 12, allof["fp_lo95"]) - 0.025) < 1e-6
    assert abs(stats.binom.cdf(1, 12, allof["fp_hi95"]) - 0.025) < 1e-6
    assert pooled.loc[("sesindex", "placebo", "worst_quarter"), "false_positives"] == 0
    assert pooled.loc[("naive_did", "placebo", "all"), "false_positives"] == 0


def test_planted_coverage_is_pooled_over_cells_with_exact_intervals(tmp_path):
    from scipy import stats

    from sesindex.validate.evaluate import summary_tables

    # 6 planted cells over 3 seeds, true effect -1: the 95 % interval misses once, the
    # 90 % twice; the naive interval misses every cell
    rows = pd.DataFrame(
        {
            "kind": "planted",
            "selection": "worst_quarter",
            "size": [10, 30] * 3,
            "effect": -1.0,
            "seed": [1, 1, 2, 2, 3, 3],
            "true_att": -1.0,
            "estimate": -1.0,
            "lo90": [-1.5] * 4 + [-0.9, -0.8],
            "hi90": -0.5,
            "lo95": [-1.6] * 5 + [-0.9],
            "hi95": -0.4,
            "naive_estimate": -2.0,
            "naive_lo95": -2.5,
            "naive_hi95": -1.5,
            "fit_ok": True,
            "comparison_areas": 30,
            "looks_treated": 0,
        }
    )
    tables = summary_tables(rows)
    assert tables["false_positives"].empty  # a planted-only study: no placebo table, and
    from sesindex.validate.evaluate import _figures  # its figure says so
    from sesindex.validate.outputs import StudyOutput

    _figures(StudyOutput(tmp_path), tables, "planted only")
    assert (tmp_path / "power_and_false_positives.png").exists()
    pooled = tables["coverage_pooled"].set_index(["method", "level"])
    s95, s90 = pooled.loc[("sesindex", 95)], pooled.loc[("sesindex", 90)]
    assert (s95["cells"], s95["covered"], s95["data_seeds"]) == (6, 5, 3)
    assert s90["covered"] == 4 and pooled.loc[("naive_did", 95), "covered"] == 0
    assert ("naive_did", 90) not in pooled.index  # the naive DiD has no 90 % interval
    # Clopper-Pearson: P(X >= 5 | p = lo) = 0.025 and P(X <= 5 | p = hi) = 0.025
    assert abs(stats.binom.sf(4, 6, s95["coverage_lo95"]) - 0.025) < 1e-6
    assert abs(stats.binom.cdf(5, 6, s95["coverage_hi95"]) - 0.025) < 1e-6


def test_an_evaluate_study_with_no_data_seeds_is_refused_before_fitting(tmp_path):
    from sesindex.validate.evaluate import run
    from sesindex.validate.outputs import StudyOutput
    from sesindex.validate.spec import StudySpec

    spec = StudySpec.from_dict(
        {
            "study": "evaluate",
            "years": [2019, 2020, 2021, 2022],
            "evaluate": {"placebo_seeds": 0, "planted_seeds": 0},
        }
    )
    with pytest.raises(ValueError, match="no data seeds"):
        run(spec, None, StudyOutput(tmp_path))


@pytest.mark.slow
def test_decline_and_overlap_scenarios_score_groups_of_no_effect(tmp_path):
    from sesindex.validate import run_study

    spec = {
        "study": "evaluate",
        "years": [2019, 2020, 2021, 2022, 2023],
        "n_areas": 40,
        "evaluate": {
            "n_areas": 120,
            "start": 2022,
            "placebo_seeds": 0,
            "planted_seeds": 0,
            "decline_seeds": 1,
            "overlap_seeds": 1,
            "sizes": [8],
            "overlap_areas": 10,
            "overlap_sizes": [8],
            "k": 2,
            "causalpy": False,
            "sampler": {"tune": 150, "draws": 150},
        },
    }
    m = run_study(spec, tmp_path)
    assert m["results"]["failed"] == 0
    est = pd.read_csv(tmp_path / "estimates.csv")
    assert sorted(zip(est["kind"], est["selection"], strict=True)) == [
        ("decline", "worst_pre_change"),
        ("overlap", "excluded"),
        ("overlap", "unknown"),
    ]
    assert (est["true_att"] == 0).all()
    decline = est[est["kind"] == "decline"].iloc[0]
    # 12 of 120 areas decline by 0.4 points a year: they lead the pre-period worsening
    assert decline["treated_declining"] >= 4
    overlap = est[est["kind"] == "overlap"].set_index("selection")
    assert overlap.loc["excluded", "other_in_pool"] == 0  # excluded: never a comparison
    assert overlap.loc["unknown", "other_flagged"] <= overlap.loc["unknown", "other_in_pool"]
    pooled = pd.read_csv(tmp_path / "false_positives_pooled.csv")
    assert {"decline", "overlap"} <= set(pooled["kind"])
    assert "sesindex_without_flagged" in set(pooled["method"])
    gate = pd.read_csv(tmp_path / "gate.csv").set_index(["kind", "selection"])
    assert gate.loc[("all", "all"), "refits"] == 3
    warning = pd.read_csv(tmp_path / "warning.csv")
    assert "never treated" in set(warning["comparisons"])


def test_gate_and_warning_tables_count_per_scenario_with_exact_intervals():
    from scipy import stats

    from sesindex.validate.evaluate import summary_tables

    rows = pd.DataFrame(
        {
            "kind": ["placebo", "placebo", "overlap", "overlap"],
            "selection": ["random", "random", "unknown", "excluded"],
            "size": 10,
            "effect": 0.0,
            "seed": [1, 2, 3, 3],
            "true_att": 0.0,
            "estimate": 0.0,
            "lo90": -0.5,
            "hi90": 0.5,
            "lo95": [-1.0, -1.0, 0.2, -1.0],
            "hi95": 1.0,
            "fit_ok": [True, False, True, True],
            "comparison_areas": 30,
            "looks_treated": [1, 0, 5, 1],
            "other_in_pool": [np.nan, np.nan, 6, 0],
            "other_flagged": [np.nan, np.nan, 4, 0],
            "lo95_without_flagged": [np.nan, np.nan, -0.8, np.nan],
            "hi95_without_flagged": [np.nan, np.nan, 0.9, np.nan],
            "estimate_without_flagged": [np.nan, np.nan, 0.05, np.nan],
            "naive_estimate": 0.0,
            "naive_lo95": -1.0,
            "naive_hi95": 1.0,
        }
    )
    tables = summary_tables(rows)
    gate = tables["gate"].set_index(["kind", "selection"])
    assert gate.loc[("placebo", "random"), "passed"] == 1
    assert gate.loc[("all", "all"), ["refits", "passed"]].tolist() == [4, 3]
    # Clopper-Pearson: P(X >= 3 | p = lo) = 0.025
    assert abs(stats.binom.sf(2, 4, gate.loc[("all", "all"), "pass_lo95"]) - 0.025) < 1e-6
    warning = tables["warning"].set_index(["kind", "selection", "comparisons"])
    assert warning.loc[("overlap", "unknown", "other programme"), "flagged"] == 4
    assert warning.loc[("overlap", "unknown", "never treated"), ["areas", "flagged"]].tolist() == [
        24,
        1,
    ]
    assert warning.loc[("placebo", "random", "never treated"), ["areas", "flagged"]].tolist() == [
        60,
        1,
    ]
    pooled = tables["false_positives_pooled"].set_index(["method", "kind", "selection"])
    # the headline of the contaminated group is flagged; without the flagged areas it is not
    assert pooled.loc[("sesindex", "overlap", "unknown"), "false_positives"] == 1
    assert pooled.loc[("sesindex_without_flagged", "overlap", "unknown"), "false_positives"] == 0
    assert ("sesindex_without_flagged", "placebo", "random") not in pooled.index


def test_the_refit_without_flagged_areas_is_not_scored_on_planted_cells():
    from sesindex.validate.evaluate import summary_tables

    # an overlap group (its estimate refitted without the flagged areas) beside a planted
    # cell, which has no such refit: coverage is scored for the methods that made one
    rows = pd.DataFrame(
        {
            "kind": ["overlap", "planted"],
            "selection": ["unknown", "worst_quarter"],
            "size": 10,
            "effect": [0.0, -1.0],
            "seed": 1,
            "true_att": [0.0, -1.0],
            "estimate": [0.0, -1.0],
            "lo90": [-0.5, -1.5],
            "hi90": [0.5, -0.5],
            "lo95": [-1.0, -1.6],
            "hi95": [1.0, -0.4],
            "fit_ok": True,
            "comparison_areas": 30,
            "looks_treated": [2, 0],
            "other_in_pool": [3, np.nan],
            "other_flagged": [2, np.nan],
            "lo95_without_flagged": [-0.8, np.nan],
            "hi95_without_flagged": [0.9, np.nan],
            "estimate_without_flagged": [0.05, np.nan],
            "naive_estimate": 0.0,
            "naive_lo95": -1.0,
            "naive_hi95": 1.0,
        }
    )
    coverage = summary_tables(rows)["coverage_pooled"]
    assert "sesindex_without_flagged" not in set(coverage["method"])
    assert coverage.loc[coverage["method"] == "sesindex", "covered"].tolist() == [1, 1]


def test_standardised_errors_tell_intervals_too_narrow_from_right():
    from scipy import stats

    from sesindex.validate.evaluate import standardised_errors

    # 400 groups whose intervals say sd 1: errors of sd 1 (right) and of sd 1.5 (too narrow)
    rng = np.random.default_rng(5)
    half = stats.norm.ppf(0.975)

    def rows(sd):
        err = rng.normal(0.0, sd, 400)
        return pd.DataFrame(
            {
                "kind": "placebo",
                "selection": "random",
                "size": 10,
                "true_att": 0.0,
                "estimate": err,
                "lo95": err - half,
                "hi95": err + half,
            }
        )

    method = [("sesindex", "lo95", "hi95", "estimate")]
    right, narrow = (
        standardised_errors(rows(sd), method).set_index("kind").loc["all"] for sd in (1.0, 1.5)
    )
    # the mean square of 400 chi-square(1) draws has sd sqrt(2 / 400) = 0.071
    assert abs(right["mean_square"] - 1.0) < 4 * np.sqrt(2 / 400)
    assert abs(narrow["mean_square"] - 2.25) < 4 * 2.25 * np.sqrt(2 / 400)
    assert right["p_too_narrow"] > 1e-3 and narrow["p_too_narrow"] < 1e-6

"""Change verdicts against synthetic truth: the arithmetic of precision, calibration and
the Brier score on hand-made tables (sesindex.validate.verdicts).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sesindex.validate.verdicts import calibration, precision_at, score_changes, verdict_precision


def test_precision_per_verdict_and_pooled_on_a_hand_made_table():
    changes = pd.DataFrame(
        {
            "area_code": list("abcdefab"),
            "year_from": [2022] * 6 + [2023] * 2,
            "year_to": [2023] * 6 + [2024] * 2,
            "type_from": [3, 3, 3, 4, 4, 4, 4, 2],
            "type_to": [4, 4, 2, 3, 4, 3, 4, 3],
            "verdict": [
                "probably real",
                "probably real",
                "probably real",
                "uncertain",
                "",
                "probably noise",
                "",
                "probably real",
            ],
            "boundary_changed": [False] * 7 + [True],
        }
    )
    truth = pd.DataFrame(
        {
            "area_code": list("abcdef") * 3,
            "year": np.repeat([2022, 2023, 2024], 6),
            "type_true": [
                3,
                3,
                3,
                4,
                4,
                4,  # 2022
                4,
                3,
                4,
                3,
                4,
                4,  # 2023: a up, c up, d down
                4,
                4,
                4,
                3,
                4,
                4,
            ],
        }
    )  # 2024
    scored = score_changes(changes, truth)
    assert len(scored) == 7  # the boundary change is left out
    # a: 3->4 observed, truly 3->4; b: observed up, truly none; c: observed down, truly up
    assert scored["true_as_observed"].tolist() == [True, False, False, True, False, False, False]
    assert scored["true_type_changed"].tolist()[:4] == [True, False, True, True]
    p = verdict_precision(scored).set_index(["year_from", "verdict"])
    real = p.loc[(2022, "probably real")]
    assert (real["observed_changes"], real["true_type_changed"], real["true_as_observed"]) == (
        3,
        2,
        1,
    )
    assert real["precision"] == pytest.approx(1 / 3)
    assert real["precision_lo95"] < 1 / 3 < real["precision_hi95"]
    assert p.loc[(2022, "uncertain"), "precision"] == 1.0
    assert (2023, "") not in p.index  # unchanged types have no verdict to score
    pooled = verdict_precision(scored, by=()).set_index("verdict")
    assert pooled["observed_changes"].to_dict() == {
        "probably noise": 1,
        "probably real": 3,
        "uncertain": 1,
    }


def test_score_changes_names_area_years_the_truth_lacks():
    changes = pd.DataFrame(
        {
            "area_code": ["a", "zz"],
            "year_from": 2022,
            "year_to": 2023,
            "type_from": [1, 2],
            "type_to": [2, 2],
        }
    )
    truth = pd.DataFrame({"area_code": ["a", "a"], "year": [2022, 2023], "type_true": [1, 2]})
    with pytest.raises(ValueError, match=r"2 area-years.*\['zz', 2022\], \['zz', 2023\]"):
        score_changes(changes, truth)


def test_a_fits_other_pairs_are_left_out():
    changes = pd.DataFrame(
        {
            "area_code": ["a", "a"],
            "year_from": [2022, 2022],
            "year_to": [2023, 2023],
            "pair": ["consecutive", "first_last"],
            "type_from": [1, 1],
            "type_to": [2, 2],
        }
    )
    truth = pd.DataFrame({"area_code": ["a", "a"], "year": [2022, 2023], "type_true": [1, 2]})
    assert len(score_changes(changes, truth)) == 1


def test_calibration_bins_and_brier_arithmetic():
    p = [0.0, 0.05, 0.2, 0.2, 0.6, 0.95, 1.0, np.nan]
    y = [0, 0, 1, 0, 1, 1, 0, 1]
    table, brier = calibration(p, y, edges=(0, 0.1, 0.5, 0.9, 1))
    assert table["n"].tolist() == [2, 2, 1, 2]  # p = 1 in the last, closed bin
    assert table["events"].tolist() == [0, 1, 1, 1]
    assert table["predicted"].tolist() == pytest.approx([0.025, 0.2, 0.6, 0.975])
    assert table["observed"].tolist() == pytest.approx([0, 0.5, 1, 0.5])
    assert table.attrs["left_out"] == 1
    # (0 + 0.0025 + 0.64 + 0.04 + 0.16 + 0.0025 + 1) / 7
    assert brier == pytest.approx(1.845 / 7)
    lo, hi = table.loc[1, ["observed_lo95", "observed_hi95"]]
    assert lo == pytest.approx(0.0125791, abs=1e-6) and hi == pytest.approx(0.9874209, abs=1e-6)
    with pytest.raises(ValueError, match="2 probabilities against 3 events"):
        calibration([0.1, 0.2], [0, 1, 0])


def test_precision_at_thresholds_pooled_and_per_pair():
    scored = pd.DataFrame(
        {
            "year_from": [2022, 2022, 2023, 2023, 2023],
            "year_to": [2023, 2023, 2024, 2024, 2024],
            "observed_change": [True, True, True, True, False],
            "p": [0.99, 0.91, 0.95, 0.85, 0.99],
            "true_as_observed": [True, False, True, False, False],
        }
    )
    at = precision_at(scored, "p", [0.9, 0.95]).set_index(["pairs", "threshold"])
    assert at.loc[("all", 0.9), ["flagged", "true_as_observed"]].tolist() == [3, 2]
    assert at.loc[("all", 0.95), "precision"] == 1.0
    assert at.loc[("2022-2023", 0.9), "precision"] == 0.5

"""An evaluation's headline says when the event study's pre-period strays from 0."""

from __future__ import annotations

import pandas as pd
import pytest

from sesindex.evaluation.effects import pre_period_check


def _event_study(pre: list[tuple[int, float, float]]) -> pd.DataFrame:
    """An event study with the given (event time, lo95, hi95) before the start, the
    reference year and two years after.
    """
    rows = [
        {"event_time": e, "period": "pre", "mean": (lo + hi) / 2, "lo95": lo, "hi95": hi}
        for e, lo, hi in pre
    ]
    rows += [
        {"event_time": -1, "period": "reference", "mean": 0.0, "lo95": 0.0, "hi95": 0.0},
        {"event_time": 0, "period": "post", "mean": -1.2, "lo95": -1.8, "hi95": -0.6},
        {"event_time": 1, "period": "post", "mean": -1.0, "lo95": -1.5, "hi95": -0.4},
    ]
    return pd.DataFrame(rows)


STRAYED = _event_study([(-5, -0.9, -0.2), (-4, -0.5, 0.4), (-3, 0.1, 0.8), (-2, -0.3, 0.2)])
NEAR_0 = _event_study([(-3, -0.4, 0.3), (-2, -0.2, 0.5)])


def test_pre_period_intervals_excluding_0_are_counted_and_named():
    check = pre_period_check(STRAYED)
    assert check["pre_periods"] == 4 and check["excluding_0"] == [-5, -3]
    assert check["caution"] == (
        "Caution: 2 of 4 pre-period 95 % intervals exclude 0 "
        "(event times -5, -3): the comparison may not hold"
    )


def test_no_caution_when_every_pre_period_interval_includes_0():
    # the reference year (0 by construction) and the post years never count
    assert pre_period_check(NEAR_0) == {"pre_periods": 2, "excluding_0": [], "caution": None}


def test_an_event_study_without_intervals_is_refused_by_column():
    with pytest.raises(ValueError, match="lo95"):
        pre_period_check(STRAYED.drop(columns="lo95"))


def _report(event_study: pd.DataFrame, tmp_path, lang: str = "en") -> str:
    from sesindex.reporting.evaluation import build_evaluation_report
    from sesindex.runs import run_tree

    effects = pd.DataFrame(
        {
            "estimand": ["att_index"],
            "mean": [-1.1],
            "sd": [0.3],
            "lo90": [-1.6],
            "hi90": [-0.6],
            "lo95": [-1.7],
            "hi95": [-0.5],
            "p_positive": [0.0],
            "p_negative": [1.0],
        }
    )
    tree = run_tree(
        {"effects": effects, "event_study": event_study},
        manifest={
            "fit_ok": True,
            "treated": {"0114R001": 2018},
            "evaluation": {"comparison_areas": 5},
        },
    )
    return build_evaluation_report(None, tree, out=tmp_path / "report.html", lang=lang).read_text()


def test_the_report_headline_carries_the_caution(tmp_path):
    page = _report(STRAYED, tmp_path)
    caution = pre_period_check(STRAYED)["caution"]
    assert caution in page
    assert page.index(caution) < page.index("<h2>Effects</h2>")  # beside the headline
    assert "Caution" not in _report(NEAR_0, tmp_path)


def test_the_swedish_report_headline_carries_the_caution_in_swedish(tmp_path):
    page = _report(STRAYED, tmp_path, "sv")
    caution = (
        "Varning: 2 av 4 95 %-intervall före starten utesluter 0 (händelsetider "
        "-5, -3): jämförelsen kanske inte håller"
    )
    assert caution in page and "Caution" not in page
    assert page.index(caution) < page.index("<h2>Effekter</h2>")
    assert "Varning" not in _report(NEAR_0, tmp_path, "sv")


def test_the_console_headline_carries_the_caution():
    from sesindex.cli.app import console
    from sesindex.cli.fit_commands import _print_pre_period

    with console.capture() as said:
        _print_pre_period(STRAYED)
    assert "2 of 4 pre-period 95 % intervals exclude 0 (event times -5, -3)" in " ".join(
        said.get().split()
    )
    with console.capture() as said:
        _print_pre_period(NEAR_0)
    assert said.get() == ""

"""An evaluation's reports: Swedish (report.html) and English (report_en.html), each
wholly in its language, both in the run's manifest and replaced by --overwrite; its
figures' numbers as the language writes them. No refit: a small evaluation made by hand.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest
import xarray as xr

from sesindex.evaluation import EvaluationResult

#: What the English report says and the Swedish one must not.
ENGLISH = (
    "treated areas against",
    "comparison areas.",
    "points (95 % interval",
    "the 95 % interval excludes 0",
    "comparison area(s) improved",
    "Caution:",
    "pre-period 95 % intervals",
    "Counterfactual:",
    "a panel fitted on the treated",
    "<h2>Effects</h2>",
    "<h2>Event study",
    "<h2>Provenance</h2>",
    "Average effect",
    "not asked",
    "Years from the start",
    "pre-period level",
    "Source:",
)
#: What the Swedish report says instead.
SWEDISH = (
    "7 behandlade områden mot 31 jämförelseområden",
    "procentenheter (95 % intervall",
    "95 %-intervallet utesluter 0",
    "1 jämförelseområde(n) förbättrades",
    "Varning: 2 av 3 95 %-intervall före starten utesluter 0",
    "Kontrafaktiskt utfall: modellens eget",
    "<h2>Effekter</h2>",
    "<h2>Händelsestudie",
    "<h2>Härkomst</h2>",
    "Genomsnittlig effekt på index",
    "inte begärd (refit_without_flagged)",
    "År från starten",
    "nivå före starten",
    "Källa: SCB",
    "<td>-1,55</td>",
    "<td>0,002</td>",
    "avvikelse under −3,30",
)


def _evaluation() -> EvaluationResult:
    """An evaluation of one programme on 7 areas against 31, its pre-period straying
    from 0 at two of three event times and one comparison area looking treated.
    """
    from sesindex.evaluation.effects import NOTES

    row = {"programme": "Lyftet", "sd": 0.2, "p_positive": 0.0, "p_negative": 1.0}
    effects = pd.DataFrame(
        [
            {
                **row,
                "estimand": "att_index",
                "mean": -1.546,
                "lo90": -1.93,
                "hi90": -1.17,
                "lo95": -2.0,
                "hi95": -1.1,
            },
            {
                **row,
                "estimand": "att_ses",
                "mean": 0.39,
                "lo90": 0.29,
                "hi90": 0.49,
                "lo95": 0.28,
                "hi95": 0.51,
                "p_positive": 1.0,
                "p_negative": 0.0,
            },
        ]
    )
    times = [-4, -3, -2, -1, 0, 1]
    events = pd.DataFrame(
        {
            "programme": "Lyftet",
            "event_time": times,
            "period": ["pre", "pre", "pre", "reference", "post", "post"],
            "estimand": "event_index",
            "mean": [-0.9, -0.6, -0.2, 0.0, -1.5, -1.7],
            "sd": 0.3,
            "lo90": [-1.4, -1.1, -0.6, 0.0, -2.0, -2.2],
            "hi90": [-0.4, -0.2, 0.2, 0.0, -1.0, -1.2],
            "lo95": [-1.5, -1.2, -0.7, 0.0, -2.1, -2.3],
            "hi95": [-0.3, -0.1, 0.3, 0.0, -0.9, -1.1],
            "p_positive": 0.002,
            "p_negative": 0.998,
        }
    )
    controls = pd.DataFrame(
        {
            "programme": "Lyftet",
            "area_code": "0114R001",
            "start_year": 2021,
            "control": ["0115R001", "0115R002"],
            "distance": [0.1, 0.2],
            "departure": [-0.2, 0.01],
            "departure_z": [-4.1, 0.2],
            "looks_treated": [True, False],
            "bar": 3.296,
        }
    )
    balance = pd.DataFrame(
        {
            "programme": "Lyftet",
            "start_year": 2021,
            "feature": ["pre_level", "pre_trend"],
            "comparison": ["matched", "all_never_treated"],
            "treated_mean": [1.28, -0.01],
            "comparison_mean": [1.17, 0.0],
            "std_difference": [0.106, -0.71],
            "treated": 7,
            "comparison_areas": [31, 593],
        }
    )
    paths = pd.DataFrame(
        [
            {
                "programme": "Lyftet",
                "group": group,
                "year": year,
                "mean": level - (1.5 if group == "treated" and year >= 2021 else 0),
                "lo90": level - 2,
                "hi90": level + 0.5,
                "areas": 7,
            }
            for group, level in (
                ("treated", 16.5),
                ("treated_without_programme", 16.8),
                ("comparison", 14.8),
            )
            for year in range(2017, 2023)
        ]
    )
    spec = SimpleNamespace(to_dict=lambda: {"model": "by hand"}, sampler=SimpleNamespace(seed=1))
    fit = SimpleNamespace(gate={"passed": True}, data=xr.Dataset(), spec=spec, timings={})
    info = {
        "headline": "att_index",
        "comparison_areas": 31,
        "excluded": 0,
        "looks_treated": ["0115R001"],
        "looks_treated_bar": 3.296,
        "without_flagged": NOTES["ev_not_asked"][1],
        "counterfactual": NOTES["ev_counterfactual"][1],
    }
    starts = {f"0114R00{k}": 2021 for k in range(1, 8)}
    return EvaluationResult(
        effects, events, controls, balance, paths, starts, fit, info, {a: "Lyftet" for a in starts}
    )


def test_the_evaluation_reports_are_each_wholly_in_their_language(tmp_path):
    import sesindex

    out = sesindex.save(_evaluation(), tmp_path / "ev")
    sv = (out / "report.html").read_text(encoding="utf-8")
    en = (out / "report_en.html").read_text(encoding="utf-8")
    assert "<html lang='sv'>" in sv and "<html lang='en'>" in en
    assert [p for p in ENGLISH if p in sv] == []
    assert [p for p in SWEDISH if p not in sv] == []
    assert [p for p in ENGLISH if p not in en] == []
    assert "<b>-1,55</b>" in sv and "<b>-1.55</b>" in en
    assert "Lyftet: " in sv and "Lyftet: " in en  # programme names stay as given
    assert "href='report_en.html'" in sv and "href='report.html'" in en
    assert sv.count("data:image/png;base64") == en.count("data:image/png;base64") == 2
    outputs = json.loads((out / "manifest.json").read_text())["outputs"]
    assert {
        "report.html",
        "report_en.html",
        "trajectories.png",
        "event_study.png",
        "effects_sv.csv",
        "effects_en.csv",
        "evaluation.xlsx",
    } <= set(outputs)
    assert sorted(outputs) == sorted(p.name for p in out.iterdir())


def test_the_front_door_reports_an_evaluation_in_either_language(tmp_path):
    import sesindex

    sv = sesindex.report(_evaluation(), tmp_path / "ev.html").read_text(encoding="utf-8")
    en = sesindex.report(_evaluation(), tmp_path / "ev_en.html", lang="en").read_text(
        encoding="utf-8"
    )
    assert "Utvärdering av en insats" in sv and "Caution" not in sv
    assert "Programme evaluation" in en and "Caution" in en
    # drawn from the tables: the figures need no run directory
    assert sv.count("data:image/png;base64") == 2


def test_evaluate_writes_both_reports_and_overwrite_replaces_both(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import sesindex.evaluation as evaluation
    from sesindex.cli import app

    monkeypatch.setattr(evaluation, "evaluate", lambda *a, **k: _evaluation())
    treated = tmp_path / "treated.csv"
    treated.write_text("area_code,start_year\n0114R001,2021\n")
    out = tmp_path / "ev"
    args = ["evaluate", "--run", str(tmp_path), "--treated", str(treated), "--out", str(out)]
    got = CliRunner().invoke(app, args)
    assert got.exit_code == 0, got.output
    assert "report.html" in got.output and "report_en.html" in got.output
    for name in ("report.html", "report_en.html"):
        (out / name).write_text("an earlier run's report")
    assert CliRunner().invoke(app, args).exit_code == 2  # refused: an earlier run
    got = CliRunner().invoke(app, [*args, "--overwrite"])
    assert got.exit_code == 0, got.output
    assert "Utvärdering av en insats" in (out / "report.html").read_text(encoding="utf-8")
    assert "Programme evaluation" in (out / "report_en.html").read_text(encoding="utf-8")


def test_a_report_without_its_tree_effects_or_destination_is_refused(tmp_path):
    from sesindex.reporting.evaluation import build_evaluation_report
    from sesindex.runs import run_tree

    with pytest.raises(ValueError, match="needs the run's directory or its tree"):
        build_evaluation_report(None)
    no_effects = run_tree({}, manifest={"treated": {}})
    with pytest.raises(ValueError, match="needs out"):
        build_evaluation_report(None, no_effects)
    with pytest.raises(ValueError, match="no effects table: it is not an evaluation run"):
        build_evaluation_report(None, no_effects, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def _tick_labels(fig) -> list[str]:
    fig.canvas.draw()
    return [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]


@pytest.mark.parametrize("lang, point, other", [("sv", ",", "."), ("en", ".", ",")])
def test_the_figures_numbers_take_the_languages_decimal_mark(lang, point, other):
    from sesindex.reporting.evaluation_figures import event_study_figure

    ticks = _tick_labels(event_study_figure(_evaluation().event_study, lang))
    assert "−1" + point + "5" in ticks, ticks  # "−1,5" in Swedish, "−1.5" in English
    assert not [t for t in ticks if other in t]

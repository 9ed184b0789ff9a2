"""sesindex evaluate: bad input refused by name, matching, and a planted effect recovered."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from sesindex.evaluation.matching import match_controls
from sesindex.evaluation.treated import EvaluationInputError, check_programme, read_treated


def test_treated_file_problems_are_named_with_their_lines():
    with pytest.raises(EvaluationInputError, match=r"A \(lines 2, 4\)"):
        read_treated(io.StringIO("area_code,start_year\nA,2020\nB,2020\nA,2021\n"))
    with pytest.raises(EvaluationInputError, match="not a year on line\\(s\\) 3"):
        read_treated(io.StringIO("area_code,start_year\nA,2020\nB,twenty\n"))
    with pytest.raises(EvaluationInputError, match="no column 'area_code'"):
        read_treated(io.StringIO("code\nA\n"), start=2020)
    with pytest.raises(EvaluationInputError, match="give --start"):
        read_treated(io.StringIO("area_code\nA\n"))
    with pytest.raises(EvaluationInputError, match="use one"):
        read_treated(io.StringIO("area_code,start_year\nA,2020\n"), start=2021)
    with pytest.raises(EvaluationInputError, match="empty"):
        read_treated(io.StringIO(""), start=2020)
    assert read_treated(io.StringIO("area_code\n A \n"), start=2020) == {"A": 2020}


def test_programmes_that_cannot_be_evaluated_are_refused_by_name():
    known, fitted, years = ["A", "B", "C"], ["A", "B"], [2019, 2020, 2021]
    with pytest.raises(EvaluationInputError, match="not in the data: X"):
        check_programme({"A": 2020, "X": 2020}, known, fitted, years)
    with pytest.raises(EvaluationInputError, match="not in the fit: C"):
        check_programme({"C": 2020}, known, fitted, years)
    with pytest.raises(EvaluationInputError, match="outside the fitted years 2019-2021: B"):
        check_programme({"A": 2020, "B": 2023}, known, fitted, years)
    with pytest.raises(EvaluationInputError, match="no pre-period.*: A"):
        check_programme({"A": 2019}, known, fitted, years)
    check_programme({"A": 2020, "B": 2021}, known, fitted, years)  # staggered: fine


def test_matching_takes_the_nearest_pre_period_trajectories():
    # treated T rises; a and b rise like it, c is flat at its level, d is far off
    eta = np.array([[1.0, 1.2, 1.4, 9.9], [1.0, 1.2, 1.45, 0.0], [0.9, 1.1, 1.3, 0.0],
                    [1.2, 1.2, 1.2, 0.0], [-2.0, -2.0, -2.0, 0.0]])
    areas = ["T", "a", "b", "c", "d"]
    m = match_controls(eta, [2019, 2020, 2021, 2022], areas, {"T": 2022}, k=2)
    assert sorted(m.controls["control"]) == ["a", "b"]
    bal = m.balance.set_index(["feature", "comparison"])["std_difference"]
    assert abs(bal["pre_level", "matched"]) < abs(bal["pre_level", "all_never_treated"])
    with pytest.raises(EvaluationInputError, match="only 0 never-treated areas in its county"):
        match_controls(eta, [2019, 2020, 2021, 2022], areas, {"T": 2022}, k=1,
                       within="county", municipality=["0114", "0380", "0381", "0382", "0383"])


@pytest.fixture(scope="module")
def programme_panel():
    """100 areas x 6 years; 15 worse-off areas improve by 2 index points from 2022."""
    from sesindex.bayes import ModelSpec, fit
    from sesindex.bayes.spec import SamplerSpec
    from sesindex.data.synthetic import SyntheticConfig, generate

    years = tuple(range(2018, 2024))
    base = generate(n_areas=100, years=years, seed=21)
    before = base.truth[base.truth["year"] == 2021].sort_values("index_true")
    treated = tuple(before["area_code"].iloc[-30::2])
    data = generate(n_areas=100, years=years, seed=21, config=SyntheticConfig(
        programme_areas=treated, programme_start=2022, programme_index=-2.0))
    spec = ModelSpec(steps="jumps", sampler=SamplerSpec(tune=300, draws=400, seed=2,
                                                        low_rank=True))
    placebo = tuple(before["area_code"].iloc[-31::2])  # worse-off, untouched
    return data, fit(data.dataset, spec), treated, placebo


@pytest.mark.slow
def test_a_planted_effect_is_recovered_and_a_placebo_refused(programme_panel, tmp_path):
    from sesindex.evaluation import evaluate

    data, res, treated, placebo = programme_panel
    truth = data.truth[data.truth["programme"]]
    true_att = (truth["index_true"] - truth["index_counterfactual_true"]).mean()
    ev = evaluate(res, {a: 2022 for a in treated}, k=3, allow_failed_fit=True)
    att = ev.effect("att_index")
    assert att["lo95"] <= true_att <= att["hi95"] and att["hi95"] < 0
    assert att["p_negative"] > 0.99
    pre = ev.event_study[ev.event_study["period"] == "pre"]
    assert ((pre["lo95"] <= 0) & (0 <= pre["hi95"])).all()  # placebo years near 0
    assert {"estimand", "mean", "sd", "lo90", "hi90", "lo95", "hi95", "p_positive",
            "p_negative", "label_sv", "label_en"} <= set(ev.effects.columns)
    # one labelled result: the evaluation's tree holds its tables by label and its
    # provenance, and the report renders from it without a run directory
    import sesindex

    tree = ev.to_tree()
    assert float(tree["effects"]["mean"].sel(estimand="att_index")) == att["mean"]
    assert set(tree.attrs["manifest"]["treated"]) == set(treated)
    page = sesindex.report(ev, tmp_path / "ev.html", lang="en").read_text()
    assert "Programme evaluation" in page and f"{att['mean']:+.2f}" in page
    # a placebo group of worse-off areas the programme did not touch, against every area
    # neither treated nor in it (the programme's areas would be contaminated controls)
    untouched = [a for a in placebo if a not in treated]
    others = [a for a in res.inputs.areas if a not in treated and a not in untouched]
    ev0 = evaluate(res, {a: 2022 for a in untouched}, controls=others,
                   allow_failed_fit=True)
    att0 = ev0.effect("att_index")
    assert att0["lo95"] <= 0 <= att0["hi95"]
    # given comparison areas: the tree labels them by themselves
    assert sorted(ev0.to_tree()["controls"]["control"].values) == sorted(others)


@pytest.mark.slow
def test_cli_evaluate_writes_its_tables_and_refuses_unknown_areas(tmp_path):
    from typer.testing import CliRunner

    from sesindex.cli import app

    runner = CliRunner()
    run = tmp_path / "fit"
    got = runner.invoke(app, ["fit", "--spec", "models/latent_factor.toml", "--areas", "40",
                              "--years", "2019-2022", "--draws", "150", "--tune", "150",
                              "--out", str(run), "--no-report"])
    assert got.exit_code in (0, 3), got.output
    manifest = json.loads((run / "manifest.json").read_text())
    assert (run / "data.csv").exists() and (run / "truth.csv").exists()
    areas = pd.read_csv(run / "areas.csv", dtype={"area_code": str})["area_code"].unique()
    treated = tmp_path / "treated.csv"
    treated.write_text("area_code,start_year\n" + "\n".join(f"{a},2021" for a in areas[:4]))
    # k = 5 nearest per treated area: at least 5 distinct comparison areas, the least
    # evaluate accepts, whatever the fit's draws (k = 2 gave 4 on another stack's draws)
    args = ["evaluate", "--run", str(run), "--treated", str(treated), "--k", "5",
            "--draws", "150", "--out", str(tmp_path / "ev")]
    if not manifest["fit_ok"]:  # a short fit may miss its gate: evaluate refuses it
        got = runner.invoke(app, args)
        assert got.exit_code == 1 and "failed its gate" in got.output
    got = runner.invoke(app, args + ["--allow-failed-fit"])
    assert got.exit_code in (0, 3), got.output
    for name in ("effects.csv", "event_study.csv", "controls.csv", "balance.csv",
                 "trajectories.png", "event_study.png", "manifest.json", "effects_sv.csv",
                 "effects_en.csv", "evaluation.xlsx", "report.html"):
        assert (tmp_path / "ev" / name).exists(), name
    # the published effects: Swedish convention, both languages, listed in the manifest
    sv = pd.read_csv(tmp_path / "ev" / "effects_sv.csv", sep=";", decimal=",",
                     encoding="utf-8-sig")
    assert sv.columns[0] == "Effekt" and sv.iloc[0, 0].startswith("Genomsnittlig effekt")
    effects = pd.read_csv(tmp_path / "ev" / "effects.csv")
    assert sv["Medelvärde"].iloc[0] == pytest.approx(effects["mean"].iloc[0], abs=0.005)
    sheets = pd.read_excel(tmp_path / "ev" / "evaluation.xlsx", sheet_name=None)
    assert list(sheets) == ["Svenska", "English", "Om data"]
    outputs = json.loads((tmp_path / "ev" / "manifest.json").read_text())["outputs"]
    assert {"report.html", "evaluation.xlsx"} <= set(outputs)
    assert "Programme evaluation" in (tmp_path / "ev" / "report.html").read_text()
    bad = tmp_path / "bad.csv"
    bad.write_text("area_code,start_year\n9999R999,2021\n")
    got = runner.invoke(app, ["evaluate", "--run", str(run), "--treated", str(bad),
                              "--allow-failed-fit", "--out", str(tmp_path / "ev2")])
    assert got.exit_code == 1 and "9999R999" in got.output
    # a comparison area listed twice is refused before the refit, by name
    twice = tmp_path / "controls.csv"
    twice.write_text(f"area_code\n{areas[5]}\n{areas[6]}\n{areas[5]}\n")
    got = runner.invoke(app, args[:-1] + [str(tmp_path / "ev3"), "--controls", str(twice),
                                          "--allow-failed-fit"])
    assert got.exit_code == 1 and f"more than once: ['{areas[5]}']" in got.output

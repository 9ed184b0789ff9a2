"""sesindex evaluate: bad input refused by name, matching, and a planted effect recovered."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from sesindex.evaluation.matching import match_controls
from sesindex.evaluation.treated import (
    EvaluationInputError,
    check_programme,
    read_programmes,
    read_treated,
)


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
    eta = np.array(
        [
            [1.0, 1.2, 1.4, 9.9],
            [1.0, 1.2, 1.45, 0.0],
            [0.9, 1.1, 1.3, 0.0],
            [1.2, 1.2, 1.2, 0.0],
            [-2.0, -2.0, -2.0, 0.0],
        ]
    )
    areas = ["T", "a", "b", "c", "d"]
    m = match_controls(eta, [2019, 2020, 2021, 2022], areas, {"T": 2022}, k=2)
    assert sorted(m.controls["control"]) == ["a", "b"]
    bal = m.balance.set_index(["feature", "comparison"])["std_difference"]
    assert abs(bal["pre_level", "matched"]) < abs(bal["pre_level", "all_never_treated"])
    with pytest.raises(EvaluationInputError, match="only 0 never-treated areas in its county"):
        match_controls(
            eta,
            [2019, 2020, 2021, 2022],
            areas,
            {"T": 2022},
            k=1,
            within="county",
            municipality=["0114", "0380", "0381", "0382", "0383"],
        )


def test_programme_files_are_refused_with_their_lines():
    with pytest.raises(EvaluationInputError, match=r"empty programme on line\(s\) 3"):
        read_programmes(io.StringIO("area_code,start_year,programme\nA,2020,p\nB,2020, \n"))
    with pytest.raises(
        EvaluationInputError, match=r"areas in two programmes: A \(line 2: p, line 4: q\)"
    ):
        read_programmes(
            io.StringIO("area_code,start_year,programme\nA,2020,p\nB,2020,p\nA,2020,q\n")
        )
    plan = read_programmes(io.StringIO("area_code,start_year,programme\nA,2020,p\nB,2019,q\n"))
    assert plan["programme"].tolist() == ["p", "q"] and plan["line"].tolist() == [2, 3]
    assert read_programmes(io.StringIO("area_code\nA\n"), start=2020)["programme"].tolist() == [
        "programme"
    ]  # a file without the column: one programme
    starts = dict(zip(plan["area_code"], plan["start_year"], strict=True))
    with pytest.raises(
        EvaluationInputError,
        match=r"programme q: start year 2019 leaves no pre-period.*B \(line 3\)",
    ):
        check_programme(
            starts,
            ["A", "B"],
            ["A", "B"],
            [2019, 2020, 2021],
            programmes=dict(zip(plan["area_code"], plan["programme"], strict=True)),
            lines=dict(zip(plan["area_code"], plan["line"], strict=True)),
        )


def test_each_programme_gets_its_own_shifts_in_the_design():
    from sesindex.bayes.model.programme import programmes_design

    design, cols = programmes_design(
        ["a", "b", "c"], [2019, 2020, 2021], {"p": {"a": 2020}, "q": {"b": 2021}}
    )
    assert cols == [("p", 0), ("p", 1), ("q", -2), ("q", 0)]
    assert design[0, :, 2:].sum() == 0 and design[1, :, :2].sum() == 0  # no shared shift
    assert design[2].sum() == 0  # c: a comparison area
    with pytest.raises(ValueError, match=r"more than one programme: \['a'\]"):
        programmes_design(["a"], [2019, 2020], {"p": {"a": 2020}, "q": {"a": 2020}})


def _small_run():
    """A FittedRun of 12 areas (A0-A11) x 4 years, without a fit: what the checks before
    the refit read (the data's areas and municipalities, the posterior mean of eta).
    """
    import xarray as xr

    from sesindex.evaluation import FittedRun

    areas = [f"A{i}" for i in range(12)]
    eta = pd.DataFrame(
        np.linspace(0, 1, 12)[:, None] + np.zeros((1, 4)),
        index=areas,
        columns=[2019, 2020, 2021, 2022],
    )
    data = xr.Dataset(coords={"area": areas + ["Z9"]}).assign(
        municipality_code=("area", ["0114"] * 13)
    )
    return FittedRun(data, None, eta, True, None, "test")


def test_excluded_areas_never_become_comparisons_and_bad_ones_are_named():
    from sesindex.evaluation import _comparison, _excluded

    run = _small_run()
    plan = read_programmes(pd.DataFrame({"area_code": ["A0", "A1"], "start_year": [2021] * 2}))
    starts, names = {"A0": 2021, "A1": 2021}, {"A0": "programme", "A1": "programme"}
    with pytest.raises(EvaluationInputError, match=r"not in the data: X1 \(line 3\)"):
        _excluded(run, io.StringIO("area_code\nA5\nX1\n"), plan)
    with pytest.raises(
        EvaluationInputError,
        match=r"both treated and excluded: A1 \(excluded line 1, treated line 3\)",
    ):
        _excluded(run, ["A1"], plan)
    excluded = _excluded(run, pd.DataFrame({"area_code": ["A2", "A3", "Z9"]}), plan)
    assert excluded == ["A2", "A3"]  # Z9: in the data, not in the fit: never a comparison
    matched, table, _ = _comparison(run, starts, names, "matched", 2, "none", excluded)
    assert not set(matched) & {"A2", "A3"} and len(matched) == 2  # the nearest left: A4
    assert set(table["control"]) == {"A4", "A5"}
    every, _, _ = _comparison(run, starts, names, "all", 2, "none", excluded)
    assert every == [f"A{i}" for i in range(4, 12)]
    with pytest.raises(
        EvaluationInputError, match=r"comparison areas excluded \(--exclude\): A3 \(line 2\)"
    ):
        _comparison(run, starts, names, ["A6", "A3"], 2, "none", excluded)


def test_matched_comparisons_of_one_programme_never_include_another_programmes_areas():
    from sesindex.evaluation import _comparison

    run = _small_run()
    starts = {"A0": 2021, "A1": 2021}
    names = {"A0": "p", "A1": "q"}
    matched, table, balance = _comparison(run, starts, names, "matched", 3, "none", [])
    assert not set(matched) & set(starts)
    assert table.groupby("programme")["control"].apply(sorted).to_dict() == {
        "p": ["A2", "A3", "A4"],
        "q": ["A2", "A3", "A4"],
    }
    assert list(table.columns[:2]) == ["programme", "area_code"]
    assert set(balance["programme"]) == {"p", "q"}


def test_a_comparison_area_that_improves_like_a_treated_one_is_flagged():
    from sesindex.evaluation.contamination import bar, departures

    rng = np.random.default_rng(5)
    walk = rng.normal(0, 0.3, (20, 5)).cumsum(axis=1)  # 20 areas, 2019-2023
    eta = walk + rng.normal(0, 0.2, (100, 20, 5))  # 100 posterior draws
    areas = [f"c{i}" for i in range(20)]
    clean = departures(eta, range(2019, 2024), areas, [2022])
    assert not clean["looks_treated"].any() and (clean["bar"] == bar(20)).all()
    treated = walk.copy()
    treated[:8, 3:] -= 1.5  # 8 of 20 comparison areas: another programme from 2022
    got = departures(treated + rng.normal(0, 0.2, (100, 20, 5)), range(2019, 2024), areas, [2022])
    flagged = set(got.loc[got["looks_treated"], "control"])
    assert flagged <= set(areas[:8]) and len(flagged) >= 5  # only treated ones, most of them
    # a start in the second year: no pre-period window to measure the walk against
    early = departures(eta, range(2019, 2024), areas, [2020])
    assert early["departure_z"].isna().all() and not early["looks_treated"].any()


@pytest.fixture(scope="module")
def programme_panel():
    """50 areas x 4 years; 8 worse-off areas (programme A) improve by 2 index points from
    2021; 8 other worse-off areas (B) are untouched: a placebo programme.
    """
    from sesindex.bayes import ModelSpec, fit
    from sesindex.bayes.spec import SamplerSpec
    from sesindex.data.synthetic import SyntheticConfig, generate

    years = tuple(range(2019, 2023))
    base = generate(n_areas=50, years=years, seed=3)
    before = base.truth[base.truth["year"] == 2020].sort_values("index_true")
    treated = tuple(before["area_code"].iloc[-16::2])
    placebo = tuple(before["area_code"].iloc[-15::2])  # worse-off, untouched
    data = generate(
        n_areas=50,
        years=years,
        seed=3,
        config=SyntheticConfig(programme_areas=treated, programme_start=2021, programme_index=-2.0),
    )
    spec = ModelSpec(steps="jumps", sampler=SamplerSpec(tune=150, draws=150, seed=2, low_rank=True))
    return data, fit(data.dataset, spec), treated, placebo


def _true_att(data) -> float:
    truth = data.truth[data.truth["programme"]]
    return float((truth["index_true"] - truth["index_counterfactual_true"]).mean())


@pytest.mark.slow
def test_a_planted_effect_is_recovered(programme_panel, tmp_path):
    from sesindex.evaluation import evaluate

    data, res, treated, _ = programme_panel
    true_att = _true_att(data)
    ev = evaluate(res, {a: 2021 for a in treated}, k=3, allow_failed_fit=True)
    att = ev.effect("att_index")
    assert att["lo95"] <= true_att <= att["hi95"] and att["hi95"] < 0
    assert att["p_negative"] > 0.99 and att["programme"] == "programme"
    pre = ev.event_study[ev.event_study["period"] == "pre"]
    assert ((pre["lo95"] <= 0) & (0 <= pre["hi95"])).all()  # placebo years near 0
    assert {
        "programme",
        "estimand",
        "mean",
        "sd",
        "lo90",
        "hi90",
        "lo95",
        "hi95",
        "p_positive",
        "p_negative",
        "label_sv",
        "label_en",
    } <= set(ev.effects.columns)
    # one labelled result: the evaluation's tree holds its tables by label and its
    # provenance, and the report renders from it without a run directory
    import sesindex

    tree = ev.to_tree()
    assert (
        float(tree["effects"]["mean"].sel(programme="programme", estimand="att_index"))
        == att["mean"]
    )
    assert set(tree.attrs["manifest"]["treated"]) == set(treated)
    page = sesindex.report(ev, tmp_path / "ev.html", lang="en").read_text()
    assert "Programme evaluation" in page and f"{att['mean']:+.2f}" in page


@pytest.mark.slow
def test_a_placebo_is_not_flagged_once_the_other_programmes_areas_are_excluded(programme_panel):
    from sesindex.evaluation import evaluate

    _, res, treated, placebo = programme_panel
    # matched on its worse-off pre-period, B's pool would hold A's improving areas;
    # excluded, they are never comparisons, and B shows no effect
    ev0 = evaluate(
        res, {a: 2021 for a in placebo}, k=3, exclude=list(treated), allow_failed_fit=True
    )
    att0 = ev0.effect("att_index")
    assert att0["lo95"] <= 0 <= att0["hi95"]
    assert not set(ev0.controls["control"]) & set(treated)
    assert ev0.info["excluded"] == len(treated) and ev0.info["looks_treated"] == []


@pytest.mark.slow
def test_two_programmes_in_one_file_each_get_their_own_effect(programme_panel, tmp_path):
    from sesindex.bayes.sampling.trace import group
    from sesindex.evaluation import evaluate
    from sesindex.reporting.save import write_evaluation_run

    data, res, treated, placebo = programme_panel
    plan = tmp_path / "treated.csv"
    plan.write_text(
        "area_code,start_year,programme\n"
        + "".join(f"{a},2021,{'A' if a in treated else 'B'}\n" for a in treated + placebo)
    )
    ev = evaluate(res, plan, k=3, allow_failed_fit=True)
    a, b = ev.effect("att_index", "A"), ev.effect("att_index", "B")
    assert a["lo95"] <= _true_att(data) <= a["hi95"] and a["hi95"] < 0
    assert b["lo95"] <= 0 <= b["hi95"]  # B's areas are untouched: its own shifts say so
    shifts = group(ev.fit.idata, "posterior")["programme_effect"]
    assert set(shifts["programme"].values) == {"A", "B"}  # each its own shifts
    with pytest.raises(ValueError, match="several programmes"):
        ev.effect("att_index")
    assert not set(ev.controls["control"]) & (set(treated) | set(placebo))
    files = {p.name for p in write_evaluation_run(ev, tmp_path / "ev")}
    assert {
        "effects.csv",
        "event_study.csv",
        "evaluation.xlsx",
        "report.html",
        "report_en.html",
    } <= files
    for name in ("effects.csv", "event_study.csv", "trajectories.csv", "balance.csv"):
        table = pd.read_csv(tmp_path / "ev" / name)
        assert table.columns[0] == "programme" and set(table["programme"]) == {"A", "B"}
    english = pd.read_excel(tmp_path / "ev" / "evaluation.xlsx", sheet_name="English")
    assert english.columns[0] == "Programme" and set(english["Programme"]) == {"A", "B"}
    page = (tmp_path / "ev" / "report.html").read_text()
    assert "<li>A: " in page and "<li>B: " in page


@pytest.mark.slow
def test_a_contaminated_pool_raises_the_warning(programme_panel, tmp_path):
    from sesindex.evaluation import evaluate
    from sesindex.reporting.save import write_evaluation_run

    _, res, treated, placebo = programme_panel
    # every other area a comparison: A's 8 improving areas among B's 42
    ev = evaluate(
        res,
        {a: 2021 for a in placebo},
        controls="all",
        refit_without_flagged=True,
        allow_failed_fit=True,
    )
    flagged = set(ev.info["looks_treated"])
    assert flagged and flagged <= set(treated)
    table = ev.controls.set_index("control")
    assert table["looks_treated"].sum() == len(flagged)
    assert (table.loc[list(flagged), "departure_z"] < -ev.info["looks_treated_bar"]).all()
    att = ev.effect("att_index")
    assert {"mean_without_flagged", "lo95_without_flagged", "hi95_without_flagged"} <= set(att)
    assert ev.info["without_flagged"].startswith(f"refitted on {42 - len(flagged)}")
    write_evaluation_run(ev, tmp_path / "ev")
    written = pd.read_csv(tmp_path / "ev" / "controls.csv", dtype={"control": str})
    assert set(written.loc[written["looks_treated"], "control"]) == flagged
    page = (tmp_path / "ev" / "report_en.html").read_text()
    assert "look treated" in page or "as a treated area would" in page
    assert sorted(flagged)[0] in page and "without the comparison areas" in page
    page = (tmp_path / "ev" / "report.html").read_text()  # Swedish
    assert "som ett behandlat område skulle" in page and sorted(flagged)[0] in page
    assert "utan jämförelseområdena som ser behandlade ut" in page


@pytest.mark.slow
def test_cli_evaluate_writes_its_tables_and_refuses_unknown_areas(tmp_path):
    from typer.testing import CliRunner

    from sesindex.cli import app

    runner = CliRunner()
    run = tmp_path / "fit"
    got = runner.invoke(
        app,
        [
            "fit",
            "--spec",
            "models/latent_factor.toml",
            "--areas",
            "40",
            "--years",
            "2019-2022",
            "--draws",
            "150",
            "--tune",
            "150",
            "--out",
            str(run),
            "--no-report",
        ],
    )
    assert got.exit_code in (0, 3), got.output
    manifest = json.loads((run / "manifest.json").read_text())
    assert (run / "data.csv").exists() and (run / "truth.csv").exists()
    areas = pd.read_csv(run / "areas.csv", dtype={"area_code": str})["area_code"].unique()
    treated = tmp_path / "treated.csv"
    treated.write_text("area_code,start_year\n" + "\n".join(f"{a},2021" for a in areas[:4]))
    # k = 5 nearest per treated area: at least 5 distinct comparison areas, the least
    # evaluate accepts, whatever the fit's draws (k = 2 gave 4 on another stack's draws)
    args = [
        "evaluate",
        "--run",
        str(run),
        "--treated",
        str(treated),
        "--k",
        "5",
        "--draws",
        "150",
        "--out",
        str(tmp_path / "ev"),
    ]
    if not manifest["fit_ok"]:  # a short fit may miss its gate: evaluate refuses it
        got = runner.invoke(app, args)
        assert got.exit_code == 2 and "failed its gate" in got.output
    got = runner.invoke(app, args + ["--allow-failed-fit"])
    assert got.exit_code in (0, 3), got.output
    for name in (
        "effects.csv",
        "event_study.csv",
        "controls.csv",
        "balance.csv",
        "trajectories.png",
        "event_study.png",
        "manifest.json",
        "effects_sv.csv",
        "effects_en.csv",
        "evaluation.xlsx",
        "report.html",
        "report_en.html",
    ):
        assert (tmp_path / "ev" / name).exists(), name
    # the published effects: Swedish convention, both languages, listed in the manifest
    sv = pd.read_csv(tmp_path / "ev" / "effects_sv.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert list(sv.columns[:2]) == ["Program", "Effekt"]
    assert sv.iloc[0, 1].startswith("Genomsnittlig effekt") and sv.iloc[0, 0] == "programme"
    effects = pd.read_csv(tmp_path / "ev" / "effects.csv")
    assert sv["Medelvärde"].iloc[0] == pytest.approx(effects["mean"].iloc[0], abs=0.005)
    sheets = pd.read_excel(tmp_path / "ev" / "evaluation.xlsx", sheet_name=None)
    assert list(sheets) == ["Svenska", "English", "Om data"]
    written = json.loads((tmp_path / "ev" / "manifest.json").read_text())
    assert sorted(written["outputs"]) == sorted(p.name for p in (tmp_path / "ev").iterdir())
    assert {"report.html", "report_en.html", "evaluation.xlsx", "manifest.json"} <= set(
        written["outputs"]
    )
    # its inputs: the treated areas' file and the fitted run's data
    assert str(treated) in written["inputs"] and str(run / "data.csv") in written["inputs"]
    assert "Utvärdering av en insats" in (tmp_path / "ev" / "report.html").read_text()
    assert "Programme evaluation" in (tmp_path / "ev" / "report_en.html").read_text()
    bad = tmp_path / "bad.csv"
    bad.write_text("area_code,start_year\n9999R999,2021\n")
    got = runner.invoke(
        app,
        [
            "evaluate",
            "--run",
            str(run),
            "--treated",
            str(bad),
            "--allow-failed-fit",
            "--out",
            str(tmp_path / "ev2"),
        ],
    )
    assert got.exit_code == 2 and "9999R999" in got.output
    # a comparison area listed twice is refused before the refit, by name
    twice = tmp_path / "controls.csv"
    twice.write_text(f"area_code\n{areas[5]}\n{areas[6]}\n{areas[5]}\n")
    got = runner.invoke(
        app, args[:-1] + [str(tmp_path / "ev3"), "--controls", str(twice), "--allow-failed-fit"]
    )
    assert got.exit_code == 2 and f"more than once: {areas[5]} (lines 2, 4)" in got.output
    # an excluded area that is also treated is refused by both its lines, before the refit
    exclude = tmp_path / "exclude.csv"
    exclude.write_text(f"area_code\n{areas[7]}\n{areas[1]}\n")
    got = runner.invoke(
        app, args[:-1] + [str(tmp_path / "ev4"), "--exclude", str(exclude), "--allow-failed-fit"]
    )
    assert got.exit_code == 2, got.output
    assert f"{areas[1]} (excluded line 3, treated line 3)" in " ".join(got.output.split())

"""The command line: demo, index, data check."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from sesindex.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_demo_writes_tables_inputs_truth_and_manifest(tmp_path):
    res = runner.invoke(app, ["demo", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "Type 1" in res.output and "3363 areas" in res.output
    for name in (
        "areas.csv",
        "areas.parquet",
        "summary.csv",
        "data.csv",
        "truth.csv",
        "manifest.json",
        "changes.csv",
        "publication.xlsx",
        "publication_sv.csv",
        "report.html",
        "report_en.html",
        "explorer.html",
    ):
        assert (tmp_path / name).exists(), name
    areas = pd.read_csv(tmp_path / "areas.csv", dtype={"area_code": str})
    assert len(areas) == 3363 * 14
    assert {"V1", "V2", "V3", "index", "type", "rank", "type_label_sv"} <= set(areas.columns)
    last = areas[areas["year"] == 2024]
    probs = last[[f"p_type_{k}" for k in range(1, 6)]].sum(axis=1)
    assert ((probs - 1).abs() < 1e-9).all()  # bootstrap P(type) for the last years
    assert (last["index_lo90"] <= last["index_hi90"]).all()
    assert areas.loc[areas["year"] == 2011, "p_type_1"].isna().all()
    sv = pd.read_csv(tmp_path / "publication_sv.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert {"Områdestyp (text)", "Kommun"} <= set(sv.columns)
    assert len(sv) == 3363 * 14  # every year, not only the latest
    data = pd.read_csv(tmp_path / "data.csv", dtype={"area_code": str})
    assert list(data.columns[:6]) == [
        "area_code",
        "year",
        "indicator",
        "count",
        "denominator",
        "value",
    ]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["seed"] == 20240101 and manifest["packages"]["numpy"]
    assert all(len(h) == 64 for h in manifest["inputs"].values())
    # one story of change: the console's counts are changes.csv's verdicts, rule printed;
    # without a model nothing is called real, and the console points to the fit
    changes = pd.read_csv(tmp_path / "changes.csv", dtype={"area_code": str})
    counts = changes["verdict"].value_counts()
    said = " ".join(res.output.split())
    for label in ("survives noise", "unclear", "within noise"):
        assert f"{counts.get(label, 0)} {label}" in said
    assert ">= 0.9" in said and "needs the model: sesindex fit" in said
    assert (
        "real" not in said.split("areas changed their observed type")[1].split("see changes.csv")[0]
    )
    assert not [c for c in changes.columns if "real" in c]
    assert not changes["verdict"].fillna("").str.contains("real").any()
    _assert_verdicts_add_up(said)
    moved = changes["type_from"] != changes["type_to"]
    assert (changes.loc[moved, "verdict"] != "").all() and (
        changes.loc[~moved, "verdict"].fillna("") == ""
    ).all()
    # the Swedish CSV opens in Excel: BOM, semicolons, decimal commas
    raw = (tmp_path / "publication_sv.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]


def _assert_verdicts_add_up(said: str) -> None:
    """The verdict line's counts sum to the number of areas it says changed type."""
    import re

    line = re.search(r"(\d+) areas changed their observed type; by [^:]+: (.*?) \(", said)
    assert line, said
    parts = re.findall(r"(\d+) ([^,\d]+)", line.group(2))
    assert parts and sum(int(n) for n, _ in parts) == int(line.group(1)), line.group(0)


def test_the_verdict_line_accounts_for_every_area_that_changed_type():
    # every verdict counted, boundary changes and labels the line does not know too
    from sesindex.cli.app import console, print_verdicts

    changes = pd.DataFrame(
        {
            "area_code": [f"a{i}" for i in range(8)],
            "year_from": 2023,
            "year_to": 2024,
            "type_from": [3, 3, 2, 4, 1, 5, 2, 2],
            "type_to": [3, 2, 3, 2, 2, 4, 1, 2],
            "verdict": [
                "",
                "uncertain",
                "probably real",
                "boundary changed",
                None,
                "probably noise",
                "a new verdict",
                "",
            ],
            "boundary_changed": [False, False, False, True, False, False, False, False],
        }
    )
    with console.capture() as capture:
        print_verdicts(changes, "the bootstrap")
    said = " ".join(capture.get().split())
    assert "6 areas changed their observed type" in said
    assert (
        "1 probably real, 1 uncertain, 1 probably noise, 1 boundary changed, "
        "1 a new verdict, 1 no verdict"
    ) in said
    _assert_verdicts_add_up(said)


@pytest.mark.slow
def test_demo_is_bit_identical_on_rerun(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert runner.invoke(app, ["demo", "--out", str(out)]).exit_code == 0
    for name in ("areas.csv", "data.csv", "truth.csv", "summary.csv", "changes.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_index_on_user_csv_and_data_check(tmp_path, clean):
    path = tmp_path / "mine.csv"
    clean.to_csv(path, index=False)
    res = runner.invoke(app, ["data", "check", str(path)])
    assert res.exit_code == 0 and "3 areas" in res.output
    res = runner.invoke(
        app,
        [
            "index",
            "--spec",
            "models/official.toml",
            "--data",
            str(path),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "national mean and standard deviation" in res.output  # no local 'types'
    out = pd.read_csv(tmp_path / "o" / "areas.csv")
    assert (out["type"] == 0).all()


def test_data_check_fails_naming_areas(tmp_path, clean):
    clean.loc[4, "count"] = 5000
    clean.to_csv(tmp_path / "bad.csv", index=False)
    res = runner.invoke(app, ["data", "check", str(tmp_path / "bad.csv")])
    assert res.exit_code == 1
    assert "count_exceeds_denominator" in res.output and "0114R002" in res.output


def test_data_check_names_every_area_year_missing_from_the_panel(tmp_path, clean):
    later = clean.assign(year=2023)
    panel = pd.concat([clean, later[later["area_code"] != "0114R002"]])
    panel.to_csv(tmp_path / "gap.csv", index=False)
    res = runner.invoke(app, ["data", "check", str(tmp_path / "gap.csv")])
    assert res.exit_code == 1, res.output
    assert "missing_area_years" in res.output and "0114R002 2023" in res.output
    # many missing: the first ones named, all counted
    areas = [f"0114R{k:03d}" for k in range(1, 61)]
    many = pd.DataFrame(
        [
            {"area_code": a, "year": y, "indicator": i, "count": 5, "denominator": 100}
            for a in areas
            for y in (2022, 2023)
            for i in ("V1", "V2", "V3")
            if y == 2022 or a == areas[0]
        ]
    )
    many.to_csv(tmp_path / "many.csv", index=False)
    res = runner.invoke(app, ["data", "check", str(tmp_path / "many.csv")])
    assert res.exit_code == 1 and "59 area-year(s) absent: 0114R002 2023" in res.output
    assert "and 29 more" in res.output


def test_index_with_alternative_spec_on_real_bundle(tmp_path):
    res = runner.invoke(
        app,
        [
            "index",
            "--spec",
            "models/real_bundle_proxy.toml",
            "--data",
            "sweden-regso-2022",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    out = pd.read_csv(tmp_path / "areas.csv")
    assert (out["type"] > 0).all() and "published_type" in out


def test_index_on_scb_response_shows_published_and_refuses_local_types(tmp_path):
    res = runner.invoke(
        app,
        [
            "index",
            "--spec",
            "models/official.toml",
            "--data",
            "karlstad-tab6586",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "no area types and no ranks for 2011-2024" in res.output
    assert "structural '..' cells" in res.output
    out = pd.read_csv(tmp_path / "areas.csv", dtype={"area_code": str})
    assert (out["type"] == 0).all() and out["mu"].isna().all()
    assert out["index_minus_published"].abs().max() <= 0.05
    assert set(out["boundary_version"]) == {"RegSO2020", "RegSO2025"}
    assert (out.loc[out["year"] == 2024, "boundary_version"] == "RegSO2025").all()
    assert out["published_type"].between(1, 5).all()


def test_report_command_and_missing_run(tmp_path):
    res = runner.invoke(app, ["report", "--run", str(tmp_path)])
    assert res.exit_code == 2 and "not a sesindex run directory" in res.output
    runner.invoke(
        app,
        [
            "index",
            "--spec",
            "models/official.toml",
            "--data",
            "karlstad-tab6586",
            "--out",
            str(tmp_path / "k"),
        ],
    )
    res = runner.invoke(app, ["report", "--run", str(tmp_path / "k")])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "k" / "report.html").read_text()
    assert "data:image/png;base64" in page and "inga områdestyper" in page
    assert "no area types" in (tmp_path / "k" / "report_en.html").read_text()


def test_report_with_boundary_file_adds_maps(tmp_path):
    import json

    out = tmp_path / "k"
    res = runner.invoke(
        app,
        [
            "index",
            "--spec",
            "models/official.toml",
            "--data",
            "karlstad-tab6586",
            "--out",
            str(out),
            "--cutpoints",
            "8.9,5.4",
        ],
    )
    assert res.exit_code == 0, res.output  # national cut points: the areas have types
    codes = pd.read_csv(out / "areas.csv", dtype={"area_code": str})["area_code"].unique()
    feats = [
        {
            "type": "Feature",
            "properties": {"regso_code": c},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 1], [i, 0]]],
            },
        }
        for i, c in enumerate(codes)
    ]
    geo = tmp_path / "areas.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    res = runner.invoke(app, ["report", "--run", str(out), "--boundaries", str(geo)])
    assert res.exit_code == 0, res.output
    assert "<h2>Areas on the map, 2024</h2>" in (out / "report_en.html").read_text()
    assert "<h2>Områdena på kartan, 2024</h2>" in (out / "report.html").read_text()
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        json.dumps(
            {"type": "FeatureCollection", "features": [{**feats[0], "properties": {"name": "x"}}]}
        )
    )
    res = runner.invoke(app, ["report", "--run", str(out), "--boundaries", str(bad)])
    assert res.exit_code == 2 and "no area-code column" in res.output


def test_a_run_never_replaces_an_earlier_one_without_overwrite(tmp_path):
    out = tmp_path / "fit"
    out.mkdir()
    (out / "manifest.json").write_text('{"command": "fit", "outputs": ["posterior.nc"]}')
    (out / "posterior.nc").write_text("eight minutes of sampling")
    res = runner.invoke(app, ["fit", "--spec", "latent_factor", "--areas", "30", "--out", str(out)])
    assert res.exit_code == 2 and "--overwrite" in res.output
    assert (out / "posterior.nc").read_text() == "eight minutes of sampling"


def test_index_and_demo_refuse_to_replace_another_run_without_overwrite(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "manifest.json").write_text('{"command": "fit", "outputs": ["posterior.nc"]}')
    (out / "posterior.nc").write_text("eight minutes of sampling")
    for command in (["index", "--spec", "official", "--data", "karlstad-tab6586"], ["demo"]):
        res = runner.invoke(app, [*command, "--out", str(out)])
        assert res.exit_code == 2 and "--overwrite" in res.output, command
        assert (out / "posterior.nc").read_text() == "eight minutes of sampling"
    # --overwrite replaces it whole: nothing of the fit is left beside the index run
    res = runner.invoke(
        app,
        [
            "index",
            "--spec",
            "official",
            "--data",
            "karlstad-tab6586",
            "--out",
            str(out),
            "--overwrite",
        ],
    )
    assert res.exit_code == 0, res.output
    assert not (out / "posterior.nc").exists() and (out / "areas.csv").exists()
    # an index run is not a demo: the demo refuses it too
    assert runner.invoke(app, ["demo", "--out", str(out)]).exit_code == 2


@pytest.mark.slow
def test_the_demo_replaces_an_earlier_demo(tmp_path):
    out = tmp_path / "run"
    res = runner.invoke(
        app, ["index", "--spec", "official", "--data", "karlstad-tab6586", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "command": "demo"}))
    assert runner.invoke(app, ["demo", "--out", str(out)]).exit_code == 0


def test_the_demo_replaces_an_earlier_demo_only_if_it_holds_nothing_else(tmp_path):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "manifest.json").write_text('{"command": "demo", "outputs": ["areas.csv"]}')
    (out / "areas.csv").write_text("area_code,year")
    (out / "notes.txt").write_text("a week of work")
    res = runner.invoke(app, ["demo", "--out", str(out)])
    assert res.exit_code == 2 and "notes.txt" in res.output and "areas.csv" not in res.output
    assert (out / "notes.txt").read_text() == "a week of work"
    assert (out / "areas.csv").read_text() == "area_code,year"


def test_a_run_directory_is_written_whole_or_not_at_all(tmp_path):
    from sesindex.cli import run_directory

    out = tmp_path / "run"
    with pytest.raises(RuntimeError):
        with run_directory(out) as tmp:
            (tmp / "areas.csv").write_text("half")
            raise RuntimeError("the sampler crashed")
    assert not out.exists() and not list(tmp_path.iterdir())
    with run_directory(out) as tmp:
        (tmp / "manifest.json").write_text("{}")
    assert (out / "manifest.json").exists() and len(list(tmp_path.iterdir())) == 1


def test_cutpoints_with_decimal_commas_from_the_command_line(tmp_path):
    args = ["index", "--spec", "official", "--data", "karlstad-tab6586"]
    res = runner.invoke(app, [*args, "--cutpoints", "9,10,5,47", "--out", str(tmp_path / "a")])
    assert res.exit_code == 2 and "'9,10,5,47'" in res.output and "'9.10,5.47'" in res.output
    assert not (tmp_path / "a").exists()
    res = runner.invoke(app, [*args, "--cutpoints", "9,10;5,47", "--out", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    assert (pd.read_csv(tmp_path / "b" / "summary.csv")["mu"] == 9.10).all()

"""A run directory read back as one labelled DataTree."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import sesindex
from sesindex.cli import app


def read_manifest(run_dir):
    import json

    return json.loads((run_dir / "manifest.json").read_text())


def read_manifest_outputs(run_dir):
    return read_manifest(run_dir)["outputs"]


def _karlstad_index_run(tmp_path):
    """``sesindex index`` on SCB's packaged Karlstad table; its run directory."""
    out = tmp_path / "run"
    res = CliRunner().invoke(
        app,
        [
            "index",
            "--spec",
            "official",
            "--data",
            "karlstad-tab6586",
            "--out",
            str(out),
            "--cutpoints",
            "9.10,5.47",
        ],
    )
    assert res.exit_code == 0, res.output
    return out


def test_an_index_run_reads_back_labelled_by_area_and_year(tmp_path):
    out = _karlstad_index_run(tmp_path)
    tree = sesindex.read_run(out)
    assert tree.attrs["command"] == "index"
    areas = tree["areas"]
    assert set(areas.dims) == {"area", "year"} and areas.sizes["area"] == 31
    # labels, not positions: the same area's index from the table and the tree agree
    import pandas as pd

    table = pd.read_csv(out / "areas.csv", dtype={"area_code": str})
    row = table[(table["area_code"] == "1780R017") & (table["year"] == 2022)].iloc[0]
    assert float(areas["index"].sel(area="1780R017", year=2022)) == pytest.approx(row["index"])
    assert "summary" in tree.children and "posterior" not in tree.children


def test_a_table_with_repeated_labels_is_refused_with_its_lines(tmp_path):
    (tmp_path / "manifest.json").write_text('{"command": "index"}')
    (tmp_path / "areas.csv").write_text("area_code,year,index\nA,2024,1\nB,2024,2\nA,2024,3\n")
    with pytest.raises(ValueError, match=r"rows \[2, 4\] repeat"):
        sesindex.read_run(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="neither manifest.json nor a table"):
        sesindex.read_run(empty)


def test_every_table_reads_back_from_the_tree_as_its_file(tmp_path):
    # strings, integers and floats, and an area x year grid with cells no row fills
    # (as where boundaries change: an area ends, another begins)
    import pandas as pd

    from sesindex.runs import TABLES, table_frame

    out = _karlstad_index_run(tmp_path)
    table = pd.read_csv(out / "areas.csv", dtype={"area_code": str, "municipality_code": str})
    ended = (table["area_code"] == "1780R031") & (table["year"] >= 2020)
    table[~ended].to_csv(out / "areas.csv", index=False)
    from sesindex.runs import TABLE_GROUPS

    with pytest.raises(ValueError, match="unknown group"):
        sesindex.read_run(out, groups=["areas", "posterior_draws"])
    tree = sesindex.read_run(out, groups=TABLE_GROUPS)
    areas = tree["areas"]
    assert areas.sizes["area"] * areas.sizes["year"] == len(table)  # the grid is whole
    read = 0
    for name, (group, _index, _) in TABLES.items():
        if not (out / name).exists():
            assert table_frame(tree, group) is None
            continue
        want = pd.read_csv(out / name, dtype={"area_code": str, "municipality_code": str})
        pd.testing.assert_frame_equal(table_frame(tree, group), want)
        read += 1
    assert read >= 2  # areas and summary at least
    with pytest.raises(KeyError, match="not a table group"):
        table_frame(tree, "posterior")


def test_an_evaluation_reads_back_in_its_files_order_and_reports(tmp_path):
    import json

    import pandas as pd

    from sesindex.reporting.html import build_report
    from sesindex.runs import table_frame

    effects = pd.DataFrame(
        {
            "estimand": ["att_index", "att_ses", "att_share_types_1_2"],
            "mean": [-1.0, 0.4, -0.05],
            "sd": 0.2,
            "lo90": [-1.3, 0.1, -0.1],
            "hi90": [-0.7, 0.7, 0.0],
            "lo95": [-1.4, 0.0, -0.12],
            "hi95": [-0.6, 0.8, 0.02],
            "p_positive": [0.0, 0.97, 0.1],
            "p_negative": [1.0, 0.03, 0.9],
        }
    )
    # a row whose values are all missing is still a row of the file
    effects.loc[3] = ["att_rank"] + [float("nan")] * (effects.shape[1] - 1)
    effects.to_csv(tmp_path / "effects.csv", index=False)
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "command": "evaluate",
                "treated": {"A": 2021, "B": 2021},
                "evaluation": {"comparison_areas": 6},
            }
        )
    )
    tree = sesindex.read_run(tmp_path)
    pd.testing.assert_frame_equal(table_frame(tree, "effects"), effects)
    page = build_report(tmp_path).read_text()  # Swedish, as every report by default
    assert "2 behandlade områden mot 6 jämförelseområden" in page and "-1,00" in page
    page = build_report(tmp_path, lang="en").read_text()
    assert "2 treated areas against 6 comparison areas" in page and "-1.00" in page


def _close(a, b):
    """Two tables equal up to the CSV's 6 significant digits (floats), exactly otherwise
    (an empty text is a missing value in a CSV).
    """
    import numpy as np
    import pandas as pd

    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    for column in a:
        if pd.api.types.is_float_dtype(a[column]):
            np.testing.assert_allclose(
                a[column], b[column], rtol=5e-6, atol=0, equal_nan=True, err_msg=column
            )
        else:
            text = [a[column].fillna("").tolist(), b[column].fillna("").tolist()]
            assert text[0] == text[1], column


def test_an_index_run_is_one_tree_in_memory_and_the_same_tree_on_disk(tmp_path):
    from sesindex.data.io import load_data
    from sesindex.reporting.index_run import index_run, write_index_run
    from sesindex.runs import read_run, table_frame

    loaded = load_data("synthetic", n_areas=60, years=(2023, 2024), seed=3)
    tree = index_run(
        loaded, cutpoints={2023: (9.1, 5.5), 2024: (9.0, 5.4)}, uncertainty_years=2, seed=7
    )
    assert {"areas", "summary", "changes", "data"} <= set(tree.children)
    paths = write_index_run(tree, tmp_path, loaded=loaded, publish=True)
    assert (tmp_path / "report.html") in paths and (tmp_path / "publication.xlsx") in paths
    back = read_run(tmp_path)
    # the manifest lists every file the writers wrote, itself included
    assert sorted(back.attrs["manifest"]["outputs"]) == sorted(p.name for p in tmp_path.iterdir())
    assert {"report.html", "report_en.html", "explorer.html"} <= set(
        back.attrs["manifest"]["outputs"]
    )
    assert tree.attrs["manifest"] == back.attrs["manifest"]  # the written manifest joined
    for group in ("areas", "summary", "changes"):
        _close(table_frame(tree, group), table_frame(back, group))
    # labelled: an area's bootstrap interval is the same cell in memory and on disk
    area = str(tree["areas"]["area"].values[17])
    assert float(tree["areas"]["index_hi90"].sel(area=area, year=2024)) == pytest.approx(
        float(back["areas"]["index_hi90"].sel(area=area, year=2024)), rel=5e-6
    )


def test_a_tree_refuses_an_unknown_table_and_a_report_of_a_tree_needs_a_file(tmp_path):
    import pandas as pd

    from sesindex.reporting.html import build_report
    from sesindex.runs import run_tree

    with pytest.raises(KeyError, match="not a table group"):
        run_tree({"area": pd.DataFrame({"area_code": ["a"], "year": [2024]})})
    with pytest.raises(ValueError, match="rows \\[2, 3\\] repeat"):
        run_tree({"areas": pd.DataFrame({"area_code": ["a", "a"], "year": [2024, 2024]})})
    tree = run_tree({"areas": pd.DataFrame({"area_code": ["a"], "year": [2024]})})
    with pytest.raises(ValueError, match="needs out="):
        build_report(tree)


@pytest.mark.slow
def test_a_notebook_saves_a_fit_as_the_cli_writes_it_and_never_over_another(tmp_path):
    from sesindex.bayes import ModelSpec
    from sesindex.bayes.spec import SamplerSpec
    from sesindex.runs import EarlierRunError, table_frame

    loaded = sesindex.load("synthetic", n_areas=40, years=(2023, 2024), seed=6)
    res = sesindex.fit(loaded, ModelSpec(sampler=SamplerSpec(tune=60, draws=60)))
    out = sesindex.save(res, tmp_path / "fit", loaded=loaded)
    back = sesindex.read_run(out)
    assert back.attrs["command"] == "fit" and "posterior" in back.children
    assert {"publication.xlsx", "report.html", "data.csv"} <= {p.name for p in out.iterdir()}
    # the fit's writers list every file they write (posterior, publication, report, the
    # manifest itself): what a later overwrite may replace
    from sesindex.reporting.save import write_fit_run

    written = write_fit_run(res, tmp_path / "direct", loaded=loaded)
    assert sorted(back.attrs["manifest"]["outputs"]) == sorted(p.name for p in out.iterdir())
    assert (
        sorted(read_manifest_outputs(tmp_path / "direct"))
        == sorted([p.name for p in written] + ["manifest.json"])
        == sorted(p.name for p in (tmp_path / "direct").iterdir())
    )
    assert table_frame(back, "areas")["area_name"].notna().all()  # named from `loaded`
    # the inputs are recorded whether or not `loaded` is given: the fitted data know them
    bare = read_manifest(sesindex.save(res, tmp_path / "bare", report=False))
    for manifest in (back.attrs["manifest"], bare):
        assert manifest["inputs"] == loaded.files and manifest["inputs"]
        assert manifest["data"] == "synthetic"
        assert manifest["data_options"] == {"seed": 6, "n_areas": 40, "years": [2023, 2024]}
    with pytest.raises(EarlierRunError, match="holds an earlier run \\(fit\\)"):
        sesindex.save(sesindex.index_run(loaded), out)
    assert back.attrs["command"] == sesindex.read_run(out).attrs["command"] == "fit"
    sesindex.save(sesindex.index_run(loaded), out, overwrite=True)
    assert sesindex.read_run(out).attrs["command"] == "index"
    assert not (out / "posterior.nc").exists()


def test_given_comparison_areas_are_labelled_by_themselves(tmp_path):
    # an evaluation against given (or all) comparison areas lists them alone, without a
    # treated area and start year beside each: the table is labelled by control
    import pandas as pd

    from sesindex.runs import read_run, run_tree, table_frame, write_tables

    given = pd.DataFrame({"control": ["0114R002", "0114R001", "0180R007"]})
    matched = pd.DataFrame(
        {
            "area_code": ["0114R001"] * 2,
            "start_year": [2021, 2021],
            "control": ["0180R007", "0114R002"],
            "distance": [0.1, 0.2],
        }
    )
    for table in (given, matched):
        tree = run_tree({"controls": table})
        write_tables(tree, tmp_path)
        assert table_frame(read_run(tmp_path), "controls").equals(table)
        assert table_frame(tree, "controls").equals(table)
    with pytest.raises(ValueError, match="lacks the column"):
        run_tree({"controls": pd.DataFrame({"area": ["a"]})})


def test_other_aggregation_levels_round_trip_and_a_fit_tree_is_saved_as_its_result(tmp_path):
    import pandas as pd

    from sesindex.reporting.save import save
    from sesindex.runs import read_run, run_tree, table_frame, write_tables

    kommun = pd.DataFrame(
        {"area_code": ["0114", "0180"], "year": [2024, 2024], "index_mean": [7.5, 12.25]}
    )
    tree = run_tree({"kommun_areas": kommun})
    assert [p.name for p in write_tables(tree, tmp_path / "k")] == ["kommun_areas.csv"]
    assert table_frame(read_run(tmp_path / "k"), "kommun_areas").equals(kommun)
    with pytest.raises(TypeError, match="save a fit or an evaluation itself"):
        save(run_tree({}, manifest={"command": "fit"}), tmp_path / "f")
    assert not (tmp_path / "f").exists()


def _index_cli(out, *extra):
    return CliRunner().invoke(
        app,
        [
            "index",
            "--spec",
            "official",
            "--data",
            "karlstad-tab6586",
            "--out",
            str(out),
            "--cutpoints",
            "9.10,5.47",
            *extra,
        ],
    )


def test_a_folder_of_other_files_is_never_replaced_not_even_with_overwrite(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "notes.txt").write_text("a week of work")
    (results / "areas.csv").write_text("area_code,year\n")  # looks like a run's, is not
    for extra in ((), ("--overwrite",)):
        got = _index_cli(results, *extra)
        assert got.exit_code == 2, got.output
        assert "notes.txt" in got.output and "areas.csv" in got.output
        assert "move those files elsewhere" in got.output
        assert "(--overwrite)" not in got.output  # overwriting would not help
        assert (results / "notes.txt").read_text() == "a week of work"
        assert (results / "areas.csv").read_text() == "area_code,year\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]  # no leftovers


def test_overwrite_replaces_exactly_an_earlier_runs_listed_files(tmp_path):
    import json

    out = _karlstad_index_run(tmp_path)
    listed = json.loads((out / "manifest.json").read_text())["outputs"]
    assert sorted(listed) == sorted(p.name for p in out.iterdir())  # itself included
    (out / "areas.csv").write_text("edited by hand, still the run's")
    got = _index_cli(out, "--overwrite")
    assert got.exit_code == 0, got.output
    assert (out / "areas.csv").read_text().startswith("area_code")
    # a run plus one file of the user's: refused, with or without --overwrite
    (out / "my_map.png").write_bytes(b"png")
    for extra in ((), ("--overwrite",)):
        got = _index_cli(out, *extra)
        assert got.exit_code == 2 and "my_map.png" in got.output, got.output
        assert "areas.csv" not in got.output.split("my_map.png")[0].split(str(out))[-1]
    assert (out / "my_map.png").read_bytes() == b"png"
    assert sorted(p.name for p in out.iterdir()) == sorted([*listed, "my_map.png"])
    # a report written later into the run joins its files: replaced with it
    (out / "my_map.png").unlink()
    assert CliRunner().invoke(app, ["report", "--run", str(out)]).exit_code == 0
    assert "report.html" in read_manifest_outputs(out)
    got = _index_cli(out, "--overwrite")
    assert got.exit_code == 0, got.output
    assert not (out / "report.html").exists()  # this index run writes none
    (out / "my_map.png").write_bytes(b"png")
    # a folder inside the run that the run did not write is the user's too
    (out / "my_map.png").unlink()
    (out / "drafts").mkdir()
    got = _index_cli(out, "--overwrite")
    assert got.exit_code == 2 and "drafts" in got.output
    assert (out / "drafts").is_dir()


def test_save_from_python_refuses_foreign_files_and_replaces_only_a_run(tmp_path):
    from sesindex.runs import EarlierRunError

    loaded = sesindex.load("karlstad-tab6586")
    tree = sesindex.index_run(loaded, cutpoints="9.10,5.47")
    out = sesindex.save(tree, tmp_path / "run", loaded=loaded)
    (out / "notes.txt").write_text("a week of work")
    with pytest.raises(EarlierRunError, match="notes.txt") as refused:
        sesindex.save(tree, out, overwrite=True)
    assert refused.value.foreign == ("notes.txt",) and not refused.value.replaceable
    assert (out / "notes.txt").read_text() == "a week of work"
    (out / "notes.txt").unlink()
    assert sesindex.save(tree, out, overwrite=True) == out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_file_that_appears_while_a_run_is_written_is_kept_and_so_is_the_run(tmp_path):
    import json

    from sesindex.runs import EarlierRunError, run_directory

    out = tmp_path / "run"
    with run_directory(out) as tmp:
        (tmp / "areas.csv").write_text("first")
        (tmp / "manifest.json").write_text('{"outputs": ["areas.csv"]}')
    with pytest.raises(EarlierRunError, match="late.txt.*finished run is kept in"):
        with run_directory(out) as tmp:
            (tmp / "manifest.json").write_text("{}")
            (out / "late.txt").write_text("written meanwhile")
    assert (out / "late.txt").read_text() == "written meanwhile"
    assert (out / "areas.csv").read_text() == "first"
    kept = [p for p in tmp_path.iterdir() if p.name.startswith(".run.partial")]
    assert len(kept) == 1 and json.loads((kept[0] / "manifest.json").read_text())["outputs"] == [
        "manifest.json"
    ]


def test_a_manifest_listing_files_outside_its_folder_deletes_nothing_outside(tmp_path):
    from sesindex.runs import check_out, run_directory

    (tmp_path / "outside.txt").write_text("keep")
    out = tmp_path / "run"
    out.mkdir()
    (out / "manifest.json").write_text('{"outputs": ["../outside.txt", "areas.csv"]}')
    (out / "areas.csv").write_text("old")
    check_out(out, overwrite=True)
    with run_directory(out) as tmp:
        (tmp / "manifest.json").write_text("{}")
    assert (tmp_path / "outside.txt").read_text() == "keep"
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]


def test_save_from_python_records_the_inputs_as_the_command_line_does(tmp_path):
    out = _karlstad_index_run(tmp_path)  # sesindex index --data karlstad-tab6586
    loaded = sesindex.load("karlstad-tab6586")
    saved = sesindex.save(
        sesindex.index_run(loaded, cutpoints="9.10,5.47"), tmp_path / "notebook", loaded=loaded
    )
    cli, python = read_manifest(out), read_manifest(saved)
    assert cli["inputs"] and [k for k in cli["inputs"] if k.endswith(".json")]
    for key in ("inputs", "data", "data_options"):
        assert python[key] == cli[key], key
    # a user's file: its path and hash, the same from either
    csv = tmp_path / "mine.csv"
    loaded.tidy.to_csv(csv, index=False)
    got = CliRunner().invoke(
        app, ["index", "--spec", "official", "--data", str(csv), "--out", str(tmp_path / "csv_cli")]
    )
    assert got.exit_code == 0, got.output
    mine = sesindex.load(str(csv))
    python = read_manifest(sesindex.save(sesindex.index_run(mine), tmp_path / "csv_py"))
    from sesindex.data.io import sha256

    assert (
        python["inputs"] == read_manifest(tmp_path / "csv_cli")["inputs"] == {str(csv): sha256(csv)}
    )

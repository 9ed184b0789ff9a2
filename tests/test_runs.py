"""A run directory read back as one labelled DataTree."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import sesindex
from sesindex.cli import app


def test_an_index_run_reads_back_labelled_by_area_and_year(tmp_path):
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["index", "--spec", "official", "--data",
                                   "karlstad-tab6586", "--out", str(out),
                                   "--cutpoints", "9.10,5.47"])
    assert res.exit_code == 0, res.output
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
    with pytest.raises(FileNotFoundError, match="no manifest.json"):
        sesindex.read_run(empty)

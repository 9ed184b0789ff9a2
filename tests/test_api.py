"""The front door: every call returns a DataTree, or an object whose ``.to_tree()`` is one."""

from __future__ import annotations

import pandas as pd
import pytest
import xarray as xr

import sesindex


def test_load_index_and_bootstrap_each_give_a_tree():
    loaded = sesindex.load("synthetic", n_areas=30, years=(2023, 2024), seed=3)
    tree = loaded.to_tree()
    assert tree["data"].sizes["area"] == 30 and tree.attrs["data"] == "synthetic"
    xr.testing.assert_identical(tree["data"].to_dataset(), loaded.dataset)
    assert "eta_true" in tree["truth"]

    index = sesindex.official_index(loaded)
    assert isinstance(index, xr.DataTree)
    assert {"index", "type", "rank", "mu", "sigma"} <= set(index.data_vars)
    assert index["index"].dims == ("area", "year")

    result = sesindex.bootstrap(loaded, replicates=20)
    areas, changes = result  # unpacks as the two tables
    boot = result.to_tree()
    assert sorted(boot.children) == ["areas", "changes", "data"]
    # the tree's labelled cells are the table's rows, area by area
    row = areas.iloc[7]
    cell = boot["areas"]["index_lo90"].sel(area=row["area_code"], year=row["year"])
    assert float(cell) == row["index_lo90"]
    assert boot["changes"].sizes["area"] == len(changes)


def test_a_study_result_is_its_manifest_and_gives_its_tables_as_a_tree(tmp_path):
    from sesindex.data.synthetic import generate

    result = sesindex.run_study(
        {"study": "agreement", "years": [2022]},
        tmp_path,
        data=generate(n_areas=40, years=(2022,), seed=4),
    )
    assert result["study"] == "agreement" and result.path == tmp_path
    tree = result.to_tree()
    csvs = sorted(p.stem for p in tmp_path.glob("*.csv"))
    assert sorted(tree.children) == csvs
    first = pd.read_csv(tmp_path / f"{csvs[0]}.csv")
    assert tree[csvs[0]].sizes["row"] == len(first)
    assert tree.attrs["study"] == "agreement"


def test_an_index_run_saved_reported_and_explored_through_the_front_door(tmp_path):
    from sesindex.index import IndexSpec
    from sesindex.runs import EarlierRunError

    loaded = sesindex.load("synthetic", n_areas=30, years=(2023, 2024), seed=3)
    labels = []

    class Step:  # records each stage it is asked to wrap
        def __init__(self, label):
            labels.append(label)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    tree = sesindex.index_run(loaded, IndexSpec(), command="demo", step=Step)
    assert tree.attrs["manifest"]["command"] == "demo" and labels == ["index (official)"]
    out = sesindex.save(tree, tmp_path / "run", report=False, replaces="demo")
    again = sesindex.index_run(loaded, "official", command="demo")
    assert sesindex.save(again, out, report=False, replaces="demo") == out  # a demo replaces
    with pytest.raises(EarlierRunError):
        sesindex.save(again, out, report=False)  # anything else is refused

    both = sesindex.report(out, lang=("sv", "en"))
    assert [p.name for p in both] == ["report.html", "report_en.html"]
    assert "lang='en'" in both[1].read_text(encoding="utf-8")
    assert sesindex.report(out, tmp_path / "only.html", lang="en") == tmp_path / "only.html"
    page = sesindex.explorer(out)
    first = str(loaded.dataset["area"].values[0])
    assert page == out / "explorer.html" and first in page.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="'de'"):
        sesindex.report(out, lang=("sv", "de"))

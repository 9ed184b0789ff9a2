"""The front door: every call returns a DataTree, or an object whose ``.to_tree()`` is one."""

from __future__ import annotations

import pandas as pd
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

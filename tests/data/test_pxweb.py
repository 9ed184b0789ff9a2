"""Tests of the PxWebApi 2 / JSON-stat 2.0 loader (no network: recorded and hand-made files).

The real response (TAB6586, Karlstad) is in ``fixtures/pxweb``; every trap variant is
generated from it by :func:`unpack`/:func:`pack` below, which rebuild a JSON-stat 2.0
dataset from a numpy cube (row-major over ``id``, categories ordered by ``category.index``).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sesindex.data.model import from_tidy
from sesindex.data.pxweb import (
    CONTENTS_CODES,
    PxWebTable,
    packaged_example,
    read_counts_table,
    read_jsonstat,
)
from sesindex.data.schema import DataValidationError, check_tidy
from sesindex.index.run import compute_index

FIX = Path(__file__).parents[1] / "fixtures" / "pxweb"
REAL = FIX / "TAB6586_region1780_jsonstat2.json"
HANDMADE_EN = FIX / "tab6586_handmade_en.json"
POPULATION = FIX / "population_handmade.json"
CODE = {v: k for k, v in CONTENTS_CODES.items()}  # indicator -> SCB content code
ENGLISH = {
    "000008IT": "Socioeconomic index",
    "000008IU": "Area type",
    "000008IV": "Share with pre-upper secondary education",
    "000008IW": "Share of persons with low economic standard (regardless of age)",
    "000008IX": "Share with financial assistance and/or long-term unemployed",
}


# ------------------------------------------------------------------ helpers


def raw(path: Path = REAL) -> dict:
    return json.loads(path.read_bytes().decode("utf-8-sig"))


def unpack(d: dict) -> dict:
    """Dimensions (ordered codes, labels) and object cubes of values and status."""
    dims = []
    for dim_id in d["id"]:
        cat = d["dimension"][dim_id]["category"]
        index = cat["index"]
        codes = list(index) if isinstance(index, list) else sorted(index, key=index.get)
        dims.append({"id": dim_id, "codes": codes, "labels": dict(cat.get("label", {}))})
    size = [len(x["codes"]) for x in dims]
    n = int(np.prod(size))
    values = np.empty(n, dtype=object)
    status = np.full(n, None, dtype=object)
    if isinstance(d["value"], dict):
        for k, v in d["value"].items():
            values[int(k)] = v
    else:
        values[:] = d["value"]
    st = d.get("status")
    if isinstance(st, dict):
        for k, v in st.items():
            status[int(k)] = v
    elif isinstance(st, list):
        status[:] = st
    return {"dims": dims, "values": values.reshape(size), "status": status.reshape(size)}


def pack(
    template: dict,
    cube: dict,
    *,
    status_as: str = "dict",
    index_as: str = "dict",
    values_as: str = "list",
) -> dict:
    """A JSON-stat 2.0 dataset with ``template``'s metadata and ``cube``'s dimensions/cells."""
    out = copy.deepcopy(template)
    dims = cube["dims"]
    out["id"] = [x["id"] for x in dims]
    out["size"] = [len(x["codes"]) for x in dims]
    old = out.pop("dimension")
    out["dimension"] = {}
    for x in dims:
        base = copy.deepcopy(old.get(x.get("was", x["id"]), {"label": x["id"]}))
        cat = base.setdefault("category", {})
        cat["index"] = (
            list(x["codes"]) if index_as == "list" else {c: i for i, c in enumerate(x["codes"])}
        )
        cat["label"] = {c: x["labels"].get(c, c) for c in x["codes"]}
        if "unit" in cat:
            cat["unit"] = {
                c: cat["unit"].get(c, {"base": "andel", "decimals": 1}) for c in x["codes"]
            }
        out["dimension"][x["id"]] = base
    values = [None if v is None else float(v) for v in cube["values"].ravel()]
    status = list(cube["status"].ravel())
    if values_as == "dict":
        out["value"] = {str(i): v for i, v in enumerate(values) if v is not None}
    else:
        out["value"] = values
    if status_as == "list":
        out["status"] = status
    elif status_as == "none":
        out.pop("status", None)
    else:
        out["status"] = {str(i): s for i, s in enumerate(status) if s is not None}
    return out


def axis(cube: dict, dim_id: str) -> int:
    return [x["id"] for x in cube["dims"]].index(dim_id)


def pos(cube: dict, dim_id: str, code: str) -> int:
    return cube["dims"][axis(cube, dim_id)]["codes"].index(code)


def take(cube: dict, dim_id: str, codes: list[str]) -> dict:
    """The cube restricted/reordered to ``codes`` along ``dim_id``."""
    ax = axis(cube, dim_id)
    idx = [pos(cube, dim_id, c) for c in codes]
    dims = copy.deepcopy(cube["dims"])
    dims[ax]["codes"] = list(codes)
    return {
        "dims": dims,
        "values": np.take(cube["values"], idx, axis=ax),
        "status": np.take(cube["status"], idx, axis=ax),
    }


def set_cell(cube: dict, value, status, **where: str) -> None:
    ix = tuple(pos(cube, x["id"], where[x["id"]]) for x in cube["dims"])
    cube["values"][ix] = value
    cube["status"][ix] = status


def real_table() -> PxWebTable:
    return read_jsonstat(REAL)


@pytest.fixture(scope="module")
def real() -> PxWebTable:
    return real_table()


# ------------------------------------------------------------------ the real response


def test_fixture_is_the_real_file_with_bom():
    assert REAL.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert REAL.read_bytes() == packaged_example().read_bytes()


def test_real_areas_years_and_versions(real):
    t = real.tidy
    assert list(t.columns) == [
        "area_code",
        "year",
        "indicator",
        "count",
        "denominator",
        "value",
        "area_name",
        "municipality_code",
        "boundary_version",
    ]
    assert t["area_code"].nunique() == 31
    assert sorted(t["year"].unique()) == list(range(2011, 2025))
    assert set(t["municipality_code"]) == {"1780"}
    assert t["area_code"].str.fullmatch(r"1780R\d{3}").all()
    versions = t.groupby(["area_code", "year"])["boundary_version"].nunique()
    assert (versions == 1).all()
    per_cell = t.drop_duplicates(["area_code", "year"])
    assert (per_cell.loc[per_cell["year"] == 2024, "boundary_version"] == "RegSO2025").all()
    assert (per_cell.loc[per_cell["year"] < 2024, "boundary_version"] == "RegSO2020").all()
    assert len(per_cell) == 31 * 14 and len(t) == 31 * 14 * 5
    assert t[["count", "denominator"]].isna().all().all() and t["value"].notna().all()
    name = t.loc[t["area_code"] == "1780R001", "area_name"].unique().tolist()
    assert name == ["Alster-Skattkärr-Skattkärrs omland"]
    assert real.problems == []
    assert check_tidy(t) == []


def test_real_structural_note_counts_the_null_cells(real):
    d = raw()
    n_null = sum(v is None for v in d["value"])
    assert n_null == len(d["status"]) and set(d["status"].values()) == {".."}
    lines = [n for n in real.notes if "structural" in n]
    assert len(lines) == 1
    m = re.search(r"dropped ([\d,]+) structural '\.\.' cells", lines[0])
    assert m and int(m.group(1).replace(",", "")) == n_null
    assert "RegSO2020 codes have none for 2024" in lines[0]
    assert "RegSO2025 codes have none for 2011–2023" in lines[0]
    assert len(real.tidy) + n_null == len(d["value"])


def test_real_contents_are_mapped_by_code(real):
    d = raw()
    assert list(d["dimension"]["ContentsCode"]["category"]["index"]) == [
        "000008IT",
        "000008IU",
        "000008IV",
        "000008IW",
        "000008IX",
    ]
    t = real.tidy.set_index(["area_code", "year", "indicator"])["value"]
    # 1780R001, 2011 in the raw cube: Region 0, each ContentsCode, Tid 0.
    cube = unpack(d)
    for code, ind in CONTENTS_CODES.items():
        v = cube["values"][
            pos(cube, "Region", "1780R001"),
            pos(cube, "ContentsCode", code),
            pos(cube, "Tid", "2011"),
        ]
        assert t[("1780R001", 2011, ind)] == pytest.approx(v)
    assert real.meta["contents"]["000008IW"]["indicator"] == "V1"


def test_real_mean_of_v_is_published_index(real):
    wide = real.tidy.pivot_table(index=["area_code", "year"], columns="indicator", values="value")
    assert len(wide) == 31 * 14 and wide.notna().all().all()
    err = (wide[["V1", "V2", "V3"]].mean(axis=1) - wide["published_index"]).abs()
    print(f"\nmax |mean(V1..V3) - published_index| = {err.max():.4f} at {err.idxmax()}")
    assert err.max() <= 0.05
    assert err.max() > 0  # the V's are rounded: the published index is not their mean


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_real_matches_pyjstat_cell_by_cell(real):
    pyjstat = pytest.importorskip("pyjstat.pyjstat")
    text = REAL.read_bytes().decode("utf-8-sig")
    ref = pyjstat.Dataset.read(text).write("dataframe", naming="id").dropna(subset=["value"])
    ref["area_code"] = ref["Region"].str.replace("_RegSO2025", "", regex=False)
    ref["indicator"] = ref["ContentsCode"].map(CONTENTS_CODES)
    ref["year"] = ref["Tid"].astype(int)
    got = real.tidy.merge(ref, on=["area_code", "year", "indicator"], suffixes=("", "_ref"))
    assert len(got) == len(real.tidy) == len(ref)
    np.testing.assert_allclose(got["value"], got["value_ref"])


def test_real_meta(real):
    m = real.meta
    assert m["table_id"] == "TAB6586" and m["language"] == "sv" and m["source"] == "SCB"
    assert m["updated"].startswith("2026-06-23")
    assert m["dimensions"]["Region"]["size"] == 62 and m["dimensions"]["Tid"]["role"] == "time"
    assert m["dimensions"]["ContentsCode"]["role"] == "metric"
    assert m["dimensions"]["Region"]["role"] == "geo"


def test_real_into_data_model_and_index(real):
    ds = from_tidy(real.tidy)
    kinds = dict(
        zip(ds["indicator"].values.tolist(), ds["indicator_kind"].values.tolist(), strict=True)
    )
    assert kinds == {
        "V1": "percent",
        "V2": "percent",
        "V3": "percent",
        "published_index": "published",
        "published_type": "published",
    }
    assert ds.sizes["area"] == 31
    out = compute_index(ds)
    assert int(np.abs(out["type"]).max()) == 0
    note = out.attrs["types_note"]
    assert "no area types and no ranks for 2011-2024" in note
    assert "31 of 3363 RegSO2020 areas" in note and "31 of 3363 RegSO2025 areas" in note
    typed = compute_index(ds, cutpoints=(9.10, 5.47))
    assert set(np.unique(typed["type"].values)) <= {1, 2, 3, 4, 5}
    # 2022's national mu, sigma reproduce SCB's published types for all 31 areas.
    y = typed.sel(year=2022)
    assert (y["type"] == y["published_type"]).all()


def test_raise_on_problems_returns_self_when_clean(real):
    assert real.raise_on_problems() is real


# ------------------------------------------------------------------ traps, generated


def test_no_bom_and_dict_source(tmp_path, real):
    d = raw()
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    assert plain.read_bytes()[:1] == b"{"
    for source in (plain, str(plain), d):
        t = read_jsonstat(source)
        pd.testing.assert_frame_equal(t.tidy, real.tidy)
        assert t.notes == real.notes


def test_contents_in_another_order(real):
    d = raw()
    cube = unpack(d)
    order = ["000008IX", "000008IW", "000008IV", "000008IU", "000008IT"]
    for index_as in ("dict", "list"):
        t = read_jsonstat(pack(d, take(cube, "ContentsCode", order), index_as=index_as))
        pd.testing.assert_frame_equal(t.tidy, real.tidy)
    # Positions are never used: a dict index listed out of order means the same.
    shuffled = copy.deepcopy(d)
    idx = shuffled["dimension"]["ContentsCode"]["category"]["index"]
    shuffled["dimension"]["ContentsCode"]["category"]["index"] = dict(reversed(idx.items()))
    pd.testing.assert_frame_equal(read_jsonstat(shuffled).tidy, real.tidy)


def test_suppressed_inside_valid_years_is_a_problem(real):
    d = raw()
    cube = unpack(d)
    set_cell(cube, None, "..", Region="1780R005", ContentsCode=CODE["V2"], Tid="2015")
    set_cell(cube, None, "..", Region="1780R012_RegSO2025", ContentsCode=CODE["V1"], Tid="2024")
    t = read_jsonstat(pack(d, cube))
    sup = [p for p in t.problems if p.check == "suppressed"]
    assert len(sup) == 1
    assert sup[0].areas == ("1780R005", "1780R012")
    assert "1780R005 (RegSO2020) 2015 V2" in sup[0].message
    assert "1780R012 (RegSO2025) 2024 V1" in sup[0].message
    assert len(t.tidy) == len(real.tidy) - 2
    assert not (
        (t.tidy["area_code"] == "1780R005")
        & (t.tidy["year"] == 2015)
        & (t.tidy["indicator"] == "V2")
    ).any()
    # The structural note still counts only the structural cells.
    assert any("dropped 2,170 structural" in n for n in t.notes)
    with pytest.raises(DataValidationError) as err:
        t.raise_on_problems()
    assert "1780R005" in str(err.value) and "2015" in str(err.value)


def test_marker_written_as_value_is_suppressed():
    d = raw()
    cube = unpack(d)
    set_cell(cube, None, None, Region="1780R009", ContentsCode=CODE["V1"], Tid="2013")
    j = pack(d, cube)
    flat = np.ravel_multi_index(
        (
            pos(cube, "Region", "1780R009"),
            pos(cube, "ContentsCode", CODE["V1"]),
            pos(cube, "Tid", "2013"),
        ),
        j["size"],
    )
    j["value"][flat] = ".."
    t = read_jsonstat(j)
    sup = [p for p in t.problems if p.check == "suppressed"]
    assert sup and sup[0].areas == ("1780R009",) and "2013 V1" in sup[0].message


def test_null_without_status_inside_years_is_a_problem():
    d = raw()
    cube = unpack(d)
    set_cell(cube, None, None, Region="1780R007", ContentsCode=CODE["V3"], Tid="2019")
    t = read_jsonstat(pack(d, cube))
    miss = [p for p in t.problems if p.check == "missing_value"]
    assert miss and miss[0].areas == ("1780R007",) and "2019 V3" in miss[0].message


def test_missing_v3_is_loaded_with_a_note():
    d = raw()
    cube = take(unpack(d), "ContentsCode", ["000008IT", "000008IU", "000008IV", "000008IW"])
    t = read_jsonstat(pack(d, cube))
    assert set(t.tidy["indicator"]) == {"V1", "V2", "published_index", "published_type"}
    lacks = [n for n in t.notes if "lacks" in n]
    assert len(lacks) == 1 and "V3" in lacks[0] and "V1" not in lacks[0].split("lacks")[1][:4]
    assert t.problems == []
    with pytest.raises(ValueError, match="V3"):
        compute_index(from_tidy(t.tidy))


def test_english_labels_and_unknown_codes(real):
    d = raw()
    cube = unpack(d)
    ci = axis(cube, "ContentsCode")
    renamed = {c: f"EN{i}" for i, c in enumerate(cube["dims"][ci]["codes"])}
    cube["dims"][ci]["labels"] = {renamed[c]: ENGLISH[c] for c in renamed}
    cube["dims"][ci]["codes"] = [renamed[c] for c in cube["dims"][ci]["codes"]]
    en = pack(d, cube)
    en["dimension"]["ContentsCode"]["label"] = "observations"
    en["dimension"]["Tid"]["label"] = "year"
    en["extension"]["px"]["language"] = "en"
    t = read_jsonstat(en)
    pd.testing.assert_frame_equal(t.tidy, real.tidy)
    mapped = [n for n in t.notes if n.startswith("ContentsCode mapped by label")]
    assert len(mapped) == 1 and "EN3 'Share of persons with low economic standard" in mapped[0]
    assert t.meta["language"] == "en"
    # Swedish labels with unknown codes map too.
    sv = unpack(d)
    sv["dims"][ci]["labels"] = {renamed[c]: sv["dims"][ci]["labels"][c] for c in renamed}
    sv["dims"][ci]["codes"] = [renamed[c] for c in sv["dims"][ci]["codes"]]
    pd.testing.assert_frame_equal(read_jsonstat(pack(d, sv)).tidy, real.tidy)


def test_unmappable_contents_code_raises():
    d = raw()
    cube = unpack(d)
    ci = axis(cube, "ContentsCode")
    cube["dims"][ci]["codes"][2] = "000009ZZ"
    cube["dims"][ci]["labels"]["000009ZZ"] = "Medianinkomst"
    with pytest.raises(ValueError, match=r"'000009ZZ' \('Medianinkomst'\)"):
        read_jsonstat(pack(d, cube))


def test_label_contradicting_code_raises():
    d = raw()
    d["dimension"]["ContentsCode"]["category"]["label"]["000008IW"] = (
        "Andelen med förgymnasial utbildning"
    )
    with pytest.raises(ValueError, match="'000008IW' is V1.*names V2"):
        read_jsonstat(d)


def test_municipality_and_country_regions_are_skipped(real):
    d = raw()
    cube = unpack(d)
    ri = axis(cube, "Region")
    extra = np.take(cube["values"], [0, 0], axis=ri)
    extra_status = np.take(cube["status"], [0, 0], axis=ri)
    cube["values"] = np.concatenate([cube["values"], extra], axis=ri)
    cube["status"] = np.concatenate([cube["status"], extra_status], axis=ri)
    cube["dims"][ri]["codes"] += ["1780", "00"]
    cube["dims"][ri]["labels"].update({"1780": "Karlstad", "00": "Riket"})
    t = read_jsonstat(pack(d, cube))
    pd.testing.assert_frame_equal(t.tidy, real.tidy)
    skip = [n for n in t.notes if n.startswith("skipped")]
    assert skip == [
        "skipped 2 region(s) that are not RegSO/DeSO areas: "
        "1780 Karlstad (municipality); 00 Riket (country)"
    ]


def test_status_as_list_dict_or_absent(real):
    d = raw()
    cube = unpack(d)
    as_list = read_jsonstat(pack(d, cube, status_as="list"))
    pd.testing.assert_frame_equal(as_list.tidy, real.tidy)
    assert as_list.notes == real.notes and as_list.problems == []
    absent = read_jsonstat(pack(d, cube, status_as="none"))
    pd.testing.assert_frame_equal(absent.tidy, real.tidy)
    assert "dropped 2,170 structural null (no status) cells" in absent.notes[0]


def test_sparse_value_object(real):
    d = raw()
    t = read_jsonstat(pack(d, unpack(d), values_as="dict", index_as="list"))
    pd.testing.assert_frame_equal(t.tidy, real.tidy)
    assert t.notes == real.notes


def test_alternative_dimension_ids_by_role(real):
    d = raw()
    cube = unpack(d)
    for x, new in zip(cube["dims"], ["Area", "Contents", "Year"], strict=True):
        x["was"], x["id"] = x["id"], new
    alt = pack(d, cube)
    alt["role"] = {"time": ["Year"], "metric": ["Contents"], "geo": ["Area"]}
    alt["dimension"]["Area"]["label"] = "area"
    t = read_jsonstat(alt)
    pd.testing.assert_frame_equal(t.tidy, real.tidy)
    # No roles at all: found by id/label.
    del alt["role"]
    pd.testing.assert_frame_equal(read_jsonstat(alt).tidy, real.tidy)
    alt["dimension"]["Area"]["label"] = "something"  # the id 'Area' is still region-like
    pd.testing.assert_frame_equal(read_jsonstat(alt).tidy, real.tidy)
    alt["dimension"]["Area"]["label"] = alt["id"][0] = "Kommundel"
    alt["dimension"]["Kommundel"] = alt["dimension"].pop("Area")
    with pytest.raises(ValueError, match="no region dimension"):
        read_jsonstat(alt)


def test_extra_dimension_needs_one_category(real):
    d = raw()
    cube = unpack(d)
    for n, ok in ((1, True), (2, False)):
        c = copy.deepcopy(cube)
        c["dims"].append(
            {"id": "Kon", "codes": ["1", "2"][:n], "labels": {"1": "män", "2": "kvinnor"}}
        )
        c["values"] = np.repeat(c["values"][..., None], n, axis=-1)
        c["status"] = np.repeat(c["status"][..., None], n, axis=-1)
        if ok:
            pd.testing.assert_frame_equal(read_jsonstat(pack(d, c)).tidy, real.tidy)
        else:
            with pytest.raises(ValueError, match="Kon"):
                read_jsonstat(pack(d, c))


def test_deso_codes():
    d = raw()
    cube = take(unpack(d), "Region", ["1780R001", "1780R001_RegSO2025"])
    ri = axis(cube, "Region")
    cube["dims"][ri]["codes"] = ["0114C1010", "0114C1010_DeSO2025"]
    cube["dims"][ri]["labels"] = {"0114C1010": "0114C1010", "0114C1010_DeSO2025": "0114C1010"}
    t = read_jsonstat(pack(d, cube))
    assert t.problems == []
    assert set(t.tidy["area_code"]) == {"0114C1010"}
    versions = t.tidy.groupby("year")["boundary_version"].first()
    assert versions[2023] == "DeSO2018" and versions[2024] == "DeSO2025"
    assert t.tidy["area_name"].isna().all() and set(t.tidy["municipality_code"]) == {"0114"}
    assert any("DeSO2018 codes have none for 2024" in n for n in t.notes)


@pytest.mark.parametrize("code", ["1780X01", "1780R001_RegSO2030", "Karlstad"])
def test_unrecognised_region_codes_raise(code):
    d = raw()
    cube = take(unpack(d), "Region", ["1780R001"])
    ri = axis(cube, "Region")
    cube["dims"][ri]["codes"] = [code]
    cube["dims"][ri]["labels"] = {code: "Karlstad (x)"}
    with pytest.raises(ValueError, match=re.escape(repr(code))):
        read_jsonstat(pack(d, cube))


def test_values_under_two_versions_for_one_year_are_a_problem(real):
    d = raw()
    cube = unpack(d)
    set_cell(cube, 4.2, None, Region="1780R003", ContentsCode=CODE["V1"], Tid="2024")
    t = read_jsonstat(pack(d, cube))
    dup = [p for p in t.problems if p.check == "duplicate_versions"]
    assert dup and dup[0].areas == ("1780R003",) and "2024 V1" in dup[0].message
    assert len(t.tidy) == len(real.tidy) - 1


def test_status_flag_on_a_value_is_noted():
    d = raw()
    cube = unpack(d)
    ix = (
        pos(cube, "Region", "1780R002"),
        pos(cube, "ContentsCode", CODE["V1"]),
        pos(cube, "Tid", "2023"),
    )
    cube["status"][ix] = "p"
    t = read_jsonstat(pack(d, cube))
    assert any("1 value(s) carry an SCB status flag ('p': 1)" in n for n in t.notes)


def test_not_a_dataset_raises():
    with pytest.raises(ValueError, match="not a JSON-stat 2.0 dataset"):
        read_jsonstat({"class": "collection", "link": {}})
    d = raw()
    d["value"] = d["value"][:-1]
    with pytest.raises(ValueError, match="4339 entries"):
        read_jsonstat(d)


# ------------------------------------------------------------------ hand-made fixtures


def test_handmade_english_fixture():
    t = read_jsonstat(HANDMADE_EN)
    assert t.problems == []
    got = t.tidy.set_index(["year", "indicator"])["value"].to_dict()
    assert got == {
        (2023, "V1"): 5.5,
        (2023, "V2"): 6.0,
        (2023, "V3"): 3.5,
        (2023, "published_index"): 5.0,
        (2023, "published_type"): 4.0,
        (2024, "V1"): 5.6,
        (2024, "V2"): 6.3,
        (2024, "V3"): 3.7,
        (2024, "published_index"): 5.2,
        (2024, "published_type"): 4.0,
    }
    assert t.tidy.groupby("year")["boundary_version"].first().to_dict() == {
        2023: "RegSO2020",
        2024: "RegSO2025",
    }
    assert set(t.tidy["area_name"]) == {"Alster-Skattkärr-Skattkärrs omland"}
    assert t.notes[0] == (
        "dropped 10 structural '..' cells (a boundary version outside its "
        "years): RegSO2020 codes have none for 2024; RegSO2025 codes have "
        "none for 2023"
    )
    assert any(
        "X_LOW 'Share of persons with low economic standard (regardless of age)' -> V1" in n
        for n in t.notes
    )
    assert any(n.endswith("1780 Karlstad (municipality)") for n in t.notes)


def test_counts_table_summed_over_age_and_sex():
    den = read_counts_table(
        POPULATION, indicator="V2", role="denominator", sum_over=["Alder", "Kon"]
    )
    assert den[["area_code", "year", "boundary_version", "denominator"]].values.tolist() == [
        ["1780R001", 2023, "RegSO2020", 1590.0],
        ["1780R001", 2024, "RegSO2025", 1620.0],
    ]
    assert den["count"].isna().all() and den["value"].isna().all()
    assert (den["indicator"] == "V2").all()
    notes = den.attrs["notes"]
    # Counted after summing: one region-year cell per boundary version.
    assert notes[0].startswith("dropped 2 structural '..' cells")
    assert "1780 Karlstad (municipality)" in notes[1]
    assert notes[2].startswith("summed over Alder, Kon")
    assert den.attrs["meta"]["dimensions"]["Alder"]["codes"] == ["20-44", "45-64"]


def test_counts_table_refuses_unsummed_extra_dimensions():
    with pytest.raises(ValueError, match=r"Alder .*Kon .*sum_over"):
        read_counts_table(POPULATION, indicator="V2", role="denominator")
    with pytest.raises(ValueError, match=r"Kon"):
        read_counts_table(POPULATION, indicator="V2", role="denominator", sum_over=["Alder"])
    with pytest.raises(ValueError, match="can sum only over"):
        read_counts_table(POPULATION, indicator="V2", role="denominator", sum_over=["Tid"])
    with pytest.raises(ValueError, match="role"):
        read_counts_table(POPULATION, indicator="V2", role="value", sum_over=["Alder", "Kon"])
    with pytest.raises(ValueError, match="unknown indicator"):
        read_counts_table(POPULATION, indicator="pop", role="count", sum_over=["Alder", "Kon"])


def test_counts_and_denominators_combine_into_count_indicator():
    d = raw(POPULATION)
    den = read_counts_table(d, indicator="V2", role="denominator", sum_over=["Alder", "Kon"])
    num_json = copy.deepcopy(d)
    num_json["value"] = {k: v // 10 for k, v in d["value"].items()}
    num = read_counts_table(num_json, indicator="V2", role="count", sum_over=["Alder", "Kon"])
    k = ["area_code", "year", "indicator"]
    both = num.set_index(k).combine_first(den.set_index(k)).reset_index()
    assert both[["count", "denominator"]].values.tolist() == [[159.0, 1590.0], [161.0, 1620.0]]
    ds = from_tidy(both)
    assert ds["indicator_kind"].sel(indicator="V2").item() == "count"


def test_counts_null_inside_years_is_kept_and_reported():
    d = raw(POPULATION)
    d["value"].pop("4")  # 1780R001, 45-64, men, 2023
    d["status"]["4"] = ".."
    den = read_counts_table(d, indicator="V1", role="denominator", sum_over=["Alder", "Kon"])
    assert np.isnan(den.loc[den["year"] == 2023, "denominator"]).all()
    assert any("kept as NaN" in n and "1780R001 (RegSO2020) 2023" in n for n in den.attrs["notes"])
    problems = check_tidy(den)
    assert any(p.check == "missing_value" and p.areas == ("1780R001",) for p in problems)

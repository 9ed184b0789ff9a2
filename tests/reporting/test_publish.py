"""The publication tables: one layout for the demo and a fit, every year, municipality
names, words for yes and no, fixed decimals per column kind.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from sesindex.reporting.publish import COLUMNS, publish_run
from sesindex.runs import run_tree

YEARS = (2022, 2023, 2024)


@pytest.fixture(scope="module")
def demo_like(tmp_path_factory):
    """A small demo: index of every year, bootstrap of the last two; its publication."""
    from sesindex.data.io import load_data
    from sesindex.reporting.index_run import index_run

    loaded = load_data("synthetic", n_areas=40, years=YEARS, seed=3)
    tree = index_run(
        loaded,
        cutpoints={y: (9.1, 5.5) for y in YEARS},
        uncertainty_years=2,
        seed=7,
        command="demo",
    )
    out = tmp_path_factory.mktemp("demo")
    publish_run(tree, out)
    return out, len(loaded.dataset["area"])


@pytest.fixture(scope="module")
def fit_like(tmp_path_factory):
    """A fit's areas table as the model writes it (no MCMC): posterior means, most
    probable type, median rank, intervals, P(type = k), the gate; municipality codes
    partly missing (data without them).
    """
    rng = np.random.default_rng(5)
    codes = ["1780R002", "0114R001", "1780R001", "0180R010"]
    rows = []
    for year in YEARS[:2]:
        probs = rng.dirichlet(np.ones(5), size=len(codes))
        probs[0] = [0.0, 0.0, 0.0, 1.0, 0.0]  # a certain area: 0,00 and 1,00
        index = rng.uniform(2, 30, len(codes))
        for i, code in enumerate(codes):
            rows.append(
                {
                    "area_code": code,
                    "area_name": f"area {i}",
                    "municipality_code": code[:4] if i % 2 else np.nan,
                    "year": year,
                    "ses_mean": -index[i] / 10,
                    "ses_lo90": -index[i] / 10 - 0.3,
                    "ses_hi90": -index[i] / 10 + 0.3,
                    "index_mean": index[i],
                    "index_lo90": index[i] - 1,
                    "index_hi90": index[i] + 1,
                    "rank_median": float(i + 1),
                    "rank_lo90": 1.0,
                    "rank_hi90": 4.0,
                    **{f"p_type_{k}": probs[i, k - 1] for k in range(1, 6)},
                    "type_mode": int(probs[i].argmax()) + 1,
                    "fit_ok": True,
                }
            )
    tree = run_tree(
        {"areas": pd.DataFrame(rows)},
        manifest={"command": "fit", "source": "test", "intervals": "credible"},
    )
    out = tmp_path_factory.mktemp("fit")
    publish_run(tree, out)
    return out, len(codes)


def _csv(out, lang):
    if lang == "sv":
        return pd.read_csv(
            out / "publication_sv.csv",
            sep=";",
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
        )
    return pd.read_csv(out / "publication_en.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("run", ["demo_like", "fit_like"])
def test_every_area_and_year_with_its_municipality_code_and_name(run, request):
    out, n_areas = request.getfixturevalue(run)
    for lang, (code, name, year, area) in (
        ("sv", ("Kommunkod", "Kommun", "År", "Områdeskod")),
        ("en", ("Municipality code", "Municipality", "Year", "Area code")),
    ):
        table = _csv(out, lang)
        years = YEARS if run == "demo_like" else YEARS[:2]
        assert len(table) == n_areas * len(years)  # every year, not only the latest
        assert sorted(set(table[year].astype(int))) == list(years)
        assert (table[code] == table[area].str[:4]).all()
        assert (table[name] != "").all()  # every code named (SCB's 290)
        # sorted by year, then municipality, then area
        keys = list(zip(table[year], table[code], table[area], strict=True))
        assert keys == sorted(keys)
    sv = _csv(out, "sv")
    assert set(sv.loc[sv["Kommunkod"] == "1780", "Kommun"]) <= {"Karlstad"}


def test_the_fit_writes_ja_nej_and_yes_no_never_true(fit_like):
    out, _ = fit_like
    assert set(_csv(out, "sv")["Modellanpassning godkänd"]) == {"Ja"}
    assert set(_csv(out, "en")["Model fit passed"]) == {"Yes"}
    for name in ("publication_sv.csv", "publication_en.csv"):
        assert "True" not in (out / name).read_text(encoding="utf-8-sig")
    book = load_workbook(out / "publication.xlsx")
    values = [c.value for row in book["Svenska"].iter_rows(min_row=2) for c in row]
    assert "Ja" in values and not any(isinstance(v, bool) for v in values)


def test_demo_and_fit_share_one_layout(demo_like, fit_like):
    demo, fit = (_csv(out, "sv").columns.tolist() for out, _ in (demo_like, fit_like))
    shared = [h for h in demo if h in fit]
    assert shared == [h for h in fit if h in demo]  # the same order
    assert shared[:4] == ["Områdeskod", "Områdesnamn", "Kommunkod", "Kommun"]
    assert {
        "Områdestyp (text)",
        "Sannolikhet områdestyp 1",
        "Index, 90 % intervall nedre",
        "Rang, 90 % intervall nedre",
    } <= set(shared)
    # identity, then index, type, rank, then the uncertainty columns
    for headings in (demo, fit):
        index = next(h for h in headings if h.startswith("Socioekonomiskt index"))
        type_ = next(h for h in headings if h.startswith("Områdestyp"))
        rank = next(h for h in headings if h.startswith("Rang"))
        order = [
            headings.index(h)
            for h in (
                "År",
                index,
                type_,
                rank,
                "Index, 90 % intervall nedre",
                "Sannolikhet områdestyp 1",
            )
        ]
        assert order == sorted(order), headings
    # the fit's estimates stand where the demo has the observed ones
    assert fit.index("Områdestyp (mest sannolik)") + 1 == fit.index("Områdestyp (text)")
    assert "Rang, median (1 = högst index)" in fit


@pytest.mark.parametrize("run", ["demo_like", "fit_like"])
def test_fixed_decimals_per_column_kind_in_csv_and_workbook(run, request):
    out, _ = request.getfixturevalue(run)
    pattern = {2: r"^-?\d+{point}\d\d$", 1: r"^-?\d+{point}\d$", 0: r"^-?\d+$"}
    kinds = {"p_type_1": 2, "p_type_4": 2, "index_lo90": 1, "rank_lo90": 0, "year": 0}
    kinds.update({"V1": 1, "index": 1} if run == "demo_like" else {"index_mean": 1, "ses_mean": 2})
    for lang, point in (("sv", ","), ("en", r"\.")):
        table = _csv(out, lang)
        for col, places in kinds.items():
            values = table[COLUMNS[col][0 if lang == "sv" else 1]]
            values = values[values != ""]
            assert len(values), col
            bad = values[~values.str.match(pattern[places].format(point=point))]
            assert bad.empty, (lang, col, bad.head().tolist())
    sv = _csv(out, "sv")
    probs = pd.concat([sv[f"Sannolikhet områdestyp {k}"] for k in range(1, 6)])
    assert {"0,00", "1,00"} <= set(probs)  # never 0,0 beside 0,78
    # the Swedish CSV opens in Excel: byte-order mark, semicolons
    raw = (out / "publication_sv.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]
    # the workbook: numbers, with each column's decimals as its number format
    ws = load_workbook(out / "publication.xlsx")["English"]
    columns = {col[0].value: col[1:] for col in ws.iter_cols()}
    for heading, fmt in (
        ("Probability of type 1", "0.00"),
        ("Year", "0"),
        ("Index, 90% interval lower", "0.0"),
        ("Rank, 90% interval lower", "0"),
    ):
        cells = [c for c in columns[heading] if c.value is not None]
        assert cells and all(isinstance(c.value, (int, float)) for c in cells), heading
        assert {c.number_format for c in cells} == {fmt}, heading


def test_a_run_without_types_publishes_empty_types_and_says_why(tmp_path):
    from sesindex.data.io import load_data
    from sesindex.reporting.index_run import index_run

    tree = index_run(load_data("karlstad-tab6586"))  # no national cut points: no types
    publish_run(tree, tmp_path)
    sv = _csv(tmp_path, "sv")
    assert (sv["Områdestyp"] == "").all() and (sv["Områdestyp (text)"] == "").all()
    about = pd.read_excel(tmp_path / "publication.xlsx", sheet_name="Om data")
    assert about.iloc[:, 0].str.contains("no area types", regex=False).any()
    assert re.fullmatch(r"\d{4}", sv["År"].iloc[0])

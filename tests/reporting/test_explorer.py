"""The reader's pages: reports in Swedish and English from one vocabulary, the
municipality map without geopandas, boundary files that must match, and the explorer
(tested in a real browser, headless Chromium, where one is installed).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest

from sesindex.reporting.vocabulary import THIN_SPACE, number, text

CHROMIUM = next(
    (
        shutil.which(name)
        for name in ("chromium", "chromium-browser", "google-chrome")
        if shutil.which(name)
    ),
    None,
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium binary on the PATH (apt-get install chromium; .ci/run installs it)",
)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A small run with bootstrap intervals and changes, written with its pages."""
    from sesindex.data.io import load_data
    from sesindex.reporting.index_run import index_run, write_index_run

    out = tmp_path_factory.mktemp("run")
    loaded = load_data("synthetic", n_areas=60, years=(2023, 2024), seed=3)
    tree = index_run(
        loaded, cutpoints={2023: (9.1, 5.5), 2024: (9.0, 5.4)}, uncertainty_years=2, seed=7
    )
    write_index_run(tree, out, loaded=loaded)
    return out


def test_numbers_follow_the_language():
    assert number(3363, "sv") == f"3{THIN_SPACE}363" and number(9.1, "sv", 2) == "9,10"
    assert number(3363, "en") == "3,363" and number(9.1, "en", 2) == "9.10"
    assert (
        number(float("nan"), "sv") == "–" and number(-12345.678, "sv", 1) == f"-12{THIN_SPACE}345,7"
    )
    with pytest.raises(ValueError, match="lang must be one of"):
        number(1, "de")


def test_every_run_writes_the_report_in_swedish_and_english_naming_source_and_method(run):
    sv = (run / "report.html").read_text(encoding="utf-8")
    en = (run / "report_en.html").read_text(encoding="utf-8")
    assert "<html lang='sv'>" in sv and "<html lang='en'>" in en
    assert "Kommunerna på kartan, 2024" in sv and "Municipalities on the map, 2024" in en
    assert "Municipalities on the map" not in sv  # no English heading left in Swedish
    # the synthetic data say so, and on what they are calibrated; the method in both
    assert text("source_synthetic", "sv") in sv and text("source_synthetic", "en") in en
    assert text("method_index", "sv") in sv and text("method_index", "en") in en
    # the national summary's numbers in each language's format (mu to two decimals)
    summary = pd.read_csv(run / "summary.csv")
    mu = float(summary.loc[summary["year"] == 2024, "mu"].iloc[0])
    assert f"<td>{number(mu, 'sv', 2)}</td>" in sv and f"<td>{number(mu, 'en', 2)}</td>" in en
    assert "," in number(mu, "sv", 2) and "Medelvärde μ" in sv  # a heading of its own
    assert "href='report_en.html'" in sv and "href='report.html'" in en


def test_the_report_command_writes_one_language_when_asked(run, tmp_path):
    from typer.testing import CliRunner

    from sesindex.cli import app

    for name in ("report.html", "report_en.html", "explorer.html"):
        shutil.copy(run / name, tmp_path / f"old_{name}")
    res = CliRunner().invoke(
        app, ["report", "--run", str(run), "--out", str(tmp_path), "--lang", "en"]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "report_en.html").exists() and (tmp_path / "explorer.html").exists()
    assert not (tmp_path / "report.html").exists()
    res = CliRunner().invoke(app, ["report", "--run", str(run), "--lang", "de"])
    assert res.exit_code == 2
    assert "lang must be one of sv, en" in res.output and "'de'" in res.output


def test_the_municipality_map_is_drawn_without_geopandas(run):
    # geopandas made unimportable: the packaged GeoParquet is read with pyarrow and its
    # WKB decoded here; the map still has its 290 municipalities' polygons
    code = f"""
import sys
sys.modules["geopandas"] = None
sys.modules["shapely"] = None
import pandas as pd
from sesindex.reporting.maps import municipality_map
areas = pd.read_csv({str(run / "areas.csv")!r}, dtype={{"area_code": str,
                                                        "municipality_code": str}})
fig = municipality_map(areas, 2024, "sv")
print(fig.axes[0].get_title(), len(fig.axes[0].collections[0].get_paths()))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    title, polygons = out.stdout.strip().rsplit(" ", 1)
    assert title == "Andel områden av typ 1–2, 2024" and int(polygons) >= 290


def test_a_boundary_file_whose_codes_do_not_match_is_refused_by_name(run):
    pytest.importorskip("geopandas")
    from sesindex.reporting.html import build_report
    from sesindex.reporting.maps import check_boundary_codes

    areas = pd.read_csv(run / "areas.csv", dtype={"area_code": str})
    codes = sorted(areas["area_code"].unique())

    def square(x):
        return [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]]

    geo = run.parent / "wrong.geojson"
    shared = next(c for c in codes if sum(o[:4] == c[:4] for o in codes) > 1)
    wrong = [c for c in codes if c != shared] + ["9999R001"]  # an area missing, a stranger
    geo.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"regso_code": c},
                        "geometry": {"type": "Polygon", "coordinates": square(i)},
                    }
                    for i, c in enumerate(wrong)
                ],
            }
        )
    )
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"1 of its codes are not areas of the run (9999R001); 1 areas of the run in its "
            f"municipalities have no boundary ({shared})"
        ),
    ):
        build_report(run, run.parent / "x.html", boundaries=geo)
    with pytest.raises(ValueError, match=r"12 of its codes .*\(X00, X01, .*X09 and 2 more\)"):
        check_boundary_codes([f"X{i:02d}" for i in range(12)], codes)


class _Rows(HTMLParser):
    """The text of each cell of the table's body rows in a dumped DOM."""

    def __init__(self):
        super().__init__()
        self.rows, self._in_body, self._cell = [], False, None

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _dump(page: Path, fragment: str) -> str:
    out = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=5000",
            "--dump-dom",
            f"{page.as_uri()}#{fragment}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout


def test_the_explorer_is_one_small_file_with_everything_inline(run):
    page = (run / "explorer.html").read_text(encoding="utf-8")
    assert "<script src" not in page and "<link" not in page and "https://" not in page
    assert page.count("<path data-code=") == 290
    assert (run / "explorer.html").stat().st_size < 1_000_000


@needs_chromium
def test_the_explorer_finds_an_area_by_name_in_a_real_browser(run):
    areas = pd.read_csv(run / "areas.csv", dtype={"area_code": str})
    area = areas[
        (areas["year"] == 2024) & (areas["area_name"] == "Järna centrum-Järna södra")
    ].iloc[0]
    dom = _dump(run / "explorer.html", "q=" + quote("järna centrum"))
    rows = _Rows()
    rows.feed(dom)
    assert len(rows.rows) == 1, rows.rows  # the only row the search leaves
    row = rows.rows[0]
    assert row[0] == f"Järna centrum-Järna södra {area['area_code']}"
    index = (
        f"{number(area['index'], 'sv', 1)} ({number(area['index_lo90'], 'sv', 1)}–"
        f"{number(area['index_hi90'], 'sv', 1)})"
    )
    assert row[2] == index and row[3] == str(int(area["type"]))
    assert row[4] == number(area[f"p_type_{int(area['type'])}"], "sv", 2)
    # the same link in English: the English number format and headings
    dom = _dump(run / "explorer.html", "lang=en&q=" + quote(str(area["area_code"])))
    rows = _Rows()
    rows.feed(dom)
    assert len(rows.rows) == 1 and rows.rows[0][2].startswith(number(area["index"], "en", 1))
    assert "Explore the areas, 2024" in dom and "1 of 60 areas" in dom


def test_the_explorer_of_a_fit_without_an_index_shows_eta_types_and_the_failed_gate():
    import numpy as np

    from sesindex.reporting.explorer import explorer_page, explorer_rows

    n = 6
    eta = np.linspace(-1, 1, n)
    areas = pd.DataFrame(
        {
            "area_code": [f"0114R{i:03d}" for i in range(n)],
            "area_name": "x",
            "year": 2022,
            "eta_mean": eta,
            "eta_lo90": eta - 0.3,
            "eta_hi90": eta + 0.3,
            "rank_median": np.arange(n, 0, -1),
            "rank_lo90": 1,
            "rank_hi90": n,
            **{f"p_type_{k}": 0.2 for k in range(1, 6)},
            "type_mode": [1, 2, 3, 4, 5, 5],
        }
    )
    rows, cells, year = explorer_rows(areas)
    assert year == 2022 and rows[0][5] == 1 and cells["sv"][0][0] == "-1,00 (-1,30–-0,70)"
    assert cells["en"][0][1] == "0.20" and cells["sv"][0][2] == "6 (1–6)"
    page = explorer_page(areas, manifest={"command": "fit", "gate": {"passed": False}})
    data = json.loads(re.search(r"const D = (\{.*?\});\n", page).group(1))
    assert data["gate"] == "gate_failed" and data["method"] == "method_fit"
    assert data["text"]["sv"]["headings"][2] == "Latent nackdel η"
    assert data["source"] == "source_scb"

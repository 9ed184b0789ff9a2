"""The HTML report: runs without an official index, municipality names and maps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sesindex.data.synthetic import generate
from sesindex.reporting.html import build_report


def test_report_of_a_latent_status_run_without_an_index(tmp_path):
    # the real-bundle model (education, tenure, income) ranks and types areas by eta:
    # areas.csv has eta_* and no index_* columns, summary.csv no national mu and sigma
    rng = np.random.default_rng(1)
    n = 12
    eta = np.sort(rng.normal(size=n))
    probs = rng.dirichlet(np.ones(5), size=n)
    areas = pd.DataFrame(
        {
            "area_code": [f"0114R{i:03d}" for i in range(n)],
            "area_name": "x",
            "municipality_code": ["0114"] * 6 + ["0115"] * 6,
            "year": 2022,
            "ses_mean": -eta,
            "ses_lo90": -eta - 0.3,
            "ses_hi90": -eta + 0.3,
            "eta_mean": eta,
            "eta_lo90": eta - 0.3,
            "eta_hi90": eta + 0.3,
            "rank_median": np.arange(n, 0, -1),
            "rank_lo90": 1,
            "rank_hi90": n,
            **{f"p_type_{k}": probs[:, k - 1] for k in range(1, 6)},
            "type_mode": probs.argmax(axis=1) + 1,
            "fit_ok": True,
        }
    )
    areas.to_csv(tmp_path / "areas.csv", index=False)
    pd.DataFrame({"year": [2022], "areas": [n], **{f"type_{k}": [2] for k in range(1, 6)}}).to_csv(
        tmp_path / "summary.csv", index=False
    )
    (tmp_path / "manifest.json").write_text(json.dumps({"command": "fit", "data": "test"}))
    page = build_report(tmp_path, lang="en").read_text()
    assert "no official index" in page and "latent" in page
    assert "0114R011" in page  # the municipality view lists the areas by eta


SHARED_GEO = Path(__file__).resolve().parents[3] / "shared" / "data"


def test_report_names_municipalities_and_maps_them(tmp_path):
    # every report: municipality names (packaged, SCB's 290) and the municipality map
    from sesindex.index import compute_index
    from sesindex.reporting.html import build_report
    from sesindex.reporting.tables import write_area_tables

    res = compute_index(generate(years=(2024,), seed=3).dataset)
    write_area_tables(res, tmp_path)
    page = build_report(tmp_path, lang="en").read_text()
    assert "Upplands Väsby (0114)" in page and "Karlstad (1780)" in page
    assert "Municipalities on the map, 2024" in page
    assert page.count("data:image/png;base64") >= 3


@pytest.mark.skipif(
    not (SHARED_GEO / "geo" / "deso2018_uppsala_county").exists(),
    reason="needs ../shared/data (the real Uppsala county DeSO boundaries)",
)
def test_regso_map_from_the_real_uppsala_deso_boundaries(tmp_path):
    from sesindex.index import compute_index
    from sesindex.reporting.html import build_report
    from sesindex.reporting.maps import regso_from_deso
    from sesindex.reporting.tables import write_area_tables

    regso = regso_from_deso(
        SHARED_GEO / "geo" / "deso2018_uppsala_county" / "deso2018_uppsala_county.shp",
        SHARED_GEO / "deso_regso_key.csv",
    )
    assert len(regso) == 141 and regso["area_code"].str.match(r"^\d{4}R\d{3}$").all()
    res = compute_index(generate(years=(2024,), seed=3).dataset)
    write_area_tables(res, tmp_path)
    page = build_report(tmp_path, boundaries=regso, lang="en").read_text()
    assert "Areas on the map, 2024" in page


def test_a_report_without_types_draws_no_type_chart_or_map_and_says_why(tmp_path):
    # a partial file without national cut points: no area has a type; the report leaves
    # out the type charts and maps (no empty bars, no all-grey map) and says why
    import json as _json

    from sesindex.data.io import load_data
    from sesindex.reporting import figures
    from sesindex.reporting.index_run import index_run, write_index_run
    from sesindex.reporting.maps import municipality_map, municipality_summary
    from sesindex.runs import read_run, table_frame

    def square(x):
        return [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]]

    tree = index_run(load_data("karlstad-tab6586"))
    write_index_run(tree, tmp_path, report=False)
    codes = sorted(table_frame(tree, "areas")["area_code"].unique())[:3]
    geo = tmp_path / "b.geojson"
    geo.write_text(
        _json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"regso_code": c},
                        "geometry": {"type": "Polygon", "coordinates": square(i)},
                    }
                    for i, c in enumerate(codes)
                ],
            }
        )
    )
    page = build_report(tmp_path, boundaries=geo, lang="en").read_text()
    note = tree.attrs["manifest"]["types_note"]
    assert (
        "No area types in 2024, so this report draws no type charts or type maps: "
        f"{note[:40]}" in page
    )
    assert page.count("no area types and no ranks for") == 1  # said once, not twice
    assert "Areas on the map" not in page and "Probability of each area type" not in page
    assert "Municipalities on the map" not in page  # no types, no intervals: no map
    assert page.count("data:image/png;base64") == 1  # the ranked areas only
    run = read_run(tmp_path)
    assert figures.national_summary(table_frame(run, "summary")) is None
    areas = table_frame(run, "areas")
    assert "share_type_1_2" not in municipality_summary(areas, 2024)
    assert municipality_map(areas, 2024) is None


def test_a_report_with_types_still_draws_them(tmp_path):
    from sesindex.data.io import load_data
    from sesindex.reporting import figures
    from sesindex.reporting.index_run import index_run, write_index_run
    from sesindex.runs import table_frame

    tree = index_run(load_data("karlstad-tab6586"), cutpoints={2024: (8.9, 5.4)})
    write_index_run(tree, tmp_path, report=False)
    page = build_report(tmp_path, lang="en").read_text()
    assert "No area types" not in page and "Municipalities on the map, 2024" in page
    fig = figures.national_summary(table_frame(tree, "summary"))
    assert [ax.get_title() for ax in fig.axes][-1] == "Share of areas by area type"


def test_the_swedish_report_says_the_types_note_in_swedish(tmp_path):
    # the note is English in the manifest (and on the console); each report says it in
    # its own language: a run without types (why) and one typed from given cut points
    from sesindex.data.io import load_data
    from sesindex.reporting.html import build_reports
    from sesindex.reporting.index_run import index_run, write_index_run

    loaded = load_data("karlstad-tab6586")
    for cutpoints, english, swedish in (
        (
            None,
            "no area types and no ranks for 2011-2024: the data holds 31 of 3363",
            "inga områdestyper och ingen rang för 2011-2024: data innehåller 31 av "
            "3\u202f363 områden i RegSO2020 år 2011-2023",
        ),
        (
            {2024: (8.9, 5.4)},
            "types from the supplied national cut points in 2024",
            "typer från de angivna nationella gränsvärdena för 2024",
        ),
    ):
        out = tmp_path / str(bool(cutpoints))
        tree = index_run(loaded, cutpoints=cutpoints)
        assert tree.attrs["manifest"]["types_note"].startswith(english)
        write_index_run(tree, out, report=False)
        sv, en = (p.read_text(encoding="utf-8") for p in build_reports(out))
        assert swedish in sv and english not in sv
        assert english in en and swedish not in en


def test_every_part_of_the_types_note_has_its_swedish(tmp_path):
    # each English part, read back from the note, is rewritten by its Swedish template
    from sesindex.index.cutpoints import TYPES_NOTES
    from sesindex.reporting.vocabulary import types_note

    values = {
        "years": "2019-2021, 2024",
        "n": "3338",
        "size": "3363",
        "version": "RegSO2020",
        "named": "0114R001, 0114R002",
        "held": "x",
        "reason": "y",
        "unranked": "",
        "lacking": "",
        "more": "",
    }
    for key, (swedish, english) in TYPES_NOTES.items():
        fields = {k: v for k, v in values.items() if "{" + k + "}" in english}
        said = types_note(english.format(**fields), "sv")
        assert said == swedish.format(
            **{**fields, "n": "3\u202f338", "size": "3\u202f363"}
            if "n" in fields or "size" in fields
            else fields
        ), key
        assert types_note(english.format(**fields), "en") == english.format(**fields)


def test_swedish_report_figures_write_a_decimal_comma():
    from sesindex.reporting import figures

    areas = pd.DataFrame(
        {
            "area_code": [f"A{i}" for i in range(5)],
            "year": 2024,
            "index": [-1.5, -0.5, 0.0, 0.5, 1.5],
        }
    )
    for lang, point in (("sv", ","), ("en", ".")):
        fig = figures.caterpillar(areas, 2024, lang=lang)
        fig.canvas.draw()
        ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert "−1" + point + "0" in ticks and "0" + point + "5" in ticks, ticks


def test_the_swedish_report_says_what_a_verdict_measures_in_swedish(tmp_path):
    from sesindex.data.io import load_data
    from sesindex.reporting.html import build_reports
    from sesindex.reporting.index_run import index_run, write_index_run

    tree = index_run(
        load_data("synthetic", n_areas=60, years=(2023, 2024), seed=3),
        cutpoints={2023: (9.1, 5.5), 2024: (9.0, 5.4)},
        uncertainty_years=2,
        seed=7,
    )
    write_index_run(tree, tmp_path, report=False)
    sv, en = (p.read_text(encoding="utf-8") for p in build_reports(tmp_path))
    english = "share of bootstrap replicates in which the observed type change persists"
    assert "andel bootstrapreplikat där det observerade typbytet består ≥ 0,9" in sv
    assert english not in sv and english in en

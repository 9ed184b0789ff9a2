"""`sesindex publish --from-scb`: SCB's tables to a publication in one command, end to end
against a fake PxWebApi 2 (fixtures served by query; never the network).
"""

from __future__ import annotations

import http.client
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fake_scb import FakeSCB, subset, too_many_requests
from typer.testing import CliRunner

from sesindex.data.fetch import INDEX_TABLE, POPULATION_TABLE, RateLimiter, Transport
from sesindex.data.jsonstat import load_json, parse_cube
from sesindex.data.pxweb import packaged_example

FIXTURES = Path(__file__).parents[1] / "fixtures" / "pxweb"
KARLSTAD = ["1780R001", "1780R002", "1780R003"]
YEARS = ["2023", "2024"]


def national_tab6586() -> dict:
    """TAB6586 for 2023-2024 as SCB would serve it for the whole country: the three
    Karlstad areas of the TAB6574 fixture, with their real published values, and 3,360
    made-up areas in made-up municipalities 9000-9033 (published index drawn, seed 6586),
    each as a RegSO 2020 code (2023) and a ``_RegSO2025`` code (2024).
    """
    regions = [c for a in KARLSTAD for c in (a, f"{a}_RegSO2025")]
    karlstad = subset(load_json(packaged_example())[0], {"Region": regions, "Tid": YEARS})
    cube = parse_cube(karlstad)
    regions = list(cube.dim("Region").codes)  # in the table's order
    made_up = [f"{9000 + k // 100}R{k % 100 + 1:03d}" for k in range(3363 - len(KARLSTAD))]
    codes = regions + [c for a in made_up for c in (a, f"{a}_RegSO2025")]
    values = np.full((len(codes), 5, len(YEARS)), np.nan)
    values[: len(regions)] = cube.values
    rng = np.random.default_rng(6586)
    contents = cube.dim("ContentsCode").codes
    for r, code in enumerate(codes[len(regions) :], len(regions)):
        t = 1 if code.endswith("_RegSO2025") else 0
        v = np.round(rng.gamma(2.0, 4.5, size=3), 1)
        row = {
            "000008IW": v[0],
            "000008IV": v[1],
            "000008IX": v[2],
            "000008IT": round(v.mean(), 1),
            "000008IU": 3,
        }
        values[r, :, t] = [row[c] for c in contents]
    out = dict(karlstad)
    out["size"] = [len(codes), 5, len(YEARS)]
    labels = dict(karlstad["dimension"]["Region"]["category"]["label"])
    labels.update({c: f"{c[:4]} Påhittad ({c[:8]})" for c in codes[len(regions) :]})
    out["dimension"] = {
        **karlstad["dimension"],
        "Region": {
            "label": "region",
            "category": {"index": {c: i for i, c in enumerate(codes)}, "label": labels},
        },
    }
    out["value"] = [None if np.isnan(v) else float(v) for v in values.ravel()]
    out["status"] = {str(i): ".." for i, v in enumerate(values.ravel()) if np.isnan(v)}
    return out


@pytest.fixture(scope="module")
def scb():
    return {INDEX_TABLE: national_tab6586(), POPULATION_TABLE: FIXTURES / "tab6574_handmade.json"}


def fake_transport(fake, slept):
    clock = [0.0]

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    return Transport(
        fake,
        tries=3,
        sleep=sleep,
        limiter=RateLimiter(30, 10.0, clock=lambda: clock[0], sleep=sleep),
    )


def publish(args, fake, monkeypatch, slept):
    import sesindex.data.chunks as chunks
    import sesindex.data.fetch as fetch
    from sesindex.cli import app

    monkeypatch.setattr(fetch, "default_transport", lambda: fake_transport(fake, slept))
    monkeypatch.setattr(chunks, "MAX_CELLS", 4000)  # the national index in a few chunks
    return CliRunner().invoke(app, ["publish", "--from-scb", *args])


@pytest.mark.slow
def test_publish_from_scb_fetches_assembles_checks_fits_and_publishes(scb, tmp_path, monkeypatch):
    fake = (
        FakeSCB(scb)
        .fail(too_many_requests, when="/data?")
        .fail(lambda url: http.client.RemoteDisconnected("closed"), when="TAB6574/data?")
    )
    slept: list[float] = []
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = [
        "--years",
        "2023-2024",
        "--region",
        "1780*",
        "--out",
        str(out),
        "--cache",
        str(cache),
        "--draws",
        "40",
        "--tune",
        "60",
    ]
    res = publish(args, fake, monkeypatch, slept)
    assert res.exit_code in (0, 3), res.output  # 3: the short chains miss the fit gate
    assert 3.0 in slept and 2.0 in slept  # the 429's Retry-After, the dropped connection's backoff
    national = [u for u in fake.data_calls if "000008IT" in u and "9000" in u]
    assert national  # the national index, in chunks of at most 4,000 cells
    for name in (
        "publication.xlsx",
        "publication_sv.csv",
        "publication_en.csv",
        "report.html",
        "areas.csv",
        "scb_fit_ready.csv",
        "scb_fit_ready.manifest.json",
    ):
        assert (out / name).exists(), name
    areas = pd.read_csv(out / "areas.csv", dtype={"area_code": str})
    assert set(areas["area_code"]) == set(KARLSTAD)
    assert areas["type_mode"].notna().all()  # typed from the national cut points
    assert "national cut points from SCB's published index of every area" in res.output
    assert "set aside 4 population rows of 2 DeSO areas" in res.output
    ready = pd.read_csv(out / "scb_fit_ready.csv", dtype={"area_code": str})
    v1 = ready[(ready["indicator"] == "V1") & (ready["area_code"] == "1780R001")]
    assert v1["denominator"].notna().all() and len(v1) == 2

    # the same cache again: no call to SCB at all
    fake.urls.clear()
    res = publish([*args, "--overwrite", "--no-report"], fake, monkeypatch, slept)
    assert res.exit_code in (0, 3), res.output
    assert fake.urls == [] and "0 request(s) to SCB" in res.output


@pytest.mark.slow
def test_publish_without_national_cut_points_gives_no_types_and_says_why(
    scb, tmp_path, monkeypatch
):
    fake = FakeSCB(scb)
    res = publish(
        [
            "--years",
            "2023",
            "--region",
            "1780*",
            "--no-national",
            "--out",
            str(tmp_path / "out"),
            "--cache",
            str(tmp_path / "cache"),
            "--draws",
            "20",
            "--tune",
            "20",
            "--no-report",
        ],
        fake,
        monkeypatch,
        [],
    )
    assert res.exit_code in (0, 3), res.output
    assert not [u for u in fake.data_calls if "9000" in u]
    assert "no national cut points" in res.output
    assert "no area types and no ranks for 2023" in res.output


def test_publish_needs_from_scb(tmp_path):
    from sesindex.cli import app

    res = CliRunner().invoke(app, ["publish", "--years", "2023", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "--from-scb" in res.output


def test_national_cut_points_are_the_mean_and_sd_of_the_published_index_of_every_area():
    from sesindex.index.published import national_cutpoints

    cube = national_tab6586()
    cuts, notes = national_cutpoints(cube)
    index = parse_cube(cube)
    at = index.dim("ContentsCode").codes.index("000008IT")
    for t, year in enumerate(YEARS):
        values = index.values[:, at, t]
        values = values[~np.isnan(values)]
        assert len(values) == 3363
        assert cuts[int(year)] == pytest.approx((values.mean(), values.std(ddof=1)), abs=1e-4)
    assert notes[0].startswith("national cut points from SCB's published index")
    # one area short in 2024: that year gets none, and the note says why
    codes = index.dim("Region").codes
    gone = codes.index("9000R001_RegSO2025")
    flat = np.ravel_multi_index((gone, at, 1), index.values.shape)
    cube["value"][flat] = None
    cube["status"][str(flat)] = ".."
    cuts, notes = national_cutpoints(cube)
    assert list(cuts) == [2023] and "2024: 3362 of 3363 RegSO2025" in notes[-1]

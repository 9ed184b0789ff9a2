"""`sesindex fetch`: recorded responses only, never the network."""

from __future__ import annotations

import http.client
import io
import json
import urllib.error
import urllib.parse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fake_scb import FakeSCB, too_many_requests

from sesindex.data.fetch import (
    POPULATION_TABLE,
    FetchError,
    RateLimiter,
    Transport,
    build_url,
    fetch_table,
)
from sesindex.data.scb import fetch_population, fetch_selection

RECORDED = (
    Path(__file__).parents[2] / "src/sesindex/data/resources/TAB6586_region1780_jsonstat2.json"
)


def recorded(url, timeout):
    assert "TAB6586" in url and "outputFormat=json-stat2" in url
    return RECORDED.read_bytes()


def test_fetch_caches_response_with_query_and_date(tmp_path):
    got = fetch_table("TAB6586", {"Region": ["1780*"]}, cache_dir=tmp_path, opener=recorded)
    assert not got.from_cache and got.path.read_bytes() == RECORDED.read_bytes()
    side = json.loads(got.path.with_suffix(".query.json").read_text())
    assert side["value_codes"] == {"Region": ["1780*"]} and side["retrieved"]
    again = fetch_table(
        "TAB6586",
        {"Region": ["1780*"]},
        cache_dir=tmp_path,
        opener=lambda u, t: pytest.fail("cache not used"),
    )
    assert again.from_cache and again.retrieved == got.retrieved


def test_offline_fails_clearly(tmp_path):
    def offline(url, timeout):
        raise urllib.error.URLError("Name or service not known")

    with pytest.raises(FetchError, match="offline"):
        fetch_table("TAB6586", {}, cache_dir=tmp_path, opener=offline)


def test_scb_error_is_reported(tmp_path):
    def http_400(url, timeout):
        raise urllib.error.HTTPError(
            url, 400, "Bad Request", {}, io.BytesIO(b'{"title":"Non-existent table"}')
        )

    with pytest.raises(FetchError, match="HTTP 400.*Non-existent table"):
        fetch_table("TAB0000", {}, cache_dir=tmp_path, opener=http_400)


def test_non_jsonstat_answer_is_refused(tmp_path):
    with pytest.raises(FetchError, match="not a JSON-stat dataset"):
        fetch_table("TAB6586", {}, cache_dir=tmp_path, opener=lambda u, t: b'{"x": 1}')


def test_url_encodes_selection():
    url = build_url("TAB6586", {"Tid": ["2022", "2023"]}, lang="en")
    assert "lang=en" in url and "valueCodes%5BTid%5D=2022%2C2023" in url


def test_cli_fetches_a_population_table_and_checks_it_reads_as_denominators(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import sesindex.data.fetch as fetch
    from sesindex.cli import app

    population = Path(__file__).parents[1] / "fixtures/pxweb/population_regso_zeros.json"
    monkeypatch.setattr(fetch, "_default_opener", lambda u, t: population.read_bytes())
    res = CliRunner().invoke(
        app, ["fetch", "--table", "TABPOP", "--population", "--cache", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    assert "reads as populations of" in res.output and "data assemble" in res.output
    # an index table is not a population table: said so, the download kept
    monkeypatch.setattr(fetch, "_default_opener", lambda u, t: RECORDED.read_bytes())
    res = CliRunner().invoke(
        app, ["fetch", "--table", "TAB6586", "--population", "--cache", str(tmp_path)]
    )
    assert res.exit_code != 0 and "does not read as a population table" in res.output
    assert list(tmp_path.rglob("*TAB6586*"))


# ------------------------------------------------- SCB's limits: rate, size, retries

TAB6574 = Path(__file__).parents[1] / "fixtures/pxweb/tab6574_handmade.json"


class FakeClock:
    """A clock that only moves when slept on: no test ever waits."""

    def __init__(self):
        self.now, self.slept = 0.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def transport(opener, clock=None, tries=3):
    clock = clock or FakeClock()
    return Transport(
        opener,
        tries=tries,
        sleep=clock.sleep,
        limiter=RateLimiter(30, 10.0, clock=clock, sleep=clock.sleep),
    )


def test_at_most_30_calls_in_any_10_seconds():
    clock = FakeClock()
    limiter = RateLimiter(30, 10.0, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(95):
        limiter.wait()
        times.append(clock.now)
        clock.now += 0.01  # each call takes a little time
    times = np.array(times)
    assert max(((times >= t) & (times < t + 10.0 - 1e-6)).sum() for t in times) == 30
    assert len(clock.slept) == 3  # the 31st, 61st and 91st calls waited


def test_a_429_is_waited_out_by_its_retry_after_then_retried(tmp_path):
    fake = FakeSCB({POPULATION_TABLE: TAB6574}).fail(too_many_requests, when="/data?")
    clock = FakeClock()
    got = fetch_population(
        ["2023"], region="1780*", cache_dir=tmp_path, transport=transport(fake, clock)
    )
    assert 3.0 in clock.slept and len(fake.data_calls) == 2 and got.calls == 1


def test_a_dropped_connection_is_retried(tmp_path):
    fake = FakeSCB({POPULATION_TABLE: TAB6574}).fail(
        lambda url: http.client.RemoteDisconnected("closed"), when="/data?"
    )
    got = fetch_population(["2023"], region="1780*", cache_dir=tmp_path, transport=transport(fake))
    assert len(fake.data_calls) == 2 and got.path.exists()


def test_a_selection_over_the_cell_limit_is_split_and_joined_as_one_answer(tmp_path):
    fake = FakeSCB({POPULATION_TABLE: TAB6574})
    whole = fetch_population(["2023", "2024"], cache_dir=tmp_path / "a", transport=transport(fake))
    assert len(whole.chunks) == 1
    fake.urls.clear()
    split = fetch_population(
        ["2023", "2024"], cache_dir=tmp_path / "b", transport=transport(fake), max_cells=60
    )
    # 10 regions x 10 ages (totalt, 20-24 ... 60-64) x Kon 1+2 x 1 content: 100 cells a year
    # Karlstad (1780*) is 100 cells a year: its codes listed in pieces, each year apart
    assert [c.cells for c in split.chunks] == [60, 60, 40, 40]
    assert len(fake.data_calls) == 4
    from sesindex.data.population import read_population

    cols = ["area_code", "year", "population", "population_20_64"]
    pd.testing.assert_frame_equal(
        read_population(whole.path)[cols], read_population(split.path)[cols]
    )


def test_a_second_run_makes_no_calls_and_an_interrupted_one_resumes(tmp_path):
    dropped = lambda url: ConnectionResetError("connection reset by peer")  # noqa: E731
    fake = FakeSCB({POPULATION_TABLE: TAB6574}).fail(dropped, times=3, when="Tid%5D=2024")
    with pytest.raises(FetchError, match=r"chunk 2/2 of TAB6574 \(.*Tid 2024.*tried 3"):
        fetch_population(
            ["2023", "2024"], cache_dir=tmp_path, transport=transport(fake), max_cells=150
        )
    assert len(list(tmp_path.glob("TAB6574_*.query.json"))) == 2  # metadata + chunk 1
    fake.urls.clear()
    got = fetch_population(
        ["2023", "2024"], cache_dir=tmp_path, transport=transport(fake), max_cells=150
    )
    assert len(fake.data_calls) == 1 and "2024" in fake.data_calls[0] and got.calls == 1
    fake.urls.clear()
    again = fetch_population(
        ["2023", "2024"], cache_dir=tmp_path, transport=transport(fake), max_cells=150
    )
    assert fake.urls == [] and again.calls == 0 and again.path == got.path


def test_a_region_that_selects_nothing_is_named(tmp_path):
    fake = FakeSCB({POPULATION_TABLE: TAB6574})
    with pytest.raises(ValueError, match=r"Region \['0114\*'\] select\(s\) none"):
        fetch_selection(
            POPULATION_TABLE,
            {
                "Region": ["0114*"],
                "Alder": ["totalt"],
                "Kon": ["1+2"],
                "ContentsCode": ["*"],
                "Tid": ["2023"],
            },
            cache_dir=tmp_path,
            transport=transport(fake),
        )


def test_the_population_table_needs_no_id(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import sesindex.data.fetch as fetch
    from sesindex.cli import app

    fake = FakeSCB({POPULATION_TABLE: TAB6574})
    monkeypatch.setattr(fetch, "default_transport", lambda: transport(fake))
    res = CliRunner().invoke(
        app, ["fetch", "--population", "--years", "2023-2024", "--cache", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    assert "reads as populations of 5 areas x 2 years" in res.output
    query = urllib.parse.unquote(fake.data_calls[0])
    assert "/tables/TAB6574/" in query and "ContentsCode]=000007Y7" in query
    assert "Kon]=1+2" in query and "Alder]=totalt,20-24," in query


def test_chunks_keep_to_the_cell_limit_and_short_urls_and_never_widen_a_county():
    from sesindex.data.chunks import MAX_CODE_CHARS, plan_chunks
    from sesindex.data.fetch import build_url

    # a country, a county and 300 municipalities of 20 RegSO (each also as RegSO 2025)
    areas = [
        f"{m:04d}R{k:03d}{v}"
        for m in range(1000, 1300)
        for k in range(1, 21)
        for v in ("", "_RegSO2025")
    ]
    dims = {
        "Region": ("00", "17", *areas),
        "ContentsCode": ("A", "B", "C", "D", "E"),
        "Tid": tuple(str(y) for y in range(2011, 2025)),
    }
    chunks = plan_chunks(dims, {"Region": ["*"], "ContentsCode": ["*"], "Tid": ["*"]})
    assert sum(c.cells for c in chunks) == (2 + len(areas)) * 5 * 14
    assert max(c.cells for c in chunks) <= 150_000
    for chunk in chunks:
        region = chunk.value_codes["Region"]
        assert "17*" not in region and "00*" not in region
        assert len(build_url("TAB6586", chunk.value_codes)) < 2_100
    assert any(c.value_codes["Region"][:2] == ["00", "17"] for c in chunks)
    assert MAX_CODE_CHARS < 2_100

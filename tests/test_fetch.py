"""`sesindex fetch`: recorded responses only, never the network."""

from __future__ import annotations

import io
import json
import urllib.error
from pathlib import Path

import pytest

from sesindex.data.fetch import FetchError, build_url, fetch_table

RECORDED = Path(__file__).parents[1] / "src/sesindex/data/resources/TAB6586_region1780_jsonstat2.json"


def recorded(url, timeout):
    assert "TAB6586" in url and "outputFormat=json-stat2" in url
    return RECORDED.read_bytes()


def test_fetch_caches_response_with_query_and_date(tmp_path):
    got = fetch_table("TAB6586", {"Region": ["1780*"]}, cache_dir=tmp_path, opener=recorded)
    assert not got.from_cache and got.path.read_bytes() == RECORDED.read_bytes()
    side = json.loads(got.path.with_suffix(".query.json").read_text())
    assert side["value_codes"] == {"Region": ["1780*"]} and side["retrieved"]
    again = fetch_table("TAB6586", {"Region": ["1780*"]}, cache_dir=tmp_path,
                        opener=lambda u, t: pytest.fail("cache not used"))
    assert again.from_cache and again.retrieved == got.retrieved


def test_offline_fails_clearly(tmp_path):
    def offline(url, timeout):
        raise urllib.error.URLError("Name or service not known")

    with pytest.raises(FetchError, match="offline"):
        fetch_table("TAB6586", {}, cache_dir=tmp_path, opener=offline)


def test_scb_error_is_reported(tmp_path):
    def http_400(url, timeout):
        raise urllib.error.HTTPError(url, 400, "Bad Request", {},
                                     io.BytesIO(b'{"title":"Non-existent table"}'))

    with pytest.raises(FetchError, match="HTTP 400.*Non-existent table"):
        fetch_table("TAB0000", {}, cache_dir=tmp_path, opener=http_400)


def test_non_jsonstat_answer_is_refused(tmp_path):
    with pytest.raises(FetchError, match="not a JSON-stat dataset"):
        fetch_table("TAB6586", {}, cache_dir=tmp_path, opener=lambda u, t: b'{"x": 1}')


def test_url_encodes_selection():
    url = build_url("TAB6586", {"Tid": ["2022", "2023"]}, lang="en")
    assert "lang=en" in url and "valueCodes%5BTid%5D=2022%2C2023" in url


def test_cli_fetches_a_population_table_and_checks_it_reads_as_denominators(tmp_path,
                                                                            monkeypatch):
    from typer.testing import CliRunner

    import sesindex.data.fetch as fetch
    from sesindex.cli import app

    population = Path(__file__).parent / "fixtures/pxweb/population_regso_zeros.json"
    monkeypatch.setattr(fetch, "_default_opener", lambda u, t: population.read_bytes())
    res = CliRunner().invoke(app, ["fetch", "--table", "TABPOP", "--population",
                                   "--cache", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "reads as populations of" in res.output and "data assemble" in res.output
    # an index table is not a population table: said so, the download kept
    monkeypatch.setattr(fetch, "_default_opener", lambda u, t: RECORDED.read_bytes())
    res = CliRunner().invoke(app, ["fetch", "--table", "TAB6586", "--population",
                                   "--cache", str(tmp_path)])
    assert res.exit_code != 0 and "does not read as a population table" in res.output
    assert list(tmp_path.rglob("*TAB6586*"))

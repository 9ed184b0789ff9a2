"""Download tables from SCB's PxWebApi 2 as JSON-stat 2.0, cached on disk with their query.

The cache keeps the response byte for byte (``<table>_<hash>.json``) beside a sidecar
(``.query.json``) holding the URL, the query and the retrieval time, so every later run
can say exactly what it read. Offline or error answers fail with a clear message; tests
inject ``opener`` and never touch the network.

The standard library's ``urllib`` does the one GET this needs; pxwebpy parses responses
into rows, whereas the project must cache the raw JSON-stat response that its own loader
(:mod:`sesindex.data.pxweb`) reads.

Examples
--------
>>> url = build_url("TAB6586", {"Region": ["1780*"], "Tid": ["2022", "2023"]}, lang="sv")
>>> url.split("?")[0]
'https://api.scb.se/ov0104/v2beta/api/v2/tables/TAB6586/data'
>>> "valueCodes%5BRegion%5D=1780%2A" in url
True
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

API = "https://api.scb.se/ov0104/v2beta/api/v2"
#: SCB's table of the socioeconomic index, area type and V1-V3 by RegSO and year.
INDEX_TABLE = "TAB6586"


class FetchError(RuntimeError):
    """SCB could not be reached or answered with an error."""


@dataclass(frozen=True)
class Fetched:
    """A cached response: where it is, what was asked and when."""

    path: Path
    url: str
    retrieved: str
    from_cache: bool


def build_url(table: str, value_codes: dict[str, list[str]], lang: str = "sv") -> str:
    """The PxWebApi 2 data URL for ``table`` with ``valueCodes[dim]=a,b`` selections."""
    params = [("lang", lang), ("outputFormat", "json-stat2")]
    params += [(f"valueCodes[{dim}]", ",".join(codes)) for dim, codes in value_codes.items()]
    return f"{API}/tables/{table}/data?{urllib.parse.urlencode(params)}"


def _default_opener(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": "application/json",
                                                   "User-Agent": "sesindex"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return response.read()


def fetch_table(table: str, value_codes: dict[str, list[str]], *, cache_dir: str | Path,
                lang: str = "sv", refresh: bool = False, timeout: float = 60.0,
                opener: Callable[[str, float], bytes] | None = None) -> Fetched:
    """Fetch (or reuse from cache) one table selection as JSON-stat 2.0."""
    url = build_url(table, value_codes, lang)
    key = hashlib.sha256(url.encode()).hexdigest()[:12]
    cache = Path(cache_dir)
    path = cache / f"{table}_{key}.json"
    sidecar = path.with_suffix(".query.json")
    if path.exists() and sidecar.exists() and not refresh:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        return Fetched(path, url, meta["retrieved"], True)
    try:
        body = (opener or _default_opener)(url, timeout)
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode("utf-8", "replace") if exc.fp else ""
        raise FetchError(f"SCB answered HTTP {exc.code} for table {table}: {detail.strip()} "
                         f"(url: {url})") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise FetchError(f"cannot reach SCB's API ({exc}); are you offline? Cached tables in "
                         f"{cache} can be used with --data <file>.") from exc
    try:
        parsed = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FetchError(f"SCB's answer for table {table} is not JSON: {body[:200]!r}") from exc
    if parsed.get("class") != "dataset":
        raise FetchError(f"SCB's answer for table {table} is not a JSON-stat dataset: "
                         f"{str(parsed)[:300]}")
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    retrieved = datetime.now(timezone.utc).isoformat(timespec="seconds")
    sidecar.write_text(json.dumps({"url": url, "table": table, "value_codes": value_codes,
                                   "lang": lang, "retrieved": retrieved}, indent=2,
                                  ensure_ascii=False), encoding="utf-8")
    return Fetched(path, url, retrieved, False)

"""Download tables from SCB's PxWebApi 2 as JSON-stat 2.0, cached on disk with their query.

The cache keeps the response byte for byte (``<table>_<hash>.json``) beside a sidecar
(``.query.json``) holding the URL, the query and the retrieval time, so every later run
can say exactly what it read. Offline or error answers fail with a clear message; tests
inject ``opener`` and never touch the network.

A :class:`Transport` carries the calls: it keeps within SCB's rate limit (at most 30 calls
in any 10 seconds, :class:`RateLimiter`), waits out an HTTP 429 (its ``Retry-After``, else
a backoff) and retries a dropped connection a bounded number of times. Its clock and sleep
are injectable, so tests never wait. Selections larger than SCB's 150,000 cells a request
are split into chunks by :mod:`sesindex.data.chunks`.

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
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

API = "https://api.scb.se/ov0104/v2beta/api/v2"
#: SCB's table of the socioeconomic index, area type and V1-V3 by RegSO and year.
INDEX_TABLE = "TAB6586"
#: SCB's population by region (RegSO and DeSO), age, sex and year ("Folkmängden per region
#: efter ålder och kön"): the denominators of V1-V3.
POPULATION_TABLE = "TAB6574"
#: TAB6574's one content, the number of residents (the older ``BE0101N1`` is refused).
POPULATION_CONTENTS = "000007Y7"
#: TAB6586's published index (its national mean and sd are the cut points of the types).
INDEX_CONTENTS = "000008IT"


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


def metadata_url(table: str, lang: str = "sv") -> str:
    """The PxWebApi 2 URL of a table's dimensions and their codes.

    >>> metadata_url("TAB6574").split("/tables/")[1]
    'TAB6574/metadata?lang=sv&outputFormat=json-stat2'
    """
    params = urllib.parse.urlencode([("lang", lang), ("outputFormat", "json-stat2")])
    return f"{API}/tables/{table}/metadata?{params}"


def _default_opener(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": "sesindex"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return response.read()


@dataclass
class RateLimiter:
    """At most ``calls`` calls in any ``per`` seconds (a sliding window over the times of
    the last calls); ``clock`` and ``sleep`` are injectable.

    Examples
    --------
    >>> now = [0.0]
    >>> limiter = RateLimiter(
    ...     2, 10.0, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s)
    ... )
    >>> for _ in range(3):
    ...     limiter.wait()
    >>> now[0]  # the third call waited until the first left the window
    10.0
    """

    calls: int = 30
    per: float = 10.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _times: deque = field(default_factory=deque, repr=False)

    def wait(self) -> None:
        """Sleep until one more call keeps within the limit, and count it."""
        now = self._forget_old()
        if len(self._times) >= self.calls:
            self.sleep(self._times[0] + self.per - now)
            now = self._forget_old()
        self._times.append(now)

    def _forget_old(self) -> float:
        """Drop the calls that have left the window (to a nanosecond); the time now."""
        now = self.clock()
        while self._times and now - self._times[0] >= self.per - 1e-9:
            self._times.popleft()
        return now


#: What a dropped connection looks like (``RemoteDisconnected`` is a ``ConnectionResetError``).
DROPPED = (urllib.error.URLError, ConnectionError, http.client.RemoteDisconnected, TimeoutError)


@dataclass
class Transport:
    """The calls to SCB: ``opener`` (``(url, timeout) -> bytes``; urllib by default), a
    :class:`RateLimiter`, HTTP 429 waited out (``Retry-After`` seconds, else ``backoff``
    doubling) up to ``rate_limited_tries`` times, and a dropped connection tried
    ``tries`` times in all before it fails. ``calls`` counts the requests made.

    Examples
    --------
    >>> slept = []
    >>> answers = iter([ConnectionResetError("reset"), b'{"class": "dataset"}'])
    >>> def opener(url, timeout):
    ...     got = next(answers)
    ...     if isinstance(got, Exception):
    ...         raise got
    ...     return got
    >>> t = Transport(opener, tries=2, sleep=slept.append, limiter=None)
    >>> t.get("https://example.org", 1.0), t.calls, slept
    (b'{"class": "dataset"}', 2, [2.0])
    """

    opener: Callable[[str, float], bytes] | None = None
    tries: int = 1
    rate_limited_tries: int = 5
    backoff: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    limiter: RateLimiter | None = field(default_factory=RateLimiter)
    calls: int = 0

    def get(self, url: str, timeout: float) -> bytes:
        """The body of ``url``; the last error is raised once the tries are used up."""
        dropped = limited = 0
        while True:
            if self.limiter is not None:
                self.limiter.wait()
            self.calls += 1
            try:
                return (self.opener or _default_opener)(url, timeout)
            except urllib.error.HTTPError as exc:
                limited += 1
                if exc.code != 429 or limited >= self.rate_limited_tries:
                    raise
                self.sleep(_retry_after(exc, self.backoff * 2 ** (limited - 1)))
            except DROPPED as exc:
                dropped += 1
                if dropped >= self.tries:
                    exc.add_note(f"(tried {dropped} time(s))")
                    raise
                self.sleep(self.backoff * 2 ** (dropped - 1))


def default_transport() -> Transport:
    """The commands' transport: SCB's rate limit, 429s waited out, a dropped connection
    tried 3 times (tests replace this function to serve fixtures).
    """
    return Transport(tries=3)


def _retry_after(exc: urllib.error.HTTPError, default: float) -> float:
    """Seconds from an HTTP 429's ``Retry-After`` header, else ``default``."""
    value = exc.headers.get("Retry-After") if exc.headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else default
    except ValueError:
        return default


def _cached(
    url: str,
    path: Path,
    query: dict,
    *,
    what: str,
    transport: Transport,
    timeout: float,
    refresh: bool,
    need: tuple[str, ...],
) -> Fetched:
    """``url``'s body cached at ``path`` (with a ``.query.json`` sidecar); ``need``: keys a
    valid answer has. ``what`` names the request in errors.
    """
    sidecar = path.with_suffix(".query.json")
    if path.exists() and sidecar.exists() and not refresh:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        return Fetched(path, url, meta["retrieved"], True)
    cache = path.parent
    try:
        body = transport.get(url, timeout)
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode("utf-8", "replace") if exc.fp else ""
        raise FetchError(
            f"SCB answered HTTP {exc.code} for {what}: {detail.strip()} (url: {url})"
        ) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        tried = " ".join(getattr(exc, "__notes__", []))
        raise FetchError(
            f"cannot reach SCB's API for {what} ({exc}) {tried}; are you "
            f"offline? What was fetched stays cached in {cache}: run again "
            "to resume, or use a cached table with --data <file>."
        ) from exc
    try:
        parsed = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FetchError(f"SCB's answer for {what} is not JSON: {body[:200]!r}") from exc
    if (
        not isinstance(parsed, dict)
        or any(k not in parsed for k in need)
        or ("class" in need and parsed.get("class") != "dataset")
    ):
        raise FetchError(f"SCB's answer for {what} is not a JSON-stat dataset: {str(parsed)[:300]}")
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    retrieved = datetime.now(UTC).isoformat(timespec="seconds")
    sidecar.write_text(
        json.dumps({"url": url, **query, "retrieved": retrieved}, indent=2, ensure_ascii=False),
        encoding="utf-8",
    )
    return Fetched(path, url, retrieved, False)


def _key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:12]


def fetch_table(
    table: str,
    value_codes: dict[str, list[str]],
    *,
    cache_dir: str | Path,
    lang: str = "sv",
    refresh: bool = False,
    timeout: float = 60.0,
    opener: Callable[[str, float], bytes] | None = None,
    transport: Transport | None = None,
    what: str | None = None,
) -> Fetched:
    """Fetch (or reuse from cache) one table selection as JSON-stat 2.0.

    ``transport`` (default: one try through ``opener``, no rate limit) makes the call;
    ``what`` names the request in errors (e.g. a chunk).
    """
    url = build_url(table, value_codes, lang)
    transport = transport or Transport(opener, limiter=None)
    return _cached(
        url,
        Path(cache_dir) / f"{table}_{_key(url)}.json",
        {"table": table, "value_codes": value_codes, "lang": lang},
        what=what or f"table {table}",
        transport=transport,
        timeout=timeout,
        refresh=refresh,
        need=("class",),
    )


def fetch_metadata(
    table: str,
    *,
    cache_dir: str | Path,
    lang: str = "sv",
    refresh: bool = False,
    timeout: float = 60.0,
    transport: Transport | None = None,
) -> Fetched:
    """Fetch (or reuse from cache) a table's dimensions and their codes (JSON-stat 2.0
    without values): what a selection is split into chunks by.
    """
    url = metadata_url(table, lang)
    return _cached(
        url,
        Path(cache_dir) / f"{table}_metadata_{_key(url)}.json",
        {"table": table, "metadata": True, "lang": lang},
        what=f"the metadata of table {table}",
        transport=transport or Transport(limiter=None),
        timeout=timeout,
        refresh=refresh,
        need=("id", "dimension"),
    )

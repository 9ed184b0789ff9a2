"""A fake PxWebApi 2 for tests: serves tables' metadata and any selection of them from
JSON-stat cubes held in memory, counts the calls, and can answer with an error (an HTTP
429, a dropped connection) a set number of times. Never the network.
"""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.parse
from fnmatch import fnmatchcase

import numpy as np

from sesindex.data.jsonstat import load_json, parse_cube


def subset(obj: dict, value_codes: dict[str, list[str]]) -> dict:
    """The cube ``obj`` restricted to ``value_codes`` (codes or wildcards per dimension),
    as SCB would answer that selection.
    """
    cube = parse_cube(obj)
    keep = {}
    for d in cube.dims:
        patterns = value_codes.get(d.id, ["*"])
        keep[d.id] = [i for i, c in enumerate(d.codes) if any(fnmatchcase(c, p) for p in patterns)]
        if not keep[d.id]:
            raise urllib.error.HTTPError(
                "fake", 400, f"no {d.id} {patterns}", {}, io.BytesIO(b'{"title": "no such codes"}')
            )
    at = np.ix_(*[keep[d.id] for d in cube.dims])
    values, status = cube.values[at], cube.status[at]
    out = {k: v for k, v in obj.items() if k not in ("value", "status")}
    out["size"] = list(values.shape)
    out["dimension"] = {}
    for d in cube.dims:
        codes = [d.codes[i] for i in keep[d.id]]
        category = dict(obj["dimension"][d.id]["category"])
        category["index"] = {c: i for i, c in enumerate(codes)}
        category["label"] = {c: d.labels[c] for c in codes}
        out["dimension"][d.id] = {**obj["dimension"][d.id], "category": category}
    out["value"] = [None if np.isnan(v) else float(v) for v in values.ravel()]
    out["status"] = {str(i): s for i, s in enumerate(status.ravel()) if s is not None}
    return out


def metadata(obj: dict) -> dict:
    """A table's metadata: its dimensions and codes, no values."""
    return {k: v for k, v in obj.items() if k not in ("value", "status")}


def too_many_requests(url: str) -> urllib.error.HTTPError:
    return urllib.error.HTTPError(
        url, 429, "Too Many Requests", {"Retry-After": "3"}, io.BytesIO(b"")
    )


class FakeSCB:
    """``opener(url, timeout)`` over ``tables`` (table id -> JSON-stat dict or path).

    ``fail(error, times=1, when=substring)`` makes the next ``times`` calls whose URL
    holds ``when`` raise ``error(url)``.
    """

    def __init__(self, tables: dict):
        self.tables = {t: load_json(v)[0] for t, v in tables.items()}
        self.urls: list[str] = []
        self.failures: list[list] = []

    def fail(self, error, times: int = 1, when: str = "") -> FakeSCB:
        self.failures.append([error, times, when])
        return self

    @property
    def data_calls(self) -> list[str]:
        return [u for u in self.urls if "/data?" in u]

    def __call__(self, url: str, timeout: float) -> bytes:
        self.urls.append(url)
        for failure in self.failures:
            error, times, when = failure
            if times and when in url:
                failure[1] -= 1
                raise error(url)
        path, _, query = url.partition("?")
        table, kind = path.split("/tables/")[1].split("/")
        obj = self.tables[table]
        if kind == "metadata":
            return json.dumps(metadata(obj), ensure_ascii=False).encode()
        codes = {
            k[len("valueCodes[") : -1]: v.split(",")
            for k, v in urllib.parse.parse_qsl(query)
            if k.startswith("valueCodes[")
        }
        return json.dumps(subset(obj, codes), ensure_ascii=False).encode()

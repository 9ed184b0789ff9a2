"""SCB's own tables, fetched for a publication: the index table TAB6586 (V1-V3, SCB's
index and types), the population table TAB6574 (the denominators) and, for a response of
only some areas, SCB's published index of every area (the national cut points of the
types).

Each selection is counted against the table's metadata and split into requests within
SCB's limits (:mod:`sesindex.data.chunks`), every request goes through one
:class:`~sesindex.data.fetch.Transport` (rate limit, retries) and is cached
(:mod:`sesindex.data.fetch`), and the chunks are joined into one response file. A second
run with the same cache makes no calls for what is cached; an interrupted run resumes.

Examples
--------
>>> from sesindex.data.jsonstat import Dim
>>> ages = (
...     "totalt",
...     "-4",
...     "20-24",
...     "25-29",
...     "30-34",
...     "35-39",
...     "40-44",
...     "45-49",
...     "50-54",
...     "55-59",
...     "60-64",
...     "80-",
... )
>>> dims = {
...     "Alder": Dim("Alder", "ålder", ages, {a: a for a in ages}, {}),
...     "Kon": Dim("Kon", "kön", ("1", "2", "1+2"), {}, {}),
...     "ContentsCode": Dim("ContentsCode", "", ("000007Y7",), {}, {}),
... }
>>> sel = population_selection(dims, region="1780*", years=["2023"])
>>> sel["Alder"][:3], sel["Kon"], sel["ContentsCode"]
(['totalt', '20-24', '25-29'], ['1+2'], ['000007Y7'])
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sesindex.data.chunks import Chunk, merge_responses, plan_chunks
from sesindex.data.fetch import (
    INDEX_CONTENTS,
    INDEX_TABLE,
    POPULATION_CONTENTS,
    POPULATION_TABLE,
    Fetched,
    Transport,
    fetch_metadata,
    fetch_table,
)
from sesindex.data.jsonstat import Dim, categories, load_json


@dataclass
class Selection:
    """One table's selection as fetched: the joined response, its chunks and what each
    came from (the cache or SCB).
    """

    table: str
    path: Path
    chunks: list[Chunk]
    fetched: list[Fetched]

    @property
    def calls(self) -> int:
        """Requests this selection made to SCB (0 when all was cached)."""
        return sum(not f.from_cache for f in self.fetched)

    def provenance(self) -> dict:
        """What a manifest records: the chunks' URLs and retrieval times."""
        return {
            "table": self.table,
            "file": str(self.path),
            "chunks": [
                {"url": f.url, "retrieved": f.retrieved, "cells": c.cells}
                for c, f in zip(self.chunks, self.fetched, strict=True)
            ],
        }


def metadata_dims(
    table: str, *, cache_dir: Path, transport: Transport, lang: str = "sv", refresh: bool = False
) -> dict[str, Dim]:
    """A table's dimensions (codes and labels) from its cached metadata."""
    meta = fetch_metadata(
        table, cache_dir=cache_dir, transport=transport, lang=lang, refresh=refresh
    )
    obj, _ = load_json(meta.path)
    dims = {}
    for d in obj["id"]:
        raw = obj["dimension"][str(d)]
        codes, labels = categories(str(d), raw)
        dims[str(d)] = Dim(str(d), str(raw.get("label", d)), codes, labels, raw)
    return dims


def fetch_selection(
    table: str,
    selection: dict[str, list[str]],
    *,
    cache_dir: Path,
    transport: Transport,
    dims: dict[str, Dim] | None = None,
    lang: str = "sv",
    max_cells: int | None = None,
    on_chunk=None,
    refresh: bool = False,
) -> Selection:
    """Fetch ``selection`` of ``table`` in chunks within SCB's limits (each cached), and
    join them into one JSON-stat file in ``cache_dir``. ``on_chunk(i, n, chunk, got)`` is
    called after each chunk (progress); ``refresh`` asks SCB again for what is cached. A
    chunk that cannot be fetched fails naming it; the chunks before it stay cached.
    """
    cache_dir = Path(cache_dir)
    dims = dims or metadata_dims(
        table, cache_dir=cache_dir, transport=transport, lang=lang, refresh=refresh
    )
    chunks = plan_chunks({d: x.codes for d, x in dims.items()}, selection, max_cells=max_cells)
    fetched = []
    for i, chunk in enumerate(chunks, 1):
        got = fetch_table(
            table,
            chunk.value_codes,
            cache_dir=cache_dir,
            lang=lang,
            transport=transport,
            refresh=refresh,
            what=f"chunk {i}/{len(chunks)} of {table} ({chunk.describe()})",
        )
        fetched.append(got)
        if on_chunk:
            on_chunk(i, len(chunks), chunk, got)
    if len(fetched) == 1:
        return Selection(table, fetched[0].path, chunks, fetched)
    key = hashlib.sha256("\n".join(f.url for f in fetched).encode()).hexdigest()[:12]
    path = cache_dir / f"{table}_{key}_joined.json"
    if refresh or not path.exists():
        joined = merge_responses([load_json(f.path)[0] for f in fetched])
        path.write_text(json.dumps(joined, ensure_ascii=False), encoding="utf-8")
    return Selection(table, path, chunks, fetched)


def index_selection(region: str, years: list[str]) -> dict[str, list[str]]:
    """TAB6586: every content (V1-V3, SCB's index and type) of ``region`` (codes or
    wildcards, comma-separated) in ``years``.

    >>> index_selection("1780*,1781*", ["2023"])["Region"] == ["1780*", "1781*"]
    True
    """
    return {"Region": region.split(","), "ContentsCode": ["*"], "Tid": list(years)}


def population_selection(
    dims: dict[str, Dim], *, region: str, years: list[str]
) -> dict[str, list[str]]:
    """TAB6574: the ages the denominators need (the total and the bands of 20-64, as
    :func:`sesindex.data.population.read_population` reads them), both sexes (``1+2``,
    else ``1`` and ``2``) and the number of residents (``000007Y7``; a table of one
    other content, that one).
    """
    from sesindex.data.population import BOTH_SEXES, SEXES, age_groups

    lacking = [d for d in ("Alder", "ContentsCode") if d not in dims]
    if lacking:
        raise ValueError(
            f"the table does not read as a population table: it has no "
            f"{' or '.join(lacking)} (its dimensions: {', '.join(dims)})"
        )
    everyone, working, _ = age_groups(dims["Alder"])
    sexes = dims["Kon"].codes if "Kon" in dims else ()
    kon = {"Kon": [BOTH_SEXES] if BOTH_SEXES in sexes else list(SEXES)} if sexes else {}
    contents = dims["ContentsCode"].codes
    if POPULATION_CONTENTS not in contents and len(contents) != 1:
        raise ValueError(
            f"the population table's ContentsCode has {list(contents)}, not "
            f"{POPULATION_CONTENTS} (TAB6574's number of residents)"
        )
    content = POPULATION_CONTENTS if POPULATION_CONTENTS in contents else contents[0]
    ages = list(dict.fromkeys([*everyone, *working]))
    return {
        "Region": region.split(","),
        "Alder": ages,
        **kon,
        "ContentsCode": [content],
        "Tid": list(years),
    }


@dataclass
class ScbTables:
    """What :func:`fetch_scb` fetched: the index table, the population table and, when
    the region covers only some areas, SCB's published index of all areas.
    """

    rates: Selection
    population: Selection
    national: Selection | None = None

    @property
    def calls(self) -> int:
        """Requests the three selections made to SCB (0 when all was cached)."""
        return sum(s.calls for s in (self.rates, self.population, self.national) if s)

    def provenance(self) -> list[dict]:
        """What a manifest records of each selection fetched."""
        return [s.provenance() for s in (self.rates, self.population, self.national) if s]


def fetch_population(
    years: list[str],
    *,
    region: str = "*",
    cache_dir: Path,
    transport: Transport,
    table: str = POPULATION_TABLE,
    lang: str = "sv",
    max_cells: int | None = None,
    on_chunk=None,
    refresh: bool = False,
) -> Selection:
    """The population table (TAB6574) for ``region`` and ``years``: the ages and sexes
    the denominators need (:func:`population_selection`), in chunks, joined.
    """
    dims = metadata_dims(
        table, cache_dir=Path(cache_dir), transport=transport, lang=lang, refresh=refresh
    )
    return fetch_selection(
        table,
        population_selection(dims, region=region, years=years),
        cache_dir=Path(cache_dir),
        transport=transport,
        dims=dims,
        lang=lang,
        max_cells=max_cells,
        on_chunk=on_chunk,
        refresh=refresh,
    )


def fetch_scb(
    years: list[int],
    *,
    region: str = "*",
    cache_dir: Path,
    transport: Transport,
    national: bool = True,
    lang: str = "sv",
    max_cells: int | None = None,
    on_chunk=None,
) -> ScbTables:
    """Fetch TAB6586 and TAB6574 for ``region`` (``'*'`` = every area, ``'1780*'`` =
    Karlstad's) and ``years``; with ``national`` and a region of only some areas, also
    TAB6586's published index of every area (:func:`sesindex.index.published.national_cutpoints`).
    """
    codes = [str(y) for y in years]
    kw = {
        "cache_dir": Path(cache_dir),
        "transport": transport,
        "lang": lang,
        "max_cells": max_cells,
        "on_chunk": on_chunk,
    }
    rates = fetch_selection(INDEX_TABLE, index_selection(region, codes), **kw)
    population = fetch_population(codes, region=region, **kw)
    whole = None
    if national and region != "*":
        whole = fetch_selection(
            INDEX_TABLE, {"Region": ["*"], "ContentsCode": [INDEX_CONTENTS], "Tid": codes}, **kw
        )
    return ScbTables(rates, population, whole)

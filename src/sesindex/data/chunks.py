"""A PxWebApi 2 selection as requests within SCB's limits, and their answers as one.

SCB answers at most 150,000 cells a request, and a GET's URL must stay short. A selection
(``{dimension: [codes or wildcards such as '1780*']}``) is counted against the table's
metadata (every dimension's codes): the cells of a request are the product of the numbers
of codes it selects. :func:`plan_chunks` splits a selection that is too large by region
(whole municipalities, ``'1780*'``, where it can) and by year; :func:`merge_responses`
joins the chunks' JSON-stat answers into one response, as if it had been one request.

Examples
--------
>>> dims = {
...     "Region": ("1780R001", "1780R002", "1781R001"),
...     "Tid": ("2022", "2023"),
...     "ContentsCode": ("A", "B"),
... }
>>> chunks = plan_chunks(dims, {"Region": ["*"], "Tid": ["*"], "ContentsCode": ["*"]}, max_cells=4)
>>> for chunk in chunks:
...     print(chunk.describe())
Region 1780* (2 codes), Tid 2022, ContentsCode * (2 codes) (4 cells)
Region 1780* (2 codes), Tid 2023, ContentsCode * (2 codes) (4 cells)
Region 1781* (1 code), Tid 2022, ContentsCode * (2 codes) (2 cells)
Region 1781* (1 code), Tid 2023, ContentsCode * (2 codes) (2 cells)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fnmatch import fnmatchcase
from urllib.parse import quote

import numpy as np

from sesindex.data.jsonstat import categories, parse_cube

#: SCB's largest answer, in cells a request.
MAX_CELLS = 150_000
#: The longest list of region codes a GET carries, escaped as in the URL (PxWebApi 2 takes
#: URLs of about 2,100 characters).
MAX_CODE_CHARS = 1_200


def table_dimensions(metadata: dict) -> dict[str, tuple[str, ...]]:
    """Every dimension's codes, in order, from a table's JSON-stat metadata.

    Examples
    --------
    >>> table_dimensions(
    ...     {"id": ["Tid"], "dimension": {"Tid": {"category": {"index": {"2022": 0, "2023": 1}}}}}
    ... )
    {'Tid': ('2022', '2023')}
    """
    return {str(d): categories(str(d), metadata["dimension"][str(d)])[0] for d in metadata["id"]}


def expand(codes: tuple[str, ...], patterns: list[str], dim: str) -> list[str]:
    """The codes that ``patterns`` (codes or wildcards ``*``, ``?``) select, in the
    table's order; a pattern that selects nothing is an error naming it.

    Examples
    --------
    >>> expand(("1780R001", "1780R002", "1781R001"), ["1780*"], "Region")
    ['1780R001', '1780R002']
    """
    hits = {p: [c for c in codes if fnmatchcase(c, p)] for p in patterns}
    empty = [p for p, h in hits.items() if not h]
    if empty:
        raise ValueError(
            f"{dim} {empty} select(s) none of the table's codes (e.g. {', '.join(codes[:6])})"
        )
    chosen = {c for h in hits.values() for c in h}
    return [c for c in codes if c in chosen]


@dataclass(frozen=True)
class Chunk:
    """One request: its selection (``value_codes``) and how many cells it asks for."""

    value_codes: dict[str, list[str]]
    cells: int
    codes: dict[str, int]  # codes selected per dimension

    def describe(self) -> str:
        """The chunk in a few words (for progress and error messages)."""
        parts = []
        for dim, sel in self.value_codes.items():
            text = ",".join(sel) if len(sel) <= 3 else f"{sel[0]}-{sel[-1]}"
            if any("*" in s or "?" in s for s in sel) or len(sel) > 3:
                n = self.codes[dim]
                text += f" ({n} code{'s' if n != 1 else ''})"
            parts.append(f"{dim} {text}")
        return ", ".join(parts) + f" ({self.cells:,} cells)"


def plan_chunks(
    dims: dict[str, tuple[str, ...]],
    selection: dict[str, list[str]],
    *,
    region: str = "Region",
    time: str = "Tid",
    max_cells: int | None = None,
    max_chars: int = MAX_CODE_CHARS,
) -> list[Chunk]:
    """Requests that together ask for ``selection`` of a table with dimensions ``dims``,
    each of at most ``max_cells`` cells (default :data:`MAX_CELLS`).

    A selection within the limit is one request, as given. A larger one is split by
    region, a municipality (the first four digits, as ``'1780*'``) to a request where
    the selection holds all of it, and by consecutive years.
    """
    max_cells = max_cells or MAX_CELLS
    unselected = [d for d in dims if d not in selection]
    unknown = [d for d in selection if d not in dims]
    if unselected or unknown:
        raise ValueError(
            f"the selection must name every dimension of the table "
            f"{list(dims)}: {unselected or unknown} "
            f"{'missing' if unselected else 'unknown'}"
        )
    chosen = {d: expand(dims[d], selection[d], d) for d in dims}
    sizes = {d: len(c) for d, c in chosen.items()}
    total = math.prod(sizes.values())
    if total <= max_cells:
        return [Chunk({d: list(selection[d]) for d in dims}, total, sizes)]
    per = math.prod(n for d, n in sizes.items() if d not in (region, time))
    blocks = _region_blocks(dims[region], chosen[region], max(1, max_cells // per), max_chars)
    widest = max(n for _, n in blocks)
    if per * widest > max_cells:
        raise ValueError(
            f"one region and one year of this selection are {per:,} cells, "
            f"more than SCB's {max_cells:,}: select fewer codes of "
            f"{[d for d in dims if d not in (region, time)]}"
        )
    years = chosen[time]
    span = max(1, min(len(years), max_cells // (per * widest)))
    year_blocks = [years[i : i + span] for i in range(0, len(years), span)]
    packs = _pack(blocks, max(1, max_cells // (per * span)), max_chars)
    chunks = []
    for patterns, n in packs:
        for ys in year_blocks:
            codes = {**sizes, region: n, time: len(ys)}
            value_codes = {
                d: (patterns if d == region else list(ys) if d == time else list(selection[d]))
                for d in dims
            }
            chunks.append(Chunk(value_codes, math.prod(codes.values()), codes))
    return chunks


def _url_chars(codes: list[str]) -> int:
    """The length of a list of codes as the URL carries it (``*`` and ``,`` escaped)."""
    return len(quote(",".join(codes), safe=""))


def _region_blocks(
    table: tuple[str, ...], chosen: list[str], most: int, max_chars: int
) -> list[tuple[list[str], int]]:
    """(patterns, number of codes) per municipality: ``'1780*'`` when the selection holds
    every code that starts with those four digits, else its codes listed (in pieces of at
    most ``most`` codes and ``max_chars`` characters). Shorter codes (a county ``17``,
    the country ``00``) are listed, never widened to a wildcard.
    """
    by_prefix: dict[str, list[str]] = {}
    for code in chosen:
        by_prefix.setdefault(code[:4], []).append(code)
    every: dict[str, int] = {}
    for code in table:
        every[code[:4]] = every.get(code[:4], 0) + 1
    blocks = []
    for prefix, codes in by_prefix.items():
        if len(prefix) == 4 and len(codes) == every[prefix] and len(codes) <= most:
            blocks.append(([f"{prefix}*"], len(codes)))
            continue
        piece: list[str] = []
        for code in codes:
            if piece and (len(piece) >= most or _url_chars(piece + [code]) > max_chars):
                blocks.append((piece, len(piece)))
                piece = []
            piece.append(code)
        blocks.append((piece, len(piece)))
    return blocks


def _pack(blocks, most: int, max_chars: int) -> list[tuple[list[str], int]]:
    """Consecutive blocks joined while a request holds at most ``most`` region codes and
    ``max_chars`` characters of them in its URL.
    """
    packs: list[tuple[list[str], int]] = []
    for patterns, n in blocks:
        if packs:
            last, m = packs[-1]
            if m + n <= most and _url_chars(last + patterns) <= max_chars:
                packs[-1] = (last + patterns, m + n)
                continue
        packs.append((list(patterns), n))
    return packs


def merge_responses(responses: list[dict], *, region: str = "Region", time: str = "Tid") -> dict:
    """The JSON-stat 2.0 answers of the chunks of one selection as one answer: regions
    and years joined (years in order), every other dimension the same in each; a cell
    given twice must agree.

    Examples
    --------
    >>> def answer(region, year, value):
    ...     return {
    ...         "class": "dataset",
    ...         "id": ["Region", "Tid"],
    ...         "size": [1, 1],
    ...         "dimension": {
    ...             "Region": {"category": {"index": {region: 0}}},
    ...             "Tid": {"category": {"index": {year: 0}}},
    ...         },
    ...         "value": [value],
    ...     }
    >>> both = merge_responses([answer("A", "2023", 1), answer("B", "2022", None)])
    >>> both["id"], both["size"], both["value"]
    (['Region', 'Tid'], [2, 2], [None, 1.0, None, None])
    """
    if len(responses) == 1:
        return responses[0]
    cubes = [parse_cube(r) for r in responses]
    first = cubes[0]
    ids = [d.id for d in first.dims]
    codes: dict[str, list[str]] = {}
    labels: dict[str, dict[str, str]] = {}
    for d in ids:
        seen: dict[str, str] = {}
        for cube in cubes:
            if [x.id for x in cube.dims] != ids:
                raise ValueError(
                    f"chunks have different dimensions: {ids} and {[x.id for x in cube.dims]}"
                )
            dim = cube.dim(d)
            if d not in (region, time) and dim.codes != first.dim(d).codes:
                raise ValueError(
                    f"chunks differ in {d}: {list(first.dim(d).codes)} and {list(dim.codes)}"
                )
            seen.update({c: dim.labels[c] for c in dim.codes if c not in seen})
        codes[d] = sorted(seen) if d == time else list(seen)
        labels[d] = seen
    shape = [len(codes[d]) for d in ids]
    values = np.full(shape, np.nan)
    status = np.full(shape, None, dtype=object)
    given = np.zeros(shape, dtype=bool)
    for cube in cubes:
        at = np.ix_(*[[codes[d].index(c) for c in cube.dim(d).codes] for d in ids])
        old, new = values[at], cube.values
        clash = given[at] & ~((old == new) | (np.isnan(old) & np.isnan(new)))
        if clash.any():
            raise ValueError(f"{int(clash.sum())} cell(s) are given differently by two chunks")
        values[at], status[at], given[at] = new, cube.status, True
    merged = {k: v for k, v in responses[0].items() if k not in ("value", "status")}
    merged["id"], merged["size"] = ids, shape
    merged["dimension"] = {
        d: {
            **responses[0]["dimension"][d],
            "category": {
                **(responses[0]["dimension"][d].get("category") or {}),
                "index": {c: i for i, c in enumerate(codes[d])},
                "label": labels[d],
            },
        }
        for d in ids
    }
    flat = values.ravel()
    merged["value"] = [None if np.isnan(v) else float(v) for v in flat]
    merged["status"] = {str(i): s for i, s in enumerate(status.ravel()) if s is not None}
    return merged

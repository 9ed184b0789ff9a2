"""The explorer: one self-contained HTML page (``explorer.html``; no server, no network)
of every area of a run's latest year — a searchable, sortable table and a clickable map
of the municipalities, in Swedish and English.

The data are inline JSON and the script plain JavaScript. Every number is written here,
in Python, in both languages (:func:`sesindex.reporting.vocabulary.number`); the script
only filters, sorts and switches language. The page reads its address's fragment:
``explorer.html#q=Gottsunda`` opens with that search, ``#kommun=0380`` with Uppsala's
areas, ``#lang=en`` in English (a link to an area).

Examples
--------
>>> import tempfile, pathlib
>>> from sesindex.data.io import load_data
>>> from sesindex.reporting.index_run import index_run
>>> tree = index_run(load_data("karlstad-tab6586"), cutpoints={2024: (8.9, 5.4)})
>>> page = write_explorer(tree, pathlib.Path(tempfile.mkdtemp()) / "explorer.html")
>>> page.name, "Karlstad" in page.read_text(encoding="utf-8")
('explorer.html', True)
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from sesindex.index.area_type import TYPE_LABELS
from sesindex.reporting.vocabulary import LANGUAGES, heading, number, text, verdict, vocabulary

#: The explorer's strings (:data:`sesindex.reporting.vocabulary.TEXT`).
STRINGS = (
    "explorer_title",
    "explorer_search",
    "explorer_shown",
    "explorer_filter",
    "explorer_clear",
    "explorer_map_hint",
    "explorer_map_hint_index",
    "explorer_sort",
    "source_scb",
    "source_synthetic",
    "method_index",
    "method_fit",
    "gate_passed",
    "gate_failed",
)
#: The table's columns: key, the heading's column (:func:`~sesindex.reporting.vocabulary.
#: heading`), whether it sorts as text.
TABLE = (
    ("name", "area_name", True),
    ("municipality", "municipality_name", True),
    ("index", "index", False),
    ("type", "type", False),
    ("p", "p_type", False),
    ("rank", "rank", False),
    ("change", "last_change", True),
)
#: The map's drawing: width of the SVG's view box, and the grid its points are rounded to.
MAP_WIDTH, MAP_GRID = 300, 0.5


def _column(d: pd.DataFrame, *names: str) -> pd.Series:
    """The first of ``names`` the table has (all missing if none)."""
    name = next((n for n in names if n in d), None)
    return d[name] if name else pd.Series(np.nan, index=d.index)


def _interval(mid, lo, hi, lang: str, places: int) -> str:
    if pd.isna(lo) or pd.isna(hi):
        return number(mid, lang, places)
    return f"{number(mid, lang, places)} ({number(lo, lang, places)}–{number(hi, lang, places)})"


def _last_changes(
    areas: pd.DataFrame, changes: pd.DataFrame | None, year: int, type_col: str | None
) -> pd.DataFrame:
    """Each area's change of type into ``year``: from, to and the verdict (where the run
    has one, ``changes.csv``), else from the previous year's types.
    """
    if (
        changes is not None
        and {"type_from", "type_to"} <= set(changes)
        and ("year_to" not in changes or (changes["year_to"] == year).any())
    ):
        d = changes if "year_to" not in changes else changes[changes["year_to"] == year]
        if "year_from" in d:
            d = d[d["year_from"] == d["year_from"].max()]
        out = d.set_index("area_code")[["type_from", "type_to"]].copy()
        out["verdict"] = d.set_index("area_code")["verdict"] if "verdict" in d else ""
        if "boundary_changed" in d:
            crossed = d.set_index("area_code")["boundary_changed"].fillna(False).astype(bool)
            out.loc[crossed, "verdict"] = "boundary changed"
        return out
    years = sorted(y for y in areas["year"].unique() if y < year)
    if not years or type_col is None:
        return pd.DataFrame(columns=["type_from", "type_to", "verdict"])
    before = areas[areas["year"] == years[-1]].set_index("area_code")[type_col]
    now = areas[areas["year"] == year].set_index("area_code")[type_col]
    return pd.DataFrame({"type_from": before, "type_to": now, "verdict": ""}).dropna()


def explorer_rows(
    areas: pd.DataFrame, changes: pd.DataFrame | None = None
) -> tuple[list, dict, int]:
    """The latest year's areas as the explorer shows them: a row of values to search and
    sort on per area, the same rows' cells written in each language, and the year.

    Examples
    --------
    >>> a = pd.DataFrame(
    ...     {
    ...         "area_code": ["1780R001", "1780R002"],
    ...         "area_name": ["A", "B"],
    ...         "year": 2024,
    ...         "index": [3363.25, 9.1],
    ...         "type": [5, 3],
    ...         "rank": [1, 2],
    ...     }
    ... )
    >>> rows, cells, year = explorer_rows(a)
    >>> rows[0][:4], cells["sv"][0][0], cells["en"][0][0], year
    (['1780R001', 'A', '1780', 'Karlstad'], '3\u202f363,2', '3,363.2', 2024)
    """
    from sesindex.reporting.publish import with_municipalities
    from sesindex.reporting.tables import type_column

    year = int(areas["year"].max())
    d = with_municipalities(areas[areas["year"] == year]).reset_index(drop=True)
    status = "index" if {"index", "index_mean"} & set(d) else "eta"
    value = _column(d, status, f"{status}_mean")  # the observed index where there is one
    lo, hi = _column(d, f"{status}_lo90"), _column(d, f"{status}_hi90")
    type_col = type_column(d)
    kind = _column(d, *(c for c in (type_col,) if c)).fillna(0).astype(int)
    p = pd.Series(
        [
            d[f"p_type_{k}"].iat[i] if f"p_type_{k}" in d and k > 0 else np.nan
            for i, k in enumerate(kind)
        ],
        index=d.index,
        dtype=float,
    )
    rank = _column(d, "rank", "rank_median")
    rlo, rhi = _column(d, "rank_lo90"), _column(d, "rank_hi90")
    moves = _last_changes(areas, changes, year, type_col).reindex(d["area_code"])
    places = 1 if status == "index" else 2
    rows: list[list] = []
    cells: dict[str, list[list[str]]] = {lang: [] for lang in LANGUAGES}
    for i, code in enumerate(d["area_code"]):
        move = moves.iloc[i]
        moved = pd.notna(move["type_from"]) and move["type_from"] != move["type_to"]
        rows.append(
            [
                code,
                str(d["area_name"].iat[i])
                if "area_name" in d and pd.notna(d["area_name"].iat[i])
                else "",
                str(d["municipality_code"].iat[i] or ""),
                str(d["municipality_name"].iat[i])
                if pd.notna(d["municipality_name"].iat[i])
                else "",
                _plain(value.iat[i]),
                int(kind.iat[i]),
                _plain(p.iat[i]),
                _plain(rank.iat[i]),
                int(moved),
            ]
        )
        for lang in LANGUAGES:
            change = (
                f"{int(move['type_from'])}→{int(move['type_to'])}"
                + (f" · {verdict(str(move['verdict']), lang)}" if move["verdict"] else "")
                if moved
                else ""
            )
            cells[lang].append(
                [
                    _interval(value.iat[i], lo.iat[i], hi.iat[i], lang, places),
                    number(p.iat[i], lang, 2) if pd.notna(p.iat[i]) else "",
                    _interval(rank.iat[i], rlo.iat[i], rhi.iat[i], lang, 0),
                    change,
                ]
            )
    return rows, cells, year


def _plain(value):
    """A number for JSON (None for a missing one)."""
    return None if pd.isna(value) else round(float(value), 4)


def municipality_svg(fill: dict[str, str], names: dict[str, str]) -> str:
    """The 290 municipalities as inline SVG (packaged boundaries, projected for Sweden's
    latitude and rounded to a grid of :data:`MAP_GRID`), each path coloured by ``fill``
    (code -> colour; light grey without) and carrying its code and name.

    Examples
    --------
    >>> svg = municipality_svg({"1780": "#ff0000"}, {"1780": "Karlstad"})
    >>> svg.count("<path"), 'fill="#ff0000"' in svg
    (290, True)
    """
    from sesindex.reporting.maps import municipality_boundaries

    shapes = municipality_boundaries()
    points = np.concatenate(
        [ring for polygons in shapes.values() for polygon in polygons for ring in polygon]
    )
    squeeze = np.cos(np.radians(62))
    x0, y1 = points[:, 0].min(), points[:, 1].max()
    scale = MAP_WIDTH / ((points[:, 0].max() - x0) * squeeze)
    height = (y1 - points[:, 1].min()) * scale
    paths = []
    for code, polygons in shapes.items():
        rings = []
        for polygon in polygons:
            for ring in polygon:
                xy = np.column_stack(
                    [(ring[:, 0] - x0) * squeeze * scale, (y1 - ring[:, 1]) * scale]
                )
                xy = np.round(xy / MAP_GRID) * MAP_GRID
                keep = np.r_[True, np.any(np.diff(xy, axis=0) != 0, axis=1)]
                xy = xy[keep]
                if len(xy) >= 3:
                    rings.append("M" + "L".join(f"{x:g} {y:g}" for x, y in xy) + "Z")
        name = html.escape(names.get(code, code))
        paths.append(
            f'<path data-code="{code}" fill="{fill.get(code, "#eeeeee")}" '
            f'd="{"".join(rings)}"><title>{name} ({code})</title></path>'
        )
    return (
        f'<svg id="map" viewBox="0 0 {MAP_WIDTH} {height:.0f}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(paths)}</svg>'
    )


def _fills(rows: list) -> tuple[dict[str, str], str, dict[str, str]]:
    """Each municipality's colour: its share of areas in types 1-2 (typed runs), else
    its median index; which of the two (the map's hint); and the colour legend.
    """
    import matplotlib
    from matplotlib.colors import to_hex

    d = pd.DataFrame([r[2:6] for r in rows], columns=["code", "name", "value", "type"])
    typed = (d["type"] > 0).any()
    if typed:
        by = d[d["type"] > 0].groupby("code")["type"].apply(lambda t: float((t <= 2).mean()))
        scaled = by / max(by.max(), 1e-9)
    else:
        by = d.groupby("code")["value"].median()
        scaled = (by - by.min()) / max(by.max() - by.min(), 1e-9)
    cmap = matplotlib.colormaps["Reds" if typed else "Purples"]
    fills = {code: to_hex(cmap(0.08 + 0.85 * s)) for code, s in scaled.dropna().items()}
    ends = [0.0, float(by.max())] if typed else [float(by.min()), float(by.max())]
    ramp = ",".join(to_hex(cmap(0.08 + 0.85 * s)) for s in (0, 0.5, 1))
    legend = {
        lang: (
            f"<span>{number(100 * ends[0] if typed else ends[0], lang, 0)}</span>"
            f"<i style='background:linear-gradient(90deg,{ramp})'></i><span>"
            f"{number(100 * ends[1] if typed else ends[1], lang, 0)}"
            f"{' %' if typed else ''}</span>"
        )
        for lang in LANGUAGES
    }
    return fills, "explorer_map_hint" if typed else "explorer_map_hint_index", legend


def explorer_page(
    areas: pd.DataFrame, changes: pd.DataFrame | None = None, manifest: dict | None = None
) -> str:
    """The explorer of ``areas`` (a run's ``areas`` table; ``changes`` its changes, for
    each area's last change and its verdict) as one HTML page.
    """
    from sesindex.data.real_bundle import municipality_names
    from sesindex.reporting.html import is_synthetic

    manifest = manifest or {}
    rows, cells, year = explorer_rows(areas, changes)
    fills, hint, legend = _fills(rows)
    status = next((c for c in ("index", "index_mean", "eta_mean") if c in areas), "index")
    kind = "type_mode" if "type_mode" in areas and "type" not in areas else "type"
    rank = "rank_median" if "rank_median" in areas and "rank" not in areas else "rank"
    columns = {"index": status, "type": kind, "rank": rank}
    gate = manifest.get("gate")
    fit = manifest.get("command") == "fit" or bool(gate)
    data = {
        "rows": rows,
        "cells": cells,
        "year": year,
        "hint": hint,
        "legend": legend,
        "source": "source_synthetic" if is_synthetic(manifest) else "source_scb",
        "method": "method_fit" if fit else "method_index",
        "gate": None if not gate else ("gate_passed" if gate.get("passed") else "gate_failed"),
        "columns": [[key, sortable] for key, _, sortable in TABLE],
        "text": {
            lang: {
                **vocabulary(lang, STRINGS),
                "headings": [heading(columns.get(key, col), lang) for key, col, _ in TABLE],
                "types": {str(k): v for k, v in TYPE_LABELS[lang].items()},
                "thousands": number(1000, lang)[1],
            }
            for lang in LANGUAGES
        },
    }
    script = _SCRIPT.replace(
        "__DATA__",
        json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/"),
    )
    return (
        f"<!doctype html><html lang='sv'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{html.escape(text('explorer_title', 'sv', year=year))}</title>"
        f"<style>{_CSS}</style></head><body>"
        "<header><h1 id='title'></h1><span class='langs'>"
        "<button data-lang='sv'>Svenska</button><button data-lang='en'>English</button>"
        "</span></header><p id='about' class='muted'></p><main><section id='left'>"
        "<input id='q' type='search' autocomplete='off'> <span id='filter'></span>"
        "<p id='count' class='muted'></p><table id='areas'><thead><tr></tr></thead>"
        "<tbody></tbody></table></section><aside><p id='hint' class='muted'></p>"
        f"{municipality_svg(fills, municipality_names())}<p id='legend' class='legend'>"
        "</p></aside></main>"
        f"<script>{script}</script></body></html>"
    )


def write_explorer(run: str | Path | xr.DataTree, out: str | Path | None = None) -> Path:
    """Write ``explorer.html`` of a run (a run directory, or a run's tree with ``out``)
    and return its path.

    Parameters
    ----------
    run : path or xarray.DataTree
        A run directory (the page goes into it unless ``out`` says where), or a run's
        tree in memory.
    out : path, optional
        The file to write (required for a tree).

    Returns
    -------
    pathlib.Path
    """
    from sesindex.runs import TABLE_GROUPS, read_run, table_frame

    if isinstance(run, xr.DataTree):
        if out is None:
            raise ValueError("an explorer of a run's tree needs out=, the file to write")
        tree = run
    else:
        tree = read_run(Path(run), groups=TABLE_GROUPS)
    areas = table_frame(tree, "areas")
    if areas is None:
        raise FileNotFoundError(f"{run if out is None else out}: the run has no areas to explore")
    path = Path(out) if out is not None else Path(run) / "explorer.html"
    path.write_text(
        explorer_page(areas, table_frame(tree, "changes"), tree.attrs.get("manifest", {})),
        encoding="utf-8",
    )
    if not isinstance(run, xr.DataTree):
        from sesindex.manifest import join_run

        join_run(run, [path])
    return path


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1em;color:#222}
header{display:flex;align-items:baseline;gap:1em} h1{font-size:1.4em;margin:.2em 0}
.langs button{border:1px solid #aaa;background:#fff;padding:.2em .6em;cursor:pointer}
.langs button.on{background:#222;color:#fff} .muted{color:#555;font-size:.85em}
main{display:flex;gap:1.5em;align-items:flex-start} #left{flex:1;min-width:0;overflow-x:auto}
aside{flex:0 0 300px;position:sticky;top:1em} #map{width:100%;height:auto;max-height:92vh}
#map path{stroke:#fff;stroke-width:.3;cursor:pointer} #map path:hover{stroke:#000;stroke-width:.8}
#map path.on{stroke:#000;stroke-width:1.2}
#q{width:22em;padding:.3em;font-size:1em} #filter button{margin-left:.5em}
table{border-collapse:collapse;font-size:.82em;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.15em .4em;text-align:right;white-space:nowrap}
th{background:#f3f3f3;cursor:pointer;white-space:normal;vertical-align:bottom} th:nth-child(-n+2),
td:nth-child(-n+2),th:last-child,td:last-child{text-align:left}
td:first-child{white-space:normal;min-width:12em} td small{color:#777}
.legend{display:flex;align-items:center;gap:.4em;font-size:.8em;color:#555}
.legend i{display:inline-block;width:8em;height:.8em}
.t{display:inline-block;width:.9em;height:.9em;border:1px solid #888;
vertical-align:middle;margin-right:.3em} .t1{background:#b2182b}.t2{background:#ef8a62}
.t3{background:#e6d7a3}.t4{background:#67a9cf}.t5{background:#2166ac}
"""

_SCRIPT = r"""
const D = __DATA__;
const esc = s => String(s).replace(/[&<>"]/g,
  c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const fold = s => String(s).toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
const state = {lang: 'sv', q: '', kommun: '', sort: null, desc: false};
const params = new URLSearchParams((location.hash || location.search).replace(/^[#?]/, ''));
if (params.get('lang') === 'en') state.lang = 'en';
state.q = params.get('q') || '';
state.kommun = params.get('kommun') || '';
const keys = D.rows.map(r => fold(r[0] + ' ' + r[1] + ' ' + r[2] + ' ' + r[3]));
const T = () => D.text[state.lang];
const fill = (s, v) => s.replace(/\{(\w+)\}/g, (m, k) => v[k] ?? m);
const whole = n => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, T().thousands);
function sortValue(i, key) {
  const r = D.rows[i];
  return {name: r[1], municipality: r[3], index: r[4], type: r[5], p: r[6], rank: r[7],
          change: D.cells[state.lang][i][3]}[key];
}
function render() {
  const t = T();
  document.documentElement.lang = state.lang;
  document.title = fill(t.explorer_title, {year: D.year});
  document.getElementById('title').textContent = document.title;
  document.getElementById('about').textContent = [t[D.method], D.gate ? t[D.gate] : '',
    t[D.source]].filter(Boolean).join(' ');
  document.getElementById('q').placeholder = t.explorer_search;
  document.getElementById('hint').textContent = t[D.hint] + ' ' + t.explorer_sort;
  document.getElementById('legend').innerHTML = D.legend[state.lang];
  document.querySelectorAll('.langs button').forEach(b =>
    b.classList.toggle('on', b.dataset.lang === state.lang));
  const head = document.querySelector('#areas thead tr');
  head.innerHTML = t.headings.map((h, c) => '<th data-c="' + c + '">' + esc(h) +
    (state.sort === c ? (state.desc ? ' ▼' : ' ▲') : '') + '</th>').join('');
  const q = fold(state.q.trim());
  let shown = [];
  for (let i = 0; i < D.rows.length; i++) {
    if (state.kommun && D.rows[i][2] !== state.kommun) continue;
    if (q && !keys[i].includes(q)) continue;
    shown.push(i);
  }
  if (state.sort !== null) {
    const [key, text] = D.columns[state.sort];
    shown.sort((a, b) => {
      const x = sortValue(a, key), y = sortValue(b, key);
      if (x === null || x === '') return 1; if (y === null || y === '') return -1;
      const o = text ? String(x).localeCompare(String(y), state.lang) : x - y;
      return state.desc ? -o : o;
    });
  }
  const cells = D.cells[state.lang];
  document.querySelector('#areas tbody').innerHTML = shown.map(i => {
    const r = D.rows[i], c = cells[i];
    const type = r[5] ? '<span class="t t' + r[5] + '"></span>' + r[5] : '–';
    return '<tr data-code="' + esc(r[0]) + '"><td>' + esc(r[1]) + ' <small>' + esc(r[0]) +
      '</small></td><td>' + esc(r[3]) + '</td><td>' + c[0] + '</td><td title="' +
      esc(t.types[r[5]] || '') + '">' + type + '</td><td>' + c[1] + '</td><td>' + c[2] +
      '</td><td>' + esc(c[3]) + '</td></tr>';
  }).join('');
  document.getElementById('count').textContent = fill(t.explorer_shown,
    {shown: whole(shown.length), total: whole(D.rows.length)});
  const name = (D.rows.find(r => r[2] === state.kommun) || [])[3] || state.kommun;
  document.getElementById('filter').innerHTML = state.kommun ?
    esc(fill(t.explorer_filter, {name: name})) + '<button id="clear">' +
    esc(t.explorer_clear) + '</button>' : '';
  document.querySelectorAll('#map path').forEach(p =>
    p.classList.toggle('on', p.dataset.code === state.kommun));
}
document.getElementById('q').value = state.q;
document.getElementById('q').addEventListener('input', e => {
  state.q = e.target.value; render();
});
document.querySelector('#areas thead').addEventListener('click', e => {
  const c = e.target.closest('th'); if (!c) return;
  const i = Number(c.dataset.c);
  state.desc = state.sort === i ? !state.desc : false; state.sort = i; render();
});
document.getElementById('map').addEventListener('click', e => {
  const p = e.target.closest('path'); if (!p) return;
  state.kommun = state.kommun === p.dataset.code ? '' : p.dataset.code; render();
});
document.getElementById('filter').addEventListener('click', e => {
  if (e.target.id === 'clear') { state.kommun = ''; render(); }
});
document.querySelectorAll('.langs button').forEach(b =>
  b.addEventListener('click', () => { state.lang = b.dataset.lang; render(); }));
render();
"""

"""A self-contained HTML report (one file, figures embedded) from any run directory,
read as one labelled tree (:func:`sesindex.runs.read_run`).

A run directory holds ``areas.csv`` (one row per area and year), ``summary.csv`` (per
year), ``manifest.json`` and, when the run estimated uncertainty, interval and
probability columns in ``areas.csv`` and ``changes.csv`` (per area, for a pair of years).

Examples
--------
>>> import tempfile, pathlib
>>> from sesindex.data.synthetic import generate
>>> from sesindex.index import IndexSpec, compute_index
>>> from sesindex.reporting.tables import write_area_tables
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> res = compute_index(generate(n_areas=60, years=(2022, 2023), seed=1).dataset,
...                     IndexSpec(types_over="given_areas"))
>>> _ = write_area_tables(res, d)
>>> build_report(d).name
'report.html'
"""

from __future__ import annotations

import base64
import html
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import xarray as xr

from sesindex.uncertainty.draws import BOOTSTRAP_VERDICT, verdict_rule

from sesindex.index.area_type import TYPE_LABELS
from sesindex.reporting import figures

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1150px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;
margin-top:2em} table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right} th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left} img{max-width:100%}
.note{background:#fff8e1;border-left:4px solid #f0ad4e;padding:.5em 1em}
.ok{color:#1a7f37;font-weight:bold} .fail{color:#c62828;font-weight:bold}
details{margin:.2em 0} summary{cursor:pointer} .muted{color:#666;font-size:.9em}
"""


def _img(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode()
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def _table(df: pd.DataFrame, floatfmt: str = "{:.2f}") -> str:
    return df.to_html(index=False, border=0, float_format=floatfmt.format, na_rep="–",
                      escape=True)


def _status(areas: pd.DataFrame) -> str:
    """What ranks the areas: the index, or (a model without the official three) eta."""
    return "index" if {"index", "index_mean"} & set(areas) else "eta"


def _municipality_view(areas: pd.DataFrame, year: int) -> str:
    from sesindex.data.real_bundle import municipality_names

    names = municipality_names()
    d = areas[areas["year"] == year]
    status = _status(d)
    value = f"{status}_mean" if f"{status}_mean" in d else status
    type_col = "type" if "type" in d and (d["type"] > 0).any() else (
        "type_mode" if "type_mode" in d else None)
    if "municipality_code" not in d:
        return "<p class='muted'>The run's areas carry no municipality codes.</p>"
    parts = []
    for code, g in d.groupby("municipality_code"):
        counts = ""
        if type_col:
            c = g[type_col].value_counts()
            counts = " · ".join(f"type {k}: {int(c.get(k, 0))}" for k in range(1, 6))
        cols = [c for c in ("area_code", "area_name", value, f"{status}_lo90", f"{status}_hi90",
                            type_col, "rank", "rank_lo90", "rank_hi90") if c and c in g]
        label = f"{names.get(str(code), '?')} ({code})"
        parts.append(f"<details><summary>{html.escape(label)} — {len(g)} areas"
                     f"{' — ' + counts if counts else ''}</summary>"
                     f"{_table(g.sort_values(value, ascending=False)[cols])}</details>")
    return "\n".join(parts)


def _change_view(changes: pd.DataFrame | None, areas: pd.DataFrame) -> str:
    if changes is None:
        years = sorted(areas["year"].unique())
        if len(years) < 2 or not (areas["type"] > 0).any():
            return "<p>No pair of typed years in this run.</p>"
        a = areas[areas["year"] == years[-2]].set_index("area_code")
        b = areas[areas["year"] == years[-1]].set_index("area_code")
        moved = (a["type"] != b["type"]) & (a["type"] > 0)
        return (f"<p class='note'>{int(moved.sum())} of {len(a)} areas changed type between "
                f"{years[-2]} and {years[-1]}. This run has no uncertainty estimates, so it "
                "cannot say which changes are real: run <code>sesindex fit</code> (Bayesian) "
                "or <code>sesindex validate validation/change.toml</code>.</p>")
    y0, y1 = changes.attrs.get("years", ("", ""))
    rule = verdict_rule(changes)  # the column it classifies by is the column shown and sorted
    if rule.column not in changes:
        return (f"<p class='note'>This run's changes have no <i>{rule.column}</i>, so no "
                "verdict on its type changes.</p>")
    cols = [c for c in ("area_code", "area_name", "type_from", "type_to", "dI_mean",
                        rule.column, "p_own_change", "p_cut_change") if c in changes]
    observed = changes[changes["type_from"] != changes["type_to"]] if "type_from" in changes \
        else changes
    verdict = (observed["verdict"] if "verdict" in observed else
               pd.Series(rule(observed[rule.column]), index=observed.index))
    above, _, below = rule.labels
    high = observed[verdict == above].sort_values(rule.column, ascending=False)
    low = observed[verdict == below].sort_values(rule.column, ascending=False)
    model = (" Bootstrap replicates are drawn around the observed index: they say whether "
             "a change stands out from binomial noise, not how likely the area's true type "
             "changed (true changes are rare). For P(the true type changed) fit the model: "
             "<code>sesindex fit</code>." if rule is BOOTSTRAP_VERDICT else "")
    crossed = int(changes["boundary_changed"].sum()) if "boundary_changed" in changes else 0
    boundary = (f" {crossed} areas' boundaries changed between these years (SCB's RegSO "
                "2025): their comparisons are marked <i>boundary changed</i> and are not "
                "counted as their own movement." if crossed else "")
    return (f"<p>{len(observed)} areas changed their observed type{y0 and f' ({y0}→{y1})'}: "
            f"<b>{len(high)}</b> {above} and <b>{len(low)}</b> {below} "
            f"({html.escape(rule.text)}).{model}"
            f"{boundary} "
            "<i>p_own_change</i> is the "
            "probability that the area's own index crossed a cut point held at the first "
            "year's μ, σ; <i>p_cut_change</i> that the movement of μ and σ alone changed "
            "its type.</p>" + _img(figures.change_scatter(observed, rule))
            + f"<h3>{above.capitalize()}</h3>" + _table(high[cols].head(60))
            + f"<h3>{below.capitalize()}</h3>" + _table(low[cols].head(60)))


def _diagnostics(manifest: dict) -> str:
    parts = []
    gate = manifest.get("gate")
    if gate:
        cls = "ok" if gate.get("passed") else "fail"
        parts.append(f"<p class='{cls}'>Fit gate {'passed' if gate.get('passed') else 'FAILED'}"
                     f"</p><pre>{html.escape(json.dumps(gate, indent=1))}</pre>")
    for key in ("calibration", "agreement", "validation"):
        if key in manifest:
            parts.append(f"<h3>{key}</h3><pre>{html.escape(json.dumps(manifest[key], indent=1))}"
                         "</pre>")
    return "\n".join(parts) or "<p>No diagnostics in this run (deterministic index).</p>"


def build_report(run: str | Path | xr.DataTree, out: str | Path | None = None,
                 boundaries: str | Path | None = None) -> Path:
    """Write ``report.html`` of a run and return its path.

    ``run`` is a run directory (read with :func:`sesindex.runs.read_run`; the report goes
    into it unless ``out`` says where) or a run's tree in memory (``out`` required).
    ``boundaries`` (GeoPackage/GeoJSON with an area-code column) adds choropleth maps of
    type and uncertainty (needs the optional geopandas extra).
    """
    from sesindex.runs import TABLE_GROUPS, read_run, table_frame

    if isinstance(run, xr.DataTree):
        if out is None:
            raise ValueError("a report of a run's tree needs out=, the file to write")
        tree, run = run, None
    else:
        run = Path(run)
        tree = read_run(run, groups=TABLE_GROUPS)
    areas = table_frame(tree, "areas")
    if areas is None and "effects" in tree.children:  # a programme evaluation
        from sesindex.reporting.evaluation import build_evaluation_report

        return build_evaluation_report(run, tree, out)  # figures: a run directory's
    if areas is None:
        raise FileNotFoundError(f"{run or 'the tree'} has no areas: not a sesindex run")
    summary = table_frame(tree, "summary")
    changes = table_frame(tree, "changes")
    manifest = tree.attrs["manifest"]
    changes = _latest_pair(changes)
    year = int(areas["year"].max())
    sections = _header(manifest)
    if summary is not None:
        sections += ["<h2>National summary by year</h2>", _img(figures.national_summary(summary)),
                     _table(summary)]
    from sesindex.reporting.maps import municipality_map, type_map

    municipalities = municipality_map(areas, year)
    if municipalities is not None:
        sections += [f"<h2>Municipalities on the map, {year}</h2>", _img(municipalities)]
    if boundaries is not None:
        sections += [f"<h2>Areas on the map, {year}</h2>",
                     _img(type_map(areas, boundaries, year))]
    sections += [f"<h2>All areas ranked, {year}</h2>",
                 _img(figures.caterpillar(areas, year, _status(areas)))]
    if _status(areas) == "eta":
        sections.append("<p class='note'>This run has no official index (its indicators "
                        "are not V1–V3): areas are ranked and typed by their latent "
                        "disadvantage η (higher = lower status), with types cut at η's "
                        "mean and standard deviation over areas.</p>")
    if "index_lo90" not in areas:
        sections.append("<p class='muted'>No intervals in a deterministic run.</p>")
    if "p_type_1" in areas:
        sections += [f"<h2>Probability of each area type, {year}</h2>",
                     _img(figures.type_probabilities(areas, year))]
    sections += [f"<h2>Municipalities, {year}</h2>", _municipality_view(areas, year),
                 "<h2>Change between years</h2>", _change_view(changes, areas),
                 "<h2>Diagnostics</h2>", _diagnostics(manifest),
                 "<h2>Method and data provenance</h2>",
                 "<p>Area types: " + "; ".join(TYPE_LABELS["en"].values()) + ".</p>",
                 _provenance(manifest),
                 "<p class='muted'>Data: Statistics Sweden (SCB) — Source: Statistics Sweden "
                 "(SCB).</p>"]
    page = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>sesindex "
            f"report</title><style>{CSS}</style></head><body>{''.join(sections)}</body></html>")
    path = Path(out) if out else run / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _latest_pair(changes: pd.DataFrame | None) -> pd.DataFrame | None:
    """The changes of the latest consecutive pair of years, which the report tells
    (``changes.csv`` may hold more pairs); their years in ``attrs["years"]``."""
    if changes is None or not {"year_from", "year_to"} <= set(changes):
        return changes
    pairs = changes if "pair" not in changes else changes[changes["pair"] == "consecutive"]
    y1 = int(pairs["year_to"].max())
    y0 = int(pairs.loc[pairs["year_to"] == y1, "year_from"].max())
    changes = changes[(changes["year_from"] == y0) & (changes["year_to"] == y1)].copy()
    changes.attrs["years"] = (y0, y1)
    return changes


def _header(manifest: dict) -> list[str]:
    """The report's title, what run it shows, and its warnings (the types' note, a
    failed fit gate)."""
    sections = [f"<h1>Socioeconomic area index — report</h1><p class='muted'>Run "
                f"<code>{html.escape(manifest.get('command', '?'))}</code> on "
                f"<b>{html.escape(str(manifest.get('data', '?')))}</b>, created "
                f"{html.escape(str(manifest.get('created', '?')))}; report written "
                f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. Higher index = lower "
                "socioeconomic status; rank 1 = highest index.</p>"]
    note = manifest.get("types_note")
    if note:
        sections.append(f"<p class='note'>{html.escape(note)}</p>")
    if manifest.get("gate") and not manifest["gate"].get("passed"):
        sections.append("<p class='note fail'>The model failed its fit gate: every estimate "
                        "below is flagged fit_ok = false and must not be published.</p>")
    return sections


#: The manifest's entries the report's provenance section shows.
PROVENANCE = ("spec", "inputs", "seed", "model_compiled", "notes", "packages",
              "timings_seconds")


def _provenance(manifest: dict) -> str:
    """The run's spec, inputs, seed, compile origin, notes, packages and timings."""
    shown = {k: manifest[k] for k in PROVENANCE if k in manifest}
    return f"<pre>{html.escape(json.dumps(shown, indent=1, ensure_ascii=False))}</pre>"

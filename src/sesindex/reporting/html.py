"""A self-contained HTML report (one file, figures embedded) from any run directory,
read as one labelled tree (:func:`sesindex.runs.read_run`), in Swedish (``report.html``)
and English (``report_en.html``): every string from :mod:`sesindex.reporting.vocabulary`,
every number in the language's format (:func:`~sesindex.reporting.vocabulary.number`).

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
>>> res = compute_index(
...     generate(n_areas=60, years=(2022, 2023), seed=1).dataset,
...     IndexSpec(types_over="given_areas"),
... )
>>> _ = write_area_tables(res, d)
>>> [p.name for p in build_reports(d)]
['report.html', 'report_en.html']
"""

from __future__ import annotations

import base64
import html
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import xarray as xr

from sesindex.index.area_type import TYPE_LABELS
from sesindex.reporting import figures
from sesindex.reporting.tables import type_column
from sesindex.reporting.vocabulary import (
    LANGUAGES,
    heading,
    measures,
    number,
    text,
    types_note,
    verdict,
)
from sesindex.uncertainty.draws import BOOTSTRAP_VERDICT, verdict_rule

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


def figure_html(fig) -> str:
    """``fig`` as an HTML image, the PNG embedded (the figure closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode()
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def _cells(values: pd.Series, lang: str, places: int | None = None) -> pd.Series:
    """A column's cells written in ``lang``: numbers at ``places`` decimals, else their
    published precision (:func:`~sesindex.reporting.publish.rounded`; two decimals
    otherwise), years as they are, verdicts and yes/no in the language.
    """
    from sesindex.reporting.publish import BOOLEANS, decimals

    if values.name == "verdict":
        return values.fillna("").map(lambda v: verdict(str(v), lang))
    if pd.api.types.is_bool_dtype(values):
        return values.map(lambda v: BOOLEANS[lang][0 if v else 1])
    if not pd.api.types.is_numeric_dtype(values):
        return values.astype(object).where(values.notna(), "–")
    if str(values.name).endswith("year"):
        return values.map(lambda v: "–" if pd.isna(v) else str(int(v)))
    places = decimals(str(values.name)) if places is None else places
    if places is None:
        places = 0 if pd.api.types.is_integer_dtype(values) else 2
    return values.map(lambda v: number(v, lang, places))


def table_html(df: pd.DataFrame, lang: str, places: dict | None = None) -> str:
    """``df`` as an HTML table, headings (:func:`~sesindex.reporting.vocabulary.heading`)
    and numbers in ``lang``; ``places``: decimals of some columns (the others' at their
    published precision).

    Examples
    --------
    >>> table = table_html(pd.DataFrame({"mean": [-1.5], "p_type_1": [0.25]}), "sv", {"mean": 2})
    >>> "<th>Medelvärde</th>" in table, "<td>-1,50</td>" in table, "<td>0,25</td>" in table
    (True, True, True)
    """
    places = places or {}
    shown = pd.DataFrame({heading(c, lang): _cells(df[c], lang, places.get(c)) for c in df.columns})
    return shown.to_html(index=False, border=0, escape=True)


def _status(areas: pd.DataFrame) -> str:
    """What ranks the areas: the index, or (a model without the official three) eta."""
    return "index" if {"index", "index_mean"} & set(areas) else "eta"


def _municipality_view(areas: pd.DataFrame, year: int, lang: str) -> str:
    from sesindex.data.real_bundle import municipality_names

    names = municipality_names()
    d = areas[areas["year"] == year]
    status = _status(d)
    value = f"{status}_mean" if f"{status}_mean" in d else status
    type_col = type_column(d)
    if "municipality_code" not in d:
        return f"<p class='muted'>{text('no_municipality_codes', lang)}</p>"
    parts = []
    for code, g in d.groupby("municipality_code"):
        counts = ""
        if type_col:
            c = g[type_col].value_counts()
            counts = " · ".join(
                text("type_count", lang, k=k, n=number(int(c.get(k, 0)), lang)) for k in range(1, 6)
            )
        cols = [
            c
            for c in (
                "area_code",
                "area_name",
                value,
                f"{status}_lo90",
                f"{status}_hi90",
                type_col,
                "rank",
                "rank_lo90",
                "rank_hi90",
            )
            if c and c in g
        ]
        label = f"{names.get(str(code), '?')} ({code})"
        n = text("municipality_areas", lang, n=number(len(g), lang))
        parts.append(
            f"<details><summary>{html.escape(label)} — {n}"
            f"{' — ' + counts if counts else ''}</summary>"
            f"{table_html(g.sort_values(value, ascending=False)[cols], lang)}</details>"
        )
    return "\n".join(parts)


def _change_view(changes: pd.DataFrame | None, areas: pd.DataFrame, lang: str) -> str:
    if changes is None:
        years = sorted(areas["year"].unique())
        col = type_column(areas)
        if len(years) < 2 or col is None:
            return f"<p>{text('no_typed_pair', lang)}</p>"
        a = areas[areas["year"] == years[-2]].set_index("area_code")
        b = areas[areas["year"] == years[-1]].set_index("area_code")
        moved = (a[col] != b[col]) & (a[col] > 0)
        return (
            "<p class='note'>"
            + text(
                "areas_changed_type",
                lang,
                changed=number(int(moved.sum()), lang),
                areas=number(len(a), lang),
                y0=years[-2],
                y1=years[-1],
            )
            + text("no_uncertainty", lang)
            + "</p>"
        )
    y0, y1 = changes.attrs.get("years", ("", ""))
    rule = verdict_rule(changes)  # the column it classifies by is the column shown and sorted
    if rule.column not in changes:
        return f"<p class='note'>{text('no_verdict_column', lang, column=rule.column)}</p>"
    cols = [
        c
        for c in (
            "area_code",
            "area_name",
            "type_from",
            "type_to",
            "dI_mean",
            rule.column,
            "p_own_change",
            "p_cut_change",
        )
        if c in changes
    ]
    observed = (
        changes[changes["type_from"] != changes["type_to"]] if "type_from" in changes else changes
    )
    verdicts = (
        observed["verdict"]
        if "verdict" in observed
        else pd.Series(rule(observed[rule.column]), index=observed.index)
    )
    above, between, below = rule.labels
    high = observed[verdicts == above].sort_values(rule.column, ascending=False)
    low = observed[verdicts == below].sort_values(rule.column, ascending=False)
    crossed = int(changes["boundary_changed"].sum()) if "boundary_changed" in changes else 0
    said = text(
        "verdict_rule_in_words",
        lang,
        above=verdict(above, lang),
        measures=measures(rule, lang),
        high=number(rule.high, lang, 1),
        below=verdict(below, lang),
        low=number(rule.low, lang, 1),
        between=verdict(between, lang),
    )
    return (
        "<p>"
        + text(
            "changes_verdicts",
            lang,
            observed=number(len(observed), lang),
            years=y0 and f" ({y0}→{y1})",
            high=number(len(high), lang),
            above=verdict(above, lang),
            low=number(len(low), lang),
            below=verdict(below, lang),
            rule=html.escape(said),
        )
        + (text("bootstrap_is_noise", lang) if rule is BOOTSTRAP_VERDICT else "")
        + (text("boundary_changes", lang, n=number(crossed, lang)) if crossed else "")
        + text("change_probabilities", lang)
        + "</p>"
        + figure_html(figures.change_scatter(observed, rule, lang))
        + f"<h3>{verdict(above, lang).capitalize()}</h3>"
        + table_html(high[cols].head(60), lang)
        + f"<h3>{verdict(below, lang).capitalize()}</h3>"
        + table_html(low[cols].head(60), lang)
    )


def _diagnostics(manifest: dict, lang: str) -> str:
    parts = []
    gate = manifest.get("gate")
    if gate:
        cls = "ok" if gate.get("passed") else "fail"
        said = text("gate_passed" if gate.get("passed") else "gate_failed", lang)
        parts.append(
            f"<p class='{cls}'>{said}</p><pre>{html.escape(json.dumps(gate, indent=1))}</pre>"
        )
    for key in ("calibration", "agreement", "validation"):
        if key in manifest:
            parts.append(
                f"<h3>{text(key, lang)}</h3><pre>"
                f"{html.escape(json.dumps(manifest[key], indent=1))}</pre>"
            )
    return "\n".join(parts) or f"<p>{text('no_diagnostics', lang)}</p>"


#: The report's file in each language (``report.html`` is the Swedish one).
REPORT_FILES = {"sv": "report.html", "en": "report_en.html"}


def build_report(
    run: str | Path | xr.DataTree, out: str | Path | None = None, boundaries=None, lang: str = "sv"
) -> Path:
    """Write the report of a run in one language (``"sv"`` or ``"en"``) and return its path.

    ``run`` is a run directory (read with :func:`sesindex.runs.read_run`; the report goes
    into it as :data:`REPORT_FILES` names it unless ``out`` says where, and a report
    written into it joins the files its manifest lists, so a later overwrite replaces it
    with the run) or a run's tree in memory (``out`` required). ``boundaries`` (a boundary
    file with an area-code column, or a GeoDataFrame) adds a map of the areas' types
    (needs the optional geopandas extra); its codes must match the run's areas
    (:func:`~sesindex.reporting.maps.check_boundary_codes`). :func:`build_reports` writes
    both languages.
    """
    return build_reports(run, out, boundaries, langs=(lang,))[0]


def build_reports(
    run: str | Path | xr.DataTree, out: str | Path | None = None, boundaries=None, langs=LANGUAGES
) -> list[Path]:
    """Write the report of a run in each of ``langs`` (default Swedish and English) and
    return their paths. ``out``: the first language's file (the others beside it, named
    as :data:`REPORT_FILES`), or a directory; default: the run directory. Reports written
    into a run directory join the files its manifest lists.
    """
    from sesindex.manifest import join_run

    paths = _write_reports(run, out, boundaries, langs)
    return paths if isinstance(run, xr.DataTree) else join_run(run, paths)


def _write_reports(run, out, boundaries, langs) -> list[Path]:
    from sesindex.runs import TABLE_GROUPS, read_run, table_frame

    if isinstance(run, xr.DataTree):
        if out is None:
            raise ValueError("a report of a run's tree needs out=, the file to write")
        tree, run = run, None
    else:
        run = Path(run)
        tree = read_run(run, groups=TABLE_GROUPS)
    paths = _report_paths(run, out, langs)
    evaluation = table_frame(tree, "areas") is None and "effects" in tree.children
    if table_frame(tree, "areas") is None and not evaluation:
        raise FileNotFoundError(f"{run or 'the tree'} has no areas: not a sesindex run")
    for lang, path in zip(langs, paths, strict=True):
        others = {
            other: paths[i].name if paths[i].parent == path.parent else None
            for i, other in enumerate(langs)
            if other != lang
        }
        if evaluation:
            from sesindex.reporting.evaluation import build_evaluation_report

            build_evaluation_report(run, tree, path, lang, others)
        else:
            path.write_text(_page(tree, lang, boundaries, others), encoding="utf-8")
    return paths


def _report_paths(run: Path | None, out, langs) -> list[Path]:
    """Where each language's report goes: ``out`` (a file: the first language's; a
    directory: the files :data:`REPORT_FILES` names in it), else the run directory.
    """
    for lang in langs:
        text("title", lang)  # refuses an unknown language
    if out is None or Path(out).is_dir():
        where = Path(out) if out is not None else run
        if where is None:
            raise ValueError(
                "a run tree that is not in a directory needs out: where to write its report"
            )
        return [where / REPORT_FILES[lang] for lang in langs]
    first = Path(out)
    return [first] + [first.with_name(f"{first.stem}_{lang}{first.suffix}") for lang in langs[1:]]


def language_links(others: dict, lang: str) -> str:
    """Links to the report in the other language (two languages: its name in that one)."""
    links = [
        f"<a href='{html.escape(name)}' hreflang='{other}'>{text('other_language', lang)}</a>"
        for other, name in others.items()
        if name
    ]
    return f"<p class='muted' style='float:right'>{' · '.join(links)}</p>" if links else ""


def _page(tree: xr.DataTree, lang: str, boundaries, others: dict) -> str:
    """One language's report of a run's tree: the whole HTML page."""
    from sesindex.runs import table_frame

    areas = table_frame(tree, "areas")
    if areas is None:
        raise ValueError("the run's tree holds no areas table: nothing to report")
    summary = table_frame(tree, "summary")
    changes = _latest_pair(table_frame(tree, "changes"))
    manifest = tree.attrs["manifest"]
    year = int(areas["year"].max())
    typed = type_column(areas[areas["year"] == year]) is not None
    sections = [language_links(others, lang)] + _header(manifest, lang, None if typed else year)
    if summary is not None:
        national = figures.national_summary(summary, lang)
        sections += [
            f"<h2>{text('h_summary', lang)}</h2>",
            figure_html(national) if national is not None else "",
            table_html(summary, lang),
        ]
    from sesindex.reporting.maps import municipality_map, type_map

    municipalities = municipality_map(areas, year, lang)
    if municipalities is not None:
        sections += [
            f"<h2>{text('h_municipality_map', lang, year=year)}</h2>",
            figure_html(municipalities),
        ]
    if boundaries is not None and typed:
        sections += [
            f"<h2>{text('h_area_map', lang, year=year)}</h2>",
            figure_html(type_map(areas, boundaries, year, lang)),
        ]
    sections += [
        f"<h2>{text('h_ranked', lang, year=year)}</h2>",
        figure_html(figures.caterpillar(areas, year, _status(areas), lang)),
    ]
    if _status(areas) == "eta":
        sections.append(f"<p class='note'>{text('eta_note', lang)}</p>")
    if "index_lo90" not in areas:
        sections.append(f"<p class='muted'>{text('no_intervals', lang)}</p>")
    if typed and "p_type_1" in areas and areas.loc[areas["year"] == year, "p_type_1"].notna().any():
        sections += [
            f"<h2>{text('h_type_probabilities', lang, year=year)}</h2>",
            figure_html(figures.type_probabilities(areas, year, lang=lang)),
        ]
    sections += [
        f"<h2>{text('h_municipalities', lang, year=year)}</h2>",
        _municipality_view(areas, year, lang),
        f"<h2>{text('h_change', lang)}</h2>",
        _change_view(changes, areas, lang),
        f"<h2>{text('h_diagnostics', lang)}</h2>",
        _diagnostics(manifest, lang),
        f"<h2>{text('h_method', lang)}</h2>",
        _method(manifest, lang),
        "<p>" + text("area_types", lang, labels="; ".join(TYPE_LABELS[lang].values())) + "</p>",
        _provenance(manifest),
    ]
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>"
        f"{text('title', lang)}</title><style>{CSS}</style></head><body>"
        f"{''.join(sections)}</body></html>"
    )


def is_synthetic(manifest: dict) -> bool:
    """Whether a run's data are the synthetic generator's (its manifest says so).

    >>> is_synthetic({"data": "synthetic"}), is_synthetic({"data": "karlstad-tab6586"})
    (True, False)
    """
    return str(manifest.get("data", "")).startswith("synthetic") or str(
        manifest.get("source", "")
    ).startswith("sesindex synthetic")


def source_line(manifest: dict, lang: str) -> str:
    """The report's source: SCB, or synthetic data calibrated on SCB's published facts."""
    return text("source_synthetic" if is_synthetic(manifest) else "source_scb", lang)


def _method(manifest: dict, lang: str) -> str:
    """The method in two sentences (a fit's: the model's), the fit gate's outcome and the
    source.
    """
    fit = manifest.get("command") == "fit" or "gate" in manifest
    parts = [f"<p>{text('method_fit' if fit else 'method_index', lang)}</p>"]
    gate = manifest.get("gate")
    if gate:
        cls = "ok" if gate.get("passed") else "fail"
        parts.append(
            f"<p class='{cls}'>"
            f"{text('gate_passed' if gate.get('passed') else 'gate_failed', lang)}</p>"
        )
    parts.append(f"<p><b>{source_line(manifest, lang)}</b></p>")
    return "".join(parts)


def _untyped_note(manifest: dict, year: int, lang: str) -> str:
    """The one sentence a report without area types says instead of type charts and maps:
    why (the run's types note).
    """
    why = types_note(manifest.get("types_note", ""), lang) or text("untyped_why", lang)
    return f"<p class='note'>{text('untyped', lang, year=year, why=html.escape(why))}</p>"


def _latest_pair(changes: pd.DataFrame | None) -> pd.DataFrame | None:
    """The changes of the latest consecutive pair of years, which the report tells
    (``changes.csv`` may hold more pairs); their years in ``attrs["years"]``.
    """
    if changes is None or not {"year_from", "year_to"} <= set(changes):
        return changes
    pairs = changes if "pair" not in changes else changes[changes["pair"] == "consecutive"]
    y1 = int(pairs["year_to"].max())
    y0 = int(pairs.loc[pairs["year_to"] == y1, "year_from"].max())
    changes = changes[(changes["year_from"] == y0) & (changes["year_to"] == y1)].copy()
    changes.attrs["years"] = (y0, y1)
    return changes


def _header(manifest: dict, lang: str, untyped_year: int | None = None) -> list[str]:
    """The report's title, what run it shows, its source, and its warnings (the types'
    note, a failed fit gate); with ``untyped_year``, the year shown has no types: the
    note says so, and why (:func:`_untyped_note`).
    """
    run = text(
        "run_line",
        lang,
        command=html.escape(manifest.get("command", "?")),
        data=html.escape(str(manifest.get("data", "?"))),
        created=html.escape(str(manifest.get("created", "?"))),
        written=f"{datetime.now(UTC):%Y-%m-%d %H:%M}",
    )
    sections = [
        f"<h1>{text('title', lang)}</h1><p class='muted'>{run} {source_line(manifest, lang)}</p>"
    ]
    note = manifest.get("types_note")
    if untyped_year is not None:
        sections.append(_untyped_note(manifest, untyped_year, lang))
    elif note:
        sections.append(f"<p class='note'>{html.escape(types_note(note, lang))}</p>")
    if manifest.get("gate") and not manifest["gate"].get("passed"):
        sections.append(f"<p class='note fail'>{text('gate_failed', lang)}</p>")
    return sections


#: The manifest's entries the report's provenance section shows.
PROVENANCE = ("spec", "inputs", "seed", "model_compiled", "notes", "packages", "timings_seconds")


def _provenance(manifest: dict) -> str:
    """The run's spec, inputs, seed, compile origin, notes, packages and timings."""
    shown = {k: manifest[k] for k in PROVENANCE if k in manifest}
    return f"<pre>{html.escape(json.dumps(shown, indent=1, ensure_ascii=False))}</pre>"

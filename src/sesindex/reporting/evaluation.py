"""The published view of a programme evaluation (``sesindex evaluate``): the effects in
Swedish and English (CSV and Excel, rounded, with number formats), its two figures and
the HTML report in Swedish (``report.html``) and English (``report_en.html``) with the
headline, the event study, the trajectories and the comparison areas' balance: every
string from :mod:`sesindex.reporting.vocabulary`, every number in the language's format.

Examples
--------
>>> import pandas as pd
>>> effects = pd.DataFrame(
...     {
...         "estimand": ["att_index_cohort_2018"],
...         "mean": [-1.04],
...         "sd": [0.2],
...         "lo90": [-1.4],
...         "hi90": [-0.7],
...         "lo95": [-1.5],
...         "hi95": [-0.6],
...         "p_positive": [0.0],
...         "p_negative": [1.0],
...     }
... )
>>> effects_table(effects, "sv").iloc[0, 0]
'Effekt på index, start 2018 (procentenheter)'
>>> effects_table(effects, "en").columns.tolist()[:3]
['Effect', 'Mean', '90% interval lower']
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from sesindex.evaluation.effects import LABELS, NOTES, pre_period_check
from sesindex.reporting.publish import number_formats
from sesindex.reporting.vocabulary import heading, number, text, translated

#: decimals of the published numbers: effects to two, probabilities to three
DECIMALS = {"mean": 2, "lo90": 2, "hi90": 2, "lo95": 2, "hi95": 2, "p_positive": 3, "p_negative": 3}
STEMS = ("effects_sv.csv", "effects_en.csv", "evaluation.xlsx")
#: The figures every evaluation run holds (in English; each report draws its own).
FIGURES = ("trajectories.png", "event_study.png")


def effect_label(estimand: str, lang: str) -> str:
    """The published name of an estimand (cohort effects named by their start year)."""
    pos = 0 if lang == "sv" else 1
    if estimand in LABELS:
        return LABELS[estimand][pos]
    if estimand.startswith("att_index_cohort_"):
        year = estimand.rsplit("_", 1)[1]
        return (
            f"Effekt på index, start {year} (procentenheter)",
            f"Effect on the index, start {year} (percentage points)",
        )[pos]
    return estimand


def effects_table(effects: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The effects with headings and estimand names in ``lang`` ("sv" or "en"), rounded
    (and each row's programme first, when the effects carry one).
    """
    out = _named(effects, lang)[["programme", "effect", *DECIMALS]].round(DECIMALS)
    if "programme" not in effects:
        out = out.drop(columns="programme")
    return out.rename(columns=lambda c: heading(c, lang))


def _named(effects: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The effects with each estimand's name in ``lang`` (``effect``) and a programme
    (empty where the effects carry none).
    """
    return effects.assign(
        effect=[effect_label(e, lang) for e in effects["estimand"]],
        programme=effects.get("programme", ""),
    )


def write_evaluation_publication(run_dir: str | Path, tree=None) -> list[Path]:
    """``effects_sv.csv`` (semicolons, decimal commas, UTF-8 with BOM), ``effects_en.csv``
    and ``evaluation.xlsx`` (sheets Svenska, English, Om data) from ``effects.csv``;
    ``tree``: the run as :func:`sesindex.runs.read_run` gives it (read if not given).
    """
    from sesindex.runs import TABLE_GROUPS, read_run, table_frame

    run = Path(run_dir) if run_dir is not None else None  # None: a tree in memory
    tree = read_run(run, groups=TABLE_GROUPS) if tree is None else tree
    effects = table_frame(tree, "effects")
    manifest = tree.attrs["manifest"]
    info = manifest.get("evaluation", {})
    sv, en = effects_table(effects, "sv"), effects_table(effects, "en")
    paths = [run / stem for stem in STEMS]
    sv.to_csv(paths[0], index=False, sep=";", decimal=",", encoding="utf-8-sig")
    en.to_csv(paths[1], index=False)
    gate = "godkänd / passed" if manifest.get("fit_ok") else "EJ godkänd / FAILED"
    about = pd.DataFrame(
        {
            "Om data / About": [
                f"Behandlade områden / Treated areas: {len(manifest.get('treated', {}))}",
                f"Jämförelseområden / Comparison areas: {info.get('comparison_areas', '?')} "
                f"(uteslutna / excluded: {info.get('excluded', 0)}; ser behandlade ut / look "
                f"treated: {len(info.get('looks_treated', []))})",
                f"Kontrafaktiskt: {translated(info.get('counterfactual', ''), 'sv', NOTES)} / "
                f"Counterfactual: {info.get('counterfactual', '')}",
                "Intervall: centrala kredibilitetsintervall ur den bayesianska panelmodellens "
                "posteriorfördelning / Intervals: central credible intervals from the Bayesian "
                f"panel model's posterior; modellanpassning / fit gate: {gate}",
                "Negativ effekt på index = förbättring / A negative effect on the index = an "
                "improvement (higher index = lower socioeconomic status)",
                "Källa / Source: Statistics Sweden (SCB) data; sesindex evaluate",
            ]
        }
    )
    with pd.ExcelWriter(paths[2], engine="openpyxl") as xl:
        for name, frame in (("Svenska", sv), ("English", en)):
            frame.to_excel(xl, sheet_name=name, index=False)
            number_formats(
                xl.book[name],
                [None] * (frame.shape[1] - len(DECIMALS))
                + ["0.00" if DECIMALS[c] == 2 else "0.000" for c in DECIMALS],
            )
            xl.book[name].column_dimensions["A"].width = 60
        about.to_excel(xl, sheet_name="Om data", index=False)
        xl.book["Om data"].column_dimensions["A"].width = 110
    return paths


def _headlines(effects: pd.DataFrame) -> list[pd.Series]:
    """Each programme's ``att_index`` row (the first row where there is none)."""
    frame = effects.assign(programme=effects.get("programme", ""))
    rows = []
    for _, own in frame.groupby("programme", sort=False):
        hit = own[own["estimand"] == "att_index"]
        rows.append((hit if len(hit) else own).iloc[0])
    return rows


def _signed(value, lang: str) -> str:
    return number(value, lang, 2, sign=True)


def _headline_item(head: pd.Series, lang: str) -> str:
    """One programme's headline: its effect, 95 % interval and verdict, and the effect
    without the comparison areas that look treated (when refitted).
    """
    excludes = head["lo95"] > 0 or head["hi95"] < 0
    without = ""
    if pd.notna(head.get("mean_without_flagged", float("nan"))):
        without = text(
            "ev_without_flagged",
            lang,
            mean=_signed(head["mean_without_flagged"], lang),
            lo=_signed(head["lo95_without_flagged"], lang),
            hi=_signed(head["hi95_without_flagged"], lang),
        )
    name = f"{html.escape(str(head['programme']))}: " if head["programme"] else ""
    verdict = text("ev_excludes_0" if excludes else "ev_includes_0", lang)
    return (
        "<li>"
        + text(
            "ev_headline_item",
            lang,
            name=name,
            mean=_signed(head["mean"], lang),
            lo=_signed(head["lo95"], lang),
            hi=_signed(head["hi95"], lang),
            verdict=verdict,
            without=without,
        )
        + "</li>"
    )


def _contamination_note(controls: pd.DataFrame | None, info: dict, lang: str) -> str:
    """A warning naming the comparison areas that look treated, if any."""
    if controls is None or "looks_treated" not in controls:
        return ""
    bar = info.get("looks_treated_bar")
    bar = number(bar, lang, 2) if bar is not None else "?"
    flagged = controls.loc[controls["looks_treated"].astype(bool), "control"].unique()
    if not len(flagged):
        return f"<p class='muted'>{text('ev_none_look_treated', lang, bar=bar)}</p>"
    without = translated(str(info.get("without_flagged", "")), lang, NOTES)
    return (
        "<p class='note fail'>"
        + text(
            "ev_look_treated",
            lang,
            n=number(len(flagged), lang),
            bar=bar,
            areas=html.escape(", ".join(map(str, flagged))),
            without=html.escape(without),
        )
        + "</p>"
    )


def _pre_period_notes(events: pd.DataFrame | None, lang: str) -> list[str]:
    """The headline's caution for each programme whose event study strays from 0 before
    its start (:func:`sesindex.evaluation.effects.pre_period_check`).
    """
    if events is None:
        return []
    if "programme" not in events:
        events = events.assign(programme="programme")
    several = events["programme"].nunique() > 1
    notes = []
    for name, own in events.groupby("programme", sort=False):
        check = pre_period_check(own)
        if check["caution"]:
            label = f"{html.escape(str(name))}: " if several else ""
            caution = text(
                "ev_pre_period_caution",
                lang,
                n=number(len(check["excluding_0"]), lang),
                pre=number(check["pre_periods"], lang),
                times=", ".join(map(str, check["excluding_0"])),
            )
            notes.append(
                f"<p class='note pre-period'>{label}{html.escape(caution)}"
                f"{text('ev_pre_period_see', lang)}</p>"
            )
    return notes


#: The columns of the event study and the balance the report shows, and their decimals.
EVENT_COLUMNS = {
    "programme": None,
    "event_time": 0,
    "period": None,
    "mean": 2,
    "lo90": 2,
    "hi90": 2,
    "lo95": 2,
    "hi95": 2,
    "p_positive": 3,
    "p_negative": 3,
}
BALANCE_COLUMNS = {
    "programme": None,
    "start_year": 0,
    "feature": None,
    "comparison": None,
    "treated_mean": 3,
    "comparison_mean": 3,
    "std_difference": 3,
    "treated": 0,
    "comparison_areas": 0,
}


def _shown(table: pd.DataFrame | None, columns: dict, lang: str) -> str:
    """The ``columns`` ``table`` has, as an HTML table in ``lang``: headings and its
    words (periods, measures, comparisons) from the vocabulary, programme names as
    given, numbers at ``columns``' decimals in the language's format.
    """
    from sesindex.reporting.html import table_html
    from sesindex.reporting.vocabulary import TEXT

    if table is None:
        return ""
    shown = table[[c for c in columns if c in table]].copy()
    for col in ("period", "feature", "comparison"):
        if col in shown:
            shown[col] = shown[col].map(
                lambda v: text(f"ev_value_{v}", lang) if f"ev_value_{v}" in TEXT else v
            )
    return table_html(shown, lang, {c: p for c, p in columns.items() if p is not None})


def _figures(tree, lang: str) -> dict:
    """The evaluation's figures in ``lang`` (from its tables), by name (None: no table)."""
    from sesindex.reporting.evaluation_figures import event_study_figure, trajectories_figure
    from sesindex.runs import table_frame

    paths, events = table_frame(tree, "trajectories"), table_frame(tree, "event_study")
    starts = tree.attrs["manifest"].get("treated", {}).values()
    return {
        "trajectories": None
        if paths is None
        else trajectories_figure(
            paths.assign(programme=paths.get("programme", "programme")), starts, lang
        ),
        "event_study": None
        if events is None
        else event_study_figure(
            events.assign(programme=events.get("programme", "programme")), lang
        ),
    }


def _page(tree, lang: str, others: dict) -> str:
    """One language's report of an evaluation's tree: the whole HTML page."""
    from sesindex.reporting.html import CSS, figure_html, language_links, source_line
    from sesindex.runs import table_frame

    effects = table_frame(tree, "effects")
    if effects is None:
        raise ValueError("the run has no effects table: it is not an evaluation run")
    manifest = tree.attrs["manifest"]
    info = manifest.get("evaluation", {})
    comparison = info.get("comparison_areas")
    sections = [
        language_links(others, lang),
        f"<h1>{text('ev_title', lang)}</h1>",
        "<p>"
        + text(
            "ev_headline",
            lang,
            treated=number(len(manifest.get("treated", {})), lang),
            comparison=number(comparison, lang) if comparison is not None else "?",
        )
        + "</p>",
        "<ul>" + "".join(_headline_item(head, lang) for head in _headlines(effects)) + "</ul>",
        _contamination_note(table_frame(tree, "controls"), info, lang),
    ]
    events = table_frame(tree, "event_study")
    sections += _pre_period_notes(events, lang)
    if not manifest.get("fit_ok", True):
        sections.append(f"<p class='note fail'>{text('ev_gate_failed', lang)}</p>")
    if info.get("counterfactual"):
        said = translated(str(info["counterfactual"]), lang, NOTES)
        sections.append(
            "<p class='muted'>"
            + text("ev_counterfactual_is", lang, counterfactual=html.escape(said))
            + "</p>"
        )
    named = _named(effects, lang)
    sections += [
        f"<h2>{text('ev_effects', lang)}</h2>",
        _shown(
            named if "programme" in effects else named.drop(columns="programme"),
            {"programme": None, "effect": None, **DECIMALS},
            lang,
        ),
    ]
    drawn = _figures(tree, lang)
    for name, key in (("event_study", "ev_event_study"), ("trajectories", "ev_trajectories")):
        if drawn[name] is not None:
            sections += [f"<h2>{text(key, lang)}</h2>", figure_html(drawn[name])]
    for key, table, columns in (
        ("ev_event_table", events, EVENT_COLUMNS),
        ("ev_balance", table_frame(tree, "balance"), BALANCE_COLUMNS),
    ):
        if table is not None:
            sections += [f"<h2>{text(key, lang)}</h2>", _shown(table, columns, lang)]
    sections += [
        f"<h2>{text('ev_provenance', lang)}</h2>",
        "<pre>"
        + html.escape(
            json.dumps(
                {
                    k: manifest.get(k)
                    for k in ("command", "created", "inputs", "seed", "gate")
                    if k in manifest
                },
                indent=1,
                ensure_ascii=False,
                default=str,
            )
        )
        + "</pre>",
        f"<p class='muted'>{source_line(manifest, lang)}</p>",
    ]
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>"
        f"{text('ev_page_title', lang)}</title><style>{CSS}</style></head><body>"
        f"{''.join(sections)}</body></html>"
    )


def build_evaluation_report(
    run_dir: str | Path | None, tree=None, out=None, lang="sv", others: dict | None = None
) -> Path:
    """The report of an evaluation run in ``lang`` ("sv" or "en"): headline, effects,
    event study, figures, comparison areas and balance, provenance; every string from
    the vocabulary, every number in the language's format. ``tree``: the run as
    :func:`sesindex.runs.read_run` gives it (read here if not given); ``out``: where to
    write (default ``run_dir/report.html`` in Swedish, ``report_en.html`` in English);
    ``others``: the reports in the other languages to link to (language -> file name).

    Examples
    --------
    >>> import tempfile
    >>> from sesindex.runs import run_tree
    >>> effects = pd.DataFrame(
    ...     {
    ...         "estimand": ["att_index"],
    ...         "mean": [-1.5],
    ...         "sd": [0.2],
    ...         "lo90": [-1.8],
    ...         "hi90": [-1.2],
    ...         "lo95": [-1.9],
    ...         "hi95": [-1.1],
    ...         "p_positive": [0.0],
    ...         "p_negative": [1.0],
    ...     }
    ... )
    >>> tree = run_tree({"effects": effects}, manifest={"treated": {"0114R001": 2018}})
    >>> page = build_evaluation_report(None, tree, Path(tempfile.mkdtemp()) / "r.html")
    >>> "<b>-1,50</b> procentenheter" in page.read_text()
    True
    """
    from sesindex.reporting.html import REPORT_FILES
    from sesindex.runs import TABLE_GROUPS, read_run

    run = Path(run_dir) if run_dir is not None else None  # None: a tree in memory
    if tree is None:
        if run is None:
            raise ValueError("an evaluation report needs the run's directory or its tree")
        tree = read_run(run, groups=TABLE_GROUPS)
    if out:
        path = Path(out)
    elif run is None:
        raise ValueError("an evaluation report of a tree in memory needs out (where to write)")
    else:
        path = run / REPORT_FILES[lang]
    path.write_text(_page(tree, lang, others or {}), encoding="utf-8")
    return path


def write_evaluation_figures(tree, out: str | Path) -> list[Path]:
    """An evaluation's figures (:data:`FIGURES`, in English) into the directory ``out``."""
    figures = _figures(tree, "en")
    return [
        _saved(figures[Path(name).stem], Path(out) / name)
        for name in FIGURES
        if figures[Path(name).stem] is not None
    ]


def _saved(fig, path: Path) -> Path:
    fig.savefig(path, dpi=120)
    return path


def publish_evaluation(run_dir: str | Path, tree=None) -> list[Path]:
    """The bilingual effect tables, the figures and the reports of an evaluation run in
    Swedish and English (``report.html``, ``report_en.html``), added to the manifest's
    list of outputs (the manifest is rewritten last). ``tree``: the run's tree
    (:func:`sesindex.evaluation.output.evaluation_tree`), read back if not given.
    """
    from sesindex.manifest import add_outputs
    from sesindex.reporting.html import REPORT_FILES
    from sesindex.runs import TABLE_GROUPS, read_run

    run = Path(run_dir)
    tree = read_run(run, groups=TABLE_GROUPS) if tree is None else tree
    paths = write_evaluation_publication(run, tree) + write_evaluation_figures(tree, run)
    for lang, name in REPORT_FILES.items():
        others = {other: file for other, file in REPORT_FILES.items() if other != lang}
        paths.append(build_evaluation_report(run, tree, run / name, lang, others))
    add_outputs(run, paths, tree)
    return paths

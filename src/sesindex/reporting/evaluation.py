"""The published view of a programme evaluation (``sesindex evaluate``): the effects in
Swedish and English (CSV and Excel, rounded, with number formats) and an HTML report
with the headline, the event study, the trajectories and the comparison areas' balance.

Examples
--------
>>> import pandas as pd
>>> effects = pd.DataFrame({"estimand": ["att_index_cohort_2018"], "mean": [-1.04],
...                         "sd": [0.2], "lo90": [-1.4], "hi90": [-0.7], "lo95": [-1.5],
...                         "hi95": [-0.6], "p_positive": [0.0], "p_negative": [1.0]})
>>> effects_table(effects, "sv").iloc[0, 0]
'Effekt på index, start 2018 (procentenheter)'
>>> effects_table(effects, "en").columns.tolist()[:3]
['Effect', 'Mean', '90% interval lower']
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

from sesindex.evaluation.effects import LABELS, pre_period_check
from sesindex.reporting.publish import number_formats

#: column -> (Swedish, English) heading of the published effects.
HEADINGS = {"programme": ("Program", "Programme"), "label": ("Effekt", "Effect"),
            "mean": ("Medelvärde", "Mean"),
            "lo90": ("90 % intervall nedre", "90% interval lower"),
            "hi90": ("90 % intervall övre", "90% interval upper"),
            "lo95": ("95 % intervall nedre", "95% interval lower"),
            "hi95": ("95 % intervall övre", "95% interval upper"),
            "p_positive": ("Sannolikhet > 0", "Probability > 0"),
            "p_negative": ("Sannolikhet < 0", "Probability < 0")}
#: decimals of the published numbers: effects to two, probabilities to three
DECIMALS = {"mean": 2, "lo90": 2, "hi90": 2, "lo95": 2, "hi95": 2, "p_positive": 3,
            "p_negative": 3}
STEMS = ("effects_sv.csv", "effects_en.csv", "evaluation.xlsx")


def effect_label(estimand: str, lang: str) -> str:
    """The published name of an estimand (cohort effects named by their start year)."""
    pos = 0 if lang == "sv" else 1
    if estimand in LABELS:
        return LABELS[estimand][pos]
    if estimand.startswith("att_index_cohort_"):
        year = estimand.rsplit("_", 1)[1]
        return (f"Effekt på index, start {year} (procentenheter)",
                f"Effect on the index, start {year} (percentage points)")[pos]
    return estimand


def effects_table(effects: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The effects with headings and estimand names in ``lang`` ("sv" or "en"), rounded
    (and each row's programme first, when the effects carry one).
    """
    pos = 0 if lang == "sv" else 1
    out = effects[list(DECIMALS)].round(DECIMALS)
    out.insert(0, "label", [effect_label(e, lang) for e in effects["estimand"]])
    if "programme" in effects:
        out.insert(0, "programme", effects["programme"].to_numpy())
    return out.rename(columns={k: v[pos] for k, v in HEADINGS.items()})


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
    about = pd.DataFrame({"Om data / About": [
        f"Behandlade områden / Treated areas: {len(manifest.get('treated', {}))}",
        f"Jämförelseområden / Comparison areas: {info.get('comparison_areas', '?')} "
        f"(uteslutna / excluded: {info.get('excluded', 0)}; ser behandlade ut / look "
        f"treated: {len(info.get('looks_treated', []))})",
        f"Kontrafaktiskt / Counterfactual: {info.get('counterfactual', '')}",
        "Intervall: centrala kredibilitetsintervall ur den bayesianska panelmodellens "
        "posteriorfördelning / Intervals: central credible intervals from the Bayesian "
        f"panel model's posterior; modellanpassning / fit gate: {gate}",
        "Negativ effekt på index = förbättring / A negative effect on the index = an "
        "improvement (higher index = lower socioeconomic status)",
        "Källa / Source: Statistics Sweden (SCB) data; sesindex evaluate"]})
    with pd.ExcelWriter(paths[2], engine="openpyxl") as xl:
        for name, frame in (("Svenska", sv), ("English", en)):
            frame.to_excel(xl, sheet_name=name, index=False)
            number_formats(xl.book[name], [None] * (frame.shape[1] - len(DECIMALS)) + [
                "0.00" if DECIMALS[c] == 2 else "0.000" for c in DECIMALS])
            xl.book[name].column_dimensions["A"].width = 60
        about.to_excel(xl, sheet_name="Om data", index=False)
        xl.book["Om data"].column_dimensions["A"].width = 110
    return paths


def _embedded(path: Path) -> str:
    if not path.exists():
        return ""
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _headlines(effects: pd.DataFrame) -> list[pd.Series]:
    """Each programme's ``att_index`` row (the first row where there is none)."""
    frame = effects.assign(programme=effects.get("programme", ""))
    rows = []
    for _, own in frame.groupby("programme", sort=False):
        hit = own[own["estimand"] == "att_index"]
        rows.append((hit if len(hit) else own).iloc[0])
    return rows


def _headline_item(head: pd.Series) -> str:
    verdict = ("the 95 % interval excludes 0" if head["lo95"] > 0 or head["hi95"] < 0
               else "the 95 % interval includes 0: no effect shown")
    name = f"{html.escape(str(head['programme']))}: " if head["programme"] else ""
    without = ""
    if pd.notna(head.get("mean_without_flagged", float("nan"))):
        without = (f"; without the comparison areas that look treated (refitted) "
                   f"<b>{head['mean_without_flagged']:+.2f}</b> ("
                   f"{head['lo95_without_flagged']:+.2f} to "
                   f"{head['hi95_without_flagged']:+.2f})")
    return (f"<li>{name}<b>{head['mean']:+.2f}</b> points (95 % interval "
            f"{head['lo95']:+.2f} to {head['hi95']:+.2f}); {verdict}{without}</li>")


def _contamination_note(controls: pd.DataFrame | None, info: dict) -> str:
    """A warning naming the comparison areas that look treated, if any."""
    if controls is None or "looks_treated" not in controls:
        return ""
    flagged = controls.loc[controls["looks_treated"].astype(bool), "control"].unique()
    if not len(flagged):
        return ("<p class='muted'>No comparison area improved after the start beyond what "
                f"the model's walk gives (bar z &lt; -{info.get('looks_treated_bar', '?')}, "
                "family-wise 5 % over the pool).</p>")
    return (f"<p class='note fail'>{len(flagged)} comparison area(s) improved after the "
            "start as a treated area would (standardised departure below "
            f"-{info.get('looks_treated_bar', '?')}; a clean pool raises this at most 5 % "
            f"of the time): {html.escape(', '.join(map(str, flagged)))}. Another programme "
            "may have run there: exclude them (--exclude) or evaluate that programme in the "
            "same file. Effects without them: "
            f"{html.escape(str(info.get('without_flagged', '')))}.</p>")


def _pre_period_notes(events) -> list[str]:
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
        caution = pre_period_check(own)["caution"]
        if caution:
            label = f"{html.escape(str(name))}: " if several else ""
            notes.append(f"<p class='note pre-period'>{label}{html.escape(caution)} (the "
                         "event study below: years before the start should sit near "
                         "0).</p>")
    return notes


def build_evaluation_report(run_dir: str | Path, tree=None, out=None, lang="en") -> Path:
    """``report.html`` of an evaluation run: headline, effects, event study, figures,
    comparison areas and balance, provenance. ``tree``: the run as
    :func:`sesindex.runs.read_run` gives it (read here if not given); ``out``: where to
    write (default ``run_dir/report.html``); ``lang``: its headings' language. The
    figures are those in ``run_dir``.
    """
    from sesindex.reporting.html import CSS, source_line
    from sesindex.reporting.vocabulary import text
    from sesindex.runs import TABLE_GROUPS, read_run, table_frame

    run = Path(run_dir) if run_dir is not None else None  # None: a tree in memory
    tree = read_run(run, groups=TABLE_GROUPS) if tree is None else tree
    effects = table_frame(tree, "effects")
    manifest = tree.attrs["manifest"]
    info = manifest.get("evaluation", {})
    sections = [
        f"<h1>{text('ev_title', lang)}</h1>",
        f"<p>{len(manifest.get('treated', {}))} treated areas against "
        f"{info.get('comparison_areas', '?')} comparison areas. Average effect on the "
        "treated areas' index over the years after the start "
        "(a negative effect is an improvement: higher index = lower status):</p>",
        "<ul>" + "".join(_headline_item(head) for head in _headlines(effects)) + "</ul>",
        _contamination_note(table_frame(tree, "controls"), info),
    ]
    events = table_frame(tree, "event_study")
    sections += _pre_period_notes(events)
    if not manifest.get("fit_ok", True):
        sections.append("<p class='note fail'>The model failed its fit gate: these "
                        "estimates must not be published.</p>")
    if info.get("counterfactual"):
        sections.append(f"<p class='muted'>Counterfactual: "
                        f"{html.escape(str(info['counterfactual']))}</p>")
    sections += [f"<h2>{text('ev_effects', lang)}</h2>", effects_table(effects, lang).to_html(
        index=False, border=0, na_rep="–")]
    for name, title in (("event_study", text("ev_event_study", lang)),
                        ("trajectories", text("ev_trajectories", lang))):
        sections += [f"<h2>{title}</h2>", _embedded(run / f"{name}.png") if run else ""]
    for title, table in ((text("ev_event_table", lang), events),
                         (text("ev_balance", lang), table_frame(tree, "balance"))):
        if table is not None:
            sections += [f"<h2>{title}</h2>", table.to_html(
                index=False, border=0, float_format="{:.3f}".format, na_rep="–")]
    sections += [f"<h2>{text('ev_provenance', lang)}</h2>", "<pre>" + html.escape(json.dumps(
        {k: manifest.get(k) for k in ("command", "created", "inputs", "seed", "gate")
         if k in manifest}, indent=1, ensure_ascii=False, default=str)) + "</pre>",
                 f"<p class='muted'>{source_line(manifest, lang)}</p>"]
    page = (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>sesindex "
            f"evaluation</title><style>{CSS}</style></head><body>{''.join(sections)}"
            "</body></html>")
    path = Path(out) if out else run / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def publish_evaluation(run_dir: str | Path, tree=None) -> list[Path]:
    """The bilingual effect tables and ``report.html`` of an evaluation run, added to the
    manifest's list of outputs (the manifest is rewritten last). ``tree``: the run's tree
    (:func:`sesindex.evaluation.output.evaluation_tree`), read back if not given.
    """
    from sesindex.manifest import add_outputs
    from sesindex.runs import TABLE_GROUPS, read_run

    run = Path(run_dir)
    tree = read_run(run, groups=TABLE_GROUPS) if tree is None else tree
    paths = write_evaluation_publication(run, tree) + [build_evaluation_report(run, tree)]
    add_outputs(run, paths, tree)
    return paths

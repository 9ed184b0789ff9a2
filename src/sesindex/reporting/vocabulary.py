"""Every user-facing string of the HTML reports and the explorer, in Swedish and English,
and the one number format they use.

Column headings come from the publication's vocabulary
(:data:`sesindex.reporting.publish.COLUMNS`); :data:`HEADINGS` adds only the columns the
publication does not have (the national summary's and the changes'). :data:`TEXT` holds
the reports' sentences and titles, with ``{name}`` fields filled by :func:`text`.
Numbers follow the language (:func:`number`): Swedish writes a decimal comma and a
narrow no-break space between thousands ("3 363", "9,10"), English a decimal point and
a comma ("3,363", "9.10").

Examples
--------
>>> number(3363, "sv"), number(9.1, "sv", 2), number(3363, "en"), number(-0.5, "en", 1)
('3\u202f363', '9,10', '3,363', '-0.5')
>>> text(
...     "areas_changed_type",
...     "sv",
...     changed=number(12, "sv"),
...     areas=number(3363, "sv"),
...     y0=2023,
...     y1=2024,
... )
'12 av 3\u202f363 områden bytte områdestyp mellan 2023 och 2024.'
>>> heading("index", "en"), heading("dI_mean", "sv")
('Socioeconomic index', 'Förändring av index (procentenheter)')
"""

from __future__ import annotations

import math
import re
import string

from sesindex.evaluation.effects import NOTES
from sesindex.index.cutpoints import TYPES_NOTES
from sesindex.reporting.publish import COLUMNS
from sesindex.uncertainty.draws import MEASURES

#: The languages of the reports, the first the default.
LANGUAGES = ("sv", "en")
#: Swedish thousands separator: a narrow no-break space (never broken across lines).
THIN_SPACE = "\u202f"


def _position(lang: str) -> int:
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {list(LANGUAGES)}, not {lang!r}")
    return LANGUAGES.index(lang)


def number(value, lang: str, decimals: int = 0, *, sign: bool = False) -> str:
    """``value`` written in ``lang`` with ``decimals`` decimals (``sign``: a plus sign
    before a positive value); "–" for a missing value.

    Examples
    --------
    >>> number(1234567.891, "sv", 2), number(float("nan"), "en"), number(0.05, "sv", 3)
    ('1\u202f234\u202f567,89', '–', '0,050')
    >>> number(1.5, "sv", 2, sign=True), number(-1.5, "en", 2, sign=True)
    ('+1,50', '-1.50')
    """
    pos = _position(lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    try:
        if math.isnan(float(value)):
            return "–"
    except (TypeError, ValueError):
        return str(value)
    written = f"{float(value):{'+' if sign else ''},.{decimals}f}"
    if pos == 0:
        written = written.replace(",", THIN_SPACE).replace(".", ",")
    return written


#: Headings of the report's columns that the publication (:data:`COLUMNS`) has not.
HEADINGS: dict[str, tuple[str, str]] = {
    "areas": ("Områden", "Areas"),
    "mu": ("Medelvärde μ", "Mean μ"),
    "sigma": ("Standardavvikelse σ", "Standard deviation σ"),
    **{f"type_{k}": (f"Typ {k}", f"Type {k}") for k in range(1, 6)},
    "untyped": ("Utan typ", "Without a type"),
    "type_from": ("Typ från", "Type from"),
    "type_to": ("Typ till", "Type to"),
    "dI_mean": ("Förändring av index (procentenheter)", "Change in index (percentage points)"),
    "p_type_change": ("Sannolikhet typbyte", "Probability of a type change"),
    "p_own_change": ("Sannolikhet eget typbyte", "Probability of an own type change"),
    "p_cut_change": ("Sannolikhet typbyte av gränserna", "Probability of a change by the cuts"),
    "p_type_change_as_observed": (
        "Sannolikhet att typen verkligen flyttade som observerat",
        "Probability the type truly moved as observed",
    ),
    "p_survives_noise": (
        "Andel replikat där typbytet består",
        "Share of replicates in which the type change persists",
    ),
    "verdict": ("Bedömning", "Verdict"),
    "eta_mean": ("Latent nackdel η", "Latent disadvantage η"),
    "eta_lo90": ("η, 90 % intervall nedre", "η, 90% interval lower"),
    "eta_hi90": ("η, 90 % intervall övre", "η, 90% interval upper"),
    "p_type": ("Sannolikhet för typen", "Probability of the type"),
    "rank_interval": ("Rang, 90 % intervall", "Rank, 90% interval"),
    "index_interval": ("Index, 90 % intervall", "Index, 90% interval"),
    "last_change": ("Senaste förändring", "Last change"),
    # an evaluation's tables (the published effects, the event study, the balance)
    "programme": ("Program", "Programme"),
    "effect": ("Effekt", "Effect"),
    "mean": ("Medelvärde", "Mean"),
    "sd": ("Standardavvikelse", "Standard deviation"),
    "lo90": ("90 % intervall nedre", "90% interval lower"),
    "hi90": ("90 % intervall övre", "90% interval upper"),
    "lo95": ("95 % intervall nedre", "95% interval lower"),
    "hi95": ("95 % intervall övre", "95% interval upper"),
    "p_positive": ("Sannolikhet > 0", "Probability > 0"),
    "p_negative": ("Sannolikhet < 0", "Probability < 0"),
    "event_time": ("År från starten", "Years from the start"),
    "period": ("Period", "Period"),
    "start_year": ("Startår", "Start year"),
    "feature": ("Mått", "Measure"),
    "comparison": ("Jämförelse", "Comparison"),
    "treated_mean": ("Medelvärde behandlade", "Treated mean"),
    "comparison_mean": ("Medelvärde jämförelse", "Comparison mean"),
    "std_difference": ("Standardiserad skillnad", "Standardised difference"),
    "treated": ("Behandlade områden", "Treated areas"),
    "comparison_areas": ("Jämförelseområden", "Comparison areas"),
}


def heading(column: str, lang: str) -> str:
    """The heading of ``column`` in ``lang``: the publication's (:data:`COLUMNS`), else
    :data:`HEADINGS`, else the column's own name.
    """
    pos = _position(lang)
    pair = COLUMNS.get(column) or HEADINGS.get(column)
    return pair[pos] if pair else column


#: A change's verdict (:class:`sesindex.uncertainty.draws.VerdictRule`) in each language.
VERDICTS = {
    "probably real": ("troligen verklig", "probably real"),
    "probably noise": ("troligen slump", "probably noise"),
    "uncertain": ("osäker", "uncertain"),
    "survives noise": ("överlever bruset", "survives noise"),
    "unclear": ("oklart", "unclear"),
    "within noise": ("inom bruset", "within noise"),
    "boundary changed": ("ändrad indelning", "boundary changed"),
    "": ("", ""),
}


def verdict(value: str, lang: str) -> str:
    """A change's verdict in ``lang`` (an unknown verdict as it is)."""
    pair = VERDICTS.get(value)
    return pair[_position(lang)] if pair else value


def measures(rule, lang: str) -> str:
    """What the probability of a verdict's ``rule``
    (:class:`sesindex.uncertainty.draws.VerdictRule`) measures, in ``lang`` (a rule of
    its own in its own words).

    Examples
    --------
    >>> from sesindex.uncertainty.draws import POSTERIOR_VERDICT
    >>> measures(POSTERIOR_VERDICT, "sv")
    'P(typen flyttade verkligen som observerat)'
    """
    pair = MEASURES.get(rule.column)
    return pair[_position(lang)] if pair and pair[1] == rule.measures else rule.measures


TEXT: dict[str, tuple[str, str]] = {
    # the page
    "title": ("Socioekonomiskt index för områden – rapport", "Socioeconomic area index — report"),
    "other_language": ("In English", "På svenska"),
    "run_line": (
        "Körning <code>{command}</code> på <b>{data}</b>, skapad {created}; rapporten "
        "skriven {written} UTC. Högre index = lägre socioekonomisk status; rang 1 = "
        "högst index.",
        "Run <code>{command}</code> on <b>{data}</b>, created {created}; report "
        "written {written} UTC. Higher index = lower socioeconomic status; rank 1 = "
        "highest index.",
    ),
    "source_scb": ("Källa: SCB (Statistiska centralbyrån).", "Source: Statistics Sweden (SCB)."),
    "source_synthetic": (
        "Källa: syntetiska data (sesindex), kalibrerade mot SCB:s publicerade "
        "uppgifter; områden, namn och befolkning från SCB. Inga verkliga "
        "värden för enskilda områden.",
        "Source: synthetic data (sesindex), calibrated on Statistics "
        "Sweden's (SCB) published facts; areas, names and populations from "
        "SCB. No area's values are real.",
    ),
    "method_index": (
        "Index är medelvärdet av tre andelar i procent (V1 låg ekonomisk standard, "
        "V2 förgymnasial utbildning, V3 ekonomiskt bistånd och/eller "
        "långtidsarbetslöshet), enligt SCB:s och Delmos officiella metod. "
        "Områdestypen ges av indexets avstånd från det nationella medelvärdet μ "
        "i standardavvikelser σ (typ 1 från μ+2σ, typ 5 under μ−σ).",
        "The index is the mean of three percentages (V1 low economic standard, "
        "V2 compulsory education only, V3 long-term income support and/or "
        "unemployment), SCB's and Delmos' official method. An area's type is "
        "the index's distance from the national mean μ in standard deviations "
        "σ (type 1 from μ+2σ, type 5 below μ−σ).",
    ),
    "method_fit": (
        "En bayesiansk modell skattar varje områdes indikatorer ur antalen bakom dem, "
        "så att index, typ och rang får ett kredibilitetsintervall och varje typ en "
        "sannolikhet. Typerna skärs som i den officiella metoden vid μ−σ, μ, μ+σ "
        "och μ+2σ i varje dragning ur posteriorfördelningen.",
        "A Bayesian model estimates each area's indicators from the counts behind "
        "them, so that its index, type and rank have credible intervals and each "
        "type a probability. Types are cut as in the official method, at μ−σ, μ, "
        "μ+σ and μ+2σ, in every draw from the posterior.",
    ),
    "gate_passed": ("Modellens anpassningskontroll godkänd.", "The model passed its fit gate."),
    "gate_failed": (
        "Modellen klarade inte sin anpassningskontroll: varje skattning nedan är "
        "markerad fit_ok = false och får inte publiceras.",
        "The model failed its fit gate: every estimate below is flagged "
        "fit_ok = false and must not be published.",
    ),
    "untyped": (
        "Inga områdestyper {year}, så rapporten ritar inga typdiagram eller typkartor: {why}",
        "No area types in {year}, so this report draws no type charts or type maps: {why}",
    ),
    "untyped_why": ("körningen ger inget område en typ", "the run gives no area its type"),
    # sections
    "h_summary": ("Nationell sammanfattning per år", "National summary by year"),
    "h_municipality_map": ("Kommunerna på kartan, {year}", "Municipalities on the map, {year}"),
    "h_area_map": ("Områdena på kartan, {year}", "Areas on the map, {year}"),
    "h_ranked": ("Alla områden rangordnade, {year}", "All areas ranked, {year}"),
    "h_type_probabilities": (
        "Sannolikhet för varje områdestyp, {year}",
        "Probability of each area type, {year}",
    ),
    "h_municipalities": ("Kommuner, {year}", "Municipalities, {year}"),
    "h_change": ("Förändring mellan år", "Change between years"),
    "h_diagnostics": ("Diagnostik", "Diagnostics"),
    "h_method": ("Metod och datakällor", "Method and data provenance"),
    "eta_note": (
        "Körningen har inget officiellt index (indikatorerna är inte V1–V3): områdena "
        "rangordnas och typas efter sin latenta nackdel η (högre = lägre status), med "
        "typer skurna vid η:s medelvärde och standardavvikelse över områdena.",
        "This run has no official index (its indicators are not V1–V3): areas are "
        "ranked and typed by their latent disadvantage η (higher = lower status), "
        "with types cut at η's mean and standard deviation over areas.",
    ),
    "no_intervals": (
        "Inga intervall i en deterministisk körning.",
        "No intervals in a deterministic run.",
    ),
    "no_municipality_codes": (
        "Körningens områden saknar kommunkoder.",
        "The run's areas carry no municipality codes.",
    ),
    "municipality_areas": ("{n} områden", "{n} areas"),
    "type_count": ("typ {k}: {n}", "type {k}: {n}"),
    "no_typed_pair": (
        "Inget par av år med typer i denna körning.",
        "No pair of typed years in this run.",
    ),
    "areas_changed_type": (
        "{changed} av {areas} områden bytte områdestyp mellan {y0} och {y1}.",
        "{changed} of {areas} areas changed type between {y0} and {y1}.",
    ),
    "no_uncertainty": (
        " Körningen har inga osäkerhetsskattningar och kan inte säga vilka byten "
        "som är verkliga: kör <code>sesindex fit</code> (bayesiansk) eller "
        "<code>sesindex validate validation/change.toml</code>.",
        " This run has no uncertainty estimates, so it cannot say which "
        "changes are real: run <code>sesindex fit</code> (Bayesian) or "
        "<code>sesindex validate validation/change.toml</code>.",
    ),
    "changes_verdicts": (
        "{observed} områden bytte observerad typ{years}: <b>{high}</b> "
        "{above} och <b>{low}</b> {below} ({rule}).",
        "{observed} areas changed their observed type{years}: <b>{high}</b> "
        "{above} and <b>{low}</b> {below} ({rule}).",
    ),
    "verdict_rule_in_words": (
        "{above}: {measures} ≥ {high}; {below}: < {low}; annars {between}",
        "{above}: {measures} >= {high}; {below}: < {low}; otherwise {between}",
    ),
    "bootstrap_is_noise": (
        " Bootstrapreplikaten dras kring det observerade indexet: de visar "
        "om ett byte sticker ut från binomialt brus, inte hur troligt det "
        "är att områdets sanna typ ändrades (sanna byten är sällsynta). "
        "Sannolikheten att den sanna typen ändrades ger modellen: "
        "<code>sesindex fit</code>.",
        " Bootstrap replicates are drawn around the observed index: they "
        "say whether a change stands out from binomial noise, not how "
        "likely the area's true type changed (true changes are rare). For "
        "P(the true type changed) fit the model: <code>sesindex fit</code>.",
    ),
    "boundary_changes": (
        " {n} områdens gränser ändrades mellan dessa år (SCB:s RegSO 2025): "
        "deras jämförelser är markerade <i>ändrad indelning</i> och räknas "
        "inte som egen rörelse.",
        " {n} areas' boundaries changed between these years (SCB's RegSO "
        "2025): their comparisons are marked <i>boundary changed</i> and are "
        "not counted as their own movement.",
    ),
    "change_probabilities": (
        " <i>Sannolikhet eget typbyte</i> är sannolikheten att områdets "
        "eget index passerade en gräns hållen vid första årets μ, σ; "
        "<i>typbyte av gränserna</i> att rörelsen i μ och σ ensam ändrade "
        "dess typ.",
        " <i>Probability of an own type change</i> is the probability "
        "that the area's own index crossed a cut point held at the first "
        "year's μ, σ; <i>of a change by the cuts</i> that the movement of "
        "μ and σ alone changed its type.",
    ),
    "no_diagnostics": (
        "Ingen diagnostik i denna körning (deterministiskt index).",
        "No diagnostics in this run (deterministic index).",
    ),
    "area_types": ("Områdestyper: {labels}.", "Area types: {labels}."),
    "calibration": ("Kalibrering", "Calibration"),
    "agreement": ("Överensstämmelse", "Agreement"),
    "validation": ("Validering", "Validation"),
    # figures
    "fig_moments": (
        "Nationellt medelvärde och standardavvikelse för index",
        "National mean and standard deviation of the index",
    ),
    "fig_mean": ("medelvärde μ", "mean μ"),
    "fig_sd": ("standardavvikelse σ", "standard deviation σ"),
    "fig_no_index": (
        "inget officiellt index i denna körning:\ntyperna kommer från den "
        "latenta statusen η,\nstandardiserad till medelvärde 0, sd 1",
        "no official index in this run:\ntypes come from the latent status η,"
        "\nstandardised to mean 0, sd 1",
    ),
    "fig_year": ("år", "year"),
    "fig_points": ("procentenheter", "percentage points"),
    "fig_type_shares": ("Andel områden per områdestyp", "Share of areas by area type"),
    "fig_share_areas": ("% av områdena", "% of areas"),
    "fig_type": ("typ {k}", "type {k}"),
    "fig_interval": ("90 % intervall", "90% interval"),
    "fig_estimate": ("skattning", "estimate"),
    "fig_type1_from": (" typ 1 från μ+2σ", " type 1 from μ+2σ"),
    "fig_index_axis": ("index (procentenheter)", "index (percentage points)"),
    "fig_eta_axis": ("latent nackdel η (sd-enheter)", "latent disadvantage η (sd units)"),
    "fig_ranked_index": (
        "Socioekonomiskt index för varje område, rangordnat, {year}",
        "Socioeconomic index of every area, ranked, {year}",
    ),
    "fig_ranked_eta": (
        "Socioekonomisk η för varje område, rangordnad, {year}",
        "Socioeconomic eta of every area, ranked, {year}",
    ),
    "fig_ranked_x": (
        "områden ordnade efter skattning (vänster: bäst förutsättningar)",
        "areas ordered by estimate (left: best conditions)",
    ),
    "fig_type_probabilities": (
        "Sannolikhet för varje områdestyp, {year}: de {n} osäkraste områdena",
        "Probability of each area type, {year}: the {n} least certain areas",
    ),
    "fig_probability": ("sannolikhet", "probability"),
    "fig_change": (
        "Observerade typbyten mot förändring av index",
        "Observed type changes against the change in index",
    ),
    "fig_change_x": ("förändring av index (procentenheter)", "change in index (percentage points)"),
    "fig_change_y": ("P(typen skiljer sig mellan åren)", "P(type differs between the years)"),
    "map_share_type_1_2": (
        "Andel områden av typ 1–2, {year}",
        "Share of areas in types 1-2, {year}",
    ),
    "map_interval_width": (
        "Medianbredd av 90 % indexintervall, {year}",
        "Median width of 90 % index intervals, {year}",
    ),
    "map_no_areas": ("inga områden i körningen", "no areas in this run"),
    "map_area_type": ("Områdestyp, {year}", "Area type, {year}"),
    "map_p_type_differs": (
        "P(typen skiljer sig från den observerade), {year}",
        "P(type differs from the observed type), {year}",
    ),
    # the explorer
    "explorer_title": ("Utforska områdena, {year}", "Explore the areas, {year}"),
    "explorer_search": ("Sök område, kod eller kommun", "Search area, code or municipality"),
    "explorer_shown": ("{shown} av {total} områden", "{shown} of {total} areas"),
    "explorer_filter": ("Kommun: {name}", "Municipality: {name}"),
    "explorer_clear": ("visa alla", "show all"),
    "explorer_map_hint": (
        "Klicka på en kommun för att visa dess områden; färg: andel områden av typ 1–2.",
        "Click a municipality to show its areas; colour: share of areas in types 1-2.",
    ),
    "explorer_map_hint_index": (
        "Klicka på en kommun för att visa dess områden; färg: medianindex.",
        "Click a municipality to show its areas; colour: median index.",
    ),
    "explorer_sort": (
        "Klicka på en kolumnrubrik för att sortera.",
        "Click a column heading to sort.",
    ),
    # the evaluation report
    "ev_title": ("Utvärdering av en insats", "Programme evaluation"),
    "ev_effects": ("Effekter", "Effects"),
    "ev_event_study": (
        "Händelsestudie (åren före starten är placebokontroller och bör ligga nära 0)",
        "Event study (years before the start are placebo checks and should sit near 0)",
    ),
    "ev_trajectories": ("Behandlade områden och jämförelseområden", "Treated and comparison areas"),
    "ev_event_table": ("Händelsestudie, tabell", "Event study table"),
    "ev_balance": (
        "Balans före starten (standardiserade skillnader)",
        "Balance before the start (standardised differences)",
    ),
    "ev_provenance": ("Härkomst", "Provenance"),
    "ev_page_title": ("sesindex utvärdering", "sesindex evaluation"),
    "ev_headline": (
        "{treated} behandlade områden mot {comparison} jämförelseområden. "
        "Genomsnittlig effekt på de behandlade områdenas index under åren efter "
        "starten (en negativ effekt är en förbättring: högre index = lägre "
        "status):",
        "{treated} treated areas against {comparison} comparison areas. Average "
        "effect on the treated areas' index over the years after the start (a "
        "negative effect is an improvement: higher index = lower status):",
    ),
    "ev_headline_item": (
        "{name}<b>{mean}</b> procentenheter (95 % intervall {lo} till {hi}); {verdict}{without}",
        "{name}<b>{mean}</b> points (95 % interval {lo} to {hi}); {verdict}{without}",
    ),
    "ev_excludes_0": ("95 %-intervallet utesluter 0", "the 95 % interval excludes 0"),
    "ev_includes_0": (
        "95 %-intervallet innehåller 0: ingen effekt påvisad",
        "the 95 % interval includes 0: no effect shown",
    ),
    "ev_without_flagged": (
        "; utan jämförelseområdena som ser behandlade ut (omskattat) "
        "<b>{mean}</b> ({lo} till {hi})",
        "; without the comparison areas that look treated (refitted) <b>{mean}</b> ({lo} to {hi})",
    ),
    "ev_none_look_treated": (
        "Inget jämförelseområde förbättrades efter starten mer än "
        "modellens slumpvandring ger (gräns z &lt; −{bar}, familjevis "
        "5 % över poolen).",
        "No comparison area improved after the start beyond what the "
        "model's walk gives (bar z &lt; -{bar}, family-wise 5 % over "
        "the pool).",
    ),
    "ev_look_treated": (
        "{n} jämförelseområde(n) förbättrades efter starten som ett behandlat "
        "område skulle (standardiserad avvikelse under −{bar}; en ren pool "
        "ger detta högst 5 % av gångerna): {areas}. Ett annat program kan ha "
        "pågått där: uteslut dem (--exclude) eller utvärdera det programmet i "
        "samma fil. Effekter utan dem: {without}.",
        "{n} comparison area(s) improved after the start as a treated area "
        "would (standardised departure below -{bar}; a clean pool raises this "
        "at most 5 % of the time): {areas}. Another programme may have run "
        "there: exclude them (--exclude) or evaluate that programme in the "
        "same file. Effects without them: {without}.",
    ),
    "ev_pre_period_see": (
        " (händelsestudien nedan: åren före starten bör ligga nära 0).",
        " (the event study below: years before the start should sit near 0).",
    ),
    "ev_gate_failed": (
        "Modellen klarade inte sin anpassningskontroll: dessa skattningar får inte publiceras.",
        "The model failed its fit gate: these estimates must not be published.",
    ),
    "ev_counterfactual_is": (
        "Kontrafaktiskt utfall: {counterfactual}",
        "Counterfactual: {counterfactual}",
    ),
    # the evaluation's figures
    "ev_fig_treated": ("behandlade områden", "treated areas"),
    "ev_fig_treated_without_programme": (
        "behandlade, utan programmet (kontrafaktiskt)",
        "treated, without the programme (counterfactual)",
    ),
    "ev_fig_comparison": ("jämförelseområden", "comparison areas"),
    "ev_fig_trajectories": (
        "Behandlade områden och jämförelseområden, 90 % intervall",
        "Treated and comparison areas, 90 % intervals",
    ),
    "ev_fig_year": ("År (prickad linje: programmets start)", "Year (dotted: programme start)"),
    "ev_fig_mean_index": (
        "Medelindex (procent; högre = lägre status)",
        "Mean index (percent; higher = lower status)",
    ),
    "ev_fig_before": ("före starten (placebo)", "before the start (placebo)"),
    "ev_fig_after": ("efter starten (effekt)", "after the start (effect)"),
    "ev_fig_event_study": ("Händelsestudie", "Event study"),
    "ev_fig_event_time": (
        "År relativt programmets start (−1: referens)",
        "Years relative to the programme's start (-1: reference)",
    ),
    "ev_fig_effect": (
        "Effekt på index (procentenheter), 95 % intervall",
        "Effect on the index (points), 95 % interval",
    ),
    # the values of an evaluation's tables
    "ev_value_pre": ("före", "pre"),
    "ev_value_reference": ("referens", "reference"),
    "ev_value_post": ("efter", "post"),
    "ev_value_pre_level": ("nivå före starten", "pre-period level"),
    "ev_value_pre_trend": ("trend före starten", "pre-period trend"),
    "ev_value_matched": ("matchade", "matched"),
    "ev_value_all_never_treated": ("alla aldrig behandlade", "all never treated"),
    "no_verdict_column": (
        "Körningens förändringar saknar <i>{column}</i>, så inga bedömningar av typbytena.",
        "This run's changes have no <i>{column}</i>, so no verdict on its type changes.",
    ),
    # the sentences of the stages below (a run's types note, an evaluation's notes, what
    # a verdict's probability measures)
    **TYPES_NOTES,
    **NOTES,
    **{f"measures_{column}": pair for column, pair in MEASURES.items()},
}


def text(key: str, lang: str, **values) -> str:
    """The report's sentence ``key`` in ``lang``, with ``values`` in its fields."""
    if key not in TEXT:
        raise KeyError(f"{key!r} is not in the reports' vocabulary")
    return TEXT[key][_position(lang)].format(**values)


def vocabulary(lang: str, keys) -> dict[str, str]:
    """The sentences ``keys`` in ``lang`` as one dictionary (the explorer's strings).

    Examples
    --------
    >>> vocabulary("sv", ["explorer_clear"])
    {'explorer_clear': 'visa alla'}
    """
    return {k: TEXT[k][_position(lang)] for k in keys}


#: What a field of a sentence written from :data:`TEXT` can hold, where it is not any text
#: (:func:`translated` reads the sentence back by these).
FIELD_PATTERNS = {
    "years": r"\d{4}(?:(?:-|, )\d{4})*",
    "n": r"\d+",
    "size": r"\d+|\?",
    "least": r"\d+",
    "version": r"\S+",
    "named": r"[^\s(),]+(?:, [^\s(),]+)*",
}
#: Fields counting something: written as numbers in the language.
COUNT_FIELDS = ("n", "size", "least")


def _english_pattern(key: str) -> re.Pattern:
    """The English sentence ``key`` as a pattern whose groups are its fields."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(TEXT[key][1]):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(f"(?P<{field}>{FIELD_PATTERNS.get(field, '.*?')})")
    return re.compile("".join(parts), re.DOTALL)


def translated(sentence: str, lang: str, keys) -> str:
    """``sentence``, said in English by a stage below the reports from the sentences
    ``keys`` of :data:`TEXT` (a run's types note, an evaluation's notes), said in
    ``lang``: each part written from one of them rewritten in ``lang`` (its fields too);
    parts joined by "; " or " / " each on their own; anything else as it is.

    Examples
    --------
    >>> translated(
    ...     "no area types and no ranks for 2023-2024: the data do not hold every "
    ...     "area of the division (supply --cutpoints for types)",
    ...     "sv",
    ...     ["types_none", "types_none_why"],
    ... )
    'inga områdestyper och ingen rang för 2023-2024: data innehåller inte alla områden
    i indelningen (ange --cutpoints för typer)'
    >>> translated("a note of its own", "sv", ["types_none"])
    'a note of its own'
    """
    pos = _position(lang)
    if pos == LANGUAGES.index("en") or not sentence:
        return sentence
    for key in keys:
        found = _english_pattern(key).fullmatch(sentence)
        if found:
            fields = {
                name: (
                    number(int(value), lang)
                    if name in COUNT_FIELDS and value.isdigit()
                    else translated(value, lang, keys)
                )
                for name, value in found.groupdict().items()
            }
            return TEXT[key][pos].format(**fields)
    for joint in ("; ", " / "):
        if joint in sentence:
            return joint.join(translated(part, lang, keys) for part in sentence.split(joint))
    return sentence


def types_note(note: str, lang: str) -> str:
    """A run's types note (English in its manifest,
    :data:`sesindex.index.cutpoints.TYPES_NOTES`) in ``lang``.

    Examples
    --------
    >>> types_note("types and ranks relative to the areas given (not the national rule)", "sv")
    'typer och rang i förhållande till de givna områdena (inte den nationella regeln)'
    """
    return translated(note, lang, TYPES_NOTES)

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
>>> text("areas_changed_type", "sv", changed=number(12, "sv"), areas=number(3363, "sv"),
...      y0=2023, y1=2024)
'12 av 3\u202f363 områden bytte områdestyp mellan 2023 och 2024.'
>>> heading("index", "en"), heading("dI_mean", "sv")
('Socioeconomic index', 'Förändring av index (procentenheter)')
"""

from __future__ import annotations

import math

from sesindex.reporting.publish import COLUMNS

#: The languages of the reports, the first the default.
LANGUAGES = ("sv", "en")
#: Swedish thousands separator: a narrow no-break space (never broken across lines).
THIN_SPACE = "\u202f"


def _position(lang: str) -> int:
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {list(LANGUAGES)}, not {lang!r}")
    return LANGUAGES.index(lang)


def number(value, lang: str, decimals: int = 0) -> str:
    """``value`` written in ``lang`` with ``decimals`` decimals; "–" for a missing value.

    Examples
    --------
    >>> number(1234567.891, "sv", 2), number(float("nan"), "en"), number(0.05, "sv", 3)
    ('1\u202f234\u202f567,89', '–', '0,050')
    """
    pos = _position(lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    try:
        if math.isnan(float(value)):
            return "–"
    except (TypeError, ValueError):
        return str(value)
    written = f"{float(value):,.{decimals}f}"
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
    "verdict": ("Bedömning", "Verdict"),
    "eta_mean": ("Latent nackdel η", "Latent disadvantage η"),
    "eta_lo90": ("η, 90 % intervall nedre", "η, 90% interval lower"),
    "eta_hi90": ("η, 90 % intervall övre", "η, 90% interval upper"),
    "p_type": ("Sannolikhet för typen", "Probability of the type"),
    "rank_interval": ("Rang, 90 % intervall", "Rank, 90% interval"),
    "index_interval": ("Index, 90 % intervall", "Index, 90% interval"),
    "last_change": ("Senaste förändring", "Last change"),
}


def heading(column: str, lang: str) -> str:
    """The heading of ``column`` in ``lang``: the publication's (:data:`COLUMNS`), else
    :data:`HEADINGS`, else the column's own name.
    """
    pos = _position(lang)
    pair = COLUMNS.get(column) or HEADINGS.get(column)
    return pair[pos] if pair else column


#: A change's verdict (:class:`sesindex.uncertainty.draws.VerdictRule`) in each language.
VERDICTS = {"probably real": ("troligen verklig", "probably real"),
            "probably noise": ("troligen slump", "probably noise"),
            "uncertain": ("osäker", "uncertain"),
            "survives noise": ("överlever bruset", "survives noise"),
            "unclear": ("oklart", "unclear"),
            "within noise": ("inom bruset", "within noise"),
            "boundary changed": ("ändrad indelning", "boundary changed"),
            "": ("", "")}


def verdict(value: str, lang: str) -> str:
    """A change's verdict in ``lang`` (an unknown verdict as it is)."""
    pair = VERDICTS.get(value)
    return pair[_position(lang)] if pair else value


TEXT: dict[str, tuple[str, str]] = {
    # the page
    "title": ("Socioekonomiskt index för områden – rapport",
              "Socioeconomic area index — report"),
    "other_language": ("In English", "På svenska"),
    "run_line": ("Körning <code>{command}</code> på <b>{data}</b>, skapad {created}; rapporten "
                 "skriven {written} UTC. Högre index = lägre socioekonomisk status; rang 1 = "
                 "högst index.",
                 "Run <code>{command}</code> on <b>{data}</b>, created {created}; report "
                 "written {written} UTC. Higher index = lower socioeconomic status; rank 1 = "
                 "highest index."),
    "source_scb": ("Källa: SCB (Statistiska centralbyrån).", "Source: Statistics Sweden (SCB)."),
    "source_synthetic": ("Källa: syntetiska data (sesindex), kalibrerade mot SCB:s publicerade "
                         "uppgifter; områden, namn och befolkning från SCB. Inga verkliga "
                         "värden för enskilda områden.",
                         "Source: synthetic data (sesindex), calibrated on Statistics "
                         "Sweden's (SCB) published facts; areas, names and populations from "
                         "SCB. No area's values are real."),
    "method_index": ("Index är medelvärdet av tre andelar i procent (V1 låg ekonomisk standard, "
                     "V2 förgymnasial utbildning, V3 ekonomiskt bistånd och/eller "
                     "långtidsarbetslöshet), enligt SCB:s och Delmos officiella metod. "
                     "Områdestypen ges av indexets avstånd från det nationella medelvärdet μ "
                     "i standardavvikelser σ (typ 1 från μ+2σ, typ 5 under μ−σ).",
                     "The index is the mean of three percentages (V1 low economic standard, "
                     "V2 compulsory education only, V3 long-term income support and/or "
                     "unemployment), SCB's and Delmos' official method. An area's type is "
                     "the index's distance from the national mean μ in standard deviations "
                     "σ (type 1 from μ+2σ, type 5 below μ−σ)."),
    "method_fit": ("En bayesiansk modell skattar varje områdes indikatorer ur antalen bakom dem, "
                   "så att index, typ och rang får ett kredibilitetsintervall och varje typ en "
                   "sannolikhet. Typerna skärs som i den officiella metoden vid μ−σ, μ, μ+σ "
                   "och μ+2σ i varje dragning ur posteriorfördelningen.",
                   "A Bayesian model estimates each area's indicators from the counts behind "
                   "them, so that its index, type and rank have credible intervals and each "
                   "type a probability. Types are cut as in the official method, at μ−σ, μ, "
                   "μ+σ and μ+2σ, in every draw from the posterior."),
    "gate_passed": ("Modellens anpassningskontroll godkänd.", "The model passed its fit gate."),
    "gate_failed": ("Modellen klarade inte sin anpassningskontroll: varje skattning nedan är "
                    "markerad fit_ok = false och får inte publiceras.",
                    "The model failed its fit gate: every estimate below is flagged "
                    "fit_ok = false and must not be published."),
    "untyped": ("Inga områdestyper {year}, så rapporten ritar inga typdiagram eller typkartor: "
                "{why}", "No area types in {year}, so this report draws no type charts or "
                "type maps: {why}"),
    "untyped_why": ("körningen ger inget område en typ", "the run gives no area its type"),
    # sections
    "h_summary": ("Nationell sammanfattning per år", "National summary by year"),
    "h_municipality_map": ("Kommunerna på kartan, {year}", "Municipalities on the map, {year}"),
    "h_area_map": ("Områdena på kartan, {year}", "Areas on the map, {year}"),
    "h_ranked": ("Alla områden rangordnade, {year}", "All areas ranked, {year}"),
    "h_type_probabilities": ("Sannolikhet för varje områdestyp, {year}",
                             "Probability of each area type, {year}"),
    "h_municipalities": ("Kommuner, {year}", "Municipalities, {year}"),
    "h_change": ("Förändring mellan år", "Change between years"),
    "h_diagnostics": ("Diagnostik", "Diagnostics"),
    "h_method": ("Metod och datakällor", "Method and data provenance"),
    "eta_note": ("Körningen har inget officiellt index (indikatorerna är inte V1–V3): områdena "
                 "rangordnas och typas efter sin latenta nackdel η (högre = lägre status), med "
                 "typer skurna vid η:s medelvärde och standardavvikelse över områdena.",
                 "This run has no official index (its indicators are not V1–V3): areas are "
                 "ranked and typed by their latent disadvantage η (higher = lower status), "
                 "with types cut at η's mean and standard deviation over areas."),
    "no_intervals": ("Inga intervall i en deterministisk körning.",
                     "No intervals in a deterministic run."),
    "no_municipality_codes": ("Körningens områden saknar kommunkoder.",
                              "The run's areas carry no municipality codes."),
    "municipality_areas": ("{n} områden", "{n} areas"),
    "type_count": ("typ {k}: {n}", "type {k}: {n}"),
    "no_typed_pair": ("Inget par av år med typer i denna körning.",
                      "No pair of typed years in this run."),
    "areas_changed_type": ("{changed} av {areas} områden bytte områdestyp mellan {y0} och {y1}.",
                           "{changed} of {areas} areas changed type between {y0} and {y1}."),
    "no_uncertainty": (" Körningen har inga osäkerhetsskattningar och kan inte säga vilka byten "
                       "som är verkliga: kör <code>sesindex fit</code> (bayesiansk) eller "
                       "<code>sesindex validate validation/change.toml</code>.",
                       " This run has no uncertainty estimates, so it cannot say which "
                       "changes are real: run <code>sesindex fit</code> (Bayesian) or "
                       "<code>sesindex validate validation/change.toml</code>."),
    "changes_verdicts": ("{observed} områden bytte observerad typ{years}: <b>{high}</b> "
                         "{above} och <b>{low}</b> {below} ({rule}).",
                         "{observed} areas changed their observed type{years}: <b>{high}</b> "
                         "{above} and <b>{low}</b> {below} ({rule})."),
    "verdict_rule_in_words": ("{above}: {measures} ≥ {high}; {below}: < {low}; annars "
                              "{between}",
                              "{above}: {measures} >= {high}; {below}: < {low}; otherwise "
                              "{between}"),
    "bootstrap_is_noise": (" Bootstrapreplikaten dras kring det observerade indexet: de visar "
                           "om ett byte sticker ut från binomialt brus, inte hur troligt det "
                           "är att områdets sanna typ ändrades (sanna byten är sällsynta). "
                           "Sannolikheten att den sanna typen ändrades ger modellen: "
                           "<code>sesindex fit</code>.",
                           " Bootstrap replicates are drawn around the observed index: they "
                           "say whether a change stands out from binomial noise, not how "
                           "likely the area's true type changed (true changes are rare). For "
                           "P(the true type changed) fit the model: <code>sesindex fit</code>."),
    "boundary_changes": (" {n} områdens gränser ändrades mellan dessa år (SCB:s RegSO 2025): "
                         "deras jämförelser är markerade <i>ändrad indelning</i> och räknas "
                         "inte som egen rörelse.",
                         " {n} areas' boundaries changed between these years (SCB's RegSO "
                         "2025): their comparisons are marked <i>boundary changed</i> and are "
                         "not counted as their own movement."),
    "change_probabilities": (" <i>Sannolikhet eget typbyte</i> är sannolikheten att områdets "
                             "eget index passerade en gräns hållen vid första årets μ, σ; "
                             "<i>typbyte av gränserna</i> att rörelsen i μ och σ ensam ändrade "
                             "dess typ.",
                             " <i>Probability of an own type change</i> is the probability "
                             "that the area's own index crossed a cut point held at the first "
                             "year's μ, σ; <i>of a change by the cuts</i> that the movement of "
                             "μ and σ alone changed its type."),
    "no_diagnostics": ("Ingen diagnostik i denna körning (deterministiskt index).",
                       "No diagnostics in this run (deterministic index)."),
    "area_types": ("Områdestyper: {labels}.", "Area types: {labels}."),
    "calibration": ("Kalibrering", "Calibration"),
    "agreement": ("Överensstämmelse", "Agreement"),
    "validation": ("Validering", "Validation"),
    # figures
    "fig_moments": ("Nationellt medelvärde och standardavvikelse för index",
                    "National mean and standard deviation of the index"),
    "fig_mean": ("medelvärde μ", "mean μ"),
    "fig_sd": ("standardavvikelse σ", "standard deviation σ"),
    "fig_no_index": ("inget officiellt index i denna körning:\ntyperna kommer från den "
                     "latenta statusen η,\nstandardiserad till medelvärde 0, sd 1",
                     "no official index in this run:\ntypes come from the latent status η,"
                     "\nstandardised to mean 0, sd 1"),
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
    "fig_ranked_index": ("Socioekonomiskt index för varje område, rangordnat, {year}",
                         "Socioeconomic index of every area, ranked, {year}"),
    "fig_ranked_eta": ("Socioekonomisk η för varje område, rangordnad, {year}",
                       "Socioeconomic eta of every area, ranked, {year}"),
    "fig_ranked_x": ("områden ordnade efter skattning (vänster: bäst förutsättningar)",
                     "areas ordered by estimate (left: best conditions)"),
    "fig_type_probabilities": ("Sannolikhet för varje områdestyp, {year}: de {n} osäkraste "
                               "områdena", "Probability of each area type, {year}: the {n} "
                               "least certain areas"),
    "fig_probability": ("sannolikhet", "probability"),
    "fig_change": ("Observerade typbyten mot förändring av index",
                   "Observed type changes against the change in index"),
    "fig_change_x": ("förändring av index (procentenheter)",
                     "change in index (percentage points)"),
    "fig_change_y": ("P(typen skiljer sig mellan åren)", "P(type differs between the years)"),
    "map_share_type_1_2": ("Andel områden av typ 1–2, {year}",
                           "Share of areas in types 1-2, {year}"),
    "map_interval_width": ("Medianbredd av 90 % indexintervall, {year}",
                           "Median width of 90 % index intervals, {year}"),
    "map_no_areas": ("inga områden i körningen", "no areas in this run"),
    "map_area_type": ("Områdestyp, {year}", "Area type, {year}"),
    "map_p_type_differs": ("P(typen skiljer sig från den observerade), {year}",
                           "P(type differs from the observed type), {year}"),
    # the explorer
    "explorer_title": ("Utforska områdena, {year}", "Explore the areas, {year}"),
    "explorer_search": ("Sök område, kod eller kommun", "Search area, code or municipality"),
    "explorer_shown": ("{shown} av {total} områden", "{shown} of {total} areas"),
    "explorer_filter": ("Kommun: {name}", "Municipality: {name}"),
    "explorer_clear": ("visa alla", "show all"),
    "explorer_map_hint": ("Klicka på en kommun för att visa dess områden; färg: andel områden "
                          "av typ 1–2.", "Click a municipality to show its areas; colour: "
                          "share of areas in types 1-2."),
    "explorer_map_hint_index": ("Klicka på en kommun för att visa dess områden; färg: "
                                "medianindex.", "Click a municipality to show its areas; "
                                "colour: median index."),
    "explorer_sort": ("Klicka på en kolumnrubrik för att sortera.",
                      "Click a column heading to sort."),
    # the evaluation report
    "ev_title": ("Utvärdering av en insats", "Programme evaluation"),
    "ev_effects": ("Effekter", "Effects"),
    "ev_event_study": ("Händelsestudie (åren före starten är placebokontroller och bör ligga "
                       "nära 0)", "Event study (years before the start are placebo checks "
                       "and should sit near 0)"),
    "ev_trajectories": ("Behandlade områden och jämförelseområden",
                        "Treated and comparison areas"),
    "ev_event_table": ("Händelsestudie, tabell", "Event study table"),
    "ev_balance": ("Balans före starten (standardiserade skillnader)",
                   "Balance before the start (standardised differences)"),
    "ev_provenance": ("Härkomst", "Provenance"),
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

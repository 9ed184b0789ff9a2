"""Publishable area tables in Swedish and English: CSV and Excel (openpyxl).

One row per area and year: code, name, municipality, V1-V3, index, type (code and
label), rank, and — when the run has them — interval bounds and P(type = k).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"area_code": ["0114R001"], "year": [2022], "index": [7.5],
...                    "type": [4]})
>>> publish_table(df, "sv").columns.tolist()
['Områdeskod', 'År', 'Socioekonomiskt index', 'Områdestyp', 'Områdestyp (text)']
>>> publish_table(df, "en")["Area type (label)"].item()
'Type 4 – good socioeconomic conditions'
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sesindex.index.area_type import TYPE_LABELS

#: column -> (Swedish, English) heading
COLUMNS: dict[str, tuple[str, str]] = {
    "area_code": ("Områdeskod", "Area code"),
    "area_name": ("Områdesnamn", "Area name"),
    "municipality_code": ("Kommunkod", "Municipality code"),
    "boundary_version": ("Indelning", "Boundary version"),
    "year": ("År", "Year"),
    "V1": ("V1 Låg ekonomisk standard (%)", "V1 Low economic standard (%)"),
    "V2": ("V2 Förgymnasial utbildning 20-64 år (%)", "V2 Compulsory education only, 20-64 (%)"),
    "V3": ("V3 Ekonomiskt bistånd och/eller långtidsarbetslöshet 20-64 år (%)",
           "V3 Long-term income support and/or unemployment, 20-64 (%)"),
    "index": ("Socioekonomiskt index", "Socioeconomic index"),
    "index_mean": ("Socioekonomiskt index (skattat)", "Socioeconomic index (estimated)"),
    "index_lo90": ("Index, 90 % intervall nedre", "Index, 90% interval lower"),
    "index_hi90": ("Index, 90 % intervall övre", "Index, 90% interval upper"),
    "ses_mean": ("Socioekonomisk status (latent)", "Socioeconomic status (latent)"),
    "ses_lo90": ("Status, 90 % intervall nedre", "Status, 90% interval lower"),
    "ses_hi90": ("Status, 90 % intervall övre", "Status, 90% interval upper"),
    "type": ("Områdestyp", "Area type"),
    "rank": ("Rang (1 = högst index)", "Rank (1 = highest index)"),
    "rank_lo90": ("Rang, 90 % intervall nedre", "Rank, 90% interval lower"),
    "rank_hi90": ("Rang, 90 % intervall övre", "Rank, 90% interval upper"),
    "rank_lo90_joint": ("Rang, simultant 90 % intervall nedre",
                        "Rank, simultaneous 90% set lower"),
    "rank_hi90_joint": ("Rang, simultant 90 % intervall övre",
                        "Rank, simultaneous 90% set upper"),
    "p_rank_worst5pct": ("Sannolikhet bland de 5 % med högst index",
                         "Probability of being among the 5% with the highest index"),
    "p_rank_worst10pct": ("Sannolikhet bland de 10 % med högst index",
                          "Probability of being among the 10% with the highest index"),
    "p_rank_worst_type1": ("Sannolikhet bland lika många som i områdestyp 1",
                           "Probability of being among as many areas as in type 1"),
    **{f"p_type_{k}": (f"Sannolikhet områdestyp {k}", f"Probability of type {k}")
       for k in range(1, 6)},
    "published_index": ("Publicerat index (SCB)", "Published index (SCB)"),
    "published_type": ("Publicerad områdestyp (SCB)", "Published area type (SCB)"),
    "fit_ok": ("Modellanpassning godkänd", "Model fit passed"),
}
TYPE_LABEL_HEADING = {"sv": "Områdestyp (text)", "en": "Area type (label)"}


def publish_table(df: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The known columns of an area table, headed and labelled in ``lang`` ('sv'/'en')."""
    if lang not in ("sv", "en"):
        raise ValueError("lang must be 'sv' or 'en'")
    pos = 0 if lang == "sv" else 1
    cols = [c for c in COLUMNS if c in df.columns]
    out = df[cols].rename(columns={c: COLUMNS[c][pos] for c in cols})
    type_col = "type" if "type" in df else ("type_mode" if "type_mode" in df else None)
    if type_col is not None:
        at = out.columns.get_loc(COLUMNS["type"][pos]) + 1 if type_col == "type" else len(out.columns)
        out.insert(at, TYPE_LABEL_HEADING[lang],
                   df[type_col].map(TYPE_LABELS[lang]).fillna("").to_numpy())
    return out


#: Published precision: percentages and the index to one decimal (SCB's own), the latent
#: status to two, probabilities to two; ranks as whole numbers.
PRECISION = {"index": 1, "V": 1, "ses": 2, "p_": 2}
_INTEGER = ("rank", "year", "type")


def _decimals(column: str) -> int | None:
    if column.startswith(_INTEGER):
        return 0
    for prefix, places in PRECISION.items():
        if column.startswith(prefix) or column in ("published_index",):
            return places
    return None


def rounded(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers at their published precision (:data:`PRECISION`), ranks as integers.

    Examples
    --------
    >>> r = rounded(pd.DataFrame({"index_mean": [7.4567], "rank_lo90": [3.0],
    ...                           "p_type_1": [0.1234]}))
    >>> r["index_mean"].item(), r["rank_lo90"].item(), r["p_type_1"].item()
    (7.5, 3, 0.12)
    """
    out = df.copy()
    for col in out.columns:
        places = _decimals(col)
        if places is None or not pd.api.types.is_numeric_dtype(out[col]):
            continue
        out[col] = out[col].round(places)
        if places == 0 and out[col].notna().all():
            out[col] = out[col].astype("int64")
        elif places == 0:
            out[col] = out[col].astype("Int64")
    return out


def write_publication(df: pd.DataFrame, out_dir: str | Path, *, source: str,
                      stem: str = "publication", intervals: str = "") -> list[Path]:
    """CSV per language and one Excel workbook (sheets Svenska, English, Om data).

    Numbers are rounded to :data:`PRECISION`; the Swedish CSV follows the Swedish
    convention (semicolons, decimal commas, UTF-8 with a byte-order mark so Excel opens
    å, ä, ö right), the English one commas and points; the workbook carries number
    formats. ``intervals`` says what the intervals are (method, level, year, gate).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = rounded(df)
    sv, en = publish_table(table, "sv"), publish_table(table, "en")
    paths = [out / f"{stem}_sv.csv", out / f"{stem}_en.csv", out / f"{stem}.xlsx"]
    sv.to_csv(paths[0], index=False, sep=";", decimal=",", encoding="utf-8-sig")
    en.to_csv(paths[1], index=False)
    years = sorted(int(y) for y in df["year"].unique()) if "year" in df else []
    about = pd.DataFrame({"Om data / About": [
        f"Källa / Source: {source}",
        f"År / Year: {', '.join(map(str, years))}" if years else "",
        f"Intervall / Intervals: {intervals}" if intervals else
        "Inga osäkerhetsintervall / No uncertainty intervals",
        "Index och andelar med en decimal, status och sannolikheter med två, rang som "
        "heltal / Index and shares to one decimal, status and probabilities to two, ranks "
        "as whole numbers",
        "Högre index = lägre socioekonomisk status / Higher index = lower socioeconomic status",
        *[f"{TYPE_LABELS['sv'][k]} / {TYPE_LABELS['en'][k]}" for k in range(1, 6)],
    ]})
    with pd.ExcelWriter(paths[2], engine="openpyxl") as xl:
        sv.to_excel(xl, sheet_name="Svenska", index=False)
        en.to_excel(xl, sheet_name="English", index=False)
        about.to_excel(xl, sheet_name="Om data", index=False)
        for name, frame, pos in (("Svenska", sv, 0), ("English", en, 1)):
            source_of = {COLUMNS[c][pos]: c for c in COLUMNS}
            formats = [{0: "0", 1: "0.0", 2: "0.00"}.get(_decimals(source_of[h]))
                       if h in source_of else None for h in frame.columns]
            number_formats(xl.book[name], formats)
        for ws in xl.book.worksheets:
            ws.freeze_panes = "A2"
            for col in ws.columns:
                width = max(len(str(c.value or "")) for c in col[:200])
                ws.column_dimensions[col[0].column_letter].width = min(max(width, 8), 60)
    return paths


def number_formats(ws, formats: list) -> None:
    """Apply each published column's number format to its cells (header excluded)."""
    for col, fmt in zip(ws.iter_cols(min_row=2), formats):
        if fmt is None:
            continue
        for cell in col:
            cell.number_format = fmt


def write_fit_publication(result, out_dir: str | Path, *, source: str,
                          tree=None) -> list[Path]:
    """publication.xlsx / _sv.csv / _en.csv of a Bayesian fit's latest year, saying what
    the intervals are (method, draws, gate). The areas come from the fit's run tree
    (:func:`sesindex.bayes.output.fit_tree`), read back from ``out_dir`` if not given.

    Examples
    --------
    >>> res = sesindex.fit("synthetic", years=(2023, 2024))  # doctest: +SKIP
    >>> write_fit_publication(res, "results/fit", source="synthetic")  # doctest: +SKIP
    [PosixPath('results/fit/publication_sv.csv'), ...]
    """
    from sesindex.runs import read_run, table_frame

    tree = read_run(out_dir, groups=["areas"]) if tree is None else tree
    areas = table_frame(tree, "areas")
    spec, sampler = result.spec, result.spec.sampler
    year = int(areas["year"].max())
    gate = "passed" if result.gate["passed"] else "FAILED: do not publish"
    how = (f"90 % credible intervals of the Bayesian latent-factor model (spec "
           f"{spec.name}, {len(result.inputs.years)} year(s) fitted, {sampler.chains} x "
           f"{sampler.draws} posterior draws, fit gate {gate}); types and ranks in every "
           "draw over that draw's national mean and sd, so their uncertainty is included")
    return write_publication(areas[areas["year"] == year], out_dir, source=source,
                             intervals=how)

"""Publishable area tables in Swedish and English: CSV and Excel (openpyxl).

One row per area and year: code, name, municipality, V1-V3, index, type (code and
label), rank, and — when the run has them — interval bounds and P(type = k).

Example
-------
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


def write_publication(df: pd.DataFrame, out_dir: str | Path, *, source: str,
                      stem: str = "publication") -> list[Path]:
    """CSV per language and one Excel workbook (sheets Svenska, English, Om data)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sv, en = publish_table(df, "sv"), publish_table(df, "en")
    paths = [out / f"{stem}_sv.csv", out / f"{stem}_en.csv", out / f"{stem}.xlsx"]
    sv.to_csv(paths[0], index=False, encoding="utf-8-sig")  # BOM: Excel opens å/ä/ö right
    en.to_csv(paths[1], index=False)
    about = pd.DataFrame({"Om data / About": [
        f"Källa / Source: {source}",
        "Högre index = lägre socioekonomisk status / Higher index = lower socioeconomic status",
        *[f"{TYPE_LABELS['sv'][k]} / {TYPE_LABELS['en'][k]}" for k in range(1, 6)],
    ]})
    with pd.ExcelWriter(paths[2], engine="openpyxl") as xl:
        sv.to_excel(xl, sheet_name="Svenska", index=False)
        en.to_excel(xl, sheet_name="English", index=False)
        about.to_excel(xl, sheet_name="Om data", index=False)
        for ws in xl.book.worksheets:
            ws.freeze_panes = "A2"
            for col in ws.columns:
                width = max(len(str(c.value or "")) for c in col[:200])
                ws.column_dimensions[col[0].column_letter].width = min(max(width, 8), 60)
    return paths

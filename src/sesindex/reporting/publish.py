"""Publishable area tables in Swedish and English: CSV and Excel (openpyxl).

One layout for every run (``sesindex demo``, ``index --publish``, ``fit``), one row per
area and year of the run: the area's code and name, its municipality's code and name,
the year, V1-V3, the index, the type (code and label), the rank, then the uncertainty
columns the run has (intervals, P(type = k)). A fit has no observed index, type or rank:
its posterior mean index, most probable type and median rank stand in their places.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame(
...     {
...         "area_code": ["0114R001"],
...         "year": [2022],
...         "index": [7.5],
...         "type": [4],
...         "p_type_4": [1.0],
...         "fit_ok": [True],
...     }
... )
>>> publish_table(df, "sv").columns.tolist()[:6]
['Områdeskod', 'Kommunkod', 'Kommun', 'År', 'Socioekonomiskt index', 'Områdestyp']
>>> publish_table(df, "en")["Area type (label)"].item()
'Type 4 – good socioeconomic conditions'
>>> row = publish_table(df, "sv", text=True).iloc[0]
>>> row["Kommun"], row["Sannolikhet områdestyp 4"], row["Modellanpassning godkänd"]
('Upplands Väsby', '1,00', 'Ja')
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sesindex.index.area_type import TYPE_LABELS

#: column -> (Swedish, English) heading, in the order of the published table: the area,
#: V1-V3, index, type, rank (a fit's estimates where it has no observed ones), then the
#: uncertainty columns, then SCB's published values and the fit gate.
COLUMNS: dict[str, tuple[str, str]] = {
    "area_code": ("Områdeskod", "Area code"),
    "area_name": ("Områdesnamn", "Area name"),
    "municipality_code": ("Kommunkod", "Municipality code"),
    "municipality_name": ("Kommun", "Municipality"),
    "boundary_version": ("Indelning", "Boundary version"),
    "year": ("År", "Year"),
    "V1": ("V1 Låg ekonomisk standard (%)", "V1 Low economic standard (%)"),
    "V2": ("V2 Förgymnasial utbildning 20-64 år (%)", "V2 Compulsory education only, 20-64 (%)"),
    "V3": (
        "V3 Ekonomiskt bistånd och/eller långtidsarbetslöshet 20-64 år (%)",
        "V3 Long-term income support and/or unemployment, 20-64 (%)",
    ),
    "index": ("Socioekonomiskt index", "Socioeconomic index"),
    "index_mean": ("Socioekonomiskt index (skattat)", "Socioeconomic index (estimated)"),
    "type": ("Områdestyp", "Area type"),
    "type_mode": ("Områdestyp (mest sannolik)", "Area type (most probable)"),
    "rank": ("Rang (1 = högst index)", "Rank (1 = highest index)"),
    "rank_median": ("Rang, median (1 = högst index)", "Rank, median (1 = highest index)"),
    "index_lo90": ("Index, 90 % intervall nedre", "Index, 90% interval lower"),
    "index_hi90": ("Index, 90 % intervall övre", "Index, 90% interval upper"),
    "ses_mean": ("Socioekonomisk status (latent)", "Socioeconomic status (latent)"),
    "ses_lo90": ("Status, 90 % intervall nedre", "Status, 90% interval lower"),
    "ses_hi90": ("Status, 90 % intervall övre", "Status, 90% interval upper"),
    "rank_lo90": ("Rang, 90 % intervall nedre", "Rank, 90% interval lower"),
    "rank_hi90": ("Rang, 90 % intervall övre", "Rank, 90% interval upper"),
    "rank_lo90_joint": ("Rang, simultant 90 % intervall nedre", "Rank, simultaneous 90% set lower"),
    "rank_hi90_joint": ("Rang, simultant 90 % intervall övre", "Rank, simultaneous 90% set upper"),
    "p_rank_worst5pct": (
        "Sannolikhet bland de 5 % med högst index",
        "Probability of being among the 5% with the highest index",
    ),
    "p_rank_worst10pct": (
        "Sannolikhet bland de 10 % med högst index",
        "Probability of being among the 10% with the highest index",
    ),
    "p_rank_worst_type1": (
        "Sannolikhet bland lika många som i områdestyp 1",
        "Probability of being among as many areas as in type 1",
    ),
    **{
        f"p_type_{k}": (f"Sannolikhet områdestyp {k}", f"Probability of type {k}")
        for k in range(1, 6)
    },
    "published_index": ("Publicerat index (SCB)", "Published index (SCB)"),
    "published_type": ("Publicerad områdestyp (SCB)", "Published area type (SCB)"),
    "fit_ok": ("Modellanpassning godkänd", "Model fit passed"),
}
#: A fit's estimate published in the place of the observed value when the run has none.
STAND_INS = {"type_mode": "type", "rank_median": "rank"}
#: The type columns whose label follows them.
TYPE_COLUMNS = ("type", "type_mode")
TYPE_LABEL_HEADING = {"sv": "Områdestyp (text)", "en": "Area type (label)"}
#: Yes and no in each language.
BOOLEANS = {"sv": ("Ja", "Nej"), "en": ("Yes", "No")}
#: Published precision by column kind: percentages and the index to one decimal (SCB's
#: own), the latent status and probabilities to two; years, types and ranks whole.
PRECISION = {"V": 1, "index": 1, "ses": 2, "p_": 2}
_WHOLE = ("year", "type", "type_mode", "published_type")


def _position(lang: str) -> int:
    if lang not in ("sv", "en"):
        raise ValueError(f"lang must be 'sv' or 'en', not {lang!r}")
    return 0 if lang == "sv" else 1


def decimals(column: str) -> int | None:
    """Decimals ``column`` is published with (:data:`PRECISION`); None: not a number."""
    if column in _WHOLE or column.startswith("rank"):
        return 0
    if column == "published_index":
        return PRECISION["index"]
    for prefix, places in PRECISION.items():
        if column.startswith(prefix):
            return places
    return None


def rounded(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers at their published precision (:data:`PRECISION`), ranks as integers.

    Examples
    --------
    >>> r = rounded(
    ...     pd.DataFrame({"index_mean": [7.4567], "rank_lo90": [3.0], "p_type_1": [0.1234]})
    ... )
    >>> r["index_mean"].item(), r["rank_lo90"].item(), r["p_type_1"].item()
    (7.5, 3, 0.12)
    """
    out = df.copy()
    for col in out.columns:
        places = decimals(col)
        if (
            places is None
            or not pd.api.types.is_numeric_dtype(out[col])
            or pd.api.types.is_bool_dtype(out[col])
        ):
            continue
        out[col] = out[col].round(places)
        if places == 0 and out[col].notna().all():
            out[col] = out[col].astype("int64")
        elif places == 0:
            out[col] = out[col].astype("Int64")
    return out


def with_municipalities(areas: pd.DataFrame) -> pd.DataFrame:
    """``areas`` with each area's municipality code (from the four digits its area code
    starts with where the table has none) and the municipality's name (SCB's 290,
    :func:`sesindex.data.real_bundle.municipality_names`; empty for an unknown code).

    Examples
    --------
    >>> a = pd.DataFrame({"area_code": ["1780R001", "0114A0010", "X1"]})
    >>> with_municipalities(a)["municipality_name"].tolist()
    ['Karlstad', 'Upplands Väsby', nan]
    """
    from sesindex.data.real_bundle import municipality_names

    out = areas.copy()
    prefix = out["area_code"].astype(str).str.extract(r"^(\d{4})", expand=False)
    given = (
        out["municipality_code"]
        if "municipality_code" in out
        else pd.Series(pd.NA, index=out.index, dtype=object)
    )
    code = (
        given.astype(object)
        .where(given.notna(), prefix)
        .map(lambda c: c if pd.isna(c) or isinstance(c, str) else f"{int(c):04d}")
    )
    if "municipality_code" not in out:
        out.insert(out.columns.get_loc("area_code") + 1, "municipality_code", code)
    else:
        out["municipality_code"] = code
    out.insert(
        out.columns.get_loc("municipality_code") + 1,
        "municipality_name",
        code.map(municipality_names()),
    )
    return out


def publication_frame(areas: pd.DataFrame) -> pd.DataFrame:
    """The published rows and columns of an area table, under their own names: every
    area and year, sorted by year, municipality and area; the municipality's name; the
    columns of :data:`COLUMNS` in its order (a fit's estimates only where the run has no
    observed ones, :data:`STAND_INS`); numbers rounded (:func:`rounded`); no type (0)
    left empty.

    Examples
    --------
    >>> a = pd.DataFrame(
    ...     {
    ...         "area_code": ["1780R002", "1780R001", "1780R001"],
    ...         "year": [2024, 2024, 2023],
    ...         "type_mode": [0, 4, 3],
    ...         "rank_median": [2.0, 1.0, 1.0],
    ...         "index_mean": [5.04, 7.26, 6.0],
    ...     }
    ... )
    >>> publication_frame(a).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['1780R001', '1780', 'Karlstad', 2023, 6.0, 3, 1],
     ['1780R001', '1780', 'Karlstad', 2024, 7.3, 4, 1],
     ['1780R002', '1780', 'Karlstad', 2024, 5.0, <NA>, 2]]
    """
    df = with_municipalities(areas)
    df = df[[c for c in COLUMNS if c in df and STAND_INS.get(c) not in df]].copy()
    for col in (*TYPE_COLUMNS, "published_type"):
        if col in df:
            df[col] = df[col].where(df[col] > 0)
    keys = [c for c in ("year", "municipality_code", "area_code") if c in df]
    return rounded(df.sort_values(keys, kind="stable", ignore_index=True))


def _is_boolean(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values):
        return True
    known = values.dropna()
    return (
        values.dtype == object
        and len(known) > 0
        and known.map(lambda v: isinstance(v, bool) or type(v).__name__ == "bool_").all()
    )


def _as_text(values: pd.Series, places: int, lang: str) -> pd.Series:
    """Numbers as text at ``places`` decimals, a decimal comma in Swedish; empty for none."""
    point = "," if lang == "sv" else "."
    return values.map(
        lambda v: "" if pd.isna(v) else f"{float(v) + 0.0:.{places}f}".replace(".", point)
    )


def _headed(table: pd.DataFrame, lang: str, text: bool) -> pd.DataFrame:
    """A :func:`publication_frame` headed in ``lang``: the type's label after the type,
    yes/no in words and, with ``text``, every number as text at its decimals.
    """
    pos = _position(lang)
    yes, no = BOOLEANS[lang]
    out = {}
    for col in table.columns:
        values = table[col]
        if _is_boolean(values):
            values = values.map(lambda v: "" if pd.isna(v) else (yes if v else no))
        elif text and (places := decimals(col)) is not None:
            values = _as_text(values, places, lang)
        out[COLUMNS[col][pos]] = values
        if col in TYPE_COLUMNS:
            out[TYPE_LABEL_HEADING[lang]] = table[col].map(TYPE_LABELS[lang]).fillna("")
    return pd.DataFrame(out, index=table.index)


def publish_table(df: pd.DataFrame, lang: str = "en", *, text: bool = False) -> pd.DataFrame:
    """An area table as published in ``lang`` ('sv' or 'en'): the rows and columns of
    :func:`publication_frame`, headed in ``lang``, the type's label after the type,
    yes/no as Ja/Nej or Yes/No and, with ``text``, every number as text at its column's
    fixed decimals (a decimal comma in Swedish): what the CSV files hold.
    """
    _position(lang)
    return _headed(publication_frame(df), lang, text)


def _years_with(table: pd.DataFrame, columns) -> list[int]:
    """The years in which any of ``columns`` of ``table`` holds a value."""
    cols = [c for c in columns if c in table]
    if not cols or "year" not in table:
        return []
    return sorted(int(y) for y in table.loc[table[cols].notna().any(axis=1), "year"].unique())


def write_publication(
    df: pd.DataFrame,
    out_dir: str | Path,
    *,
    source: str,
    stem: str = "publication",
    intervals: str = "",
    types_note: str = "",
) -> list[Path]:
    """CSV per language and one Excel workbook (sheets Svenska, English, Om data) of
    an area table: every area and year (:func:`publish_table`).

    Every number is written at its column's fixed precision (:data:`PRECISION`); the
    Swedish CSV follows the Swedish convention (semicolons, decimal commas, UTF-8 with a
    byte-order mark so Excel opens å, ä, ö right), the English one commas and points; the
    workbook holds numbers with the same decimals as number formats. ``intervals`` says
    what the intervals are (method, level, gate), ``types_note`` how the run typed its
    areas (or why it could not).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = publication_frame(df)
    paths = [out / f"{stem}_sv.csv", out / f"{stem}_en.csv", out / f"{stem}.xlsx"]
    _headed(table, "sv", text=True).to_csv(paths[0], index=False, sep=";", encoding="utf-8-sig")
    _headed(table, "en", text=True).to_csv(paths[1], index=False)
    sheets = []
    for name, lang in (("Svenska", "sv"), ("English", "en")):
        sheet = _headed(table, lang, text=False)
        source_of = {COLUMNS[c][_position(lang)]: c for c in table.columns}
        sheets.append(
            (
                name,
                sheet,
                [
                    _number_format(decimals(source_of[h])) if h in source_of else None
                    for h in sheet.columns
                ],
            )
        )
    about = _about(table, source, intervals, types_note)
    write_workbook(paths[2], [*sheets, ("Om data", about, [None])])
    return paths


def write_workbook(path: str | Path, sheets) -> Path:
    """An Excel workbook of ``(name, frame, number formats)`` sheets, streamed (openpyxl's
    write-only mode: a publication of every area and year has millions of cells): the
    header row frozen, columns as wide as their first 200 values, each number cell in
    its column's format (None: as it is), empty where a value is missing.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> path = Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> _ = write_workbook(path, [("S", pd.DataFrame({"p": [0.5, None]}), ["0.00"])])
    >>> ws = openpyxl.load_workbook(path)["S"]
    >>> ws["A2"].value, ws["A2"].number_format, ws["A3"].value
    (0.5, '0.00', None)
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    for name, frame, formats in sheets:
        ws = book.create_sheet(name)
        ws.freeze_panes = "A2"
        columns = [
            frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame.columns
        ]
        for i, (heading, values) in enumerate(zip(frame.columns, columns, strict=True), start=1):
            width = max(len(str(v)) for v in [heading, *values[:200]] if v is not None)
            ws.column_dimensions[get_column_letter(i)].width = min(max(width, 8), 60)
        ws.append([str(c) for c in frame.columns])
        for row in zip(*columns, strict=True):
            ws.append([_cell(ws, v, f) for v, f in zip(row, formats, strict=True)])
    book.save(path)
    return Path(path)


def _cell(ws, value, fmt: str | None):
    """A number in its format (a write-only cell); anything else as it is."""
    from openpyxl.cell import WriteOnlyCell

    if value is None or fmt is None or isinstance(value, str):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = fmt
    return cell


def _number_format(places: int | None) -> str | None:
    return None if places is None else "0" if places == 0 else "0." + "0" * places


def _about(table: pd.DataFrame, source: str, intervals: str, note: str) -> pd.DataFrame:
    """The workbook's "Om data" sheet: source, years, intervals, types (the types note in
    Swedish, then English), precision.
    """
    from sesindex.reporting.vocabulary import types_note

    years = _years_with(table, ["year"])
    uncertain = _years_with(
        table, [c for c in table if c.endswith(("_lo90", "_hi90")) or c.startswith("p_")]
    )
    lines = [
        f"Källa / Source: {source}",
        f"År / Years: {', '.join(map(str, years))}",
        (
            f"Intervall / Intervals ({', '.join(map(str, uncertain))}): {intervals or '90 %'}"
            if uncertain
            else "Inga osäkerhetsintervall / No uncertainty intervals"
        ),
        *([f"Områdestyper: {types_note(note, 'sv')} / Area types: {note}"] if note else []),
        (
            "Index och andelar med en decimal, status och sannolikheter med två, år, typer "
            "och rang som heltal / Index and shares to one decimal, status and probabilities "
            "to two, years, types and ranks as whole numbers"
        ),
        "Ja/Nej = Yes/No; tom cell = värde saknas / empty cell = no value",
        "Högre index = lägre socioekonomisk status / Higher index = lower socioeconomic status",
        *[f"{TYPE_LABELS['sv'][k]} / {TYPE_LABELS['en'][k]}" for k in range(1, 6)],
    ]
    return pd.DataFrame({"Om data / About": lines})


def number_formats(ws, formats: list) -> None:
    """Apply each published column's number format to its cells (header excluded)."""
    for col, fmt in zip(ws.iter_cols(min_row=2), formats, strict=True):
        if fmt is None:
            continue
        for cell in col:
            cell.number_format = fmt


def publish_run(tree, out_dir: str | Path, *, stem: str = "publication") -> list[Path]:
    """The publication of a run (an index run or the demo, or a fit) from its tree:
    every area and year of its ``areas`` table in one layout (:func:`write_publication`);
    the source, what the intervals are and the types note from its manifest.

    Examples
    --------
    >>> import tempfile
    >>> from sesindex.data.io import load_data
    >>> from sesindex.reporting.index_run import index_run
    >>> tree = index_run(load_data("karlstad-tab6586"), cutpoints={2022: (9.10, 5.47)})
    >>> [p.name for p in publish_run(tree, tempfile.mkdtemp())]
    ['publication_sv.csv', 'publication_en.csv', 'publication.xlsx']
    """
    from sesindex.runs import table_frame

    areas = table_frame(tree, "areas")
    if areas is None:
        raise ValueError("the run has no areas table to publish")
    manifest = tree.attrs.get("manifest", {})
    return write_publication(
        areas,
        out_dir,
        stem=stem,
        source=manifest.get("source") or manifest.get("data", ""),
        intervals=manifest.get("intervals", ""),
        types_note=manifest.get("types_note", ""),
    )

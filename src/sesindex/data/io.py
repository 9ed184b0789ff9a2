"""Load any supported input into the data model: packaged names, tidy CSV/Parquet, PxWeb.

``--data`` everywhere takes a packaged dataset name (:data:`PACKAGED`) or a file path:

* ``synthetic`` — the calibrated national synthetic panel (default; has truth);
* ``synthetic-programme`` — the same panel with a programme planted (``programme.csv``);
* ``synthetic-deso`` — the same generator on the 5,984 DeSO 2018 areas (has truth, with
  each DeSO's RegSO: a DeSO fit can be aggregated to RegSO);
* ``sweden-regso-2022`` — the real RegSO bundle (Source: Statistics Sweden (SCB));
* ``karlstad-tab6586`` — SCB's real TAB6586 response for Karlstad (JSON-stat 2.0);
* ``*.csv`` / ``*.parquet`` — tidy long format (``area_code, year, indicator, count,
  denominator, value`` + optional metadata) or wide format (one row per area and year,
  columns ``<indicator>_count`` / ``<indicator>_denominator`` / ``<indicator>``);
* ``*.json`` — a PxWebApi 2 JSON-stat 2.0 response.

Examples
--------
>>> loaded = load_data("sweden-regso-2022")
>>> loaded.dataset.sizes["area"], loaded.name
(3363, 'sweden-regso-2022')
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from sesindex.data.model import from_tidy
from sesindex.data.schema import (
    ID_COLUMNS,
    META_COLUMNS,
    NUMERIC_COLUMNS,
    DataValidationError,
    Problem,
)

PACKAGED = (
    "synthetic",
    "synthetic-programme",
    "synthetic-deso",
    "sweden-regso-2022",
    "karlstad-tab6586",
)
_TEXT = {
    "area_code": str,
    "municipality_code": str,
    "area_name": str,
    "indicator": str,
    "boundary_version": str,
}


@dataclass
class LoadedData:
    """A dataset with where it came from: notes to print and files to hash."""

    name: str
    dataset: xr.Dataset
    notes: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256
    truth: pd.DataFrame | None = None
    tidy: pd.DataFrame | None = None

    def to_tree(self) -> xr.DataTree:
        """The dataset as ``/data`` of a tree (:mod:`sesindex.runs`), with where it came
        from in the root's attrs (``data``, ``notes``, ``inputs``: file -> sha256) and,
        for synthetic data, the truth per area and year as ``/truth``.

        Examples
        --------
        >>> loaded = load_data("synthetic", n_areas=20, years=(2023, 2024))
        >>> tree = loaded.to_tree()
        >>> sorted(tree.children), tree["data"].sizes["area"], tree.attrs["data"]
        (['data', 'truth'], 20, 'synthetic')
        """
        from sesindex.runs import with_manifest

        nodes = {"/data": self.dataset}
        if self.truth is not None:
            truth = self.truth.rename(columns={"area_code": "area"})
            nodes["/truth"] = truth.set_index(["area", "year"]).to_xarray()
        tree = xr.DataTree.from_dict(nodes)
        return with_manifest(
            tree, {"command": "load", "data": self.name, "notes": self.notes, "inputs": self.files}
        )


def sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a tidy CSV or Parquet file in long or wide format into the long tidy frame.

    Codes are read as text (leading zeros kept); SCB's ``..`` markers stay as text so
    validation can name them. CSV rows keep their ``source_line`` (the header is line 1)
    so every problem can name its lines; a semicolon-separated file with decimal commas
    (Swedish Excel) is read as such and says so (``frame.attrs["notes"]``).
    """
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        raw = pd.read_parquet(path)
    elif path.suffix.lower() in (".csv", ".txt", ".gz"):
        raw = _read_csv(path)
    else:
        raise ValueError(
            f"{path}: unsupported file type {path.suffix!r} (use .csv, .parquet or a PxWeb .json)"
        )
    notes = raw.attrs.get("notes", [])
    out = raw if "indicator" in raw.columns else wide_to_long(raw)
    out.attrs["notes"] = notes
    return out


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV file as text columns, with its line numbers; the traps of hand-made files
    (empty, not UTF-8, semicolons and decimal commas, a repeated header) named.
    """
    import gzip
    import io

    data = path.read_bytes()
    if path.suffix.lower() == ".gz":
        data = gzip.decompress(data)
    if not data.strip():
        raise DataValidationError(
            [
                Problem(
                    "empty_file",
                    f"{path} is empty: a CSV needs a "
                    "header row and one row per area, year and "
                    "indicator",
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataValidationError(
            [
                Problem(
                    "not_utf8",
                    f"{path}: line {line} is not UTF-8 (byte 0x{data[exc.start]:02x}, "
                    "likely Latin-1/Windows-1252 from Excel): save the file as UTF-8 (in Excel: "
                    "'CSV UTF-8 (comma delimited)')",
                )
            ]
        ) from None
    header = text.splitlines()[0]
    semicolons = header.count(";") > header.count(",")
    raw = pd.read_csv(
        io.StringIO(text),
        sep=";" if semicolons else ",",
        dtype=str,
        keep_default_na=False,
        na_values=["", "NA", "NaN", "nan"],
        skip_blank_lines=False,
    )
    raw["source_line"] = np.arange(len(raw)) + 2
    raw = raw[raw.drop(columns="source_line").notna().any(axis=1)]  # blank lines
    notes = []
    if semicolons:
        text_cols = set(_TEXT) | {"regso_label", "source_line"}
        numeric = [c for c in raw.columns if c not in text_cols]
        raw[numeric] = raw[numeric].apply(lambda col: col.str.replace(",", ".", regex=False))
        notes.append(
            f"{path.name} is semicolon-separated with decimal commas (the Swedish "
            "Excel convention): read as such"
        )
    first = raw.columns[0]
    repeated = raw[first].astype(str).str.strip() == str(first).strip()
    if repeated.any():
        raise DataValidationError(
            [
                Problem(
                    "repeated_header",
                    f"{path}: the header row is repeated on line(s) "
                    f"{', '.join(map(str, raw.loc[repeated, 'source_line']))} (files pasted "
                    "together?): remove those lines",
                )
            ]
        )
    for col, kind in _TEXT.items():
        if col in raw:
            raw[col] = raw[col].astype(kind)
    raw.attrs["notes"] = notes
    return raw


def wide_to_long(wide: pd.DataFrame) -> pd.DataFrame:
    """Melt a wide frame (``V1_count``, ``V1_denominator``, ``median_income`` ...) to long.

    Examples
    --------
    >>> w = pd.DataFrame(
    ...     {
    ...         "area_code": ["0114R001"],
    ...         "year": [2022],
    ...         "V2_count": [5],
    ...         "V2_denominator": [50],
    ...         "median_income": [310.0],
    ...     }
    ... )
    >>> wide_to_long(w)[["indicator", "count", "denominator", "value"]].values.tolist()
    [['V2', 5.0, 50.0, nan], ['median_income', nan, nan, 310.0]]
    """
    keys = [c for c in ("area_code", "year", *META_COLUMNS, "source_line") if c in wide.columns]
    if not {"area_code", "year"} <= set(keys):
        raise DataValidationError(
            [
                Problem(
                    "missing_columns",
                    f"a wide table needs area_code and year columns; has "
                    f"{list(wide.columns)} (a long table needs an 'indicator' column)",
                )
            ]
        )
    frames = []
    measure = [c for c in wide.columns if c not in keys]
    done: set[str] = set()
    for col in measure:
        if col in done:
            continue
        if col.endswith(("_count", "_denominator")):
            ind = col.rsplit("_", 1)[0]
            c, d = f"{ind}_count", f"{ind}_denominator"
            part = wide[keys].assign(
                indicator=ind, count=wide.get(c), denominator=wide.get(d), value=float("nan")
            )
            done |= {c, d}
        else:
            part = wide[keys].assign(
                indicator=col, count=float("nan"), denominator=float("nan"), value=wide[col]
            )
            done.add(col)
        frames.append(part)
    return pd.concat(frames, ignore_index=True)[[*ID_COLUMNS, *NUMERIC_COLUMNS, *keys[2:]]]


#: the dataset attribute holding where the data came from (:func:`input_provenance`)
PROVENANCE = "provenance"


def input_provenance(data) -> dict:
    """Where ``data`` came from, as a run's manifest records it: ``inputs`` (each file
    read and its SHA-256: the user's file, or the packaged resources of packaged and
    synthetic data), ``data`` (the dataset's name or path) and ``data_options`` (what
    shaped it: a synthetic panel's seed, areas and years; a file's assumed boundary
    version). ``data``: a :class:`LoadedData`, or a dataset loaded by :func:`load_data`
    (it carries the same in its attrs, so a result made from it alone knows its inputs).

    Examples
    --------
    >>> loaded = load_data("synthetic", n_areas=40, years=(2023, 2024), seed=5)
    >>> got = input_provenance(loaded)
    >>> got["data"], got["data_options"], sorted(got["inputs"])[0]
    ('synthetic', {'seed': 5, 'n_areas': 40, 'years': [2023, 2024]},
    'sesindex/data/resources/sweden_regso_2022.csv.gz')
    >>> input_provenance(loaded.dataset.sel(area=loaded.dataset.area[:3])) == got
    True
    """
    import json

    ds = getattr(data, "dataset", data)
    attrs = getattr(ds, "attrs", {})
    if PROVENANCE in attrs:
        return json.loads(attrs[PROVENANCE])
    if isinstance(data, LoadedData):  # made by hand, not by load_data
        return {"inputs": dict(data.files), "data": data.name, "data_options": {}}
    return {"inputs": {}, "data": "dataset", "data_options": {}}


def _with_provenance(loaded: LoadedData, **options) -> LoadedData:
    """``loaded`` with its provenance (:func:`input_provenance`) in its dataset's attrs."""
    import json

    options = {
        k: (list(v) if isinstance(v, tuple) else v) for k, v in options.items() if v is not None
    }
    loaded.dataset.attrs[PROVENANCE] = json.dumps(
        {"inputs": loaded.files, "data": loaded.name, "data_options": options}
    )
    return loaded


def load_data(
    source: str,
    *,
    boundary_version: str | None = None,
    seed: int | None = None,
    years: tuple[int, ...] | None = None,
    n_areas: int | None = None,
) -> LoadedData:
    """Load a packaged dataset by name or a file by path (validated, nothing dropped);
    where it came from is in its dataset's attrs (:func:`input_provenance`).
    """
    loaded = _load(
        source, boundary_version=boundary_version, seed=seed, years=years, n_areas=n_areas
    )
    synthetic = source in ("synthetic", "synthetic-programme", "synthetic-deso")
    # a synthetic panel: the seed it was drawn with, given or not
    seed = int(loaded.dataset.attrs["seed"]) if synthetic else None
    return _with_provenance(
        loaded, seed=seed, n_areas=n_areas, years=years, boundary_version=boundary_version
    )


def _load(
    source: str,
    *,
    boundary_version: str | None,
    seed: int | None,
    years: tuple[int, ...] | None,
    n_areas: int | None,
) -> LoadedData:
    if source in ("synthetic", "synthetic-programme", "synthetic-deso"):
        from functools import partial

        from sesindex.data.synthetic import (
            PROGRAMME_DEMO,
            SyntheticData,
            generate,
            generate_programme,
        )

        kw = {"seed": seed} if seed is not None else {}
        # RegSO as SCB serves it (RegSO 2025 from 2024); DeSO held at DeSO 2018
        kw["boundary_break"] = source != "synthetic-deso"
        makers: dict[str, Callable[..., SyntheticData]] = {
            "synthetic": generate,
            "synthetic-programme": generate_programme,
            "synthetic-deso": partial(generate, division="deso"),
        }
        syn = _subset(makers[source](**kw), n_areas, years)  # one panel, whatever is asked of it
        notes = [
            f"synthetic national {'DeSO ' if source == 'synthetic-deso' else ''}"
            f"panel, seed {syn.seed}: {syn.dataset.attrs['source']}; "
            f"{syn.dataset.attrs['boundary_note']}"
        ]
        if n_areas is not None or years is not None:
            notes.append(
                f"{syn.dataset.sizes['area']} areas x {syn.dataset.sizes['year']} "
                "years of that panel"
            )
        if source == "synthetic-programme":
            notes.append(
                f"a programme is planted: {PROGRAMME_DEMO['areas']} worse-off areas "
                f"improve by {-PROGRAMME_DEMO['index']:g} index point(s) from "
                f"{PROGRAMME_DEMO['start']} (programme.csv lists them)"
            )
        return LoadedData(source, syn.dataset, notes, _packaged_hashes(), syn.truth, syn.tidy)
    if source == "sweden-regso-2022":
        from sesindex.data.real_bundle import ATTRIBUTION, regso_2022_tidy

        tidy = regso_2022_tidy()
        ds = from_tidy(tidy, attrs={"source": f"packaged RegSO bundle 2022. {ATTRIBUTION}"})
        return LoadedData(
            source,
            ds,
            [f"real RegSO 2020 bundle, 2022 ({ATTRIBUTION})"],
            _packaged_hashes(),
            tidy=tidy,
        )
    if source == "karlstad-tab6586":
        from sesindex.data.real_bundle import resource

        return _load_pxweb(resource("TAB6586_region1780_jsonstat2.json"), name=source)
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(
            f"--data {source!r} is neither a packaged dataset {list(PACKAGED)} nor an existing file"
        )
    if path.suffix.lower() == ".json":
        return _load_pxweb(path, name=str(path))
    tidy = read_table(path)
    ds = from_tidy(tidy, boundary_version=boundary_version, attrs={"source": str(path)})
    notes = list(tidy.attrs.get("notes", []))
    tidy = tidy.drop(columns="source_line", errors="ignore")
    if "boundary_version" not in tidy.columns:
        notes.append(f"no boundary_version column: assumed {boundary_version or 'RegSO2020'}")
    return LoadedData(str(path), ds, notes, {str(path): sha256(path)}, tidy=tidy)


def _subset(syn, n_areas: int | None, years):
    """Some areas (a seeded random subset) and years of a generated synthetic panel, so
    every command and every ``--years`` sees the same numbers.
    """
    from dataclasses import replace

    keep_years = list(years) if years is not None else syn.dataset["year"].values.tolist()
    missing = sorted(set(keep_years) - set(syn.dataset["year"].values.tolist()))
    if missing:
        raise ValueError(
            f"years {missing} are outside the synthetic panel "
            f"({int(syn.dataset.year.min())}-{int(syn.dataset.year.max())})"
        )
    areas = syn.dataset["area"].values
    if n_areas is not None:
        rng = np.random.default_rng([syn.seed, 3])
        areas = np.sort(rng.choice(areas, size=n_areas, replace=False))
    in_truth = syn.truth["area_code"].isin(areas) & syn.truth["year"].isin(keep_years)
    in_tidy = syn.tidy["area_code"].isin(areas) & syn.tidy["year"].isin(keep_years)
    return replace(
        syn,
        dataset=syn.dataset.sel(area=areas, year=keep_years),
        truth=syn.truth[in_truth].reset_index(drop=True),
        tidy=syn.tidy[in_tidy].reset_index(drop=True),
    )


def _load_pxweb(path: Path, name: str) -> LoadedData:
    from sesindex.data.pxweb import read_jsonstat

    table = read_jsonstat(path)
    table.raise_on_problems()
    ds = from_tidy(
        table.tidy,
        attrs={
            "source": f"{table.meta.get('source', 'SCB')} "
            f"{table.meta.get('table_id', '')} ({path.name})"
        },
    )
    return LoadedData(name, ds, list(table.notes), {str(path): sha256(path)}, tidy=table.tidy)


def _packaged_hashes() -> dict[str, str]:
    from sesindex.data.real_bundle import AREAS_FILE, PANEL_FILE, resource

    return {f"sesindex/data/resources/{f}": sha256(resource(f)) for f in (AREAS_FILE, PANEL_FILE)}

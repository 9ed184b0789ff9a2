"""The packaged real-data bundle (Source: Statistics Sweden (SCB)) and how it is built.

``resources/sweden_regso_2022.csv.gz`` holds one row per RegSO 2020 area (3,363), derived
from SCB's DeSO statistics in ``shared/data`` by :func:`build_bundle`: DeSO counts summed
to RegSO (never averaging percentages), the official area type 2022, and
``resources/sweden_regso_panel_2020_2023.csv.gz`` with four years of population,
foreign-born, mean wage income and tenure. Both carry the attribution
"Source: Statistics Sweden (SCB)".

Examples
--------
>>> areas = load_areas()
>>> len(areas), int(areas["population"].min()) > 600
(3363, True)
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

ATTRIBUTION = "Source: Statistics Sweden (SCB)"
AREAS_FILE = "sweden_regso_2022.csv.gz"
PANEL_FILE = "sweden_regso_panel_2020_2023.csv.gz"
DESO_FILE = "sweden_deso_2018.csv.gz"
_EDU = ["edu_forgymnasial", "edu_gymnasial", "edu_postgym_lt3y", "edu_postgym_ge3y", "edu_missing"]
_SUMMED = [
    "population",
    "pop_0_19",
    "pop_20_64",
    "pop_65_plus",
    *_EDU,
    "income_persons",
    "foreign_born",
    "swedish_born",
    "dwellings_rental",
    "dwellings_condo",
    "dwellings_owned",
    "dwellings_unknown",
    "total_households",
]


def resource(name: str) -> Path:
    """The path of a packaged data file (``sesindex/data/resources/<name>``).

    Examples
    --------
    >>> resource("TAB6586_region1780_jsonstat2.json").exists()
    True
    """
    return Path(str(resources.files("sesindex.data") / "resources" / name))


def load_areas() -> pd.DataFrame:
    """The packaged RegSO 2020 area table (codes, names, municipality, real 2022 counts)."""
    return pd.read_csv(resource(AREAS_FILE), dtype={"area_code": str, "municipality_code": str})


def load_deso_areas() -> pd.DataFrame:
    """The packaged DeSO 2018 area table: 5,984 areas with their RegSO 2020 area
    (``regso_code``; DeSO have no names, ``area_name`` is the RegSO's), municipality and
    real counts of about 2022 (population, aged 20-64, education).

    Examples
    --------
    >>> deso = load_deso_areas()
    >>> len(deso), deso["regso_code"].nunique(), bool((deso["area_code"].str[4] != "R").all())
    (5984, 3363, True)
    """
    return pd.read_csv(
        resource(DESO_FILE), dtype={"area_code": str, "regso_code": str, "municipality_code": str}
    )


def load_panel() -> pd.DataFrame:
    """The packaged RegSO panel 2020-2023 (population, foreign-born, wage income, tenure)."""
    return pd.read_csv(resource(PANEL_FILE), dtype={"area_code": str})


def _aggregate_deso(shared: Path) -> pd.DataFrame:
    from sesindex.data.deso import aggregate_counts  # the one DeSO -> RegSO mechanism

    key = pd.read_csv(shared / "deso_regso_key.csv", dtype=str)
    deso = pd.read_csv(shared / "deso_snapshot.csv", dtype={"deso_code": str})
    regso = aggregate_counts(deso, key, columns=_SUMMED)
    # A median cannot be summed: weight DeSO medians by income earners (approximation).
    w = deso.merge(key[["deso_code", "regso_code"]], on="deso_code")
    w["_w"] = w["median_income_tkr"] * w["income_persons"]
    med = w.groupby("regso_code")[["_w", "income_persons"]].sum()
    regso["median_income_tkr"] = (
        (med["_w"] / med["income_persons"]).round(1).reindex(regso.index).values
    )
    return regso


def _build_deso(shared: Path, out: Path) -> None:
    """``DESO_FILE``: each DeSO's key row and real counts, in the areas table's layout."""
    key = pd.read_csv(shared / "deso_regso_key.csv", dtype=str)
    deso = pd.read_csv(shared / "deso_snapshot.csv", dtype={"deso_code": str})
    both = key.merge(deso, on="deso_code", how="outer", validate="one_to_one", indicator=True)
    lonely = both.loc[both["_merge"] != "both", "deso_code"]
    if len(lonely):
        raise ValueError(f"DeSO codes in only one of key and snapshot: {sorted(lonely)[:12]}")
    table = both.rename(
        columns={
            "deso_code": "area_code",
            "regso_name": "area_name",
            "kommun_code": "municipality_code",
            "kommun_name": "municipality_name",
        }
    )
    table[
        [
            "area_code",
            "area_name",
            "regso_code",
            "municipality_code",
            "municipality_name",
            "population",
            "pop_20_64",
            *_EDU,
        ]
    ].sort_values("area_code").to_csv(out / DESO_FILE, index=False)


def build_bundle(shared: Path, out: Path | None = None) -> dict[str, str]:
    """Rebuild the packaged bundle from ``shared/data``; returns a provenance report."""
    shared, out = Path(shared), Path(out) if out else resource("")
    key = pd.read_csv(shared / "deso_regso_key.csv", dtype=str)
    meta = key.drop_duplicates("regso_code").set_index("regso_code")
    areas = _aggregate_deso(shared)
    types = pd.read_csv(shared / "official_area_types_2022.csv", dtype=str).set_index("regso_code")
    areas.insert(0, "area_name", meta["regso_name"].reindex(areas.index))
    areas.insert(1, "municipality_code", meta["kommun_code"].reindex(areas.index))
    areas.insert(2, "municipality_name", meta["kommun_name"].reindex(areas.index))
    areas["official_type_2022"] = types["area_type_2022"].reindex(areas.index).astype(int)
    areas.index.name = "area_code"
    areas.reset_index().to_csv(out / AREAS_FILE, index=False)

    _build_deso(shared, out)
    panel = pd.read_csv(shared / "regso_panel_2020_2023.csv", dtype={"regso_code": str})
    report = {"unmatched_panel_labels": "none"}
    unmatched = panel["regso_code"].isna()
    if unmatched.any():
        # Resolve by elimination within the municipality, and say so.
        fixes = {}
        for label in panel.loc[unmatched, "regso_label"].unique():
            kommun = label.split(" (")[0]
            codes = set(meta.index[meta["kommun_name"] == kommun])
            free = sorted(codes - set(panel["regso_code"].dropna()))
            if len(free) != 1:
                raise ValueError(
                    f"panel label {label!r} matches no RegSO code unambiguously (candidates {free})"
                )
            fixes[label] = free[0]
        panel.loc[unmatched, "regso_code"] = panel.loc[unmatched, "regso_label"].map(fixes)
        report["unmatched_panel_labels"] = "; ".join(
            f"{k!r} -> {v} (only code of its municipality absent from the panel; key spells "
            f"it {meta.loc[v, 'regso_label']!r})"
            for k, v in fixes.items()
        )
    panel = panel.rename(columns={"regso_code": "area_code"}).drop(columns="regso_label")
    panel.to_csv(out / PANEL_FILE, index=False)
    report["areas"] = str(len(areas))
    report["population_range"] = f"{areas['population'].min()}-{areas['population'].max()}"
    return report


def regso_2022_tidy() -> pd.DataFrame:
    """The real bundle as a tidy frame (year 2022) for the data model.

    Indicators: ``forgymnasial_25_64`` (förgymnasial or missing education among residents
    aged about 25-64, counts), ``median_income`` (continuous, thousand SEK),
    ``mean_wage_income`` (continuous), ``rental_dwellings`` and ``foreign_born`` (counts),
    ``published_type`` (SCB's official area type 2022).
    """
    a = load_areas()
    p = load_panel()
    p = p[p["year"] == 2022].set_index("area_code").reindex(a["area_code"])
    dwellings = a[
        ["dwellings_rental", "dwellings_condo", "dwellings_owned", "dwellings_unknown"]
    ].sum(axis=1)
    columns = {
        "forgymnasial_25_64": (
            a["edu_forgymnasial"] + a["edu_missing"],
            a[_EDU].sum(axis=1),
            np.nan,
        ),
        "rental_dwellings": (a["dwellings_rental"], dwellings, np.nan),
        "foreign_born": (a["foreign_born"], a["population"], np.nan),
        "median_income": (np.nan, np.nan, a["median_income_tkr"]),
        "mean_wage_income": (np.nan, np.nan, p["mean_wage_income_tkr"].to_numpy()),
        "published_type": (np.nan, np.nan, a["official_type_2022"]),
    }
    frames = [
        pd.DataFrame(
            {
                "area_code": a["area_code"],
                "year": 2022,
                "indicator": ind,
                "count": c,
                "denominator": n,
                "value": v,
                "area_name": a["area_name"],
                "municipality_code": a["municipality_code"],
                "boundary_version": "RegSO2020",
            }
        )
        for ind, (c, n, v) in columns.items()
    ]
    return pd.concat(frames, ignore_index=True)


#: SCB's 290 municipalities with names and polygons (GeoParquet, WGS 84).
MUNICIPALITIES_FILE = "municipalities_2024_wgs84.parquet"


def municipality_names() -> dict[str, str]:
    """Municipality code -> name, for the 290 municipalities of 2024 (Source: SCB).

    Examples
    --------
    >>> names = municipality_names()
    >>> len(names), names["1780"], names["0114"]
    (290, 'Karlstad', 'Upplands Väsby')
    """
    frame = pd.read_parquet(resource(MUNICIPALITIES_FILE), columns=["kommun_kod", "kommun"])
    return dict(zip(frame["kommun_kod"].astype(str), frame["kommun"].astype(str), strict=True))

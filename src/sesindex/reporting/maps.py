"""Optional choropleth maps from a user's boundary file (GeoPackage/GeoJSON; geopandas).

Install the extra with ``pip install -e ".[maps]"``. Without a boundary file, or without
geopandas, nothing else changes: the report simply has no map.

Examples
--------
>>> import json, tempfile, pathlib, pandas as pd
>>> square = lambda x: [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]]
>>> gj = {"type": "FeatureCollection", "features": [
...     {"type": "Feature", "properties": {"regso_code": c},
...      "geometry": {"type": "Polygon", "coordinates": square(i)}}
...     for i, c in enumerate(["0114R001", "0114R002"])]}
>>> path = pathlib.Path(tempfile.mkdtemp()) / "b.geojson"
>>> _ = path.write_text(json.dumps(gj))
>>> areas = pd.DataFrame({"area_code": ["0114R001", "0114R002"], "year": 2024, "type": [4, 1]})
>>> fig = type_map(areas, path, 2024)
>>> fig.axes[0].get_title()
'Area type, 2024'
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

CODE_COLUMNS = ("area_code", "regso_code", "regsokod", "RegSO", "regso", "deso_code", "code")


def read_boundaries(path):
    """Read a boundary file (or take a GeoDataFrame) and find its area-code column
    (named in :data:`CODE_COLUMNS`)."""
    try:
        import geopandas as gpd
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise ImportError("maps need geopandas: pip install -e '.[maps]'") from exc
    gdf = path if isinstance(path, gpd.GeoDataFrame) else gpd.read_file(path)
    col = next((c for c in CODE_COLUMNS if c in gdf.columns), None)
    if col is None:
        raise ValueError(f"{path}: no area-code column among {list(gdf.columns)}; "
                         f"expected one of {list(CODE_COLUMNS)}")
    return gdf.rename(columns={col: "area_code"})[["area_code", "geometry"]]


def type_map(areas: pd.DataFrame, boundaries, year: int):
    """Two maps side by side: area type and, when present, P(type differs) (uncertainty)."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    from sesindex.reporting.figures import TYPE_COLOURS

    gdf = read_boundaries(boundaries)
    d = areas[areas["year"] == year]
    merged = gdf.merge(d, on="area_code", how="left")
    unmatched = merged["type"].isna().sum()
    has_unc = "p_type_differs" in d
    fig, axes = plt.subplots(1, 2 if has_unc else 1, figsize=(11 if has_unc else 6, 6),
                             constrained_layout=True, squeeze=False)
    cmap = ListedColormap([TYPE_COLOURS[k] for k in range(1, 6)])
    merged.plot(column="type", ax=axes[0, 0], cmap=cmap, vmin=0.5, vmax=5.5,
                edgecolor="grey", linewidth=0.1, legend=True,
                missing_kwds={"color": "white", "hatch": "//", "label": "no data"})
    axes[0, 0].set_title(f"Area type, {year}")
    if has_unc:
        merged.plot(column="p_type_differs", ax=axes[0, 1], cmap="Purples", vmin=0, vmax=1,
                    legend=True, edgecolor="grey", linewidth=0.1)
        axes[0, 1].set_title(f"P(type differs from the observed type), {year}")
    for ax in axes.ravel():
        ax.set_axis_off()
    if unmatched:
        fig.suptitle(f"{unmatched} boundary polygons have no area in this run (hatched)",
                     fontsize=9)
    return fig


def municipality_summary(areas: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per municipality: areas, the share in types 1-2 (when the areas have types) and
    the median width of the areas' 90 % index intervals (when the run has intervals).

    >>> a = pd.DataFrame({"area_code": ["0114R001", "0114R002", "1780R001"], "year": 2024,
    ...                   "municipality_code": ["0114", "0114", "1780"], "type": [1, 4, 3]})
    >>> municipality_summary(a, 2024)["share_type_1_2"].tolist()
    [0.5, 0.0]
    """
    from sesindex.reporting.tables import type_column

    d = areas[areas["year"] == year].copy()
    if "municipality_code" not in d:
        d["municipality_code"] = d["area_code"].str[:4]
    type_col = type_column(d)
    g = d.groupby("municipality_code")
    out = pd.DataFrame({"areas": g.size()})
    if type_col is not None:  # no types: no shares (not a map of empty shares)
        typed = d[d[type_col] > 0]
        out["share_type_1_2"] = typed.groupby("municipality_code")[type_col].apply(
            lambda t: float((t <= 2).mean()))
    for status in ("index", "eta"):
        if f"{status}_lo90" in d:
            width = d[f"{status}_hi90"] - d[f"{status}_lo90"]
            out["median_interval_width"] = width.groupby(d["municipality_code"]).median()
            break
    return out.reset_index()


def municipality_map(areas: pd.DataFrame, year: int):
    """The municipality map every report carries (the packaged boundaries of SCB's 290
    municipalities): share of areas in types 1-2 (when the areas have types) and, with
    intervals, the median width of the areas' 90 % index intervals. None without
    geopandas, or with neither."""
    try:
        import geopandas as gpd
    except ImportError:  # pragma: no cover - depends on the optional extra
        return None
    import matplotlib.pyplot as plt

    from sesindex.data.real_bundle import MUNICIPALITIES_FILE, resource

    gdf = gpd.read_parquet(resource(MUNICIPALITIES_FILE)).rename(
        columns={"kommun_kod": "municipality_code"})
    merged = gdf.merge(municipality_summary(areas, year), on="municipality_code",
                       how="left")
    columns = [(c, t) for c, t in (
        ("share_type_1_2", f"Share of areas in types 1-2, {year}"),
        ("median_interval_width", f"Median width of 90 % index intervals, {year}"))
        if c in merged and merged[c].notna().any()]
    if not columns:
        return None
    fig, axes = plt.subplots(1, len(columns), figsize=(5.5 * len(columns), 7),
                             constrained_layout=True, squeeze=False)
    for ax, (col, title) in zip(axes[0], columns):
        merged.plot(column=col, ax=ax, cmap="Reds" if col.startswith("share") else "Purples",
                    legend=True, edgecolor="white", linewidth=0.2,
                    missing_kwds={"color": "0.92", "label": "no areas in this run"})
        ax.set_title(title)
        ax.set_axis_off()
    return fig


def regso_from_deso(deso_file: str | Path, key_file: str | Path):
    """RegSO polygons dissolved from a DeSO boundary file and SCB's DeSO -> RegSO key
    (``deso_regso_key.csv``: columns ``deso_code``/``deso``, ``regso_code``), ready for
    :func:`type_map`. Every DeSO must be in the key (a missing one is named).

    Examples
    --------
    >>> regso_from_deso("deso2018_uppsala_county.shp", "deso_regso_key.csv")  # doctest: +SKIP
    """
    import geopandas as gpd

    deso = gpd.read_file(deso_file)
    code = next((c for c in ("deso_code", "Deso", "deso", "DeSO") if c in deso.columns), None)
    if code is None:
        raise ValueError(f"{deso_file}: no DeSO code column among {list(deso.columns)}")
    key = pd.read_csv(key_file, dtype=str)
    key_code = "deso_code" if "deso_code" in key else "deso"
    mapping = dict(zip(key[key_code], key["regso_code"]))
    missing = sorted(set(deso[code]) - set(mapping))
    if missing:
        raise ValueError(f"{len(missing)} DeSO codes of {deso_file} are not in the key: "
                         f"{missing[:10]}")
    deso["area_code"] = deso[code].map(mapping)
    return deso[["area_code", "geometry"]].dissolve(by="area_code").reset_index()

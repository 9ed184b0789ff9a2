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


def read_boundaries(path: str | Path):
    """Read a boundary file and find its area-code column (named in :data:`CODE_COLUMNS`)."""
    try:
        import geopandas as gpd
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise ImportError("maps need geopandas: pip install -e '.[maps]'") from exc
    gdf = gpd.read_file(path)
    col = next((c for c in CODE_COLUMNS if c in gdf.columns), None)
    if col is None:
        raise ValueError(f"{path}: no area-code column among {list(gdf.columns)}; "
                         f"expected one of {list(CODE_COLUMNS)}")
    return gdf.rename(columns={col: "area_code"})[["area_code", "geometry"]]


def type_map(areas: pd.DataFrame, boundaries: str | Path, year: int):
    """Two maps side by side: area type and, when present, P(type differs) (uncertainty)."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    from sesindex.report.figures import TYPE_COLOURS

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

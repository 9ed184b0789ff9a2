"""Maps: the municipality map every report carries, and choropleths of the areas from a
user's boundary file.

The municipality map needs only the core install: the packaged boundaries (GeoParquet,
WKB) are read with pyarrow, decoded by :func:`decode_wkb` and drawn with matplotlib.
An area map from a user's boundary file (GeoPackage/GeoJSON/shapefile) reads it with
geopandas, the optional extra (``pip install -e ".[maps]"``); its area codes must match
the run's (:func:`check_boundary_codes`).

Examples
--------
>>> import json, tempfile, pathlib, pandas as pd
>>> square = lambda x: [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]]
>>> gj = {
...     "type": "FeatureCollection",
...     "features": [
...         {
...             "type": "Feature",
...             "properties": {"regso_code": c},
...             "geometry": {"type": "Polygon", "coordinates": square(i)},
...         }
...         for i, c in enumerate(["0114R001", "0114R002"])
...     ],
... }
>>> path = pathlib.Path(tempfile.mkdtemp()) / "b.geojson"
>>> _ = path.write_text(json.dumps(gj))
>>> areas = pd.DataFrame({"area_code": ["0114R001", "0114R002"], "year": 2024, "type": [4, 1]})
>>> fig = type_map(areas, path, 2024)  # needs geopandas
>>> fig.axes[0].get_title()
'Area type, 2024'
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

CODE_COLUMNS = ("area_code", "regso_code", "regsokod", "RegSO", "regso", "deso_code", "code")


def read_boundaries(path):
    """Read a boundary file (or take a GeoDataFrame) and find its area-code column
    (named in :data:`CODE_COLUMNS`).
    """
    try:
        import geopandas as gpd
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise ImportError(
            "an area map from a boundary file needs geopandas (the optional "
            "maps extra): pip install -e '.[maps]'"
        ) from exc
    gdf = path if isinstance(path, gpd.GeoDataFrame) else gpd.read_file(path)
    col = next((c for c in CODE_COLUMNS if c in gdf.columns), None)
    if col is None:
        raise ValueError(
            f"{path}: no area-code column among {list(gdf.columns)}; "
            f"expected one of {list(CODE_COLUMNS)}"
        )
    return gdf.rename(columns={col: "area_code"})[["area_code", "geometry"]]


def _listed(codes, cap: int = 10) -> str:
    """At most ``cap`` codes, and how many more."""
    codes = sorted(codes)
    more = f" and {len(codes) - cap} more" if len(codes) > cap else ""
    return ", ".join(codes[:cap]) + more


def check_boundary_codes(boundary_codes, area_codes, source="the boundary file") -> None:
    """Refuse boundaries whose codes do not match the run's areas, naming the codes
    (at most ten of each, with their counts) in both directions: codes of the file that
    are not areas of the run, and areas of the run without a boundary in the
    municipalities the file covers (a file of one county may map a national run). A file
    covers a municipality when it holds at least half of the run's areas there: a
    county's file cut from SCB's DeSO boundaries also holds a few areas of neighbouring
    municipalities, which does not make it their map.

    Examples
    --------
    >>> check_boundary_codes(["0114R001", "0114R002"], ["0114R001", "0114R002", "1780R001"])
    >>> check_boundary_codes(["0114R001", "0114R009"], ["0114R001", "0114R002"])
    Traceback (most recent call last):
    ...
    ValueError: the boundary file does not match the run's areas: 1 of its codes are not areas of
    the run (0114R009); 1 areas of the run in its municipalities have no boundary (0114R002)
    """
    boundary_codes = {str(c) for c in boundary_codes}
    area_codes = {str(c) for c in area_codes}
    unknown = boundary_codes - area_codes
    held = pd.Series([c[:4] for c in area_codes & boundary_codes], dtype=object)
    every = pd.Series([c[:4] for c in area_codes], dtype=object).value_counts()
    share = held.value_counts().reindex(every.index, fill_value=0) / every
    covered = set(share.index[share >= 0.5])
    unmapped = {c for c in area_codes - boundary_codes if c[:4] in covered}
    problems = []
    if unknown:
        problems.append(
            f"{len(unknown)} of its codes are not areas of the run ({_listed(unknown)})"
        )
    if unmapped:
        problems.append(
            f"{len(unmapped)} areas of the run in its municipalities have no "
            f"boundary ({_listed(unmapped)})"
        )
    if problems:
        raise ValueError(f"{source} does not match the run's areas: {'; '.join(problems)}")


def type_map(areas: pd.DataFrame, boundaries, year: int, lang: str = "en"):
    """Two maps side by side: area type and, when present, P(type differs) (uncertainty).
    Boundaries whose codes do not match the areas of ``year`` are refused
    (:func:`check_boundary_codes`).
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    from sesindex.reporting.figures import TYPE_COLOURS, localised
    from sesindex.reporting.vocabulary import text

    gdf = read_boundaries(boundaries)
    d = areas[areas["year"] == year]
    check_boundary_codes(
        gdf["area_code"],
        d["area_code"],
        boundaries if isinstance(boundaries, (str, Path)) else "the boundary file",
    )
    merged = gdf.merge(d, on="area_code", how="left")
    has_unc = "p_type_differs" in d
    fig, axes = plt.subplots(
        1,
        2 if has_unc else 1,
        figsize=(11 if has_unc else 6, 6),
        constrained_layout=True,
        squeeze=False,
    )
    cmap = ListedColormap([TYPE_COLOURS[k] for k in range(1, 6)])
    merged.plot(
        column="type",
        ax=axes[0, 0],
        cmap=cmap,
        vmin=0.5,
        vmax=5.5,
        edgecolor="grey",
        linewidth=0.1,
        legend=True,
    )
    axes[0, 0].set_title(text("map_area_type", lang, year=year))
    if has_unc:
        merged.plot(
            column="p_type_differs",
            ax=axes[0, 1],
            cmap="Purples",
            vmin=0,
            vmax=1,
            legend=True,
            edgecolor="grey",
            linewidth=0.1,
        )
        axes[0, 1].set_title(text("map_p_type_differs", lang, year=year))
    for ax in axes.ravel():
        ax.set_axis_off()
    return localised(fig, lang)


def decode_wkb(data: bytes) -> list[list]:
    """The polygons of a WKB Polygon or MultiPolygon (2-D), each a list of rings, each an
    ``(n, 2)`` array of x, y; numpy and struct only (no shapely).

    Examples
    --------
    >>> import struct
    >>> ring = [(0, 0), (1, 0), (1, 1), (0, 0)]
    >>> wkb = struct.pack("<BIIBIII", 1, 6, 1, 1, 3, 1, 4) + struct.pack("<8d", *sum(ring, ()))
    >>> [[r.tolist() for r in polygon] for polygon in decode_wkb(wkb)]
    [[[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]]
    """
    import struct

    import numpy as np

    def header(offset):
        order = "<" if data[offset] == 1 else ">"
        (kind,) = struct.unpack_from(order + "I", data, offset + 1)
        return order, kind, offset + 5

    def polygon(offset, order):
        (n_rings,) = struct.unpack_from(order + "I", data, offset)
        offset += 4
        rings = []
        for _ in range(n_rings):
            (n,) = struct.unpack_from(order + "I", data, offset)
            offset += 4
            rings.append(
                np.frombuffer(data, dtype=order + "f8", count=2 * n, offset=offset).reshape(n, 2)
            )
            offset += 16 * n
        return rings, offset

    order, kind, offset = header(0)
    if kind == 3:
        return [polygon(offset, order)[0]]
    if kind != 6:
        raise ValueError(f"WKB geometry type {kind} is not a 2-D Polygon (3) or MultiPolygon (6)")
    (n_polygons,) = struct.unpack_from(order + "I", data, offset)
    offset += 4
    polygons = []
    for _ in range(n_polygons):
        order, kind, offset = header(offset)
        if kind != 3:
            raise ValueError(f"a MultiPolygon holds WKB geometry type {kind}, not a Polygon")
        rings, offset = polygon(offset, order)
        polygons.append(rings)
    return polygons


def municipality_boundaries() -> dict[str, list]:
    """The packaged boundaries of SCB's 290 municipalities (2024, WGS 84): municipality
    code -> polygons (:func:`decode_wkb`), read with pyarrow.

    Examples
    --------
    >>> shapes = municipality_boundaries()
    >>> len(shapes), len(shapes["1780"][0][0]) > 10
    (290, True)
    """
    import pyarrow.parquet as pq

    from sesindex.data.real_bundle import MUNICIPALITIES_FILE, resource

    table = pq.read_table(resource(MUNICIPALITIES_FILE), columns=["kommun_kod", "geometry"])
    return {
        str(code): decode_wkb(wkb)
        for code, wkb in zip(
            table["kommun_kod"].to_pylist(), table["geometry"].to_pylist(), strict=True
        )
    }


def municipality_summary(areas: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per municipality: areas, the share in types 1-2 (when the areas have types) and
    the median width of the areas' 90 % index intervals (when the run has intervals).

    >>> a = pd.DataFrame(
    ...     {
    ...         "area_code": ["0114R001", "0114R002", "1780R001"],
    ...         "year": 2024,
    ...         "municipality_code": ["0114", "0114", "1780"],
    ...         "type": [1, 4, 3],
    ...     }
    ... )
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
            lambda t: float((t <= 2).mean())
        )
    for status in ("index", "eta"):
        if f"{status}_lo90" in d:
            width = d[f"{status}_hi90"] - d[f"{status}_lo90"]
            out["median_interval_width"] = width.groupby(d["municipality_code"]).median()
            break
    return out.reset_index()


def municipality_map(areas: pd.DataFrame, year: int, lang: str = "en"):
    """The municipality map every report carries (the packaged boundaries of SCB's 290
    municipalities, :func:`municipality_boundaries`; core install, no geopandas): share
    of areas in types 1-2 (when the areas have types) and, with intervals, the median
    width of the areas' 90 % index intervals. None with neither.
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.collections import PolyCollection
    from matplotlib.ticker import FuncFormatter

    from sesindex.reporting.vocabulary import number, text

    summary = municipality_summary(areas, year).set_index("municipality_code")
    columns = [
        (c, text(key, lang, year=year))
        for c, key in (
            ("share_type_1_2", "map_share_type_1_2"),
            ("median_interval_width", "map_interval_width"),
        )
        if c in summary and summary[c].notna().any()
    ]
    if not columns:
        return None
    shapes = municipality_boundaries()
    codes = [code for code, polygons in shapes.items() for _ in polygons]
    rings = [polygon[0] for polygons in shapes.values() for polygon in polygons]
    aspect = 1 / np.cos(np.radians(62))  # degrees of longitude are shorter in Sweden
    fig, axes = plt.subplots(
        1, len(columns), figsize=(5.5 * len(columns), 7), constrained_layout=True, squeeze=False
    )
    for ax, (col, title) in zip(axes[0], columns, strict=True):
        cmap = plt.get_cmap("Reds" if col.startswith("share") else "Purples").with_extremes(
            bad="0.92"
        )
        values = np.ma.masked_invalid(summary[col].reindex(codes).to_numpy(float))
        polys = PolyCollection(rings, array=values, cmap=cmap, edgecolors="white", linewidths=0.2)
        ax.add_collection(polys)
        ax.autoscale_view()
        ax.set_aspect(aspect)
        fig.colorbar(
            polys, ax=ax, shrink=0.6, format=FuncFormatter(lambda v, _: number(v, lang, 1))
        )  # a decimal comma in Swedish
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
    mapping = dict(zip(key[key_code], key["regso_code"], strict=True))
    missing = sorted(set(deso[code]) - set(mapping))
    if missing:
        raise ValueError(
            f"{len(missing)} DeSO codes of {deso_file} are not in the key: {missing[:10]}"
        )
    deso["area_code"] = deso[code].map(mapping)
    return deso[["area_code", "geometry"]].dissolve(by="area_code").reset_index()

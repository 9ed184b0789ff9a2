"""Run an index spec on a dataset: rates -> index -> national mu, sigma -> types and ranks.

Types and ranks need the whole country: with ``types_over = "national"`` (the official
rule) a year is typed and ranked only when it holds every area of its division (3,363
RegSO); otherwise it gets no types (unless national ``cutpoints`` (mu, sigma) are
supplied) and no ranks (rank 0: ranks among some areas are not national ranks), and
``types_note`` says why. ``types_over = "given_areas"`` types and ranks relative to the
areas present.

Examples
--------
>>> from sesindex.data.synthetic import generate
>>> from sesindex.index import IndexSpec
>>> ds = generate(n_areas=200, years=(2022,), seed=1).dataset
>>> out = compute_index(ds, IndexSpec(types_over="given_areas"))
>>> sorted(out.data_vars)[:4], int(out["rank"].min())
(['index', 'mu', 'rank', 'rate'], 1)
"""

from __future__ import annotations

import xarray as xr

from sesindex.data.model import indicator_rates
from sesindex.index.area_type import area_types, national_moments
from sesindex.index.composite import composite_index
from sesindex.index.cutpoints import types_note, typing_rule
from sesindex.index.ranks import ranks
from sesindex.index.spec import IndexSpec

#: Number of areas in each division: a year is national only when it holds all of them.
DIVISION_SIZES = {"RegSO2020": 3363, "RegSO2025": 3363, "DeSO2018": 5984, "DeSO2025": 6160}


def _missing_indicators(ds: xr.Dataset, spec: IndexSpec) -> list[str]:
    return [i for i in spec.indicators if i not in ds["indicator"].values]


#: how many absent areas a note names before giving the count alone
AREAS_NAMED = 20


def untyped_years(ds: xr.Dataset, index: xr.DataArray) -> tuple[list[int], str]:
    """Years that do not hold their whole division, and why they cannot be typed: the
    count of areas they hold, and by code the areas of the data that a year lacks (an
    area present in other years of its boundary version).

    Examples
    --------
    >>> from sesindex.data.synthetic import generate
    >>> ds = generate(years=(2022, 2023), seed=1).dataset
    >>> ds["count"].loc[{"area": "0114R001", "year": 2023}] = float("nan")
    >>> short, note = untyped_years(ds, ds["count"].sum("indicator", min_count=3))
    >>> short, note[:90]
    ([2023], 'the data holds 3362 of 3363 RegSO2020 areas in 2023 (lacking 1 area of the data:
    0114R001)')
    """
    from sesindex.index.cutpoints import year_spans

    short: list[int] = []
    counts: dict[tuple[int, int | str, str, str], list[int]] = {}
    known = index.notnull()
    for year in index["year"].values:
        present = known.sel(year=year)
        versions = set(ds["boundary_version"].sel(year=year).values[present.values]) - {None}
        version = next(iter(versions)) if len(versions) == 1 else None
        n, size = int(present.sum()), DIVISION_SIZES.get(version or "", 0)
        if n != size:
            short.append(int(year))
            held = (
                n,
                size or "?",
                version or types_note("types_mixed_version"),
                _lacking(ds, known, present, version),
            )
            counts.setdefault(held, []).append(int(year))
    if not short:
        return [], ""
    notes = [
        types_note(
            "types_held", n=n, size=size, version=version, years=year_spans(years), lacking=lacking
        )
        for (n, size, version, lacking), years in counts.items()
    ]
    return short, types_note("types_short", held=" / ".join(notes))


def _lacking(
    ds: xr.Dataset, known: xr.DataArray, present: xr.DataArray, version: str | None
) -> str:
    """The areas of ``version`` that have a value in another year of the data but not in
    this one (``present``), named; empty if none.
    """
    if version is None:
        return ""
    of_version = ((ds["boundary_version"] == version) & known).any("year")
    lacking = [str(a) for a in of_version["area"].values[(of_version & ~present).values]]
    if not lacking:
        return ""
    named = ", ".join(lacking[:AREAS_NAMED])
    more = (
        types_note("types_more", n=len(lacking) - AREAS_NAMED) if len(lacking) > AREAS_NAMED else ""
    )
    return types_note(
        "types_lacking" if len(lacking) > 1 else "types_lacking_one",
        n=len(lacking),
        named=named,
        more=more,
    )


def compute_index(
    ds: xr.Dataset,
    spec: IndexSpec | None = None,
    *,
    cutpoints: tuple[float, float] | dict | None = None,
) -> xr.Dataset:
    """Index, national moments, area types and ranks for every area and year.

    ``cutpoints``: national (mu, sigma) for every year, or a dict year -> (mu, sigma)
    (:func:`sesindex.index.cutpoints.parse_cutpoints`); they type years the data cannot
    type by themselves (:func:`sesindex.index.cutpoints.typing_rule`).
    """
    spec = spec or IndexSpec()
    missing = _missing_indicators(ds, spec)
    if missing:
        raise ValueError(
            f"spec {spec.name!r} needs indicators {missing}, which the data lacks "
            f"(it has {list(ds['indicator'].values)})"
        )
    rate = indicator_rates(ds, spec.indicators).reset_coords(drop=True)
    index = composite_index(
        rate, normalisation=spec.normalisation, weights=spec.weights, aggregation=spec.aggregation
    )
    weights = None
    if spec.moments == "population":
        first = spec.indicators[0]
        if ds["indicator_kind"].sel(indicator=first) != "count":
            raise ValueError(
                "population-weighted moments need a population: the first "
                f"indicator {first!r} has no denominator"
            )
        weights = ds["denominator"].sel(indicator=first, drop=True).reset_coords(drop=True)
    mu, sigma = national_moments(index, weights, ddof=spec.ddof)
    out = xr.Dataset({"rate": rate, "index": index, "rank": ranks(index)})
    if isinstance(cutpoints, tuple):
        cutpoints = {None: cutpoints}
    years = [int(y) for y in index["year"].values]
    short, short_note = untyped_years(ds, index)
    rule = typing_rule(
        years,
        [y for y in years if y not in short],
        cutpoints,
        given_areas=spec.types_over == "given_areas",
        reason=short_note,
    )
    supplied = xr.DataArray(rule.supplied, dims="year", coords={"year": index["year"]})
    mu = mu.where(~supplied, xr.DataArray(rule.mu, dims="year", coords=supplied.coords))
    sigma = sigma.where(~supplied, xr.DataArray(rule.sigma, dims="year", coords=supplied.coords))
    typed = xr.DataArray(rule.typed, dims="year", coords=supplied.coords)
    # ranks only among the whole division (or the areas given, when asked): ranks of a
    # part of the country are not national ranks, whether or not cut points type it
    ranked = xr.DataArray(rule.ranked, dims="year", coords=supplied.coords)
    out["rank"] = out["rank"].where(ranked, 0).astype(out["rank"].dtype)
    note = rule.note
    out["mu"], out["sigma"] = mu.where(typed), sigma.where(typed)
    out["type"] = area_types(index, mu, sigma).where(typed, 0).astype("int8")
    for name in ("published_index", "published_type"):
        if name in ds["indicator"].values:
            out[name] = ds["value"].sel(indicator=name, drop=True)
    out["typed"] = typed
    out.attrs.update(
        spec=spec.name,
        types_note=note,
        types_warnings=rule.warnings,
        mu_sigma="population-weighted" if weights is not None else "unweighted",
    )
    return out.assign_coords(
        {c: ds[c] for c in ("area_name", "municipality_code", "boundary_version") if c in ds.coords}
    )

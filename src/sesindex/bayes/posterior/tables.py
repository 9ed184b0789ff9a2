"""The tables of a fit: per area and year, and per pair of years, from posterior draws.

``tables`` summarises the draws a year (a pair of years for changes) at a time into
``areas`` and ``changes`` (:mod:`sesindex.uncertainty.draws` holds the per-draw
summaries); ``typing_of`` and ``observed_types`` apply the deterministic index's typing
rule to the fitted areas, so the posterior's types and the plug-in types agree in what
they type. Used by :func:`sesindex.bayes.fit.fit` and, for areas aggregated from a fit,
by :mod:`sesindex.bayes.posterior.aggregate`.

Examples
--------
>>> change_pairs([2023, 2024], ModelSpec())
[(2023, 2024, 'consecutive')]
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import numpy as np
import pandas as pd
import xarray as xr

from sesindex.bayes.spec import ModelSpec
from sesindex.data.boundary_change import mark_boundary_changes
from sesindex.indicators import official_indicators
from sesindex.uncertainty.draws import (
    POSTERIOR_VERDICT,
    change_draws,
    summarise,
    summarise_index_draws,
)


def observed_types(
    ds: xr.Dataset, indicators, years, spec: ModelSpec, cutpoints
) -> xr.DataArray | None:
    """Plug-in official types of the observed data (when the official three are among
    ``indicators``), by the same typing rule as the posterior's.
    """
    if not set(official_indicators()) <= set(indicators):
        return None
    from sesindex.index import IndexSpec, compute_index

    res = compute_index(
        ds.sel(year=list(years)), IndexSpec(types_over=spec.types_over), cutpoints=cutpoints
    )
    return res["type"]


def typing_of(ds: xr.Dataset, years, spec: ModelSpec, cutpoints=None):
    """The typing rule of a fit of the areas of ``ds`` in ``years``
    (:func:`sesindex.index.cutpoints.typing_rule`): the data's own national moments only
    in years that hold every area of the division, else supplied ``cutpoints`` (parsed),
    else no types or ranks.
    """
    from sesindex.index.cutpoints import typing_rule
    from sesindex.index.run import untyped_years

    sel = ds.sel(year=list(years))
    present = (sel["count"].notnull() | sel["value"].notnull()).any("indicator")
    short, note = untyped_years(sel, present.where(present))
    years = [int(y) for y in years]
    return typing_rule(
        years,
        [y for y in years if y not in short],
        cutpoints,
        given_areas=spec.types_over == "given_areas",
        reason=note,
    )


def _stack(da: xr.DataArray) -> xr.DataArray:
    """(chain, draw, ...) -> (draw, ...) with the chains laid end to end."""
    da = da.transpose("chain", "draw", ...)
    values = da.values.reshape(-1, *da.shape[2:])
    rest = {d: da[d].values for d in da.dims[2:] if d in da.coords}
    return xr.DataArray(values, dims=("draw", *da.dims[2:]), coords=rest, name=da.name)


def change_pairs(years, spec: ModelSpec) -> list[tuple[int, int, str]]:
    """The pairs of years ``changes.csv`` holds: consecutive years and first -> last
    (or the spec's ``change_pairs`` instead), plus the ``compare`` pairs asked for.

    Examples
    --------
    >>> change_pairs([2021, 2022, 2023], ModelSpec(compare=((2021, 2022), (2022, 2021))))
    ... # doctest: +NORMALIZE_WHITESPACE
    [(2021, 2022, 'consecutive'), (2022, 2023, 'consecutive'), (2021, 2023, 'first_last'),
     (2022, 2021, 'requested')]
    """
    years = [int(y) for y in years]
    if spec.change_pairs is not None:
        pairs = [
            (a, b, "requested")
            for a, b in dict.fromkeys(  # each pair once, in the spec's order
                (int(a), int(b)) for a, b in spec.change_pairs
            )
        ]
    else:
        pairs = [(a, b, "consecutive") for a, b in pairwise(years)]
        if len(years) > 2:
            pairs.append((years[0], years[-1], "first_last"))
    for a, b in spec.compare:
        bad = sorted({int(a), int(b)} - set(years))
        if bad or a == b:
            raise ValueError(
                f"--compare {a},{b}: "
                + (
                    f"years {bad} are not fitted ({years[0]}-{years[-1]})"
                    if bad
                    else "two different years"
                )
            )
        if (int(a), int(b)) not in [(p, q) for p, q, _ in pairs]:
            pairs.append((int(a), int(b), "requested"))
    return pairs


def tables(
    posterior: xr.Dataset,
    spec: ModelSpec,
    observed_type: xr.DataArray | None,
    fit_ok: bool,
    typing=None,
    breaks: xr.DataArray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``areas`` (per area and year) and ``changes`` (per area and pair of years) from
    the draws of ``posterior`` (eta and, with the official three, the index; without
    eta, as for areas aggregated from a fit, no ses columns).

    Summaries are computed a year (a pair of years for changes) at a time: every
    quantity is per year or per pair, so nothing needs the draws of all years at once.
    ``breaks`` (area, year): boundary breaks, marked on the changes across them.
    """
    status = "index" if "index" in posterior else "eta"
    years = [int(y) for y in posterior["year"].values]

    def one_year(year: int) -> xr.Dataset:
        one = posterior.sel(year=[year])
        ses = summarise(-_stack(one["eta"]), "ses") if "eta" in one else xr.Dataset()
        summary = summarise_index_draws(
            _stack(one[status]),
            None if observed_type is None else observed_type.sel(year=[year]),
            typing=typing,
        )
        if status == "eta":  # types and ranks from the latent status itself
            summary = summary.rename(
                {
                    k: str(k).replace("index_", "eta_")
                    for k in summary.data_vars
                    if str(k).startswith("index_")
                }
            )
        return xr.merge(
            [
                ses,
                summary.drop_vars(
                    [v for v in summary.data_vars if str(v).startswith(("mu_", "sigma_"))]
                ),
            ]
        )

    def one_pair(pair: tuple[int, int, str]) -> pd.DataFrame:
        y0, y1, kind = pair
        ch = change_draws(
            _stack(posterior[status].sel(year=[y0, y1])), y0, y1, delta=spec.delta, typing=typing
        )
        frame = ch.to_dataframe().reset_index().rename(columns={"area": "area_code"})
        frame.insert(1, "year_from", y0)
        frame.insert(2, "year_to", y1)
        frame.insert(3, "pair", kind)
        if observed_type is not None:
            t0, t1 = observed_type.sel(year=y0).values, observed_type.sel(year=y1).values
            frame.insert(4, "type_from", t0)
            frame.insert(5, "type_to", t1)
            # P(the type truly moved as observed): higher type number = better
            moved = (t0 > 0) & (t1 > 0)
            frame["p_type_change_as_observed"] = np.where(
                moved & (t1 > t0),
                frame["p_type_improves"],
                np.where(moved & (t1 < t0), frame["p_type_worsens"], np.nan),
            )
            frame["verdict"] = POSTERIOR_VERDICT(frame[POSTERIOR_VERDICT.column])
        return frame

    # years and pairs are summarised on a thread per core (the sorts and reductions
    # release the GIL); map keeps their order, so the tables do not depend on it
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        per_year = list(pool.map(one_year, years))
        frames = list(pool.map(one_pair, change_pairs(years, spec)))
    both = xr.concat(per_year, "year")
    areas = (
        both.reset_coords(drop=True)
        .to_dataframe(dim_order=["area", "year"])
        .reset_index()
        .rename(columns={"area": "area_code"})
    )
    areas["fit_ok"] = fit_ok
    changes = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(changes):
        if breaks is None:  # one series per area
            breaks = xr.zeros_like(posterior[status].isel(chain=0, draw=0, drop=True), dtype=bool)
        changes = mark_boundary_changes(changes, breaks)
        changes["fit_ok"] = fit_ok
    return areas, changes

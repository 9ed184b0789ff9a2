"""Fit the latent-factor model and derive everything the users ask for, per draw.

``fit(ds, spec)`` builds the model, samples it (nutpie by default), draws each area's
latent status and true rates (:mod:`sesindex.bayes.posterior.states`), and from them,
in every draw, the official index, the national mu and sigma, types, ranks and
year-to-year changes (:mod:`sesindex.uncertainty.draws`). The fit gate
(:mod:`sesindex.bayes.checks.gate`) covers the sampled
parameters and the reported quantities (eta and the index).

Examples
--------
>>> from sesindex.data.synthetic import generate
>>> from sesindex.bayes.spec import ModelSpec, SamplerSpec
>>> ds = generate(n_areas=40, years=(2022,), seed=2).dataset
>>> spec = ModelSpec(sampler=SamplerSpec(tune=200, draws=200, seed=1))
>>> res = fit(ds, spec)  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from sesindex.bayes.checks.gate import fit_gate
from sesindex.bayes.model.inputs import ModelInputs, model_inputs
from sesindex.bayes.posterior.states import chain_draws, standardise
from sesindex.bayes.posterior.tables import observed_types, tables, typing_of
from sesindex.bayes.sampling.samplers import SAMPLERS
from sesindex.bayes.sampling.trace import as_trace, group, posterior_of, with_group
from sesindex.bayes.smoothing import smooth_sampling_variances
from sesindex.bayes.spec import ModelSpec, override_sampler
from sesindex.indicators import official_positions

if TYPE_CHECKING:
    from sesindex.bayes.posterior.aggregate import GroupTables
    from sesindex.index.cutpoints import Typing

SAMPLED = (
    "alpha",
    "lam",
    "sigma",
    "dispersion",
    "loading_scale",
    "loading_angle",
    "rho",
    "tau",
    "jump_sd",
    "jump_share",
    "kappa",
    "programme_effect",
)


@dataclass
class FitResult:
    """A fitted model: posterior (eta, ses, index draws), tables, gate and timings."""

    spec: ModelSpec
    inputs: ModelInputs
    idata: xr.DataTree  # the sampled parameters (sesindex.bayes.sampling.trace: posterior,
    # sample_stats, ... whichever ArviZ generation sampled them)
    posterior: xr.Dataset  # derived draws: eta, ses, index (chain, draw, area, year), in
    # every ``sampler.thin_derived``-th draw (their draw coordinate says which)
    areas: pd.DataFrame
    changes: pd.DataFrame
    gate: dict
    timings: dict = field(default_factory=dict)
    typing: Typing | None = None  # which years have types
    data: xr.Dataset | None = None  # the data fitted (all areas and years of the input)
    grouped: GroupTables | None = None  # the fit aggregated to
    # larger areas per draw (DeSO -> RegSO), when ``fit(..., groups=...)``

    def to_tree(self, loaded=None):
        """The fit as one labelled run tree (:func:`sesindex.bayes.output.fit_tree`):
        ``/areas``, ``/changes``, ``/summary``, ``/data``, ``/posterior``.
        """
        from sesindex.bayes.output import fit_tree

        return fit_tree(self, loaded)


def _sample(inputs: ModelInputs, spec: ModelSpec, timings: dict, progress: bool) -> xr.DataTree:
    """The spec's sampler (:data:`~sesindex.bayes.sampling.samplers.SAMPLERS`) on the
    spec's model form, the posterior labelled with the fitted years and event times.
    """
    sampler = SAMPLERS[spec.sampler.backend]
    trace = sampler.sample(inputs, spec.form, spec.sampler, timings, progress)
    return _label_years(trace, inputs)


def _label_years(trace: xr.DataTree, inputs: ModelInputs) -> xr.DataTree:
    """The fitted years as the posterior's ``year`` labels (a compiled model reused for
    other years of the same count keeps the labels it was compiled with).
    """
    post = posterior_of(trace)
    if "year" in post.dims:
        post = post.assign_coords(year=np.asarray(inputs.years))
    if "programme_effect" in post:
        dim = post["programme_effect"].dims[-1]
        post = post.rename({dim: "event_time"}).assign_coords(event_time=list(inputs.event_times))
        if inputs.event_programmes:  # several programmes: each shift's programme
            post = post.assign_coords(programme=("event_time", list(inputs.event_programmes)))
    return with_group(trace, "posterior", post)


def divergences_of(idata) -> int:
    """Divergent transitions in a trace (0 when the sampler reports none)."""
    stats = group(as_trace(idata), "sample_stats")
    if stats is None:
        return 0
    for name in ("diverging", "divergences"):
        if name in stats:
            return int(np.asarray(stats[name].values).sum())
    return 0


def fit(
    ds: xr.Dataset,
    spec: ModelSpec,
    *,
    sampler: dict | None = None,
    seed: int | None = None,
    progress: bool = False,
    cutpoints=None,
    programme: Mapping | None = None,
    groups=None,
) -> FitResult:
    """Fit ``spec`` to the dataset.

    ``sampler``: overrides of the spec's sampler settings (``{"draws": 200}``), checked
    like a spec's; ``seed`` overrides the sampler's seed.

    ``cutpoints``: national (mu, sigma) per year for data that hold only some areas
    (:func:`sesindex.index.cutpoints.parse_cutpoints`); without them such data get no
    types and no ranks, as in the deterministic index. ``programme`` (area code ->
    first year of its programme) adds programme effects per event time
    (:mod:`sesindex.bayes.model.programme`; what :mod:`sesindex.evaluation` fits); a mapping
    programme name -> (area code -> first year) fits several programmes, each with its
    own shifts (the posterior's ``programme_effect`` then carries a ``programme``
    coordinate beside ``event_time``). ``groups``
    (:class:`sesindex.bayes.posterior.aggregate.AreaGroups`, or a mapping area code -> larger area's
    code) aggregates every draw to the larger areas (DeSO -> RegSO:
    :func:`sesindex.bayes.posterior.aggregate.deso_to_regso`); their tables are ``.grouped``.
    """
    overrides = dict(sampler or {})
    if seed is not None:
        overrides["seed"] = seed
    if overrides:
        spec = replace(spec, sampler=override_sampler(spec.sampler, overrides))
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    inputs = _fit_inputs(ds, spec, programme, timings)
    if groups is not None:  # checked before sampling: a bad key loses no run
        from sesindex.bayes.posterior.aggregate import prepare_groups

        groups = prepare_groups(inputs, groups)
    idata = _sample(inputs, spec, timings, progress)
    sampled_draws = posterior_of(idata)
    t = time.perf_counter()
    every = max(spec.sampler.thin_derived, 1)
    posterior = derive(sampled_draws.isel(draw=slice(None, None, every)), inputs, spec, groups)
    timings["derive"] = time.perf_counter() - t
    t = time.perf_counter()
    gate = _gate(idata, sampled_draws, posterior, spec)
    timings["diagnostics"] = time.perf_counter() - t
    t = time.perf_counter()
    if isinstance(cutpoints, tuple):
        cutpoints = {None: cutpoints}
    typing = typing_of(ds.sel(area=list(inputs.areas)), inputs.years, spec, cutpoints)
    areas, changes = tables(
        posterior,
        spec,
        observed_types(ds, inputs.indicators, inputs.years, spec, cutpoints),
        gate["passed"],
        typing,
        _breaks(inputs),
    )
    grouped = None
    if groups is not None:
        from sesindex.bayes.posterior.aggregate import group_tables

        grouped = group_tables(
            posterior, ds.sel(area=list(inputs.areas)), groups, spec, gate["passed"], cutpoints
        )
    timings["tables"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return FitResult(
        spec,
        inputs,
        idata,
        posterior,
        areas,
        changes,
        gate,
        {k: round(v, 2) for k, v in timings.items()},
        typing,
        ds,
        grouped,
    )


def _fit_inputs(
    ds: xr.Dataset, spec: ModelSpec, programme: Mapping | None, timings: dict
) -> ModelInputs:
    """The model's inputs from ``ds``: the spec's indicators and years, the programme's
    event-time design (if any) and, as the spec says, smoothed sampling variances.
    """
    continuous = {c.indicator: c.transform for c in spec.continuous}
    inputs = model_inputs(
        ds, list(spec.indicators) + list(continuous), continuous, years=spec.years
    )
    if programme:
        from sesindex.bayes.model.programme import with_programme

        inputs = with_programme(inputs, programme)
    if spec.likelihood == "gaussian_logit":
        t = time.perf_counter()
        inputs = smooth_sampling_variances(inputs, spec.municipality)
        timings["smooth"] = time.perf_counter() - t
    return inputs


def _gate(idata, sampled_draws: xr.Dataset, posterior: xr.Dataset, spec: ModelSpec) -> dict:
    """The fit gate (:func:`sesindex.bayes.checks.gate.fit_gate`) on the sampled parameters,
    eta and the index; an approximate backend never passes it.
    """
    checked = posterior[["eta"] + (["index"] if "index" in posterior else [])]
    sampled = sampled_draws[[v for v in SAMPLED if v in sampled_draws]]
    gate = fit_gate([sampled, checked], divergences_of(idata), spec.gate)
    if not SAMPLERS[spec.sampler.backend].exact:
        # independent draws from an approximation pass R-hat and ESS by construction;
        # they certify nothing about the posterior, so an approximate fit never passes
        gate["checks"]["exact_sampler"] = False
        gate["passed"] = False
        gate["note"] = (
            f"{spec.sampler.backend} is an approximation for exploration "
            "(its disagreement from NUTS: benchmarks/results/samplers.md); "
            "refit with backend = 'nutpie' to publish"
        )
    return gate


def derive(post: xr.Dataset, inputs: ModelInputs, spec: ModelSpec, groups=None) -> xr.Dataset:
    """Draws of eta (standardised in the reference year; ses = -eta) and the index, and
    with ``groups`` (:class:`sesindex.bayes.posterior.aggregate.AreaGroups`) ``group_index``: the
    index of the larger areas, from each draw's rates weighted by their denominators.

    Chains are derived in parallel threads (numpy releases the GIL in the array work),
    each with its own random stream, so the result does not depend on the threading.
    Each draw's true rates are reduced to its index as it is drawn, into arrays
    allocated once (chain, draw, area, year): the rates of all draws (three times the
    index's size) and per-chain copies are never held.
    """
    from concurrent.futures import ThreadPoolExecutor

    years = list(inputs.years)
    ref_year = spec.reference_year if spec.reference_year is not None else years[-1]
    if ref_year not in years:
        raise ValueError(f"reference_year {ref_year} is not among the fitted years {years}")
    official = official_positions(inputs.indicators)
    has_index = len(official) == 3
    programme = inputs.design is not None and has_index
    names = (
        ["eta"] + (["index"] if has_index else []) + (["index_counterfactual"] if programme else [])
    )
    shape = (post.sizes["chain"], post.sizes["draw"], len(inputs.areas), len(years))
    arrays = {name: np.empty(shape) for name in names}
    if groups is not None:
        from sesindex.bayes.posterior.aggregate import group_rates, rate_weights

        weights = rate_weights(inputs, official)
        arrays["group_index"] = np.empty(shape[:2] + (len(groups.codes), len(years)))
    eta_scale = np.empty(shape[:2])

    def one_chain(c: int) -> None:
        rng = np.random.default_rng([spec.sampler.seed, 7, c])
        eta = arrays["eta"][c]
        for d, eta_d, rates, rates_cf in chain_draws(
            post, inputs, c, rng, official if has_index else [], counterfactual=programme
        ):
            eta[d] = eta_d
            if has_index:
                arrays["index"][c, d] = index_of_rates(rates)
            if groups is not None:
                arrays["group_index"][c, d] = index_of_rates(group_rates(rates, weights, groups))
            if programme:
                arrays["index_counterfactual"][c, d] = index_of_rates(rates_cf)
        eta_scale[c] = standardise(eta, years.index(ref_year), inplace=True)[2]

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(one_chain, range(shape[0])))
    coords = {
        "chain": post["chain"].values,
        "draw": post["draw"].values,
        "area": inputs.areas,
        "year": inputs.years,
    }
    dims = ("chain", "draw", "area", "year")
    out = xr.Dataset(
        {
            name: (("chain", "draw", "group", "year") if name == "group_index" else dims, values)
            for name, values in arrays.items()
        },
        coords=coords,
    )
    if groups is not None:
        out = out.assign_coords(group=groups.codes)
        out["group_index"].attrs["level"] = groups.level
    # the raw eta's sd over areas in the reference year, per draw: what one unit of
    # the standardised eta is on the model's scale (programme effects are on that scale)
    out["eta_scale"] = (("chain", "draw"), eta_scale)
    out.attrs.update(
        reference_year=int(ref_year),
        eta="latent disadvantage, standardised "
        "to mean 0 and sd 1 over areas in the reference year; ses = -eta "
        "(higher = higher socioeconomic status)",
    )
    return out


def index_of_rates(rates: np.ndarray) -> np.ndarray:
    """The index of one draw's true rates in percent (..., indicator): their mean, from
    the rates rounded to float32 as stored (so streamed and stored draws agree).

    Examples
    --------
    >>> index_of_rates(np.array([[10.0, 20.0, 30.0]])).tolist()
    [20.0]
    """
    return rates.astype(np.float32).mean(axis=-1, dtype=np.float64)


def _breaks(inputs: ModelInputs) -> xr.DataArray:
    """The inputs' boundary breaks (area, year) as a labelled boolean array."""
    shape = (len(inputs.areas), len(inputs.years))
    values = np.zeros(shape, bool) if inputs.breaks is None else np.asarray(inputs.breaks, bool)
    return xr.DataArray(
        values, dims=("area", "year"), coords={"area": inputs.areas, "year": inputs.years}
    )

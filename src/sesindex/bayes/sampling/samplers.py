"""The samplers a spec may name (``sampler.backend``): a closed registry, each with its
contract.

Every sampler takes the model's inputs, its form and the sampler settings and returns a
trace (:mod:`sesindex.bayes.sampling.trace`) whose posterior has ``chain`` and ``draw``
dimensions. Its contract says whether its draws are from the posterior itself
(``exact``: the fit gate may pass) or from an approximation (never passes the gate),
and which settings only it reads.

Examples
--------
>>> sorted(SAMPLERS)
['advi', 'nutpie', 'pymc']
>>> SAMPLERS["advi"].exact, SAMPLERS["nutpie"].exact
(False, True)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import xarray as xr

from sesindex.bayes.model.form import ModelForm
from sesindex.bayes.model.inputs import ModelInputs
from sesindex.bayes.sampling.trace import as_trace, posterior_of, with_group

#: ``nutpie.sample`` keywords a spec may set, passed on as given (None: nutpie's default)
NUTPIE_KEYWORDS = ("maxdepth",)


@dataclass(frozen=True)
class Sampler:
    """A sampler's contract and its entry point.

    Parameters
    ----------
    name : str
        The ``sampler.backend`` value.
    exact : bool
        Draws from the posterior (MCMC): the fit gate certifies them. An approximation's
        independent draws pass R-hat and ESS by construction and certify nothing, so
        its fits never pass the gate.
    own_settings : tuple of str
        Sampler settings only this sampler reads; naming one beside another backend is
        refused (:func:`sesindex.bayes.spec.check_sampler`).
    sample : callable
        ``sample(inputs, form, sampler, timings, progress) -> trace``.
    """

    name: str
    exact: bool
    own_settings: tuple[str, ...]
    sample: Callable[..., xr.DataTree]


def _nutpie(
    inputs: ModelInputs, form: ModelForm, sampler, timings: dict, progress: bool
) -> xr.DataTree:
    """NUTS by nutpie on the form's compiled model (compiled once per form and process,
    or loaded from the disk cache: :mod:`sesindex.bayes.sampling.compiled`).
    """
    from sesindex.bayes.sampling.compiled import compiled_model

    origin: dict = {}
    compiled = compiled_model(inputs, form, compile=sampler.compile, timings=timings, origin=origin)
    t = time.perf_counter()
    idata = nutpie_sample(compiled, sampler, seed=sampler.seed, progress=progress)
    timings["sample"] = time.perf_counter() - t
    trace = as_trace(idata)
    trace.attrs.update(origin)
    return trace


def _pymc(
    inputs: ModelInputs, form: ModelForm, sampler, timings: dict, progress: bool
) -> xr.DataTree:
    """PyMC's own NUTS on the form's model (a reference for nutpie)."""
    import pymc as pm

    from sesindex.bayes.model.graph import build_model

    model = build_model(inputs, form)
    t = time.perf_counter()
    with model:
        idata = pm.sample(
            draws=sampler.draws,
            tune=sampler.tune,
            chains=sampler.chains,
            cores=min(sampler.chains, 2),
            random_seed=sampler.seed,
            target_accept=sampler.target_accept,
            progressbar=progress,
            compute_convergence_checks=False,
        )
    timings["sample"] = time.perf_counter() - t
    return as_trace(idata)


def _advi(
    inputs: ModelInputs, form: ModelForm, sampler, timings: dict, progress: bool
) -> xr.DataTree:
    """Mean-field ADVI, its draws arranged as chains, for fast exploration."""
    import pymc as pm

    from sesindex.bayes.model.graph import build_model

    t = time.perf_counter()
    with build_model(inputs, form):
        approx = pm.fit(
            n=sampler.advi_iterations, method="advi", random_seed=sampler.seed, progressbar=progress
        )
        trace = as_trace(approx.sample(sampler.draws * sampler.chains, random_seed=sampler.seed))
    post = posterior_of(trace)
    draws = sampler.draws
    post = (
        post.isel(chain=0)
        .drop_vars("chain")
        .assign_coords(draw=np.arange(post.sizes["draw"]))
        .coarsen(draw=draws)
        .construct(draw=("chain", "draw"))
        .assign_coords(chain=np.arange(sampler.chains), draw=np.arange(draws))
    )
    timings["sample"] = time.perf_counter() - t
    return with_group(trace, "posterior", post)


#: The samplers by ``sampler.backend``.
SAMPLERS: dict[str, Sampler] = {
    "nutpie": Sampler(
        "nutpie", exact=True, own_settings=(*NUTPIE_KEYWORDS, "init", "compile"), sample=_nutpie
    ),
    "pymc": Sampler("pymc", exact=True, own_settings=(), sample=_pymc),
    "advi": Sampler("advi", exact=False, own_settings=("advi_iterations",), sample=_advi),
}


def nutpie_sample(compiled, sampler, *, seed: int, progress: bool = False):
    """``nutpie.sample`` of a compiled model with the spec's sampler settings: draws,
    warm-up, chains (on at most 2 cores), the NUTS options (:func:`nutpie_options`) and
    where the chains start (``init``: nutpie's jittered support point, or ``"mode"``:
    :func:`sesindex.bayes.sampling.start.start_near_mode`). Warm-up draws are not kept.

    Examples
    --------
    >>> from sesindex.bayes.sampling.compiled import compiled_model
    >>> from sesindex.bayes.model.inputs import model_inputs
    >>> from sesindex.bayes.spec import SamplerSpec
    >>> from sesindex.data.synthetic import generate
    >>> inputs = model_inputs(
    ...     generate(n_areas=40, years=(2023,), seed=1).dataset, ["V1", "V2", "V3"]
    ... )
    >>> idata = nutpie_sample(
    ...     compiled_model(inputs, ModelForm(municipality=True)),
    ...     SamplerSpec(tune=100, draws=50, init="mode"),
    ...     seed=1,
    ... )
    >>> idata.posterior.sizes["draw"]
    50
    """
    import nutpie

    if sampler.init == "mode":
        from sesindex.bayes.sampling.start import start_near_mode

        compiled = start_near_mode(compiled)
    return nutpie.sample(
        compiled,
        draws=sampler.draws,
        tune=sampler.tune,
        chains=sampler.chains,
        cores=min(sampler.chains, 2),
        seed=seed,
        progress_bar=progress,
        save_warmup=False,
        **nutpie_options(sampler),
    )


def nutpie_options(sampler) -> dict:
    """The spec's NUTS settings as ``nutpie.sample`` keywords: ``target_accept`` (only
    when not nutpie's 0.8), the low-rank mass matrix, named as the installed nutpie
    names it (``adaptation="low_rank"`` from 0.16.9, ``low_rank_modified_mass_matrix``
    before), and ``maxdepth`` when the spec sets it.

    Examples
    --------
    >>> from sesindex.bayes.spec import SamplerSpec
    >>> nutpie_options(SamplerSpec(target_accept=0.95, low_rank=False))
    {'target_accept': 0.95}
    >>> nutpie_options(SamplerSpec(maxdepth=8))
    {'maxdepth': 8}
    """
    import inspect

    import nutpie

    options = {"target_accept": sampler.target_accept} if sampler.target_accept != 0.8 else {}
    if sampler.low_rank:  # else nutpie's default, the diagonal mass matrix
        newer = "adaptation" in inspect.signature(nutpie.sample).parameters
        options.update(
            {"adaptation": "low_rank"} if newer else {"low_rank_modified_mass_matrix": True}
        )
    for key in NUTPIE_KEYWORDS:  # nutpie's default unless set
        if getattr(sampler, key) is not None:
            options[key] = getattr(sampler, key)
    return options

"""Compile a model form once per machine: nutpie samples PyTensor's disk-cached function.

``nutpie.compile_pymc_model`` turns the model's log density into PyTensor functions
compiled by numba, which PyTensor caches on disk, and then has numba compile two C
callbacks around them; those close over the model's data, so numba cannot cache them,
and every process compiles them again (docs/decisions.md).
:func:`disk_cached_model` builds the same PyTensor functions (nutpie's own graph
builder, so the log density is the same compiled code) and hands them to nutpie as
Python callables (``nutpie.from_pyfunc``): nothing is compiled that PyTensor does not
cache, so a second process with the same model form compiles in about a second.

Two things make that fast:

* the log density's function is jitted with ``nogil=True``, so nutpie's chains, which
  call it from their own threads, run their numerics side by side (PyTensor's own jit
  keeps the GIL); it is cached under its own key, apart from PyTensor's GIL-holding
  twin of the same graph;
* every node of the model has a disk-cacheable numba implementation (PyTensor cannot
  cache ``erfcx``; :func:`sesindex.bayes.model.graph.build_model` avoids it).

The price is a Python call per gradient, and with two chains the wait for the other's
GIL now and then: negligible at national size, several times nutpie's own step for small
models (measurements: docs/decisions.md). The sampler setting ``compile = "process"`` keeps
nutpie's C callbacks (compiled in every process; replicate studies use them, reusing
one compiled form for all their replicates).

Examples
--------
>>> import pymc as pm
>>> with pm.Model() as model:
...     mu = pm.Normal("mu", 0.0, 1.0)
...     _ = pm.Normal("y", mu, 1.0, observed=[0.5, 1.5])
>>> compiled = disk_cached_model(model)  # N(1 | 0, 1) N(0.5 | 1, 1) N(1.5 | 1, 1) at mu = 1
>>> value, grad = compiled.logp_function()(np.array([1.0]))
>>> round(value, 4), grad.round(4).tolist()
(-3.5068, [-1.0])
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numpy as np
from nutpie.compiled_pyfunc import PyFuncModel, from_pyfunc


@dataclass(frozen=True)
class DiskCachedModel(PyFuncModel):
    """A nutpie model over PyTensor's disk-cached numba functions (see the module).

    ``cached_on_disk``: the log density's function has a disk cache (PyTensor keyed every
    node of it); ``loaded_from_disk``: this process loaded it from there, not compiled.
    """

    cached_on_disk: bool = False
    loaded_from_disk: bool = False

    def with_data(self, **updates):
        """The model with some of its ``pm.Data`` replaced, cast to the model's dtypes
        (as ``nutpie.compile_pymc_model``'s models do: a new dtype would compile anew).
        """
        unknown = sorted(set(updates) - set(self._shared_data))
        if unknown:
            raise ValueError(f"the model has no data named {unknown}")
        cast = {
            name: np.array(value, dtype=self._shared_data[name].dtype, order="C")
            for name, value in updates.items()
        }
        return self._replace(_shared_data={**self._shared_data, **cast})

    @property
    def shared_data(self) -> dict:
        """The model's ``pm.Data`` by name, as this model holds them."""
        return dict(self._shared_data)

    def logp_function(self):
        """The log density and its gradient on the unconstrained scale with this model's
        data: ``x -> (logp, grad)``, as nutpie calls it.
        """
        return partial(self._make_logp_func(), **self._shared_data)

    @property
    def initial_point_func(self):
        """``seed -> start``: where nutpie starts the chain of that seed."""
        return self._make_initial_points

    def with_initial_points(self, initial_point):
        """The model with each chain started at ``initial_point(seed)``."""
        return self._replace(_make_initial_points=initial_point)

    def _replace(self, **changes: Any) -> DiskCachedModel:
        """``dataclasses.replace`` of this model, nutpie's private fields included (nutpie
        ships no types, so to mypy the fields it declares are unknown).
        """
        return replace(typing.cast(Any, self), **changes)


def _releasing_linker():
    """PyTensor's numba linker, but jitting the whole function with ``nogil=True`` and
    caching it under its own key (``..._nogil``) beside PyTensor's twin.
    """
    from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS
    from pytensor.link.numba.dispatch.basic import numba_njit
    from pytensor.link.numba.linker import NumbaLinker

    class ReleasingNumbaLinker(NumbaLinker):
        def jit_compile(self, fn_and_cache):
            fn, cache_key = fn_and_cache
            py = fn.py_func
            twin = types.FunctionType(
                py.__code__, py.__globals__, py.__name__, py.__defaults__, py.__closure__
            )
            cached = cache_key is not None and py in CACHED_SRC_FUNCTIONS
            if cached:
                CACHED_SRC_FUNCTIONS[twin] = CACHED_SRC_FUNCTIONS[py] + "_nogil"
            return numba_njit(twin, final_function=True, nogil=True, cache=cached)

    return ReleasingNumbaLinker()


def disk_cached_model(model) -> DiskCachedModel:
    """``model`` (a PyMC model) compiled for nutpie from PyTensor's disk-cached numba
    functions: nutpie's start (the support point with U(-1, 1) jitter), nutpie's
    variables, names and coordinates, and ``with_data`` for the model's ``pm.Data``.

    Parameters
    ----------
    model : pymc.Model
        The model; its ``pm.Data`` stay swappable (``with_data``).

    Returns
    -------
    DiskCachedModel
        What ``nutpie.sample`` takes, as from ``nutpie.compile_pymc_model``.
    """
    import nutpie.compile_pymc as bridge
    from pymc.initial_point import make_initial_point_fn
    from pytensor.compile.mode import Mode, get_mode

    jittered = make_initial_point_fn(
        model=model,
        default_strategy="support_point",
        jitter_rvs=set(model.free_RVs),
        return_transformed=True,
    )
    mode = Mode(linker=_releasing_linker(), optimizer=get_mode("NUMBA").provided_optimizer)
    made = bridge._make_functions(
        model,
        mode=mode,
        compute_grad=True,
        join_expanded=True,
        pymc_initial_point_fn=bridge._wrap_with_lock(jittered),
    )
    n_dim, _, logp_pt, expand_pt, initial_point, shape_info = made[:6]
    names, slices, shapes = shape_info
    reparameterized = made[6:]  # nutpie >= 0.16.11 also returns the reparameterised names
    logp_fn, expand_fn = logp_pt.vm.jit_fn, expand_pt.vm.jit_fn
    logp_names = [v.name for v in logp_pt.get_shared()]
    expand_names = [v.name for v in expand_pt.get_shared()]
    shared = {
        v.name: np.array(v.get_value(), order="C", copy=True)
        for v in (*logp_pt.get_shared(), *expand_pt.get_shared())
    }

    def make_logp():
        def logp(x, **data):
            value, grad = logp_fn(x, *[data[name] for name in logp_names])
            return float(value), grad

        return logp

    def make_expand(seed1, seed2, chain):
        def expand(x, **data):
            (flat,) = expand_fn(x, *[data[name] for name in expand_names])
            return {
                name: flat[s].reshape(shape)
                for name, s, shape in zip(names, slices, shapes, strict=True)
            }

        return expand

    x = np.zeros(n_dim)  # compile or load now (numba jits on first call): the compile
    logp_fn(x, *[shared[name] for name in logp_names])  # time is the fit's compile time
    expand_fn(x, *[shared[name] for name in expand_names])
    dims, coords = bridge._prepare_dims_and_coords(model, shape_info, *reparameterized)
    pyfunc = from_pyfunc(
        ndim=n_dim,
        make_logp_fn=make_logp,
        make_expand_fn=make_expand,
        make_initial_point_fn=initial_point,
        expanded_dtypes=[np.dtype("float64")] * len(names),
        expanded_shapes=shapes,
        expanded_names=names,
        shared_data=shared,
        dims=dims,
        coords=coords,
    )
    stats = logp_fn.stats
    return DiskCachedModel(
        **{f: getattr(pyfunc, f) for f in pyfunc.__dataclass_fields__},
        cached_on_disk=stats.cache_path is not None,
        loaded_from_disk=sum(stats.cache_hits.values()) > 0,
    )

"""Compile each form of the model once per process; new data go in through ``with_data``.

nutpie's numba compilation of the panel model takes minutes, while the graph does not
depend on the data's size (:func:`sesindex.bayes.model.graph.build_model` holds ``z``, ``v``
and the municipality numbers as ``pm.Data`` and takes the numbers of areas, years and
municipalities from them). So a compiled model is kept per *form* — the indicators,
single year or panel, with or without municipality effects — and every fit
of that form (a validation study, each SBC replicate, a second year range) reuses it.

Examples
--------
>>> from sesindex.data.synthetic import generate
>>> from sesindex.bayes.model.inputs import model_inputs
>>> inputs = model_inputs(generate(n_areas=30, years=(2023,), seed=1).dataset, ["V1", "V2", "V3"])
>>> compiled = compiled_model(inputs, ModelForm(municipality=True))
>>> compiled_model(inputs, ModelForm(municipality=True)) is not None  # reused: no compile
True
"""

from __future__ import annotations

import time
from typing import Any

from sesindex.bayes.model.form import ModelForm
from sesindex.bayes.model.graph import build_model, model_data
from sesindex.bayes.model.inputs import ModelInputs

#: How a form is compiled (the sampler setting ``compile``; see :func:`compiled_model`).
COMPILE_MODES = ("disk", "process")

#: Compiled models of this process, by form (:meth:`ModelForm.key`) and compile mode.
_COMPILED: dict[tuple, Any] = {}  # nutpie's compiled models (nutpie ships no types)


def compiled_model(
    inputs: ModelInputs,
    form: ModelForm = ModelForm(),
    *,
    compile: str = "disk",
    timings: dict | None = None,
    origin: dict | None = None,
):
    """A nutpie compiled model of ``form`` holding ``inputs``' data.

    The first call per form (:meth:`ModelForm.key`) compiles (``timings["compile"]``
    records the seconds; 0 when reused); later calls swap the data in. ``compile`` (the
    sampler setting): ``"disk"`` samples PyTensor's disk-cached functions, so a later
    process with the same form loads them (:mod:`sesindex.bayes.sampling.cache`);
    ``"process"`` has nutpie compile its C callbacks, faster per step for small models
    but compiled in every process. ``origin``, if given, receives ``"model_compiled"``:
    :func:`compile_origin`.
    """
    import nutpie

    from sesindex.bayes.sampling.cache import disk_cached_model

    if compile not in COMPILE_MODES:
        raise ValueError(f"sampler.compile {compile!r} unknown {COMPILE_MODES}")
    key = form.key(inputs) + (compile,)
    t = time.perf_counter()
    reused = key in _COMPILED
    if not reused:
        model = build_model(inputs, form)
        _COMPILED[key] = (
            disk_cached_model(model)
            if compile == "disk"  # data stay
            else nutpie.compile_pymc_model(model)
        )  # swappable
    if timings is not None:
        timings["compile"] = time.perf_counter() - t
    if origin is not None:
        origin["model_compiled"] = compile_origin(_COMPILED[key], reused)
    return _COMPILED[key].with_data(**model_data(inputs, form))  # cast to the model dtypes


def compile_origin(compiled, reused: bool) -> str:
    """Where the sampled log density's machine code came from, as a fit records it.

    A model compiled in this process and the same model loaded from the disk cache
    compute the same log density up to its last bits, not bit for bit, so their chains
    differ draw by draw; processes that load it agree bit for bit
    (``benchmarks/experiments/compile_state/``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> compile_origin(SimpleNamespace(loaded_from_disk=True), reused=False)
    "loaded from PyTensor's disk cache"
    """
    loaded = getattr(compiled, "loaded_from_disk", None)
    how = (
        "loaded from PyTensor's disk cache"
        if loaded
        else "compiled in this process"
        if loaded is not None
        else "compiled by nutpie in this process"
    )
    return how + (", reused" if reused else "")

"""Compile each form of the model once per process; new data go in through ``with_data``.

nutpie's numba compilation of the panel model takes minutes, while the graph does not
depend on the data's size (:func:`sesindex.bayes.model.build_model` holds ``z``, ``v``
and the municipality numbers as ``pm.Data`` and takes the numbers of areas, years and
municipalities from them). So a compiled model is kept per *form* — the indicators,
single year or panel, with or without municipality effects — and every fit
of that form (a validation study, each SBC replicate, a second year range) reuses it.

Examples
--------
>>> from sesindex.data.synthetic import generate
>>> from sesindex.bayes.data import model_inputs
>>> inputs = model_inputs(generate(n_areas=30, years=(2023,), seed=1).dataset,
...                       ["V1", "V2", "V3"])
>>> form_of(inputs, "none", True)
(('V1', 'V2', 'V3'), 1, True, 'sd')
"""

from __future__ import annotations

import time

from sesindex.bayes.data import ModelInputs
from sesindex.bayes.model import build_model, model_data

#: How a form is compiled (the sampler setting ``compile``; see :func:`compiled_model`).
COMPILE_MODES = ("disk", "process")

#: Compiled models of this process, by form (see :func:`form_of`).
_COMPILED: dict[tuple, object] = {}


def form_of(inputs: ModelInputs, temporal: str, municipality: bool,
            adjacency=None, dispersion: str = "sd", likelihood: str = "gaussian_logit",
            steps: str = "normal") -> tuple:
    """What a compiled model depends on: indicators, the number of years (one level per
    year and indicator), municipality, the dispersion form (and, with a spatial term,
    the areas and their graph: the field has one value per area; with the binomial
    likelihood, the data's shape: one sampled logit per count cell; with jumps, the
    number of municipalities, whose effects are then sampled)."""
    n_year = inputs.z.shape[1] if temporal != "none" else 1
    form = (tuple(inputs.indicators), n_year, bool(municipality), dispersion)
    if likelihood != "gaussian_logit":
        form += (likelihood, inputs.z.shape)
    if n_year > 1 and steps != "normal":  # jumps: municipality effects, if any, sampled
        form += (steps, len(inputs.municipalities) if municipality else 0)
    if inputs.design is not None:  # programme effects: one per relative year
        form += ("programme", inputs.design.shape[2])
    if inputs.breaks is not None and n_year > 1:  # the boundary break's wider steps
        form += ("breaks",)
    return form if adjacency is None else form + (adjacency.digest(),)


def compiled_model(inputs: ModelInputs, temporal: str = "random_walk",
                   municipality: bool = True, timings: dict | None = None,
                   adjacency=None, dispersion: str = "sd",
                   likelihood: str = "gaussian_logit", kernel: bool = True,
                   steps: str = "normal", compile: str = "disk", origin: dict | None = None):
    """A nutpie compiled model of this form holding ``inputs``' data.

    The first call per form compiles (``timings["compile"]`` records the seconds; 0 when
    reused); later calls swap the data in. ``compile`` (the sampler setting): ``"disk"``
    samples PyTensor's disk-cached functions, so a later process with the same form
    loads them (:mod:`sesindex.bayes.compile_cache`); ``"process"`` has nutpie compile
    its C callbacks, faster per step for small models but compiled in every process.
    ``origin``, if given, receives ``"model_compiled"``: :func:`compile_origin`.
    """
    import nutpie

    from sesindex.bayes.compile_cache import disk_cached_model

    if compile not in COMPILE_MODES:
        raise ValueError(f"sampler.compile {compile!r} unknown {COMPILE_MODES}")
    key = form_of(inputs, temporal, municipality, adjacency, dispersion, likelihood, steps)
    key += (() if kernel else ("graph",)) + (compile,)
    t = time.perf_counter()
    reused = key in _COMPILED
    if not reused:
        model = build_model(inputs, temporal=temporal, municipality=municipality,
                            adjacency=adjacency, dispersion=dispersion,
                            likelihood=likelihood, graph=not kernel, steps=steps)
        _COMPILED[key] = (disk_cached_model(model) if compile == "disk"  # data stay
                          else nutpie.compile_pymc_model(model))           # swappable
    if timings is not None:
        timings["compile"] = time.perf_counter() - t
    if origin is not None:
        origin["model_compiled"] = compile_origin(_COMPILED[key], reused)
    data = model_data(inputs, municipality=municipality, dispersion=dispersion,
                      likelihood=likelihood)  # with_data casts to the model dtypes
    return _COMPILED[key].with_data(**data)


def compile_origin(compiled, reused: bool) -> str:
    """Where the sampled log density's machine code came from, as a fit records it.

    A model compiled in this process and the same model loaded from the disk cache
    compute the same log density up to its last bits, not bit for bit, so their chains
    differ draw by draw; processes that load it agree bit for bit
    (``results/experiments/compile_state/``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> compile_origin(SimpleNamespace(loaded_from_disk=True), reused=False)
    "loaded from PyTensor's disk cache"
    """
    loaded = getattr(compiled, "loaded_from_disk", None)
    how = ("loaded from PyTensor's disk cache" if loaded
           else "compiled in this process" if loaded is not None
           else "compiled by nutpie in this process")
    return how + (", reused" if reused else "")

"""Model specifications (TOML in ``models/``) for the Bayesian latent-factor model.

Examples
--------
>>> spec = ModelSpec.from_dict({"model": {"name": "lf", "years": [2022]}})
>>> spec.indicators, spec.years, spec.sampler.chains
(('V1', 'V2', 'V3'), (2022,), 2)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from sesindex.bayes.checks.gate import GateSpec
from sesindex.bayes.model.form import ModelForm
from sesindex.indicators import official_indicators


@dataclass(frozen=True)
class SamplerSpec:
    """How to sample: backend, chains, tuning and kept draws, seed."""

    backend: str = "nutpie"  # nutpie | pymc | advi
    chains: int = 2
    tune: int = 500
    draws: int = 1000
    seed: int = 20240101
    low_rank: bool = False
    target_accept: float = 0.8
    thin_derived: int = 1  # derive eta, the index, ranks and types in every k-th draw
    advi_iterations: int = 100_000  # fewer leave the national hyperparameters unconverged
    # (docs/decisions.md)
    kernel: bool = True  # the compiled likelihood kernel; False: the pytensor graph of the
    # same density (the reference; how PyMC would compile the model by itself)
    init: str = "jitter"  # where chains start: jitter (nutpie's: the support point, U(-1, 1)
    # on the unconstrained scale) | mode (dispersed about the mode: sesindex.bayes.sampling.start)
    maxdepth: int | None = None  # nutpie only: the deepest NUTS tree, at most
    # 2**maxdepth - 1 leapfrog steps a draw (None: nutpie's default, 10)
    compile: str = "disk"  # nutpie only: disk (PyTensor's functions, cached on disk: a
    # later process with the same model form starts in about a second) | process
    # (nutpie's C callbacks: faster steps for small models, compiled in every process)


def check_sampler(sampler: SamplerSpec) -> SamplerSpec:
    """``sampler`` checked against the ``[sampler]`` schema, and settings only one sampler
    has (its contract: :data:`sesindex.bayes.sampling.samplers.SAMPLERS`) refused for
    another backend, with the key named (overrides of a loaded spec pass
    here too).

    Examples
    --------
    >>> check_sampler(SamplerSpec(backend="pymc", init="mode"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sesindex.spec_errors.SpecError: sampler.init: a setting of nutpie only, but ... (got 'mode')
    """
    from sesindex.bayes.sampling.samplers import SAMPLERS
    from sesindex.schemas import SamplerTable, check
    from sesindex.spec_errors import SpecError

    check("sampler", SamplerTable, asdict(sampler))
    for other in SAMPLERS.values():
        for key in other.own_settings:
            changed = getattr(sampler, key) != getattr(SamplerSpec, key)
            if changed and sampler.backend != other.name:
                raise SpecError.one(
                    f"sampler.{key}",
                    f"a setting of {other.name} only, but sampler.backend is {sampler.backend!r}",
                    getattr(sampler, key),
                )
    return sampler


def override_sampler(sampler: SamplerSpec, overrides: dict) -> SamplerSpec:
    """``sampler`` with ``overrides`` (a command line's or a call's), checked like a spec.

    An override that changes the backend also returns the settings only the old backend
    has (nutpie's ``maxdepth``, ``init``, ...) to their defaults unless it names them
    too: they are the spec's tuning of that sampler, which the other does not have (the
    run's manifest records the sampler as used). Naming one beside another backend is
    refused.

    Examples
    --------
    >>> override_sampler(SamplerSpec(maxdepth=8), {"backend": "pymc"}).maxdepth is None
    True
    >>> override_sampler(SamplerSpec(), {"backend": "pymc", "maxdepth": 8})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sesindex.spec_errors.SpecError: sampler.maxdepth: a setting of nutpie only, but ... (got 8)
    """
    from dataclasses import replace

    from sesindex.bayes.sampling.samplers import SAMPLERS

    overrides = dict(overrides)
    if overrides.get("backend", sampler.backend) != sampler.backend:
        for key in getattr(SAMPLERS.get(sampler.backend), "own_settings", ()):
            overrides.setdefault(key, getattr(SamplerSpec, key))
    return check_sampler(replace(sampler, **overrides))


def replicate_sampler(sampler: SamplerSpec, overrides: dict | None = None) -> SamplerSpec:
    """The sampler a replicate study fits with: ``overrides`` (the study's ``sampler``
    table) on ``sampler``, with nutpie's C callbacks (``compile = "process"``) unless
    the study sets ``compile``. A study compiles each model form once per process and
    samples it for every replicate, where the disk-cached form's Python call per
    gradient makes every step slower, most for small models (docs/decisions.md); and
    the committed studies ran on nutpie's callbacks.

    Examples
    --------
    >>> replicate_sampler(SamplerSpec(), {"draws": 200}).compile
    'process'
    >>> replicate_sampler(SamplerSpec(), {"compile": "disk"}).compile
    'disk'
    """
    overrides = dict(overrides or {})
    if overrides.get("backend", sampler.backend) == "nutpie":
        overrides.setdefault("compile", "process")
    return override_sampler(sampler, overrides)


@dataclass(frozen=True)
class ContinuousSpec:
    """A continuous indicator: Gaussian on a declared transform."""

    indicator: str
    transform: str = "log"  # log | identity


@dataclass(frozen=True)
class ModelSpec:
    """The latent-factor model variant, its sampler, its gate and derived quantities."""

    name: str = "latent_factor"
    indicators: tuple[str, ...] = field(default_factory=official_indicators)
    continuous: tuple[ContinuousSpec, ...] = ()
    years: tuple[int, ...] | None = None  # None = every year in the data
    likelihood: str = "gaussian_logit"  # gaussian_logit (empirical logits) | binomial
    # (exact, true cell logits sampled)
    steps: str = "normal"  # the random walk's steps: normal (one tau for every step) |
    # jumps (that plus at most one jump per area, integrated exactly: large changes pass)
    municipality: bool = False  # municipality effects (shrinkage toward municipality means):
    # an option, not a default: on the real bundle they cost agreement with SCB's types
    dispersion: str = "sd"  # sd: sigma_j >= 0 | variance: s_j > -min v (long panels)
    reference_year: int | None = None  # eta standardised here (default: last year)
    delta: float = 1.0  # |change in index| threshold, percentage points
    change_pairs: tuple[tuple[int, int], ...] | None = None  # default: consecutive years
    # and first -> last
    compare: tuple[tuple[int, int], ...] = ()  # more pairs for changes.csv (--compare)
    types_over: str = "national"  # national: types and ranks only from all areas of a
    # year (or supplied --cutpoints) | given_areas: relative to the areas fitted (opt-in)
    sampler: SamplerSpec = field(default_factory=SamplerSpec)
    gate: GateSpec = field(default_factory=GateSpec)
    description: str = ""

    @classmethod
    def from_dict(cls, d: dict) -> ModelSpec:
        """A spec from its TOML tables (``model``, ``sampler``, ``gate``), checked."""
        from sesindex.schemas import GateTable, ModelTable, SamplerTable, check_sections

        m = check_sections(
            d, {"model": ModelTable, "sampler": SamplerTable, "gate": GateTable}, "a model spec"
        )["model"]
        for key in ("indicators", "years"):
            if m.get(key) is not None:
                m[key] = tuple(m[key])
        for key in ("change_pairs", "compare"):
            if m.get(key) is not None:
                m[key] = tuple(tuple(int(y) for y in p) for p in m[key])
        m["continuous"] = tuple(ContinuousSpec(**c) for c in m.get("continuous", ()))
        spec = cls(
            **m, sampler=SamplerSpec(**d.get("sampler", {})), gate=GateSpec(**d.get("gate", {}))
        )
        check_sampler(spec.sampler)
        _ = spec.form  # the model and sampler together make a form the model has
        return spec

    @property
    def form(self) -> ModelForm:
        """The model's form (:class:`~sesindex.bayes.model.form.ModelForm`) this spec fits.

        Examples
        --------
        >>> ModelSpec(municipality=True).form.municipality
        True
        """
        return ModelForm(
            likelihood=self.likelihood,
            dispersion=self.dispersion,
            steps=self.steps,
            municipality=self.municipality,
            graph=not self.sampler.kernel,
        )

    def to_dict(self) -> dict:
        """The spec as plain values (what a run's manifest records)."""
        return asdict(self)

    @classmethod
    def from_flat(cls, d: dict) -> ModelSpec:
        """The spec :meth:`to_dict` wrote (a run's manifest), checked like a TOML spec.

        Examples
        --------
        >>> s = ModelSpec(steps="jumps")
        >>> ModelSpec.from_flat(s.to_dict()) == s
        True
        """
        model = _without_retired({k: v for k, v in d.items() if k not in ("sampler", "gate")})
        sampler = _without_retired(d.get("sampler", {}))
        return cls.from_dict({"model": model, "sampler": sampler, "gate": d.get("gate", {})})


#: Options earlier runs' manifests may hold, with the one value the model still has
#: (CHANGELOG.md says why each went): a run that used another value cannot be refitted.
RETIRED = {
    "temporal": ("random_walk", "none"),
    "sampling_variance": ("smoothed",),
    "adjacency": (None,),
    "early_window_switch_freq": (None,),
}


def _without_retired(table: dict) -> dict:
    """``table`` without retired options at the value the model still has; any other
    value stays, and the schema refuses it by name.

    Examples
    --------
    >>> _without_retired({"temporal": "random_walk", "steps": "jumps"})
    {'steps': 'jumps'}
    >>> _without_retired({"adjacency": "pairs.csv"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sesindex.spec_errors.SpecError: adjacency: retired ... (got 'pairs.csv')
    """
    from sesindex.spec_errors import SpecError

    for key, value in table.items():
        if key in RETIRED and value not in RETIRED[key]:
            raise SpecError.one(
                key,
                "retired (CHANGELOG.md says why): this run used a form the model no longer has",
                value,
            )
    return {k: v for k, v in table.items() if k not in RETIRED}


def load_model_spec(path: str | Path) -> ModelSpec:
    """Read a model spec from TOML (sections ``[model]``, ``[sampler]``, ``[gate]``).

    A bad spec is refused naming the file, the line and the key
    (:class:`~sesindex.spec_errors.SpecError`).

    Examples
    --------
    >>> from sesindex.specs import resolve_spec
    >>> load_model_spec(resolve_spec("latent_factor")).steps
    'jumps'
    """
    from sesindex.spec_errors import load_toml_spec

    return load_toml_spec(path, ModelSpec.from_dict)

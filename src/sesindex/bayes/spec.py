"""Model specifications (TOML in ``models/``) for the Bayesian latent-factor model.

Examples
--------
>>> spec = ModelSpec.from_dict({"model": {"name": "lf", "years": [2022]}})
>>> spec.indicators, spec.years, spec.sampler.chains
(('V1', 'V2', 'V3'), (2022,), 2)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from sesindex.indicators import official_indicators

#: Likelihoods of the count indicators (:func:`sesindex.bayes.model.build_model`).
LIKELIHOODS = ("gaussian_logit", "binomial", "beta_binomial")
#: Dispersion forms: how each cell's variance beyond the sampling variance is built.
DISPERSIONS = ("sd", "variance", "beta_binomial")


def check_model_form(likelihood: str, dispersion: str) -> None:
    """Refuse a likelihood, a dispersion form or a pair of them that the model lacks.

    Examples
    --------
    >>> check_model_form("binomial", "sd")
    >>> check_model_form("binomial", "beta_binomial")
    Traceback (most recent call last):
    ...
    sesindex.spec_errors.SpecError: model.dispersion: goes with the working likelihood; with likelihood 'binomial' the over-dispersion is the logit-normal cell residual ('sd' or 'variance'), with likelihood 'beta_binomial' its intra-class correlation (got 'beta_binomial')
    """
    from sesindex.spec_errors import SpecError

    if likelihood not in LIKELIHOODS:
        raise SpecError.one("model.likelihood", "not available: 'gaussian_logit' (the "
                            "Gaussian working likelihood on empirical logits), 'binomial' "
                            "(exact: every count cell's true logit is sampled) or "
                            "'beta_binomial' (exact, single years)", likelihood,
                            ", ".join(LIKELIHOODS))
    if dispersion not in DISPERSIONS:
        raise SpecError.one("model.dispersion", "unknown", dispersion, ", ".join(DISPERSIONS))
    if likelihood != "gaussian_logit" and dispersion == "beta_binomial":
        raise SpecError.one("model.dispersion", "goes with the working likelihood; with "
                            "likelihood 'binomial' the over-dispersion is the logit-normal "
                            "cell residual ('sd' or 'variance'), with likelihood "
                            "'beta_binomial' its intra-class correlation", dispersion)
    if likelihood == "beta_binomial" and dispersion != "sd":
        raise SpecError.one("model.dispersion", "would be ignored: the beta-binomial "
                            "likelihood's dispersion is its intra-class correlation (leave "
                            "model.dispersion unset)", dispersion)


@dataclass(frozen=True)
class SamplerSpec:
    """How to sample: backend, chains, tuning and kept draws, seed."""

    backend: str = "nutpie"  # nutpie | pymc | advi | pathfinder
    chains: int = 2
    tune: int = 500
    draws: int = 1000
    seed: int = 20240101
    low_rank: bool = False
    target_accept: float = 0.8
    thin_derived: int = 1  # derive eta, the index, ranks and types in every k-th draw
    advi_iterations: int = 100_000  # 30,000 left the national hyperparameters unconverged
    kernel: bool = True  # the compiled likelihood kernel; False: the pytensor graph of the
    # same density (the reference; how PyMC would compile the model by itself)
    init: str = "jitter"  # where chains start: jitter (nutpie's: the support point, U(-1, 1)
    # on the unconstrained scale) | mode (dispersed about the mode: sesindex.bayes.start)
    early_window_switch_freq: int | None = None  # nutpie only: draws between mass-matrix
    # window switches early in warm-up (None: nutpie's default, 10). Adaptation only: the
    # kept draws' kernel is NUTS as before (benchmarks/RESULTS.md, "The rest of the gap")
    maxdepth: int | None = None  # nutpie only: the deepest NUTS tree, at most
    # 2**maxdepth - 1 leapfrog steps a draw (None: nutpie's default, 10)
    compile: str = "disk"  # nutpie only: disk (PyTensor's functions, cached on disk: a
    # later process with the same model form starts in about a second) | process
    # (nutpie's C callbacks: faster steps for small models, compiled in every process)


#: ``nutpie.sample`` keywords a spec may set, passed on as given (None: nutpie's default)
NUTPIE_KEYWORDS = ("early_window_switch_freq", "maxdepth")
#: settings only nutpie has: refused beside another backend
NUTPIE_ONLY = (*NUTPIE_KEYWORDS, "init", "compile")


def check_sampler(sampler: SamplerSpec) -> SamplerSpec:
    """``sampler`` checked against the ``[sampler]`` schema, and settings only nutpie has
    refused for another backend, with the key named (overrides of a loaded spec pass
    here too).

    Examples
    --------
    >>> check_sampler(SamplerSpec(backend="pymc", init="mode"))
    Traceback (most recent call last):
    ...
    sesindex.spec_errors.SpecError: sampler.init: a nutpie setting, but sampler.backend is 'pymc' (got 'mode')
    """
    from dataclasses import asdict

    from sesindex.schemas import SamplerTable, check

    check("sampler", SamplerTable, asdict(sampler))
    from sesindex.spec_errors import SpecError

    for key in NUTPIE_ONLY:
        changed = getattr(sampler, key) != getattr(SamplerSpec, key)
        if changed and sampler.backend != "nutpie":
            raise SpecError.one(f"sampler.{key}", "a nutpie setting, but sampler.backend "
                                f"is {sampler.backend!r}", getattr(sampler, key))
    return sampler


def override_sampler(sampler: SamplerSpec, overrides: dict) -> SamplerSpec:
    """``sampler`` with ``overrides`` (a command line's or a call's), checked like a spec.

    An override that moves the backend away from nutpie also returns the settings only
    nutpie has (``maxdepth``, ``init``, ...) to their defaults unless it names them too:
    they are the spec's tuning of nutpie, which the other sampler does not have (the run's
    manifest records the sampler as used). Naming one beside another backend is refused.

    Examples
    --------
    >>> override_sampler(SamplerSpec(maxdepth=8), {"backend": "pymc"}).maxdepth is None
    True
    >>> override_sampler(SamplerSpec(), {"backend": "pymc", "maxdepth": 8})
    Traceback (most recent call last):
    ...
    sesindex.spec_errors.SpecError: sampler.maxdepth: a nutpie setting, but sampler.backend is 'pymc' (got 8)
    """
    from dataclasses import replace

    overrides = dict(overrides)
    if overrides.get("backend", "nutpie") != "nutpie" and sampler.backend == "nutpie":
        for key in NUTPIE_ONLY:
            overrides.setdefault(key, getattr(SamplerSpec, key))
    return check_sampler(replace(sampler, **overrides))


def replicate_sampler(sampler: SamplerSpec, overrides: dict | None = None) -> SamplerSpec:
    """The sampler a replicate study fits with: ``overrides`` (the study's ``sampler``
    table) on ``sampler``, with nutpie's C callbacks (``compile = "process"``) unless
    the study sets ``compile``. A study compiles each model form once per process and
    samples it for every replicate, where the disk-cached form's Python call per
    gradient makes a step 1.03 x as long nationally, 1.22 x at 300 areas x 14 years and
    4 x for a 600-area single year, with two chains (benchmarks/RESULTS.md, "Compile
    once per machine"); and the committed studies ran on nutpie's callbacks.

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
class GateSpec:
    """The fit gate: a run that misses it is marked failed everywhere it reports."""

    rhat_max: float = 1.01
    ess_bulk_min: float = 400
    ess_tail_min: float = 400
    divergences_max: int = 0


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
    # (exact, true cell logits sampled) | beta_binomial (exact, single years, eta sampled)
    temporal: str = "random_walk"  # random_walk | none
    steps: str = "normal"  # the random walk's steps: normal (one tau for every step) |
    # jumps (that plus at most one jump per area, integrated exactly: large changes pass)
    municipality: bool = False  # municipality effects (shrinkage toward municipality means):
    # an option, not a default: on the real bundle they cost agreement with SCB's types
    dispersion: str = "sd"  # sd: sigma_j >= 0 | variance: s_j > -min v (long panels)
    # | beta_binomial: count cells' variance v (1 + (n - 1) rho_j), rho_j the intra-class
    # correlation (working likelihood only)
    sampling_variance: str = "smoothed"  # working likelihood: each count's binomial
    # variance at its smoothed rate (unbiased) | observed (at its own count: biased up)
    adjacency: str | None = None  # CSV of neighbour pairs: adds the BYM2 spatial term
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
    def from_dict(cls, d: dict) -> "ModelSpec":
        from sesindex.schemas import GateTable, ModelTable, SamplerTable, check_sections

        m = check_sections(d, {"model": ModelTable, "sampler": SamplerTable,
                               "gate": GateTable}, "a model spec")["model"]
        for key in ("indicators", "years"):
            if m.get(key) is not None:
                m[key] = tuple(m[key])
        for key in ("change_pairs", "compare"):
            if m.get(key) is not None:
                m[key] = tuple(tuple(int(y) for y in p) for p in m[key])
        m["continuous"] = tuple(ContinuousSpec(**c) for c in m.get("continuous", ()))
        spec = cls(**m, sampler=SamplerSpec(**d.get("sampler", {})),
                   gate=GateSpec(**d.get("gate", {})))
        check_model_form(spec.likelihood, spec.dispersion)
        check_sampler(spec.sampler)  # steps, temporal and the rest: checked by ModelTable
        return spec

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_flat(cls, d: dict) -> "ModelSpec":
        """The spec :meth:`to_dict` wrote (a run's manifest), checked like a TOML spec.

        Examples
        --------
        >>> s = ModelSpec(steps="jumps")
        >>> ModelSpec.from_flat(s.to_dict()) == s
        True
        """
        model = {k: v for k, v in d.items() if k not in ("sampler", "gate")}
        return cls.from_dict({"model": model, "sampler": d.get("sampler", {}),
                              "gate": d.get("gate", {})})


def _names(cls) -> set[str]:
    return {f.name for f in fields(cls)}


def load_model_spec(path: str | Path) -> ModelSpec:
    """Read a model spec from TOML (sections ``[model]``, ``[sampler]``, ``[gate]``).

    A relative ``model.adjacency`` path is taken relative to the spec file. A bad spec is
    refused naming the file, the line and the key
    (:class:`~sesindex.spec_errors.SpecError`).
    """
    from sesindex.spec_errors import load_toml_spec

    return load_toml_spec(path, lambda table: _with_adjacency(ModelSpec.from_dict(table),
                                                                Path(path).parent))


def _with_adjacency(spec: ModelSpec, folder: Path) -> ModelSpec:
    """``spec`` with a relative ``model.adjacency`` taken relative to ``folder``."""
    from dataclasses import replace

    from sesindex.spec_errors import SpecError

    if spec.adjacency and not Path(spec.adjacency).is_absolute():
        adjacency = folder / spec.adjacency
        if not adjacency.exists():
            raise SpecError.one("model.adjacency", f"not found (looked for {adjacency})",
                                spec.adjacency)
        spec = replace(spec, adjacency=str(adjacency))
    return spec

"""Declarative schemas of every spec kind: index, model and study (pydantic).

A spec is checked against its schema before any work: a misspelt key, a value of the
wrong type or out of range is refused at load time with the key named, e.g.
``normalisation = "zscor"``, ``weights = [1, 2]`` for three indicators, ``chains =
"two"``, ``draws = -5`` or a study option ``replicate = 10``. The dataclasses the code
runs on (:class:`sesindex.index.IndexSpec`, :class:`sesindex.bayes.spec.ModelSpec`,
:class:`sesindex.validate.spec.StudySpec`) are built only from checked tables.

Examples
--------
>>> check("index", IndexTable, {"normalisation": "zscor"})
Traceback (most recent call last):
...
sesindex.spec_errors.SpecError: index.normalisation: Input should be 'none', 'zscore', 'minmax' or
'rank' (got 'zscor')
>>> check("sampler", SamplerTable, {"targt_accept": 0.9})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
sesindex.spec_errors.SpecError: sampler.targt_accept: unknown key (did you mean 'target_accept'?);
allowed: advi_iterations, backend, ...
"""

from __future__ import annotations

from collections.abc import Mapping
from difflib import get_close_matches
from typing import Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from sesindex.spec_errors import SpecError, SpecProblem


def level(default: float):
    """A probability-like option strictly between 0 and 1."""
    return Field(default, gt=0.0, lt=1.0)


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


def check(section: str, schema: type[BaseModel], table: dict) -> dict:
    """``table`` checked against ``schema``; a :class:`~sesindex.spec_errors.SpecError`
    names every offending key (as ``section.key``) with the reason, the value given and,
    for an unknown key, the keys allowed there.
    """
    try:
        schema.model_validate(table)
    except ValidationError as err:
        raise SpecError([_problem(section, schema, e) for e in err.errors()]) from None
    return table


def check_sections(spec: dict, schemas: dict[str, type[BaseModel]], kind: str) -> dict:
    """Every section of ``spec`` checked against its schema in ``schemas`` (a missing
    section: empty), unknown sections refused; one
    :class:`~sesindex.spec_errors.SpecError` holds every problem of every section.
    Returns the sections, each a copy.

    Examples
    --------
    >>> check_sections(
    ...     {"index": {"normalisation": "z"}, "type": {}},
    ...     {"index": IndexTable, "types": TypesTable},
    ...     "an index spec",
    ... )
    Traceback (most recent call last):
    ...
    sesindex.spec_errors.SpecError: index.normalisation: Input should be 'none', 'zscore', 'minmax'
    or 'rank' (got 'z')
    type: unknown section of an index spec (did you mean 'types'?); allowed: index, types
    """
    problems: list[SpecProblem] = []
    sections: dict[str, dict] = {}
    for section, schema in schemas.items():
        sections[section] = dict(spec.get(section, {}))
        try:
            check(section, schema, sections[section])
        except SpecError as exc:
            problems.extend(exc.problems)
    problems += [
        unknown_key(key, schemas, f"unknown section of {kind}")
        for key in sorted(set(spec) - set(schemas))
    ]
    if problems:
        raise SpecError(problems)
    return sections


def unknown_key(key: str, allowed, reason: str = "unknown key") -> SpecProblem:
    """The problem of an unknown (dotted) ``key``: the ``allowed`` keys beside it, and the
    nearest of them when it looks misspelt.

    Examples
    --------
    >>> str(unknown_key("sampler.targt_accept", ["chains", "target_accept"]))
    "sampler.targt_accept: unknown key (did you mean 'target_accept'?); allowed: chains,
    target_accept"
    """
    allowed = sorted(allowed)
    near = get_close_matches(key.rsplit(".", 1)[-1], allowed, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    return SpecProblem(key, reason + hint, allowed=", ".join(allowed))


def _problem(section: str, schema: type[BaseModel], error: Mapping[str, Any]) -> SpecProblem:
    """One pydantic error as a spec problem."""
    key = ".".join(str(p) for p in (section, *error["loc"]) if p != "")
    message = error["msg"].removeprefix("Value error, ")  # a validator's own words
    if error["type"] == "missing" or not error["loc"]:  # the input: the whole table
        return SpecProblem(key, message)
    if error["type"] != "extra_forbidden":
        return SpecProblem(key, message, error["input"])
    return unknown_key(key, _schema_at(schema, error["loc"][:-1]).model_fields)


def _schema_at(schema: type[BaseModel], loc: tuple) -> type[BaseModel]:
    """The schema of the table at ``loc`` (field names and list positions) in ``schema``."""
    for part in loc:
        if isinstance(part, str) and part in schema.model_fields:
            schema = _model_in(schema.model_fields[part].annotation) or schema
    return schema


def _model_in(annotation) -> type[BaseModel] | None:
    """The pydantic model an annotation holds (``X``, ``X | None``, ``list[X]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------- index specs
class IndexTable(_Table):
    """The ``[index]`` table of an index spec: indicators, normalisation, weights, aggregation."""

    name: str = "official"
    indicators: list[str] | None = None
    normalisation: Literal["none", "zscore", "minmax", "rank"] = "none"
    weights: list[PositiveFloat] | None = None
    aggregation: Literal["arithmetic", "geometric", "pca"] = "arithmetic"
    description: str = ""

    @model_validator(mode="after")
    def _weights_fit(self):
        n = len(self.indicators) if self.indicators is not None else 3
        if self.weights is not None and len(self.weights) != n:
            raise ValueError(f"weights has {len(self.weights)} entries for {n} indicators")
        return self


class TypesTable(_Table):
    """The ``[types]`` table of an index spec: how the cut points' mean and sd are taken."""

    moments: Literal["unweighted", "population"] = "unweighted"
    ddof: Literal[0, 1] = 1
    over: Literal["national", "given_areas"] = "national"


# ---------------------------------------------------------------- model specs
class ContinuousTable(_Table):
    """One continuous indicator of a model spec and its transform."""

    indicator: str
    transform: Literal["log", "identity"] = "log"


class ModelTable(_Table):
    """The ``[model]`` table of a model spec: indicators, years, likelihood, structure."""

    name: str = "latent_factor"
    description: str = ""
    indicators: list[str] | None = None
    continuous: list[ContinuousTable] = []
    years: list[int] | None = None
    likelihood: Literal["gaussian_logit", "binomial"] = "gaussian_logit"
    steps: Literal["normal", "jumps"] = "normal"
    municipality: bool = False
    dispersion: Literal["sd", "variance"] = "sd"
    reference_year: int | None = None
    delta: PositiveFloat = 1.0
    change_pairs: list[tuple[int, int]] | None = None
    compare: list[tuple[int, int]] = []
    types_over: Literal["national", "given_areas"] = "national"

    @model_validator(mode="after")
    def _jumps_without_municipality(self):
        if self.steps == "jumps" and self.municipality:
            raise ValueError(
                "steps = 'jumps' integrates each area's jump out given its "
                "municipality's level, so it goes with municipality = false"
            )
        return self


class SamplerTable(_Table):
    """The ``[sampler]`` table of a model spec: backend, chains, draws, seed, tuning."""

    backend: Literal["nutpie", "pymc", "advi"] = "nutpie"
    chains: PositiveInt = 2
    tune: NonNegativeInt = 500
    draws: PositiveInt = 1000
    seed: int = 20240101
    low_rank: bool = False
    target_accept: float = level(0.8)
    thin_derived: PositiveInt = 1
    advi_iterations: PositiveInt = 100_000
    kernel: bool = True
    init: Literal["jitter", "mode"] = "jitter"
    maxdepth: PositiveInt | None = None
    compile: Literal["disk", "process"] = "disk"


class GateTable(_Table):
    """The ``[gate]`` table of a model spec: the convergence thresholds a fit must meet."""

    rhat_max: float = Field(1.01, gt=1.0)
    ess_bulk_min: float = Field(400, ge=0)
    ess_tail_min: float = Field(400, ge=0)
    divergences_max: NonNegativeInt = 0


# ---------------------------------------------------------------- study options
class _Bayes(_Table):
    # "on" fits the Bayesian posterior; "auto" is its older spelling, still accepted.
    # Left out, the study runs without it (``validate.posterior.study_posterior``).
    bayes: Literal["on", "auto", "off"] = "off"
    bayes_options: SamplerTable | None = None


class BootstrapOptions(_Table):
    """The ``[bootstrap]`` table of a study spec."""

    methods: list[Literal["parametric", "beta", "areas"]] = ["parametric"]
    replicates: PositiveInt = 1000
    levels: list[float] = [0.5, 0.9, 0.95]
    fixed_indicators: list[str] = []


class CalibrationOptions(BootstrapOptions, _Bayes):
    """The ``[calibration]`` table of a study spec."""


class AgreementOptions(_Bayes):
    """The ``[agreement]`` table of a study spec."""


class ChangeOptions(_Table):
    """The ``[change]`` table of a study spec."""

    replicates: PositiveInt = 1000
    method: Literal["parametric", "beta", "areas"] = "parametric"
    delta: PositiveFloat = 1.0
    alpha: float = level(0.05)
    power: float = level(0.8)
    null_panel: dict = {}


class SensitivityOptions(_Table):
    """The ``[sensitivity]`` table of a study spec."""

    year: int | None = None
    normalisations: list[Literal["none", "zscore", "minmax", "rank"]] | None = None
    aggregations: list[Literal["arithmetic", "geometric", "pca"]] | None = None
    cut_rules: (
        list[Literal["sd_unweighted", "sd_population", "quantile_official_shares"]] | None
    ) = None
    dirichlet_concentration: PositiveFloat = 20.0
    monte_carlo: PositiveInt = 1000
    sobol_base: PositiveInt = 512
    sobol_resamples: PositiveInt = 200


class StabilityOptions(_Table):
    """The ``[stability]`` table of a study spec."""

    official_churn: dict = {}


class SBCDesign(_Table):
    """One design of the SBC study (``[[sbc.designs]]``)."""

    name: str
    years: list[int]
    replicates: PositiveInt
    bins: PositiveInt | None = None
    model: str | None = None
    municipalities: PositiveInt | None = None
    options: dict = {}


class SBCOptions(_Table):
    """The ``[sbc]`` table of a study spec."""

    municipalities: PositiveInt = 8
    posterior_draws: PositiveInt = 99
    alpha: float = level(0.01)
    control_shift_sd: PositiveFloat = 1.0
    designs: list[SBCDesign] = []
    indicators: list[str] = ["V1", "V2", "V3"]
    progress: bool = False
    chains: PositiveInt = 2
    tune: NonNegativeInt = 300
    draws: PositiveInt = 200
    target_accept: float = level(0.8)
    eta_areas: PositiveInt = 4
    likelihood: Literal["gaussian_logit", "binomial"] = "gaussian_logit"


class StressOptions(_Table):
    """The ``[stress]`` table of a study spec."""

    model: str = "models/latent_factor.toml"
    scenarios: (
        list[Literal["baseline", "trends", "jumps", "second_factor", "heavy_tails", "static"]]
        | None
    ) = None
    seeds: PositiveInt = 3
    n_areas: PositiveInt = 300
    national_seeds: list[int] = []
    levels: list[float] = [0.5, 0.9, 0.95]
    delta: PositiveFloat = 1.0
    p_material: float = level(0.9)
    p_sign: float = level(0.95)
    progress: bool = False
    sampler: SamplerTable = SamplerTable()  # overrides of the model spec's [sampler]


class EvaluateOptions(_Table):
    """The ``[evaluate]`` table of a study spec."""

    model: str = "models/latent_factor.toml"
    n_areas: PositiveInt = 400
    start: int = 2021
    seeds: PositiveInt = 6
    placebo_seeds: NonNegativeInt | None = None  # None: ``seeds``
    planted_seeds: NonNegativeInt | None = None  # None: ``seeds``
    sizes: list[PositiveInt] = [10, 30, 100]
    effects: list[float] = [-0.5, -1.0, -2.0]
    k: PositiveInt = 3
    causalpy: bool = True
    # targeting on decline: data seeds, the share of areas in steady decline and by how
    # many index points a year
    decline_seeds: NonNegativeInt = 0
    decline_share: float = level(0.1)
    decline_index: PositiveFloat = 0.4
    # overlapping programmes: data seeds, the other programme's worse-off areas and its
    # effect (index points), and the sizes of the placebo groups evaluated beside it
    overlap_seeds: NonNegativeInt = 0
    overlap_areas: PositiveInt = 30
    overlap_effect: float = -2.0
    overlap_sizes: list[PositiveInt] = [10, 30]
    sampler: SamplerTable = SamplerTable()  # overrides of the model spec's [sampler]
    progress: bool = False


#: The options table of each study (``[<study>]`` in its spec), in the order studies are
#: listed to users.
STUDY_OPTIONS: dict[str, type[BaseModel]] = {
    "stability": StabilityOptions,
    "bootstrap": BootstrapOptions,
    "sensitivity": SensitivityOptions,
    "agreement": AgreementOptions,
    "calibration": CalibrationOptions,
    "change": ChangeOptions,
    "sbc": SBCOptions,
    "stress": StressOptions,
    "evaluate": EvaluateOptions,
}
#: The studies a spec may name.
STUDIES = tuple(STUDY_OPTIONS)


class VariantTable(IndexTable, TypesTable):
    """One ``[[variants]]`` entry of a study: a method's index and type keys side by side."""


class StudyTable(_Table):
    """A study spec's top level; its study's own table is added by :func:`study_schema`."""

    study: str | None = None
    title: str | None = None
    description: str = ""
    data: Literal["synthetic", "sweden-regso-2022"] = "synthetic"
    years: list[int] | None = None
    seed: int = 20240101
    n_areas: PositiveInt | None = None
    n_jobs: int = Field(1, ge=-1)  # joblib's: -1 = every core
    index: dict | None = None  # with types: checked as an index spec's [index], [types]
    types: dict | None = None
    variants: list[VariantTable] = []
    synthetic: dict = {}

    @field_validator("n_jobs")
    @classmethod
    def _some_workers(cls, value: int) -> int:
        if value == 0:
            raise ValueError("0 workers: give a number of workers, or -1 for every core")
        return value

    @field_validator("n_areas", "synthetic")
    @classmethod
    def _synthetic_only(cls, value, info: ValidationInfo):
        data = info.data.get("data", "synthetic")
        if value and data != "synthetic":
            raise ValueError(f"applies only to data = 'synthetic' (data is {data!r})")
        return value


def study_schema(study: str) -> type[StudyTable]:
    """The schema of a ``study`` spec: the top level and the study's own table.

    Examples
    --------
    >>> sorted(study_schema("change").model_fields)[:4]
    ['change', 'data', 'description', 'index']
    """
    # the study's table as a field (type, default) under the study's name
    fields: dict[str, Any] = {study: (STUDY_OPTIONS[study], STUDY_OPTIONS[study]())}
    return create_model(f"{study.capitalize()}Spec", __base__=StudyTable, **fields)

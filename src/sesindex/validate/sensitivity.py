"""Sensitivity of ranks and types to the method choices, with Sobol indices.

Choices (each a factor): the normalisation, the weights (Dirichlet around equal weights),
the aggregation and the cut rule (SCB's mu/sigma rule with unweighted or
population-weighted moments, or quantile cuts with SCB's 2022 type shares). A Monte Carlo
sample of choices gives each area's rank distribution and the distribution of scalar
outputs against the reference (official) method: mean absolute rank shift, share of areas
changing type, Spearman's rho. A Saltelli/Sobol design (SALib) gives first-order and total
Sobol indices of each choice on each output; discrete choices are uniform variables cut
into equal bins, the weights a group of uniform variables mapped through Gamma quantiles.

Rules where a combination is undefined (documented in every output): geometric
aggregation of raw rates replaces a zero rate by half a count (100 * 0.5 / denominator);
geometric aggregation of z-scores is evaluated on the min-max scale (the z-score is linear
in the rate, so this equals geometric min-max); principal-component aggregation sets its
own weights on z-scores, so normalisation and weights do not act on it.

Samples are evaluated in blocks dispatched by :class:`joblib.Parallel` (``n_jobs`` from the
spec, default 1), so a backend (processes, Dask, Ray) can be chosen with joblib's
``parallel_config`` without code changes; each block is vectorised over its samples.

Examples
--------
>>> import numpy as np
>>> from sesindex.data.synthetic import generate
>>> from sesindex.index.spec import IndexSpec
>>> ds = generate(n_areas=80, years=(2022,), seed=2).dataset
>>> ctx = Context.build(ds, 2022, IndexSpec(types_over="given_areas"), Factors())
>>> u = np.random.default_rng(0).random((6, ctx.factors.dimension))
>>> ev = evaluate_block(ctx, u, keep_areas=True)
>>> ev.outputs.shape, ev.ranks.shape
((6, 3), (6, 80))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sesindex.data.model import indicator_rates
from sesindex.index.area_type import area_types
from sesindex.index.arrays import (
    OFFICIAL_TYPE_SHARES_2022,
    batch_index,
    competition_ranks,
    indicator_directions,
    moments,
    normalise,
    quantile_types,
)
from sesindex.index.spec import IndexSpec
from sesindex.validate.sensitivity_factors import (
    AGGREGATIONS,
    CUT_RULES,
    NORMALISATIONS,
    OUTPUTS,
    TYPES,
    Factors,
)
from sesindex.validate.sensitivity_figures import sensitivity_figures

__all__ = [
    "AGGREGATIONS",
    "CUT_RULES",
    "NORMALISATIONS",
    "OUTPUTS",
    "TYPES",
    "Context",
    "Evaluation",
    "Factors",
    "evaluate",
    "evaluate_block",
    "run",
    "sobol_indices",
]


@dataclass
class Context:
    """Everything a block evaluation needs: normalised indicators and the reference."""

    factors: Factors
    areas: np.ndarray
    scaled: dict[str, np.ndarray]  # normalisation -> (A, J) values for arithmetic
    log_positive: dict[str, np.ndarray]  # normalisation -> (A, J) logs for geometric
    pca: np.ndarray | None  # (A,)
    population: np.ndarray | None
    ref_rank: np.ndarray
    ref_type: np.ndarray
    ref_index: np.ndarray
    shares: tuple[float, ...] = OFFICIAL_TYPE_SHARES_2022
    notes: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        ds,
        year: int,
        reference: IndexSpec,
        factors: Factors,
        shares: Sequence[float] = OFFICIAL_TYPE_SHARES_2022,
    ) -> Context:
        """Normalise the year's indicators once per normalisation; index the reference.

        Examples
        --------
        >>> from sesindex.data.synthetic import generate
        >>> ds = generate(n_areas=30, years=(2022,), seed=2).dataset
        >>> ctx = Context.build(ds, 2022, IndexSpec(), Factors(aggregations=("arithmetic",)))
        >>> sorted(ctx.scaled), ctx.ref_rank.min()
        (['minmax', 'none', 'rank', 'zscore'], np.int32(1))
        """
        ind = list(reference.indicators)
        rates = indicator_rates(ds, ind).sel(year=year).transpose("area", "indicator").values
        denom = (
            ds["denominator"].sel(year=year, indicator=ind).transpose("area", "indicator").values
        )
        directions = indicator_directions(ind)
        pop = denom[:, 0] if np.isfinite(denom[:, 0]).all() else None
        if "sd_population" in factors.cut_rules and pop is None:
            raise ValueError(
                f"cut rule 'sd_population' needs a population: the first "
                f"indicator {ind[0]!r} has no denominator"
            )
        if factors.n_weights != len(ind):
            raise ValueError(f"{factors.n_weights} weights for {len(ind)} indicators")
        scaled, logs, notes = {}, {}, []
        for norm in factors.normalisations:
            scaled[norm] = normalise(rates, norm, directions)
        if "geometric" in factors.aggregations:
            for norm in factors.normalisations:
                if norm == "none":
                    floor = 100 * 0.5 / np.where(np.isfinite(denom), denom, np.inf)
                    x = np.where(rates > 0, rates, np.maximum(floor, 1e-9))
                    if (rates <= 0).any():
                        notes.append(
                            f"geometric on raw rates: {int((rates <= 0).sum())} zero "
                            "rate(s) replaced by half a count"
                        )
                elif norm == "zscore":
                    x = 1 + 99 * normalise(rates, "minmax", directions)
                    notes.append("geometric of z-scores evaluated on the min-max scale")
                else:
                    x = 1 + 99 * scaled[norm]
                logs[norm] = np.log(x)
        pca = None
        if "pca" in factors.aggregations:
            pca = batch_index(
                rates,
                IndexSpec(indicators=tuple(ind), aggregation="pca", types_over="given_areas"),
                ind,
            ).index
            notes.append(
                "pca sets its own weights on z-scores: normalisation and weights do not act on it"
            )
        ref = batch_index(rates, reference, ind, population=pop)
        return cls(
            factors,
            ds["area"].values,
            scaled,
            logs,
            pca,
            pop,
            ref.rank,
            ref.type,
            ref.index,
            tuple(shares),
            notes,
        )


@dataclass
class Evaluation:
    """Outputs ``(S, 3)`` of a block, and per-area ranks/types when kept."""

    outputs: np.ndarray
    ranks: np.ndarray | None = None
    types: np.ndarray | None = None


def _block_index(ctx: Context, choice: dict[str, np.ndarray]) -> np.ndarray:
    f = ctx.factors
    s, a = len(choice["weights"]), len(ctx.areas)
    index = np.empty((s, a))
    for ni, norm in enumerate(f.normalisations):
        for ai, agg in enumerate(f.aggregations):
            rows = (choice["normalisation"] == ni) & (choice["aggregation"] == ai)
            if not rows.any():
                continue
            w = choice["weights"][rows]
            if agg == "arithmetic":
                index[rows] = (ctx.scaled[norm] @ w.T).T
            elif agg == "geometric":
                index[rows] = np.exp(ctx.log_positive[norm] @ w.T).T
            else:
                index[rows] = ctx.pca
    return index


def evaluate_block(ctx: Context, u: np.ndarray, keep_areas: bool = False) -> Evaluation:
    """Outputs of the samples ``u`` (uniforms, ``(S, D)``), vectorised over samples.

    Outputs per sample, against the reference: mean absolute rank shift, share of areas
    whose type differs, Spearman's rho (columns in the order of ``OUTPUTS``).

    Examples
    --------
    >>> from sesindex.data.synthetic import generate
    >>> ds = generate(n_areas=40, years=(2022,), seed=2).dataset
    >>> ctx = Context.build(ds, 2022, IndexSpec(), Factors(aggregations=("pca",)))
    >>> ev = evaluate_block(ctx, np.random.default_rng(0).random((5, ctx.factors.dimension)))
    >>> ev.outputs.shape, bool((ev.outputs[:, 2] > 0.9).all())
    ((5, 3), True)
    """
    f = ctx.factors
    choice = f.decode(u)
    index = _block_index(ctx, choice)
    rank = competition_ranks(index)
    types = np.zeros(index.shape, np.int8)
    for ci, rule in enumerate(f.cut_rules):
        rows = choice["cut_rule"] == ci
        if not rows.any():
            continue
        if rule == "quantile_official_shares":
            types[rows] = quantile_types(rank[rows], ctx.shares)
        else:
            pop = ctx.population if rule == "sd_population" else None
            mu, sd = moments(index[rows], pop)
            types[rows] = area_types(index[rows], mu[:, None], sd[:, None])
    shift = np.mean(np.abs(rank - ctx.ref_rank[None, :]), axis=1)
    changed = np.mean(types != ctx.ref_type[None, :], axis=1)
    rc = rank - rank.mean(axis=1, keepdims=True)
    ref = ctx.ref_rank - ctx.ref_rank.mean()
    rho = (rc @ ref) / np.sqrt((rc**2).sum(axis=1) * (ref**2).sum())
    out = np.column_stack([shift, changed, rho])
    return Evaluation(out, rank if keep_areas else None, types if keep_areas else None)


def _evaluate_job(job: tuple) -> Evaluation:
    """One block of samples (a replicate of :func:`evaluate` on Dask)."""
    return evaluate_block(*job)


def evaluate(
    ctx: Context,
    u: np.ndarray,
    *,
    n_jobs: int = 1,
    block: int = 256,
    keep_areas: bool = False,
    engine=None,
) -> Evaluation:
    """Evaluate all samples in blocks: through :class:`joblib.Parallel` (``n_jobs``), or
    with a distributed ``engine`` (:class:`sesindex.validate.replicates.Engine`) one block
    per Dask task, put back in sample order. A block that fails on the cluster is an
    error naming its samples (no Sobol index from part of the design).

    Examples
    --------
    >>> import numpy as np
    >>> from sesindex.data.synthetic import generate
    >>> ds = generate(n_areas=50, years=(2022,), seed=2).dataset
    >>> ctx = Context.build(
    ...     ds, 2022, IndexSpec(types_over="given_areas"), Factors(aggregations=("arithmetic",))
    ... )
    >>> u = np.random.default_rng(1).random((10, ctx.factors.dimension))
    >>> e1, e2 = evaluate(ctx, u, block=3), evaluate(ctx, u, block=10)
    >>> bool(np.array_equal(e1.outputs, e2.outputs))
    True
    """
    starts = range(0, len(u), block)
    if engine is not None and engine.distributed:
        from sesindex.validate.replicates import ReplicateError, map_replicates

        parts: list = [None] * len(starts)
        for k, got in map_replicates(
            _evaluate_job, [(ctx, u[i : i + block], keep_areas) for i in starts], engine
        ):
            if isinstance(got, ReplicateError):
                raise RuntimeError(
                    f"samples {starts[k]}-{min(starts[k] + block, len(u)) - 1}"
                    f" failed on the cluster: {got}"
                )
            parts[k] = got
    else:
        from joblib import Parallel, delayed

        parts = Parallel(n_jobs=n_jobs)(
            delayed(evaluate_block)(ctx, u[i : i + block], keep_areas) for i in starts
        )

    def joined(kept: list) -> np.ndarray | None:
        return None if kept[0] is None else np.concatenate(kept)

    return Evaluation(
        np.concatenate([p.outputs for p in parts]),
        joined([p.ranks for p in parts]),
        joined([p.types for p in parts]),
    )


def sobol_indices(
    ctx: Context, base: int, seed: int, n_jobs: int = 1, resamples: int = 200, engine=None
) -> pd.DataFrame:
    """First-order and total Sobol indices of each factor on each output (SALib).

    ``base`` is Saltelli's N (a power of 2); the model is run ``N * (factors + 2)`` times.
    An output that does not vary gets indices 0 with a note.

    Examples
    --------
    >>> from sesindex.data.synthetic import generate
    >>> ds = generate(n_areas=50, years=(2022,), seed=2).dataset
    >>> ctx = Context.build(
    ...     ds,
    ...     2022,
    ...     IndexSpec(types_over="given_areas"),
    ...     Factors(normalisations=("none",), aggregations=("arithmetic",)),
    ... )
    >>> s = sobol_indices(ctx, 16, seed=1, resamples=10)
    >>> sorted(set(s["factor"])), s.attrs["model_runs"]
    (['cut_rule', 'weights'], 64)
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    problem = ctx.factors.problem()
    if problem["num_vars"] == 0:
        return pd.DataFrame(columns=["output", "factor", "S1", "S1_conf", "ST", "ST_conf"])
    x = sample.sample(problem, base, calc_second_order=False, seed=seed)
    y = evaluate(ctx, x, n_jobs=n_jobs, engine=engine).outputs
    factors = list(dict.fromkeys(problem["groups"]))
    rows = []
    for k, name in enumerate(OUTPUTS):
        if np.var(y[:, k]) == 0:
            rows += [
                {
                    "output": name,
                    "factor": f,
                    "S1": 0.0,
                    "S1_conf": 0.0,
                    "ST": 0.0,
                    "ST_conf": 0.0,
                    "note": "output constant",
                }
                for f in factors
            ]
            continue
        r = analyze.analyze(
            problem, y[:, k], calc_second_order=False, num_resamples=resamples, seed=seed
        )
        rows += [
            {
                "output": name,
                "factor": f,
                "S1": r["S1"][i],
                "S1_conf": r["S1_conf"][i],
                "ST": r["ST"][i],
                "ST_conf": r["ST_conf"][i],
                "note": "",
            }
            for i, f in enumerate(factors)
        ]
    out = pd.DataFrame(rows)
    out.attrs["model_runs"] = len(x)
    return out


def _samples_table(ctx: Context, u: np.ndarray, ev: Evaluation, indicators) -> pd.DataFrame:
    f = ctx.factors
    c = f.decode(u)
    t = pd.DataFrame(
        {
            "normalisation": np.asarray(f.normalisations)[c["normalisation"]],
            "aggregation": np.asarray(f.aggregations)[c["aggregation"]],
            "cut_rule": np.asarray(f.cut_rules)[c["cut_rule"]],
        }
    )
    for k, ind in enumerate(indicators):
        t[f"weight_{ind}"] = c["weights"][:, k]
    for k, name in enumerate(OUTPUTS):
        t[name] = ev.outputs[:, k]
    return t


def _area_table(ctx: Context, ev: Evaluation) -> pd.DataFrame:
    if ev.ranks is None or ev.types is None:
        raise ValueError("the evaluation kept no per-area ranks and types")
    q = np.quantile(ev.ranks, [0.05, 0.5, 0.95], axis=0)
    t = pd.DataFrame(
        {
            "area_code": ctx.areas,
            "rank_reference": ctx.ref_rank,
            "type_reference": ctx.ref_type,
            "rank_p05": q[0],
            "rank_median": q[1],
            "rank_p95": q[2],
            "p_same_type_as_reference": (ev.types == ctx.ref_type).mean(axis=0),
        }
    )
    for k in TYPES:
        t[f"p_type_{k}"] = (ev.types == k).mean(axis=0)
    return t


def run(spec, data, out, engine=None) -> dict:
    """The sensitivity study of ``spec`` on ``data``; writes tables and figures to ``out``.
    ``engine`` (:class:`sesindex.validate.replicates.Engine`): where the blocks of
    samples are evaluated (joblib with the spec's ``n_jobs`` by default, or Dask).

    Examples
    --------
    >>> import tempfile
    >>> from sesindex.validate.inputs import load_study_data
    >>> from sesindex.validate.outputs import StudyOutput
    >>> from sesindex.validate.spec import StudySpec
    >>> spec = StudySpec.from_dict(
    ...     {
    ...         "study": "sensitivity",
    ...         "n_areas": 60,
    ...         "years": [2022],
    ...         "sensitivity": {"monte_carlo": 20, "sobol_base": 8},
    ...     }
    ... )
    >>> key = run(spec, load_study_data(spec), StudyOutput(tempfile.mkdtemp()))
    >>> key["sobol"]["spearman|cut_rule"]
    {'S1': 0.0, 'ST': 0.0}
    """
    o = spec.option
    factors = Factors(
        normalisations=tuple(o("normalisations", NORMALISATIONS)),
        aggregations=tuple(o("aggregations", AGGREGATIONS)),
        cut_rules=tuple(o("cut_rules", CUT_RULES)),
        n_weights=len(spec.index.indicators),
        concentration=float(o("dirichlet_concentration", 20.0)),
        vary_weights=bool(o("vary_weights", True)),
    )
    year = int(o("year", data.years[-1]))
    ctx = Context.build(
        data.dataset, year, spec.index, factors, tuple(o("type_shares", OFFICIAL_TYPE_SHARES_2022))
    )
    m = int(o("monte_carlo", 500))
    rng = np.random.default_rng([spec.seed, year])
    u = rng.random((m, factors.dimension))
    ev = evaluate(ctx, u, n_jobs=spec.n_jobs, keep_areas=True, engine=engine)
    samples = _samples_table(ctx, u, ev, spec.index.indicators)
    areas = _area_table(ctx, ev)
    sobol = sobol_indices(
        ctx,
        int(o("sobol_base", 256)),
        spec.seed,
        spec.n_jobs,
        int(o("sobol_resamples", 200)),
        engine,
    )
    out.table(
        "samples",
        samples,
        f"Monte Carlo sample of method choices and their outputs against {spec.index.name}",
    )
    out.table(
        "area_ranks",
        areas,
        "per area: reference rank/type, 5/50/95% rank over the "
        "sampled choices, P(type = k), P(same type as the reference)",
    )
    out.table(
        "sobol_indices",
        sobol,
        "first-order (S1) and total (ST) Sobol indices per "
        "output and factor, with 95% confidence half-widths",
    )
    by_choice = pd.concat(
        [
            samples.groupby(f)[list(OUTPUTS)]
            .mean()
            .assign(factor=f)
            .rename_axis("choice")
            .reset_index()
            for f in ("normalisation", "aggregation", "cut_rule")
        ]
    )
    out.table(
        "outputs_by_choice",
        by_choice[["factor", "choice", *OUTPUTS]],
        "mean output for each level of each choice",
    )
    sensitivity_figures(out, sobol, samples, areas, spec.title, spec.index.name, year)
    width = areas["rank_p95"] - areas["rank_p05"]
    return {
        "year": year,
        "monte_carlo": m,
        "sobol_model_runs": sobol.attrs.get("model_runs", 0),
        "rules": ctx.notes,
        "outputs": {
            k: {
                "mean": float(samples[k].mean()),
                "p05": float(samples[k].quantile(0.05)),
                "p95": float(samples[k].quantile(0.95)),
            }
            for k in OUTPUTS
        },
        "median_rank_width_90": float(width.median()),
        "share_areas_always_same_type": float((areas["p_same_type_as_reference"] == 1).mean()),
        "sobol": {f"{r.output}|{r.factor}": {"S1": r.S1, "ST": r.ST} for r in sobol.itertuples()},
    }

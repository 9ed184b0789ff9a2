"""The replicates of one SBC design: simulate from the prior, fit, keep L draws.

The method and the study are :mod:`sesindex.validate.sbc`. Here: :func:`run_sbc` sends
each replicate (a picklable :class:`_Design` and its number) through
:func:`sesindex.validate.replicates.map_replicates` — in process, where the model is
compiled once per form and every later replicate swaps its data in, or on Dask, where
each worker compiles once — and gathers truths, kept draws and the replicate table into
an :class:`SBCResult`.

Examples
--------
>>> DEFAULTS["posterior_draws"]
99
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sesindex.bayes.model.inputs import ModelInputs
from sesindex.bayes.sampling.trace import as_trace, group
from sesindex.bayes.spec import ModelSpec
from sesindex.schemas import SBCOptions
from sesindex.validate.ranks import rank_of

#: Default sampler and SBC settings: the ``[sbc]`` table's
#: (:class:`sesindex.schemas.SBCOptions`), which a study spec overrides.
DEFAULTS = SBCOptions().model_dump(
    include={
        "chains",
        "tune",
        "draws",
        "posterior_draws",
        "target_accept",
        "eta_areas",
        "control_shift_sd",
        "likelihood",
    }
)


@dataclass
class SBCResult:
    """One design's SBC: truths (R, K), kept posterior draws (R, K, L), replicate log."""

    design: str
    quantities: list[str]
    truth: np.ndarray
    draws: np.ndarray
    replicates: pd.DataFrame
    thin: int
    info: dict = field(default_factory=dict)

    @property
    def n_draws(self) -> int:
        """L, the kept posterior draws per replicate."""
        return self.draws.shape[-1]

    def ranks(self, shift_sd: float = 0.0) -> pd.DataFrame:
        """Ranks (replicate x quantity); ``shift_sd`` shifts the draws by that many posterior
        sds first (a deliberately wrong posterior, for the negative control).
        """
        d = self.draws
        if shift_sd:
            d = d + shift_sd * d.std(axis=-1, ddof=1, keepdims=True)
        out = pd.DataFrame(rank_of(d, self.truth), columns=self.quantities)
        out.index = pd.Index(self.replicates["replicate"].to_numpy(), name="replicate")
        return out


def quantity_names(
    inputs: ModelInputs,
    panel: bool,
    eta_cells: list[tuple[int, int]],
    model=None,
    index_cells: list[tuple[int, int]] | None = None,
) -> list[str]:
    """Names of the ranked scalars, in order: the sampled hyperparameters, eta of some
    area-years and, when the template holds the official three indicators, derived
    quantities: the index of some area-years and the national mu and sigma per year.

    Examples
    --------
    >>> from sesindex.bayes.simulate import template_inputs
    >>> t = template_inputs(5, 2, (2022,), seed=1)
    >>> quantity_names(t, False, [(0, 0)])[-3:]
    ['dispersion[V3]', 'rho', 'eta[0127R007,2022]']
    """
    municipality = model is None or model.municipality
    jumps = panel and model is not None and model.steps == "jumps"
    years = [int(y) for y in inputs.years]
    names = [f"alpha[{y},{ind}]" for y in years for ind in inputs.indicators]
    for par in ("lam", "dispersion"):
        names += [f"{par}[{ind}]" for ind in inputs.indicators]
    names += ["rho"] if municipality else []
    if panel:
        names.append("tau")
        names += [f"kappa[{ind}]" for ind in inputs.indicators]
        names += ["jump_sd", "jump_share"] if jumps else []
    names += [f"eta[{inputs.areas[a]},{years[t]}]" for a, t in eta_cells]
    if index_cells:
        names += [f"index[{inputs.areas[a]},{years[t]}]" for a, t in index_cells]
        names += [f"mu[{y}]" for y in years] + [f"sigma[{y}]" for y in years]
    return names


def _hyper_names(panel: bool, municipality: bool, jumps: bool) -> list[str]:
    names = ["alpha", "lam", "dispersion"] + (["rho"] if municipality else [])
    if panel:
        names += ["tau", "kappa"] + (["jump_sd", "jump_share"] if jumps else [])
    return names


def _truth_vector(truth: dict, names: list[str], eta_cells, index_cells) -> np.ndarray:
    parts: list = [np.ravel(truth[n]) for n in names]
    parts.append([truth["eta"][a, t] for a, t in eta_cells])
    if index_cells:
        ix = truth["index"]
        parts += [[ix[a, t] for a, t in index_cells], ix.mean(axis=0), ix.std(axis=0, ddof=1)]
    return np.concatenate([np.asarray(p, float).ravel() for p in parts])


def _thin(n_chains: int, n_draws: int, keep: int) -> int:
    """Largest stride that still keeps ``keep`` draws over the chains."""
    if keep > n_chains * n_draws:
        raise ValueError(f"posterior_draws = {keep} exceeds chains x draws = {n_chains * n_draws}")
    thin = max(1, n_chains * n_draws // keep)
    while n_chains * len(range(0, n_draws, thin)) < keep:
        thin -= 1
    return thin


def _kept_draws(
    post,
    inputs: ModelInputs,
    names: list[str],
    eta_cells,
    index_cells,
    thin: int,
    keep: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """(K, L) draws of the ranked scalars: every ``thin``-th draw of each chain."""
    from sesindex.bayes.posterior.states import draw_chain

    sub = post.isel(draw=slice(0, None, thin))
    n = sub.sizes["draw"]
    official = [0, 1, 2] if index_cells else []
    cols = []
    for c in range(sub.sizes["chain"]):
        parts = [sub[p].values[c].reshape(n, -1) for p in names]
        eta, rates = draw_chain(sub, inputs, c, rng, official)
        parts.append(np.stack([eta[:, a, t] for a, t in eta_cells], axis=1))
        if index_cells:
            ix = rates.mean(axis=-1, dtype=np.float64)
            parts += [
                np.stack([ix[:, a, t] for a, t in index_cells], axis=1),
                ix.mean(axis=1),
                ix.std(axis=1, ddof=1),
            ]
        cols.append(np.concatenate(parts, axis=1))
    return np.concatenate(cols, axis=0)[:keep].T


def _diagnostics(idata, gate) -> dict:
    """The fit gate over the sampled parameters: worst R-hat, bulk and tail ESS,
    divergences, and whether the replicate converged by the production gate.
    """
    from sesindex.bayes.checks.gate import fit_gate
    from sesindex.bayes.fit import SAMPLED, divergences_of

    trace = as_trace(idata)
    post, stats = group(trace, "posterior"), group(trace, "sample_stats")
    if post is None or stats is None:
        raise ValueError("the replicate's trace lacks its posterior or sample_stats group")
    post = post[[v for v in SAMPLED if v in post]]
    verdict = fit_gate(post, divergences_of(trace), gate)
    steps = stats.get("n_steps")
    return {
        "divergences": verdict["divergences"],
        "min_ess_bulk": verdict["worst"]["ess_bulk"]["value"],
        "min_ess_tail": verdict["worst"]["ess_tail"]["value"],
        "max_rhat": verdict["worst"]["rhat"]["value"],
        "converged": bool(verdict["passed"]),
        "mean_leapfrog_steps": float(steps.mean()) if steps is not None else np.nan,
    }


def _model(model, opt: dict, panel: bool):
    """The model spec whose form and sampler the replicates use (``options`` of the
    older interface override its sampler: tune, draws, chains, target_accept).
    """
    from dataclasses import replace

    from sesindex.bayes.spec import ModelSpec, SamplerSpec, replicate_sampler

    if model is None:
        model = ModelSpec(
            likelihood=str(opt.get("likelihood", "gaussian_logit")),
            sampler=SamplerSpec(tune=300, draws=200),
        )
    over = {
        k: type(getattr(model.sampler, k))(opt[k])
        for k in ("tune", "draws", "chains", "target_accept")
        if k in opt
    }
    model = replace(model, sampler=replicate_sampler(model.sampler, over))
    if "likelihood" in opt:
        model = replace(model, likelihood=str(opt["likelihood"]))
    return model if panel else replace(model, steps="normal")


@dataclass(frozen=True)
class _Design:
    """What every replicate of one design needs (sent to each replicate, picklable)."""

    template: ModelInputs
    model: ModelSpec  # form, sampler, gate
    seed: int
    prior: dict | None
    hyper: tuple[str, ...]
    eta_cells: tuple[tuple[int, int], ...]
    index_cells: tuple[tuple[int, int], ...] | None
    keep: int
    thin: int

    @property
    def panel(self) -> bool:
        return self.template.z.shape[1] > 1


def _replicate(job: tuple[_Design, int]) -> dict:
    """One SBC replicate: simulate from the prior, fit, keep L draws; errors recorded.

    The model is compiled once per form in each process (:mod:`sesindex.bayes.sampling.compiled`)
    and the replicate's data swapped in, so in process and on every worker only the first
    replicate of a design compiles.
    """
    from sesindex.bayes.model.graph import model_data
    from sesindex.bayes.sampling.compiled import compiled_model
    from sesindex.bayes.sampling.samplers import nutpie_sample
    from sesindex.bayes.simulate import simulate_prior

    d, r = job
    model = d.model
    sampler = model.sampler
    t = time.perf_counter()
    row = _row(d.seed, r)
    truth, kept, timings = None, None, {"compile": 0.0}
    try:
        compiled = compiled_model(d.template, model.form, compile=sampler.compile, timings=timings)
        sim, true = simulate_prior(
            d.template, np.random.default_rng([d.seed, r]), model.form, panel=d.panel, prior=d.prior
        )
        truth = _truth_vector(true, list(d.hyper), d.eta_cells, d.index_cells)
        data = model_data(sim, model.form)
        trace = as_trace(nutpie_sample(compiled.with_data(**data), sampler, seed=d.seed + r))
        row.update(_diagnostics(trace, model.gate))
        kept = _kept_draws(
            group(trace, "posterior"),
            sim,
            list(d.hyper),
            d.eta_cells,
            d.index_cells,
            d.thin,
            d.keep,
            np.random.default_rng([d.seed, r, 1]),
        )
        if not np.isfinite(kept).all():
            raise FloatingPointError("non-finite posterior draws")
        if not row.pop("converged"):
            row["status"] = "not_converged"
    except Exception as err:  # recorded, never dropped silently
        row.pop("converged", None)
        row.update(status="error", error=f"{type(err).__name__}: {err}"[:300])
    if row["status"] != "ok":
        kept = None  # only converged replicates are ranked
    row["seconds"] = round(time.perf_counter() - t, 3)
    return {"row": row, "truth": truth, "kept": kept, "compile": timings["compile"]}


def _row(seed: int, r: int, status: str = "ok", error: str = "") -> dict:
    """Replicate r's line of the replicate table, before its fit."""
    return {
        "replicate": r,
        "sim_seed": f"[{seed}, {r}]",
        "sampler_seed": seed + r,
        "status": status,
        "error": error,
        "divergences": np.nan,
        "min_ess_bulk": np.nan,
        "min_ess_tail": np.nan,
        "max_rhat": np.nan,
        "mean_leapfrog_steps": np.nan,
    }


def run_sbc(
    template: ModelInputs,
    *,
    replicates: int,
    seed: int,
    name: str = "sbc",
    options: dict | None = None,
    prior: dict | None = None,
    model=None,
    progress=None,
    engine=None,
) -> SBCResult:
    """SBC of one design (``template``: areas, municipalities, years, ``v``).

    ``model`` (a :class:`~sesindex.bayes.spec.ModelSpec`) gives the model's form and the
    production sampler settings and gate; ``options`` override :data:`DEFAULTS` (L =
    ``posterior_draws``, ``eta_areas`` areas whose eta and index are ranked in every
    year, and the sampler's tune, draws, chains, target_accept, likelihood).
    ``prior`` overrides the simulator's prior (:data:`sesindex.bayes.simulate.PRIOR`)
    — only for deliberately wrong simulators. ``progress`` is an optional callable given
    one line per finished replicate. ``engine``
    (:class:`sesindex.validate.replicates.Engine`): where the replicates run (in process
    by default; the same results on Dask). Each replicate r simulates with
    ``default_rng([seed, r])`` and samples with nutpie seed ``seed + r``. A replicate
    whose sampled parameters miss the model's fit gate is kept in the table as
    ``not_converged`` and left out of the ranks (only converged fits count, as in
    production); one that fails is kept with its error.

    Examples
    --------
    >>> from sesindex.bayes.simulate import template_inputs
    >>> res = run_sbc(
    ...     template_inputs(20, 4, (2022,), seed=1),
    ...     replicates=2,
    ...     seed=3,
    ...     options={"tune": 100, "draws": 50, "posterior_draws": 19},
    ... )
    ... # doctest: +SKIP
    >>> res.ranks().shape, res.replicates["status"].tolist()  # doctest: +SKIP
    ((2, 20), ['ok', 'ok'])
    """
    from sesindex.validate.replicates import ReplicateError, map_replicates

    opt = {**DEFAULTS, **(options or {})}
    n_area, n_year, _ = template.z.shape
    panel = n_year > 1
    model = _model(model, options or {}, panel)
    sampler = model.sampler
    keep = int(opt["posterior_draws"])
    n_eta = min(int(opt["eta_areas"]), n_area)
    eta_areas = np.unique(np.linspace(0, n_area - 1, n_eta).round().astype(int))
    eta_cells = tuple((int(a), t) for a in eta_areas for t in range(n_year))
    official = tuple(template.indicators[:3]) == ("V1", "V2", "V3")
    names = quantity_names(
        template, panel, list(eta_cells), model, list(eta_cells) if official else None
    )
    design = _Design(
        template,
        model,
        seed,
        prior,
        tuple(_hyper_names(panel, model.municipality, model.steps == "jumps")),
        eta_cells,
        eta_cells if official else None,
        keep,
        _thin(sampler.chains, sampler.draws, keep),
    )

    truths = np.full((replicates, len(names)), np.nan)
    kept = np.full((replicates, len(names), keep), np.nan)
    rows: list = [None] * replicates
    compile_seconds = []
    for r, got in map_replicates(_replicate, [(design, r) for r in range(replicates)], engine):
        if isinstance(got, ReplicateError):  # the worker itself failed: recorded
            got = {
                "row": {**_row(seed, r, "error", str(got)[:300]), "seconds": np.nan},
                "truth": None,
                "kept": None,
                "compile": 0.0,
            }
        rows[r] = got["row"]
        compile_seconds.append(got["compile"])
        if got["truth"] is not None:
            truths[r] = got["truth"]
        if got["kept"] is not None:
            kept[r] = got["kept"]
        if progress is not None:
            row = got["row"]
            progress(
                f"{name} replicate {r + 1}/{replicates}: {row['status']} "
                f"({row['seconds']:.1f} s, {row['divergences']} divergences)"
            )
    table = pd.DataFrame(rows)
    table.insert(1, "design", name)
    table["ess_below_L"] = table["min_ess_bulk"] < keep
    info = _design_info(design, eta_areas, compile_seconds, table)
    return SBCResult(name, names, truths, kept, table, design.thin, info)


def _design_info(design: _Design, eta_areas, compile_seconds: list, table: pd.DataFrame) -> dict:
    """What the SBC result records of its design: the template's size, the model's form,
    the sampler, the gate, the ranked areas and the seconds spent.
    """
    template, model = design.template, design.model
    sampler, gate = model.sampler, model.gate
    return {
        "areas": template.z.shape[0],
        "municipalities": len(template.municipalities),
        "years": [int(y) for y in template.years],
        "panel": template.z.shape[1] > 1,
        "model": model.name,
        "steps": model.steps,
        "dispersion": model.dispersion,
        "municipality": model.municipality,
        "likelihood": model.likelihood,
        "chains": sampler.chains,
        "tune": sampler.tune,
        "draws_per_chain": sampler.draws,
        "low_rank": sampler.low_rank,
        "target_accept": sampler.target_accept,
        "posterior_draws_L": design.keep,
        "thin": design.thin,
        "gate": {
            "rhat_max": gate.rhat_max,
            "ess_bulk_min": gate.ess_bulk_min,
            "ess_tail_min": gate.ess_tail_min,
            "divergences_max": gate.divergences_max,
        },
        "eta_areas": [str(template.areas[a]) for a in eta_areas],
        "compiled_once_with_data": True,
        "compile_seconds": round(float(sum(compile_seconds)), 2),
        "replicate_seconds": round(float(table["seconds"].sum()), 2),
    }

"""Simulation-based calibration (SBC; Talts et al. 2018) of the Bayesian latent-factor model.

If parameters are drawn from the prior and data from the model given them, then the rank
of each true value among L independent posterior draws is uniform on 0..L, for every
scalar, whenever the sampler and the model's code are right. Per design (a template of
areas, municipalities and years, :mod:`sesindex.bayes.simulate`), for each replicate r:

1. draw parameters and ``z`` from the prior (:func:`~sesindex.bayes.simulate.simulate_prior`,
   the model's generative form with the template's known sampling variances ``v``);
2. fit the model with nutpie (compiled once per model form and reused through
   ``with_data``, :mod:`sesindex.bayes.compiled`), fixed seeds per replicate;
3. thin the chains to L draws with a fixed stride (recorded, with each replicate's
   smallest bulk ESS: a replicate whose ESS is below L has autocorrelated kept draws);
4. draw eta of a fixed set of areas x years from its exact conditional given each kept
   draw (:func:`sesindex.bayes.posterior.draw_chain`; raw eta, before standardisation);
5. rank each true scalar (alpha_j, lambda_j, s_j (dispersion), rho, and in panels tau, kappa_j,
   plus the eta cells) among its L draws.

Ranks are binned into B bins (B divides L + 1 and R / B >= 5); each quantity gets a
chi-square test of uniform bin counts, and the family gets a multiple-testing-aware
summary (Bonferroni on the smallest p-value, Holm rejections, and a KS test of the
p-values against uniform, which ignores their dependence). A replicate that fails is kept
in the replicate table with its error (never dropped silently); divergences and ESS are
recorded per replicate. A negative control re-ranks the same truths against the
posterior draws shifted by +1 posterior sd, which the test must reject: it shows the
study has power at its R.

The rank statistics (uniformity tests, power) are :mod:`sesindex.validate.ranks`.

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

from sesindex.bayes.data import ModelInputs
from sesindex.validate.ranks import (choose_bins, detectable_miscalibration, overall,
                                     rank_of, uniformity)
from sesindex.validate.sbc_figures import plot_pvalues, plot_ranks

#: Default sampler and SBC settings (the [sbc] table of a study spec overrides them).
DEFAULTS = {"chains": 2, "tune": 300, "draws": 200, "posterior_draws": 99,
            "target_accept": 0.8, "eta_areas": 4, "control_shift_sd": 1.0,
            "likelihood": "gaussian_logit"}


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
        sds first (a deliberately wrong posterior, for the negative control)."""
        d = self.draws
        if shift_sd:
            d = d + shift_sd * d.std(axis=-1, ddof=1, keepdims=True)
        out = pd.DataFrame(rank_of(d, self.truth), columns=self.quantities)
        out.index = pd.Index(self.replicates["replicate"].to_numpy(), name="replicate")
        return out


def quantity_names(inputs: ModelInputs, panel: bool, eta_cells: list[tuple[int, int]],
                   model=None, index_cells: list[tuple[int, int]] | None = None
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
    parts = [np.ravel(truth[n]) for n in names]
    parts.append([truth["eta"][a, t] for a, t in eta_cells])
    if index_cells:
        ix = truth["index"]
        parts += [[ix[a, t] for a, t in index_cells], ix.mean(axis=0),
                  ix.std(axis=0, ddof=1)]
    return np.concatenate([np.asarray(p, float).ravel() for p in parts])


def _thin(n_chains: int, n_draws: int, keep: int) -> int:
    """Largest stride that still keeps ``keep`` draws over the chains."""
    if keep > n_chains * n_draws:
        raise ValueError(f"posterior_draws = {keep} exceeds chains x draws "
                         f"= {n_chains * n_draws}")
    thin = max(1, n_chains * n_draws // keep)
    while n_chains * len(range(0, n_draws, thin)) < keep:
        thin -= 1
    return thin


def _kept_draws(post, inputs: ModelInputs, names: list[str], eta_cells, index_cells,
                thin: int, keep: int, rng: np.random.Generator) -> np.ndarray:
    """(K, L) draws of the ranked scalars: every ``thin``-th draw of each chain."""
    from sesindex.bayes.posterior import draw_chain

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
            parts += [np.stack([ix[:, a, t] for a, t in index_cells], axis=1),
                      ix.mean(axis=1), ix.std(axis=1, ddof=1)]
        cols.append(np.concatenate(parts, axis=1))
    return np.concatenate(cols, axis=0)[:keep].T


def _diagnostics(idata, gate) -> dict:
    """The fit gate over the sampled parameters: worst R-hat, bulk and tail ESS,
    divergences, and whether the replicate converged by the production gate."""
    from sesindex.bayes.fit import SAMPLED, divergences_of
    from sesindex.bayes.gate import fit_gate

    post = idata.posterior[[v for v in SAMPLED if v in idata.posterior]]
    verdict = fit_gate(post, divergences_of(idata), gate)
    steps = idata.sample_stats.get("n_steps")
    return {"divergences": verdict["divergences"],
            "min_ess_bulk": verdict["worst"]["ess_bulk"]["value"],
            "min_ess_tail": verdict["worst"]["ess_tail"]["value"],
            "max_rhat": verdict["worst"]["rhat"]["value"],
            "converged": bool(verdict["passed"]),
            "mean_leapfrog_steps": float(steps.mean()) if steps is not None else np.nan}


def _model(model, opt: dict, panel: bool):
    """The model spec whose form and sampler the replicates use (``options`` of the
    older interface override its sampler: tune, draws, chains, target_accept)."""
    from dataclasses import replace

    from sesindex.bayes.spec import ModelSpec, SamplerSpec

    if model is None:
        model = ModelSpec(likelihood=str(opt.get("likelihood", "gaussian_logit")),
                          sampler=SamplerSpec(tune=300, draws=200))
    over = {k: type(getattr(model.sampler, k))(opt[k]) for k in
            ("tune", "draws", "chains", "target_accept") if k in opt}
    model = replace(model, sampler=replace(model.sampler, **over))
    if "likelihood" in opt:
        model = replace(model, likelihood=str(opt["likelihood"]))
    return model if panel else replace(model, steps="normal")


@dataclass(frozen=True)
class _Design:
    """What every replicate of one design needs (sent to each replicate, picklable)."""

    template: ModelInputs
    model: object  # ModelSpec: form, sampler, gate
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

    The model is compiled once per form in each process (:mod:`sesindex.bayes.compiled`)
    and the replicate's data swapped in, so in process and on every worker only the first
    replicate of a design compiles."""
    import nutpie

    from sesindex.bayes.compiled import compiled_model
    from sesindex.bayes.model import model_data
    from sesindex.bayes.simulate import simulate_prior

    d, r = job
    model = d.model
    sampler, likelihood = model.sampler, model.likelihood
    t = time.perf_counter()
    row = _row(d.seed, r)
    truth, kept, timings = None, None, {"compile": 0.0}
    try:
        compiled = compiled_model(d.template, "random_walk" if d.panel else "none",
                                  model.municipality, timings, dispersion=model.dispersion,
                                  likelihood=likelihood, steps=model.steps)
        sim, true = simulate_prior(d.template, np.random.default_rng([d.seed, r]),
                                   panel=d.panel, prior=d.prior, likelihood=likelihood,
                                   dispersion=model.dispersion, steps=model.steps,
                                   municipality=model.municipality)
        truth = _truth_vector(true, list(d.hyper), d.eta_cells, d.index_cells)
        data = model_data(sim, municipality=model.municipality,
                          dispersion=model.dispersion, likelihood=likelihood)
        kwargs = ({"target_accept": sampler.target_accept}
                  if sampler.target_accept != 0.8 else {})
        idata = nutpie.sample(compiled.with_data(**data), draws=sampler.draws,
                              tune=sampler.tune, chains=sampler.chains,
                              cores=min(sampler.chains, 2), seed=d.seed + r,
                              progress_bar=False, save_warmup=False,
                              low_rank_modified_mass_matrix=sampler.low_rank, **kwargs)
        row.update(_diagnostics(idata, model.gate))
        kept = _kept_draws(idata.posterior, sim, list(d.hyper), d.eta_cells, d.index_cells,
                           d.thin, d.keep, np.random.default_rng([d.seed, r, 1]))
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
    return {"replicate": r, "sim_seed": f"[{seed}, {r}]", "sampler_seed": seed + r,
            "status": status, "error": error, "divergences": np.nan,
            "min_ess_bulk": np.nan, "min_ess_tail": np.nan, "max_rhat": np.nan,
            "mean_leapfrog_steps": np.nan}


def run_sbc(template: ModelInputs, *, replicates: int, seed: int, name: str = "sbc",
            options: dict | None = None, prior: dict | None = None, model=None,
            progress=None, engine=None) -> SBCResult:
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
    >>> res = run_sbc(template_inputs(20, 4, (2022,), seed=1), replicates=2, seed=3,
    ...               options={"tune": 100, "draws": 50, "posterior_draws": 19})
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
    names = quantity_names(template, panel, list(eta_cells), model,
                           eta_cells if official else None)
    design = _Design(template, model, seed, prior,
                     tuple(_hyper_names(panel, model.municipality, model.steps == "jumps")),
                     eta_cells, eta_cells if official else None, keep,
                     _thin(sampler.chains, sampler.draws, keep))

    truths = np.full((replicates, len(names)), np.nan)
    kept = np.full((replicates, len(names), keep), np.nan)
    rows: list = [None] * replicates
    compile_seconds = []
    for r, got in map_replicates(_replicate, [(design, r) for r in range(replicates)],
                                 engine):
        if isinstance(got, ReplicateError):  # the worker itself failed: recorded
            got = {"row": {**_row(seed, r, "error", str(got)[:300]), "seconds": np.nan},
                   "truth": None, "kept": None, "compile": 0.0}
        rows[r] = got["row"]
        compile_seconds.append(got["compile"])
        if got["truth"] is not None:
            truths[r] = got["truth"]
        if got["kept"] is not None:
            kept[r] = got["kept"]
        if progress is not None:
            row = got["row"]
            progress(f"{name} replicate {r + 1}/{replicates}: {row['status']} "
                     f"({row['seconds']:.1f} s, {row['divergences']} divergences)")
    table = pd.DataFrame(rows)
    table.insert(1, "design", name)
    table["ess_below_L"] = table["min_ess_bulk"] < keep
    info = {"areas": n_area, "municipalities": len(template.municipalities),
            "years": [int(y) for y in template.years], "panel": panel,
            "model": model.name, "steps": model.steps, "dispersion": model.dispersion,
            "municipality": model.municipality, "likelihood": model.likelihood,
            "chains": sampler.chains, "tune": sampler.tune, "draws_per_chain": sampler.draws,
            "low_rank": sampler.low_rank, "target_accept": sampler.target_accept,
            "posterior_draws_L": keep, "thin": design.thin,
            "gate": {"rhat_max": model.gate.rhat_max, "ess_bulk_min": model.gate.ess_bulk_min,
                     "ess_tail_min": model.gate.ess_tail_min,
                     "divergences_max": model.gate.divergences_max},
            "eta_areas": [str(template.areas[a]) for a in eta_areas],
            "compiled_once_with_data": True,
            "compile_seconds": round(float(sum(compile_seconds)), 2),
            "replicate_seconds": round(float(table["seconds"].sum()), 2)}
    return SBCResult(name, names, truths, kept, table, design.thin, info)


def summarise(res: SBCResult, bins: int | None = None, alpha: float = 0.01,
              shift_sd: float = 0.0) -> tuple[pd.DataFrame, dict]:
    """Uniformity table and family summary of ``res`` (``shift_sd``: negative control)."""
    ok = int((res.replicates["status"] == "ok").sum())
    bins = bins or choose_bins(ok, res.n_draws)
    table = uniformity(res.ranks(shift_sd), res.n_draws, bins)
    table.insert(0, "design", res.design)
    return table, overall(table, alpha)


def run(spec, data, out, engine=None) -> dict:
    """The SBC study of ``spec``; templates come from the study's (synthetic) data.

    The ``[sbc]`` table holds the sampler settings of :data:`DEFAULTS`, ``alpha`` (family
    level, default 0.01), ``municipalities`` and a list ``designs`` of tables with
    ``name``, ``years`` and ``replicates`` (optionally ``municipalities``, ``bins``).
    ``engine`` (:class:`sesindex.validate.replicates.Engine`): where the replicates run.

    Examples
    --------
    >>> import tempfile
    >>> from sesindex.validate.inputs import load_study_data
    >>> from sesindex.validate.outputs import StudyOutput
    >>> from sesindex.validate.spec import StudySpec
    >>> spec = StudySpec.from_dict({"study": "sbc", "n_areas": 12, "years": [2022],
    ...     "sbc": {"tune": 100, "draws": 50, "posterior_draws": 19, "municipalities": 3,
    ...             "designs": [{"name": "one", "years": [2022], "replicates": 10}]}})
    >>> key = run(spec, load_study_data(spec), StudyOutput(tempfile.mkdtemp()))
    ... # doctest: +SKIP
    >>> key["designs"]["one"]["replicates_ok"]  # doctest: +SKIP
    10
    """
    from sesindex.bayes.data import model_inputs
    from sesindex.bayes.simulate import assign_municipalities

    from sesindex.bayes import load_model_spec

    indicators = list(spec.option("indicators", ["V1", "V2", "V3"]))
    alpha = float(spec.option("alpha", 0.01))
    shift = float(spec.option("control_shift_sd", DEFAULTS["control_shift_sd"]))
    designs = spec.option("designs") or [{"name": "single_year", "years": [spec.years[0]],
                                          "replicates": 100}]
    sampler = {k: spec.option(k) for k in DEFAULTS if spec.option(k) is not None}
    key: dict = {"designs": {}}
    tables, logs = [], []
    for i, d in enumerate(designs):
        name, years = d["name"], [int(y) for y in d["years"]]
        inputs = model_inputs(data.dataset, indicators, years=years)
        template = assign_municipalities(
            inputs, int(d.get("municipalities", spec.option("municipalities", 8))), spec.seed)
        model = load_model_spec(d["model"]) if d.get("model") else None
        res = run_sbc(template, replicates=int(d["replicates"]), seed=spec.seed + 1000 * i,
                      name=name, options={**sampler, **d.get("options", {})}, model=model,
                      progress=print if spec.option("progress", False) else None,
                      engine=engine)
        ok = int((res.replicates["status"] == "ok").sum())
        bins = int(d.get("bins") or choose_bins(ok, res.n_draws))
        table, summary = summarise(res, bins, alpha)
        power = detectable_miscalibration(ok, bins, len(res.quantities), alpha)
        control, control_summary = summarise(res, bins, alpha, shift_sd=shift)
        tables += [table.assign(kind="sbc"), control.assign(kind=f"shift_{shift:g}sd")]
        ranks = res.ranks()
        out.table(f"ranks_{name}", ranks, f"SBC ranks (replicate x quantity) of design "
                  f"{name}; L = {res.n_draws} kept draws, rank = draws below the truth; "
                  "NaN: the replicate failed (replicates table)", index=True)
        truth = pd.DataFrame(res.truth, columns=res.quantities,
                             index=pd.Index(res.replicates["replicate"], name="replicate"))
        out.table(f"truth_{name}", truth, f"true values (replicate x quantity) drawn from the "
                  f"prior in design {name}, beside the ranks", index=True)
        logs.append(res.replicates)
        plot_ranks(out, res, bins, f"{spec.title} — {name}", f"rank_histograms_{name}")
        plot_ranks(out, res, bins, f"{name}, negative control (draws + {shift:g} sd)",
                   f"rank_histograms_{name}_control", shift_sd=shift)
        rep = res.replicates
        dropped = int((rep["status"] == "not_converged").sum())
        key["designs"][name] = {
            **res.info, "replicates": int(len(rep)), "replicates_ok": ok,
            "replicates_failed": int((rep["status"] == "error").sum()),
            "replicates_not_converged": dropped,
            "share_not_converged": round(dropped / max(len(rep), 1), 4),
            "detectable_at_80pct_power": power,
            "errors": rep.loc[rep["status"] != "ok", "error"].tolist()[:10],
            "replicates_with_divergences": int((rep["divergences"] > 0).sum()),
            "divergences_total": float(rep["divergences"].sum()),
            "replicates_ess_below_L": int(rep["ess_below_L"].sum()),
            "min_ess_bulk_median": float(rep["min_ess_bulk"].median()),
            "max_rhat_max": float(rep["max_rhat"].max()), "bins": bins,
            "p_values": dict(zip(table["quantity"], table["p_value"])),
            "uniformity": summary, "negative_control": control_summary}
    both = pd.concat(tables, ignore_index=True)
    out.table("uniformity", both, "per design and quantity: chi-square test of uniform "
              f"ranks, rank mean/sd; kind = sbc, or shift_{shift:g}sd: the negative control "
              f"(posterior draws shifted by +{shift:g} posterior sd)")
    out.table("replicates", pd.concat(logs, ignore_index=True),
              "per replicate: seeds, status and error, divergences, smallest bulk ESS, "
              "largest R-hat, mean leapfrog steps, seconds")
    plot_pvalues(out, both, alpha, spec.title)
    out.table("power", pd.DataFrame([{"design": n, **v["detectable_at_80pct_power"]}
                                     for n, v in key["designs"].items()]),
              "per design: the smallest posterior shift (in posterior sds) and the width "
              "ratios (posterior too narrow / too wide) its uniformity test detects with "
              "80 % power at the family level (Bonferroni over its quantities)")
    key["alpha"] = alpha
    key["rejects_uniformity"] = {n: v["uniformity"].get("rejects_uniformity")
                                 for n, v in key["designs"].items()}
    key["negative_control_rejects"] = {n: v["negative_control"].get("rejects_uniformity")
                                       for n, v in key["designs"].items()}
    return key

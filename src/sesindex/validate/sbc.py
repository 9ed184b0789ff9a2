"""Simulation-based calibration (SBC; Talts et al. 2018) of the Bayesian latent-factor model.

If parameters are drawn from the prior and data from the model given them, then the rank
of each true value among L independent posterior draws is uniform on 0..L, for every
scalar, whenever the sampler and the model's code are right. Per design (a template of
areas, municipalities and years, :mod:`sesindex.bayes.simulate`), for each replicate r:

1. draw parameters and ``z`` from the prior (:func:`~sesindex.bayes.simulate.simulate_prior`,
   the model's generative form with the template's known sampling variances ``v``);
2. fit the model with nutpie (compiled once per model form and reused through
   ``with_data``, :mod:`sesindex.bayes.sampling.compiled`), fixed seeds per replicate;
3. thin the chains to L draws with a fixed stride (recorded, with each replicate's
   smallest bulk ESS: a replicate whose ESS is below L has autocorrelated kept draws);
4. draw eta of a fixed set of areas x years from its exact conditional given each kept
   draw (:func:`sesindex.bayes.posterior.states.draw_chain`; raw eta, before standardisation);
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

The replicates (simulate, fit, keep L draws; in process or on Dask) are
:mod:`sesindex.validate.sbc_replicates`; the rank statistics (uniformity tests, power)
:mod:`sesindex.validate.ranks`.

Examples
--------
>>> DEFAULTS["posterior_draws"]
99
"""

from __future__ import annotations

import pandas as pd

from sesindex.validate.ranks import choose_bins, detectable_miscalibration, overall, uniformity
from sesindex.validate.sbc_figures import plot_pvalues, plot_ranks
from sesindex.validate.sbc_replicates import DEFAULTS, SBCResult, run_sbc

__all__ = ["DEFAULTS", "SBCResult", "run", "run_sbc", "summarise"]


def summarise(
    res: SBCResult, bins: int | None = None, alpha: float = 0.01, shift_sd: float = 0.0
) -> tuple[pd.DataFrame, dict]:
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
    >>> spec = StudySpec.from_dict(
    ...     {
    ...         "study": "sbc",
    ...         "n_areas": 12,
    ...         "years": [2022],
    ...         "sbc": {
    ...             "tune": 100,
    ...             "draws": 50,
    ...             "posterior_draws": 19,
    ...             "municipalities": 3,
    ...             "designs": [{"name": "one", "years": [2022], "replicates": 10}],
    ...         },
    ...     }
    ... )
    >>> key = run(spec, load_study_data(spec), StudyOutput(tempfile.mkdtemp()))
    ... # doctest: +SKIP
    >>> key["designs"]["one"]["replicates_ok"]  # doctest: +SKIP
    10
    """
    from sesindex.bayes import load_model_spec
    from sesindex.bayes.model.inputs import model_inputs
    from sesindex.bayes.simulate import assign_municipalities

    indicators = list(spec.option("indicators", ["V1", "V2", "V3"]))
    alpha = float(spec.option("alpha", 0.01))
    shift = float(spec.option("control_shift_sd", DEFAULTS["control_shift_sd"]))
    designs = spec.option("designs") or [
        {"name": "single_year", "years": [spec.years[0]], "replicates": 100}
    ]
    sampler = {k: spec.option(k) for k in DEFAULTS if spec.option(k) is not None}
    key: dict = {"designs": {}}
    tables, logs = [], []
    for i, d in enumerate(designs):
        name, years = d["name"], [int(y) for y in d["years"]]
        inputs = model_inputs(data.dataset, indicators, years=years)
        template = assign_municipalities(
            inputs, int(d.get("municipalities", spec.option("municipalities", 8))), spec.seed
        )
        model = load_model_spec(d["model"]) if d.get("model") else None
        res = run_sbc(
            template,
            replicates=int(d["replicates"]),
            seed=spec.seed + 1000 * i,
            name=name,
            options={**sampler, **d.get("options", {})},
            model=model,
            progress=print if spec.option("progress", False) else None,
            engine=engine,
        )
        ok = int((res.replicates["status"] == "ok").sum())
        bins = int(d.get("bins") or choose_bins(ok, res.n_draws))
        table, summary = summarise(res, bins, alpha)
        power = detectable_miscalibration(ok, bins, len(res.quantities), alpha)
        control, control_summary = summarise(res, bins, alpha, shift_sd=shift)
        tables += [table.assign(kind="sbc"), control.assign(kind=f"shift_{shift:g}sd")]
        _write_design(out, res, name, bins, shift, spec.title)
        logs.append(res.replicates)
        key["designs"][name] = {
            **_design_key(res, ok, power),
            "bins": bins,
            "p_values": dict(zip(table["quantity"], table["p_value"], strict=True)),
            "uniformity": summary,
            "negative_control": control_summary,
        }
    both = pd.concat(tables, ignore_index=True)
    out.table(
        "uniformity",
        both,
        "per design and quantity: chi-square test of uniform "
        f"ranks, rank mean/sd; kind = sbc, or shift_{shift:g}sd: the negative control "
        f"(posterior draws shifted by +{shift:g} posterior sd)",
    )
    out.table(
        "replicates",
        pd.concat(logs, ignore_index=True),
        "per replicate: seeds, status and error, divergences, smallest bulk ESS, "
        "largest R-hat, mean leapfrog steps, seconds",
    )
    plot_pvalues(out, both, alpha, spec.title)
    out.table(
        "power",
        pd.DataFrame(
            [{"design": n, **v["detectable_at_80pct_power"]} for n, v in key["designs"].items()]
        ),
        "per design: the smallest posterior shift (in posterior sds) and the width "
        "ratios (posterior too narrow / too wide) its uniformity test detects with "
        "80 % power at the family level (Bonferroni over its quantities)",
    )
    key["alpha"] = alpha
    key["rejects_uniformity"] = {
        n: v["uniformity"].get("rejects_uniformity") for n, v in key["designs"].items()
    }
    key["negative_control_rejects"] = {
        n: v["negative_control"].get("rejects_uniformity") for n, v in key["designs"].items()
    }
    return key


def _write_design(out, res, name: str, bins: int, shift: float, title: str) -> None:
    """One design's ranks and truths (replicate x quantity) and its rank histograms, of
    the SBC and of the negative control.
    """
    out.table(
        f"ranks_{name}",
        res.ranks(),
        f"SBC ranks (replicate x quantity) of design "
        f"{name}; L = {res.n_draws} kept draws, rank = draws below the truth; "
        "NaN: the replicate failed (replicates table)",
        index=True,
    )
    truth = pd.DataFrame(
        res.truth,
        columns=res.quantities,
        index=pd.Index(res.replicates["replicate"], name="replicate"),
    )
    out.table(
        f"truth_{name}",
        truth,
        f"true values (replicate x quantity) drawn from the "
        f"prior in design {name}, beside the ranks",
        index=True,
    )
    plot_ranks(out, res, bins, f"{title} — {name}", f"rank_histograms_{name}")
    plot_ranks(
        out,
        res,
        bins,
        f"{name}, negative control (draws + {shift:g} sd)",
        f"rank_histograms_{name}_control",
        shift_sd=shift,
    )


def _design_key(res, ok: int, power: dict) -> dict:
    """One design's replicates in the study's key results: how many converged, failed or
    were dropped, their divergences and diagnostics, and the detectable miscalibration.
    """
    rep = res.replicates
    dropped = int((rep["status"] == "not_converged").sum())
    return {
        **res.info,
        "replicates": int(len(rep)),
        "replicates_ok": ok,
        "replicates_failed": int((rep["status"] == "error").sum()),
        "replicates_not_converged": dropped,
        "share_not_converged": round(dropped / max(len(rep), 1), 4),
        "detectable_at_80pct_power": power,
        "errors": rep.loc[rep["status"] != "ok", "error"].tolist()[:10],
        "replicates_with_divergences": int((rep["divergences"] > 0).sum()),
        "divergences_total": float(rep["divergences"].sum()),
        "replicates_ess_below_L": int(rep["ess_below_L"].sum()),
        "min_ess_bulk_median": float(rep["min_ess_bulk"].median()),
        "max_rhat_max": float(rep["max_rhat"].max()),
    }

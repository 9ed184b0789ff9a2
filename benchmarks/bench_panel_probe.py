"""Probe the national panel: compile time, leapfrog steps and ESS of a short nutpie run.

Fits the latent-factor model to the calibrated synthetic data (``--areas`` areas, the last
``--years`` years up to 2024) with nutpie, ``--draws`` tuning plus ``--draws`` kept draws
on 2 chains, and prints the compile time, the sampling time, the mean number of leapfrog
steps per draw, divergences and ArviZ's summary of the sampled hyperparameters. It is a
probe of where the time goes, not a gate-length fit (that is ``sesindex fit``).

Run: ``python benchmarks/bench_panel_probe.py --areas 3363 --years 14 --draws 100``
(``--backend jax`` compiles with nutpie's XLA backend instead of numba; needs jax).
``--mass diag,lowrank`` samples once per mass matrix (nutpie's diagonal and its low-rank
modified one) on one compilation, and prints, per unconstrained parameter, its sd,
skewness and the parameters it correlates with beyond 0.5: the geometry probe of
benchmarks/results/national_panel.md is
``--areas 600 --years 14 --draws 150 --data-seed 20240101 --mass diag,lowrank``
(add ``--dispersion variance`` for the boundary-free dispersion; the figures on it there
came from an ad-hoc script with the same model before this option existed).
``--likelihood binomial`` probes the exact binomial model in a panel, as in
benchmarks/results/likelihoods.md: ``--areas 300 --years 4 --draws 200 --data-seed 5``
for both likelihoods.
"""

from __future__ import annotations

import argparse
import time

import arviz as az
import numpy as np
import nutpie
from scipy import stats

from sesindex.bayes.fit import SAMPLED
from sesindex.bayes.model.form import ModelForm
from sesindex.bayes.model.graph import build_model
from sesindex.bayes.model.inputs import model_inputs
from sesindex.bayes.sampling.samplers import nutpie_options
from sesindex.bayes.spec import SamplerSpec
from sesindex.data.synthetic import generate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", type=int, default=3363)
    ap.add_argument("--years", type=int, default=14)
    ap.add_argument("--draws", type=int, default=100)
    ap.add_argument("--backend", choices=["numba", "jax"], default="numba")
    ap.add_argument("--data-seed", type=int, default=1)
    ap.add_argument("--mass", default="diag", help="comma list of diag, lowrank")
    ap.add_argument(
        "--dispersion",
        choices=["sd", "variance"],
        default="sd",
        help="sd: sigma_j >= 0 (the default model); variance: s_j > -min v",
    )
    ap.add_argument(
        "--likelihood",
        choices=["gaussian_logit", "binomial"],
        default="gaussian_logit",
        help="binomial: the exact model, every count cell's logit sampled",
    )
    args = ap.parse_args()
    years = tuple(range(2024 - args.years + 1, 2025))
    inputs = model_inputs(
        generate(n_areas=args.areas, years=years, seed=args.data_seed).dataset, ["V1", "V2", "V3"]
    )
    t = time.perf_counter()
    # the compiled kernel has only a numba implementation: JAX differentiates the graph
    model = build_model(
        inputs,
        ModelForm(
            dispersion=args.dispersion,
            likelihood=args.likelihood,
            municipality=True,
            graph=args.backend == "jax",
        ),
    )
    compiled = (
        nutpie.compile_pymc_model(model, backend="jax", gradient_backend="jax")
        if args.backend == "jax"
        else nutpie.compile_pymc_model(model)
    )
    print("compile", round(time.perf_counter() - t, 1), "s", flush=True)
    for mass in args.mass.split(","):
        t = time.perf_counter()
        trace = nutpie.sample(
            compiled,
            draws=args.draws,
            tune=args.draws,
            chains=2,
            cores=2,
            seed=1,
            progress_bar=False,
            **nutpie_options(SamplerSpec(low_rank=mass == "lowrank")),
        )
        sample_stats = trace.sample_stats
        print(
            mass,
            "sample",
            round(time.perf_counter() - t, 1),
            "s; steps per draw",
            float(sample_stats.n_steps.mean()),
            "; divergences",
            int(sample_stats.diverging.sum()),
        )
        names = [v for v in SAMPLED if v in trace.posterior]
        print(az.summary(trace, var_names=names)[["mean", "sd", "ess_bulk", "ess_tail", "r_hat"]])
        geometry(trace.posterior)


def geometry(post) -> None:
    """sd, skewness and strong correlations of the unconstrained parameters."""
    cols, names = [], []
    for v in post.data_vars:  # the hyperparameters (not the binomial model's cell logits)
        if v == "alpha" or (v.endswith("__") and not v.startswith("xi")):
            x = post[v].values.reshape(post.sizes["chain"] * post.sizes["draw"], -1)
            cols += list(x.T)
            names += [f"{v}[{k}]" for k in range(x.shape[1])]
    corr = np.corrcoef(np.array(cols))
    for i, name in enumerate(names):
        strong = {
            names[j]: round(float(corr[i, j]), 2)
            for j in range(len(names))
            if j != i and abs(corr[i, j]) > 0.5
        }
        print(
            f"  {name:18s} sd {np.std(cols[i]):.4f} skew {stats.skew(cols[i]):5.2f} "
            f"correlated: {strong}"
        )


if __name__ == "__main__":
    main()

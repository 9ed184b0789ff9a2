"""Probe the national panel: compile time, leapfrog steps and ESS of a short nutpie run.

Fits the latent-factor model to the calibrated synthetic data (``--areas`` areas, the last
``--years`` years up to 2024) with nutpie, ``--draws`` tuning plus ``--draws`` kept draws
on 2 chains, and prints the compile time, the sampling time, the mean number of leapfrog
steps per draw, divergences and ArviZ's summary of the sampled hyperparameters. It is a
probe of where the time goes, not a gate-length fit (that is ``sesindex fit``).

Run: ``python benchmarks/bench_panel_probe.py --areas 3363 --years 14 --draws 100``
(``--backend jax`` compiles with nutpie's XLA backend instead of numba; needs jax).
"""

from __future__ import annotations

import argparse
import time

import arviz as az
import nutpie

from sesindex.bayes.data import model_inputs
from sesindex.bayes.model import build_model
from sesindex.data.synthetic import generate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", type=int, default=3363)
    ap.add_argument("--years", type=int, default=14)
    ap.add_argument("--draws", type=int, default=100)
    ap.add_argument("--backend", choices=["numba", "jax"], default="numba")
    args = ap.parse_args()
    years = tuple(range(2024 - args.years + 1, 2025))
    inputs = model_inputs(generate(n_areas=args.areas, years=years, seed=1).dataset,
                          ["V1", "V2", "V3"])
    t = time.perf_counter()
    model = build_model(inputs)
    compiled = (nutpie.compile_pymc_model(model, backend="jax", gradient_backend="jax")
                if args.backend == "jax" else nutpie.compile_pymc_model(model))
    print("compile", round(time.perf_counter() - t, 1), "s", flush=True)
    t = time.perf_counter()
    trace = nutpie.sample(compiled, draws=args.draws, tune=args.draws, chains=2, cores=2,
                          seed=1, progress_bar=False)
    stats = trace.sample_stats
    print("sample", round(time.perf_counter() - t, 1), "s; steps per draw",
          float(stats.n_steps.mean()), "; divergences", int(stats.diverging.sum()))
    names = [v for v in ("alpha", "lam", "sigma", "rho", "tau", "kappa") if v in trace.posterior]
    print(az.summary(trace, var_names=names)[["mean", "sd", "ess_bulk", "ess_tail", "r_hat"]])


if __name__ == "__main__":
    main()

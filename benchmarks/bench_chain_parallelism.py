"""How well two nutpie chains share the machine: the cost of a leapfrog step with the
chains on one core and on two, in one process.

Usage: python benchmarks/bench_chain_parallelism.py [--areas 500] [--years 2011-2024]
       [--compile disk] [--draws 300] [--seed 1]

Samples the 14-year panel with dispersion "variance", jump steps and municipality
effects (the packaged spec leaves those out) at nutpie's default settings, on the
synthetic panel twice with the same compiled model, seed and settings: 2 chains on
1 core, then on 2 cores. A step's cost is the sampling seconds over the leapfrog steps
taken (warm-up included); the parallel efficiency is (cost on 1 core) / (2 x cost on
2 cores): 1 when two chains run fully side by side. Both runs take the same steps
(same seed), so the ratio is of the same work. On two cores the run lasts as long as its
longer chain, so chains of unequal length cap the efficiency at ``chain_balance`` =
(all steps) / (2 x the longer chain's steps); ``efficiency_given_balance`` divides that
out and is what the threads themselves achieve. Beside it, the log density alone: 300
calls at the start from one Python thread, then 300 from each of two threads at once
(``threads_efficiency``: 1 when the two threads' calls run side by side, as the
disk-compiled function releases the GIL). Prints one JSON row (with the
interpreter's package versions) and appends it to benchmarks/results/chain_parallelism.jsonl.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np


def chain_steps(trace) -> list[int]:
    """Leapfrog steps of each chain of a nutpie trace, warm-up included."""
    total = 0
    for group in ("sample_stats", "warmup_sample_stats"):
        try:
            steps = np.asarray(trace[group]["n_steps"])
        except (KeyError, AttributeError):
            continue
        total = total + steps.reshape(steps.shape[0], -1).sum(axis=1)
    return [int(s) for s in np.atleast_1d(total)]


def thread_efficiency(model, calls: int = 300) -> float:
    """(seconds of ``calls`` log density calls in one thread) / (seconds of ``calls``
    calls in each of two threads at once).
    """
    import threading

    logp, x = model.logp_function(), np.asarray(model.initial_point_func(1))
    logp(x)

    def run():
        for _ in range(calls):
            logp(x)

    t = time.perf_counter()
    run()
    one = time.perf_counter() - t
    threads = [threading.Thread(target=run) for _ in range(2)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return one / (time.perf_counter() - t)


def main() -> None:
    import nutpie

    from sesindex.bayes.model.form import ModelForm
    from sesindex.bayes.model.inputs import model_inputs
    from sesindex.bayes.sampling.compiled import compiled_model
    from sesindex.data.synthetic import generate

    ap = argparse.ArgumentParser()
    ap.add_argument("--areas", type=int, default=500)
    ap.add_argument("--years", default="2011-2024")
    ap.add_argument("--compile", default="disk", choices=["disk", "process"])
    ap.add_argument("--draws", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1, help="the sampler's seed")
    a = ap.parse_args()
    first, last = (int(y) for y in a.years.split("-"))
    data = generate(n_areas=a.areas, years=tuple(range(first, last + 1)), seed=1).dataset
    inputs = model_inputs(data, ["V1", "V2", "V3"])
    model = compiled_model(
        inputs, ModelForm(dispersion="variance", steps="jumps"), compile=a.compile
    )
    row = {
        "areas": a.areas,
        "years": a.years,
        "compile": a.compile,
        "draws": a.draws,
        "seed": a.seed,
        "python": platform.python_version(),
        **{p: version(p) for p in ("pymc", "pytensor", "nutpie", "numba", "numpy")},
    }
    if a.compile == "disk":  # nutpie's own callbacks are not callable from Python
        row["threads_efficiency"] = round(thread_efficiency(model), 3)
    for cores in (1, 2):
        t = time.perf_counter()
        trace = nutpie.sample(
            model,
            draws=a.draws,
            tune=a.draws,
            chains=2,
            cores=cores,
            seed=a.seed,
            progress_bar=False,
        )
        seconds = time.perf_counter() - t
        row[f"cores{cores}_chain_steps"] = chain_steps(trace)
        steps = sum(row[f"cores{cores}_chain_steps"])
        row[f"cores{cores}_seconds"] = round(seconds, 2)
        row[f"cores{cores}_steps"] = steps
        row[f"cores{cores}_ms_per_step"] = round(1000 * seconds / steps, 4)
    row["parallel_efficiency"] = round(
        row["cores1_ms_per_step"] / (2 * row["cores2_ms_per_step"]), 3
    )
    # On two cores the run lasts as long as its longer chain: with chains of unequal
    # length even perfect threads reach only (all steps) / (2 x the longer chain's).
    balance = sum(row["cores2_chain_steps"]) / (2 * max(row["cores2_chain_steps"]))
    row["chain_balance"] = round(balance, 3)
    row["efficiency_given_balance"] = round(row["parallel_efficiency"] / balance, 3)
    print(json.dumps(row))
    with open(Path(__file__).parent / "results" / "chain_parallelism.jsonl", "a") as f:
        f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()

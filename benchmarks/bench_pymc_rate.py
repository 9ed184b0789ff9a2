"""How fast ``pm.sample`` moves on a model too slow to finish: seconds per draw, timed.

Run: python benchmarks/bench_pymc_rate.py [--areas 3363 --year 2024
                                           --likelihood binomial --draws 25 --seed 1]

Samples one chain of the model (``sesindex.bayes.model.graph.build_model`` with the compiled
likelihood kernel, as ``fit(..., sampler={"backend": "pymc"})`` does) with ``pm.sample``'s
defaults and a per-draw callback, and stops after ``--draws`` tuning draws: prints the
elapsed seconds every 5 draws and the rate, and appends one JSON line to
``benchmarks/results/pymc_rate.jsonl``. Used where a side-by-side ESS/s comparison
cannot finish (the national exact binomial model): it bounds ``pm.sample``'s time, not
its ESS.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

import pymc as pm

from sesindex.bayes.model.form import ModelForm
from sesindex.bayes.model.graph import build_model
from sesindex.bayes.model.inputs import model_inputs
from sesindex.data.synthetic import generate

OUT = Path(__file__).parent / "results" / "pymc_rate.jsonl"


class Enough(Exception):
    """Raised from the callback to stop sampling after the draws asked for."""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", type=int, default=3363)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--likelihood", default="binomial")
    ap.add_argument("--draws", type=int, default=25)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    ds = generate(
        n_areas=None if a.areas == 3363 else a.areas, years=(a.year,), seed=a.seed
    ).dataset
    inputs = model_inputs(ds, ["V1", "V2", "V3"], years=(a.year,))
    model = build_model(inputs, ModelForm(likelihood=a.likelihood, municipality=True))
    ticks: list[tuple[int, float]] = []
    start = time.perf_counter()

    def callback(trace, draw):
        ticks.append((draw.draw_idx, round(time.perf_counter() - start, 1)))
        if draw.draw_idx % 5 == 0:
            print(f"draw {draw.draw_idx} (tuning {draw.tuning}): {ticks[-1][1]} s", flush=True)
        if draw.draw_idx + 1 >= a.draws:
            raise Enough

    with model:
        try:
            pm.sample(
                draws=1000,
                tune=500,
                chains=1,
                cores=1,
                random_seed=a.seed,
                callback=callback,
                progressbar=False,
                compute_convergence_checks=False,
            )
        except Enough:
            pass
    n, secs = ticks[-1][0] + 1, ticks[-1][1]
    print(f"{n} draws in {secs} s: {secs / n:.2f} s per draw")
    record = {
        "command": "python benchmarks/bench_pymc_rate.py " + shlex.join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "cores": os.cpu_count(),
        "loadavg_end": os.getloadavg(),
        "draws": n,
        "seconds": secs,
        "seconds_per_draw": round(secs / n, 2),
        "ticks": ticks,
    }
    with OUT.open("a") as fh:
        fh.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()

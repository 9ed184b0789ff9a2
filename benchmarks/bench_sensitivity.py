"""The sensitivity study's evaluations, vectorised, against per-replicate loops (COINr style).

Run: python benchmarks/bench_sensitivity.py [--areas 3363 --samples 1024 --loop 128
                                             --repeats 3 --seed 20240101]

On one national synthetic year (the study's factors: 4 normalisations x 3 aggregations
x 3 cut rules, Dirichlet(20) weights; the official index as reference), the same Monte
Carlo sample of method choices is evaluated three ways in one process:

* **vectorised** (what ``sesindex validate validation/sensitivity.toml`` runs):
  :func:`sesindex.validate.sensitivity.evaluate`, blocks of 256 samples, each block one
  matrix product per (normalisation, aggregation) pair, ranks and types for the block at
  once;
* **loop, shared normalisation**: the same code called once per sample (a block of one),
  the normalised indicators computed once;
* **loop, rebuilt per replicate** (what COINr's ``get_sensitivity`` does: every
  replication rebuilds the composite from the data): per sample, the context is built
  again from the rates (every normalisation, the reference index) and the sample
  evaluated.

The loops run on ``--loop`` samples (the first of the sample) and are scaled to
``--samples``; each time is the median of ``--repeats``. The script asserts that all
three give the same outputs (mean absolute rank shift, share of types changed,
Spearman's rho) on the samples they share, so only the time differs. One JSON line is
appended to ``benchmarks/results/sensitivity.jsonl`` with the command.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from bench_bootstrap import timed  # this directory: the bootstrap benchmark's timer

from sesindex.data.synthetic import generate
from sesindex.index.spec import IndexSpec
from sesindex.validate.sensitivity import Context, Factors, evaluate, evaluate_block

OUT = Path(__file__).parent / "results" / "sensitivity.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", type=int, default=3363)
    ap.add_argument("--samples", type=int, default=1024)
    ap.add_argument("--loop", type=int, default=128, help="samples the loops evaluate")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20240101)
    a = ap.parse_args()
    year = 2022
    ds = generate(n_areas=a.areas, years=(year,), seed=a.seed).dataset
    reference, factors = IndexSpec(), Factors()
    ctx = Context.build(ds, year, reference, factors)
    u = np.random.default_rng([a.seed, year]).random((a.samples, factors.dimension))
    k = min(a.loop, a.samples)

    vec, _, t_vec = timed(lambda: evaluate(ctx, u).outputs, a.repeats)
    shared, _, t_shared = timed(
        lambda: np.concatenate([evaluate_block(ctx, u[i : i + 1]).outputs for i in range(k)]),
        a.repeats,
    )
    rebuilt, _, t_rebuilt = timed(
        lambda: np.concatenate(
            [
                evaluate_block(Context.build(ds, year, reference, factors), u[i : i + 1]).outputs
                for i in range(k)
            ]
        ),
        a.repeats,
    )
    for name, got in (("shared", shared), ("rebuilt", rebuilt)):
        if not np.allclose(got, vec[:k], rtol=1e-12, atol=1e-12):
            raise SystemExit(f"the {name} loop's outputs differ from the vectorised ones")

    per = {
        "vectorised": t_vec / a.samples,
        "loop_shared": t_shared / k,
        "loop_rebuilt": t_rebuilt / k,
    }
    scaled = {name: v * a.samples for name, v in per.items()}
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
    ).stdout.strip()
    record = {
        "command": "python benchmarks/bench_sensitivity.py " + shlex.join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "commit": commit,
        "loadavg": os.getloadavg(),
        "areas": a.areas,
        "samples": a.samples,
        "loop_samples": k,
        "repeats": a.repeats,
        "outputs_equal": True,
        "ms_per_sample": {n: round(1e3 * v, 3) for n, v in per.items()},
        "seconds_for_samples": {n: round(v, 2) for n, v in scaled.items()},
        "speedup": {
            n: round(per[n] / per["vectorised"], 1) for n in ("loop_shared", "loop_rebuilt")
        },
    }
    for name, v in per.items():
        print(
            f"{name:14} {1e3 * v:9.3f} ms per sample, {scaled[name]:8.2f} s for {a.samples} samples"
        )
    print("vectorised speed-up: " + ", ".join(f"{n} {v}x" for n, v in record["speedup"].items()))
    with OUT.open("a") as fh:
        fh.write(json.dumps(record) + "\n")
    print(f"appended to {OUT}")


if __name__ == "__main__":
    main()

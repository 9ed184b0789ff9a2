"""nutpie's diagonal vs low-rank mass matrix on the exact likelihoods: ESS, steps, time.

Run: python benchmarks/bench_mass_matrix.py --likelihood binomial
                                            [--mass diag,lowrank --areas 3363 --year 2024
                                             --tune 500 --draws 1000 --seed 1]

For each mass matrix, fits the calibrated synthetic year with ``sesindex.bayes.fit``
(the exact model of ``--likelihood``) and prints the fit gate's per-variable minimum bulk
and tail ESS and maximum R-hat, the leapfrog steps per draw and the stage timings; one
JSON line per invocation goes to ``benchmarks/results/mass_matrix.jsonl`` with the
command and the machine load. It is the probe behind the sentences of
benchmarks/results/likelihoods.md on why the binomial spec keeps the diagonal mass matrix.
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

from sesindex.bayes import ModelSpec, fit
from sesindex.data.synthetic import generate

OUT = Path(__file__).parent / "results" / "mass_matrix.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--likelihood", choices=["binomial"], required=True)
    ap.add_argument("--mass", default="diag,lowrank", help="comma list of diag, lowrank")
    ap.add_argument("--areas", type=int, default=3363)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--tune", type=int, default=500)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    ds = generate(
        n_areas=None if a.areas == 3363 else a.areas, years=(a.year,), seed=a.seed
    ).dataset
    record = {
        "command": "python benchmarks/bench_mass_matrix.py " + shlex.join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "commit": subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
        ).stdout.strip(),
        "cores": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
        "runs": {},
    }
    for mass in a.mass.split(","):
        res = fit(
            ds,
            ModelSpec(years=(a.year,), likelihood=a.likelihood),
            seed=a.seed,
            sampler={"tune": a.tune, "draws": a.draws, "low_rank": mass == "lowrank"},
        )
        run = {
            "gate_passed": res.gate["passed"],
            "divergences": res.gate["divergences"],
            "per_variable": res.gate["per_variable"],
            "timings": res.timings,
            "steps_per_draw": round(float(res.idata.sample_stats["n_steps"].mean()), 1),
        }
        record["runs"][mass] = run
        print(
            f"\n== {a.likelihood}, {mass}: steps/draw {run['steps_per_draw']}, "
            f"timings {res.timings}, gate passed {run['gate_passed']}"
        )
        for name, v in run["per_variable"].items():
            print(f"  {name:12s} " + ", ".join(f"{k} {x:.3f}" for k, x in v.items()))
    record["loadavg_end"] = os.getloadavg()
    with OUT.open("a") as fh:
        fh.write(json.dumps(record, default=float) + "\n")
    print(f"\nappended to {OUT}")


if __name__ == "__main__":
    main()

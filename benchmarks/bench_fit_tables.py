"""A fit's tables (``sesindex.bayes.posterior.tables.tables``) against an earlier commit's,
in one process, on the same posterior draws.

The draws are made up at the size of a fit's (2 chains x 1,500 draws x ``--areas`` areas
x 14 years; index around 20 points with a per-draw sd of 1, eta the index over 8): the
tables' work depends on the array sizes, not on the values. The two versions run
alternately ``--repeats`` times each and the fastest of each is kept; their ``areas`` and
``changes`` tables must be equal.

Prints seconds and the ratio current / base; appends one JSON line to
``benchmarks/results/fit_tables.jsonl``.

Run: ``python benchmarks/bench_fit_tables.py --base 19ff892 --areas 800``
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import provenance  # benchmarks/provenance.py
import xarray as xr

OUT = Path(__file__).resolve().parent / "results" / "fit_tables.jsonl"
MODULE = "src/sesindex/bayes/posterior/tables.py"


def made_up_posterior(n_area: int, n_year: int = 14) -> xr.Dataset:
    """Draws of the index and eta at a fit's size."""
    rng = np.random.default_rng(0)
    index = rng.normal(20, 8, (n_area, n_year)) + rng.normal(0, 1, (2, 1500, n_area, n_year))
    dims = ("chain", "draw", "area", "year")
    return xr.Dataset(
        {"index": (dims, index), "eta": (dims, index / 8)},
        coords={
            "chain": [0, 1],
            "draw": np.arange(1500),
            "area": [f"A{i:05d}" for i in range(n_area)],
            "year": np.arange(2025 - n_year, 2025),
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the commit whose tables are the baseline")
    parser.add_argument("--areas", type=int, default=800)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    from sesindex.bayes import load_model_spec
    from sesindex.bayes.posterior import tables as current

    spec = load_model_spec(provenance.ROOT / "models" / "latent_factor.toml")
    posterior = made_up_posterior(args.areas)
    best, out = {"current": np.inf, "base": np.inf}, {}
    with tempfile.TemporaryDirectory() as tmp:
        base = provenance.module_at(args.base, MODULE, Path(tmp), "tables_base")
        for _ in range(args.repeats):
            for name, module in (("current", current), ("base", base)):
                t = time.perf_counter()
                out[name] = module.tables(posterior, spec, None, True)
                best[name] = min(best[name], time.perf_counter() - t)
    for got, want in zip(out["current"], out["base"], strict=True):
        pd.testing.assert_frame_equal(got, want)
    record = {
        "command": "python benchmarks/bench_fit_tables.py " + shlex.join(sys.argv[1:]),
        "commit": provenance.commit(),
        "base": args.base,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "areas": args.areas,
        "seconds_current": round(best["current"], 2),
        "seconds_base": round(best["base"], 2),
        "current_over_base": round(best["current"] / best["base"], 3),
        "tables_equal": True,
    }
    print(record)
    with OUT.open("a") as fh:
        fh.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()

"""Time the vectorised parametric bootstrap: 1,000 replicates x 3,363 areas, one year.

What is timed: ``sesindex.uncertainty.bootstrap.bootstrap_year`` — binomial redraws of all
counts, index, national mu and sigma, types and competition ranks for every replicate —
and ``area_summary`` (per-area intervals, rank intervals, P(type = k)).

Baselines measured in the same process, on the same data:

1. one plain ``compute_index`` call on the single year (the deterministic index once);
2. a naive bootstrap: per replicate, redraw the counts, rebuild the dataset and call
   ``compute_index`` — timed on ``--naive`` replicates and scaled to ``--replicates``;
   the script checks that it gives the same mu per replicate as the vectorised path
   when both use the same draws.

Run: python benchmarks/bench_bootstrap.py --replicates 1000 --naive 100
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np


def timed(fn, repeat: int = 1):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, min(times), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--naive", type=int, default=100, help="replicates of the naive loop")
    ap.add_argument("--repeat", type=int, default=3, help="repeats of the vectorised run")
    ap.add_argument("--year", type=int, default=2022)
    args = ap.parse_args()

    from sesindex.data.model import indicator_rates
    from sesindex.data.synthetic import generate
    from sesindex.index import IndexSpec, compute_index
    from sesindex.uncertainty.bootstrap import area_summary, bootstrap_year

    ds = generate().dataset.sel(year=[args.year])
    spec = IndexSpec()
    n_areas = ds.sizes["area"]

    _, one_best, one_med = timed(lambda: compute_index(ds, spec), repeat=11)
    boot, vec_best, vec_med = timed(
        lambda: bootstrap_year(ds, spec, args.year, replicates=args.replicates, seed=1),
        repeat=args.repeat,
    )
    _, sum_best, sum_med = timed(lambda: area_summary(boot), repeat=args.repeat)

    # Naive loop: one compute_index per replicate on a dataset with redrawn counts.
    rng = np.random.default_rng([1, args.year, 0])  # the vectorised path's first draws
    denom = ds["denominator"].values
    # the vectorised path draws at p = rate / 100 (rates as the data model gives them)
    p = np.clip(indicator_rates(ds).transpose(*ds["count"].dims).values / 100.0, 0, 1)

    def naive():
        mus = []
        for _ in range(args.naive):
            c = rng.binomial(denom.astype(np.int64), p)
            out = compute_index(ds.assign(count=(ds["count"].dims, c.astype(float))), spec)
            mus.append(float(out["mu"].item()))
        return mus

    mus, naive_t, _ = timed(naive)
    # same draws (chunk of 250 >= naive replicates => identical stream) => same mu
    same = np.allclose(mus, boot.mu[: args.naive], rtol=1e-12) if args.naive <= 250 else None
    naive_scaled = naive_t / args.naive * args.replicates

    lines = [
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, numpy {np.__version__}",
        f"replicates={args.replicates} areas={n_areas} indicators=3 year={args.year}",
        f"vectorised bootstrap_year: best {vec_best:.2f} s, median {vec_med:.2f} s "
        f"({1e3 * vec_med / args.replicates:.2f} ms per replicate)",
        f"area_summary (intervals, rank intervals, P(type)): best {sum_best:.2f} s, "
        f"median {sum_med:.2f} s",
        f"baseline 1, one compute_index call: best {1e3 * one_best:.1f} ms, "
        f"median {1e3 * one_med:.1f} ms",
        f"baseline 2, naive loop (redraw + compute_index per replicate): {args.naive} "
        f"replicates in {naive_t:.2f} s = {1e3 * naive_t / args.naive:.1f} ms per replicate, "
        f"scaled to {args.replicates}: {naive_scaled:.1f} s; same mu as vectorised: {same}",
        f"ratio vectorised (all {args.replicates} replicates) / one compute_index call "
        f"(median): {vec_med / one_med:.1f}x",
        f"speed-up over the naive loop (scaled, vs vectorised median): "
        f"{naive_scaled / vec_med:.1f}x",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()

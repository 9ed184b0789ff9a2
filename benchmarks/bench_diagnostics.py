"""Time the fit gate's diagnostics: sesindex's vectorised R-hat / bulk / tail ESS vs ArviZ.

What is timed: rank R-hat, bulk ESS and tail ESS of ``--quantities`` per-area quantities
(AR(1) chains, 2 chains x ``--draws`` draws; a national 2-year panel's eta and index are
3,363 x 2 x 2 = 13,452 quantities), once with ``sesindex.bayes.checks.diagnostics.diagnostics``
and once with ArviZ (``az.rhat``, ``az.ess(method="bulk"|"tail")``), in the same process
on the same draws, and the largest relative difference between the two answers.

Run: python benchmarks/bench_diagnostics.py --quantities 13452 --draws 1000
"""

from __future__ import annotations

import argparse
import os
import time

import arviz as az
import numpy as np
import xarray as xr

from sesindex.bayes.checks.diagnostics import diagnostics


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quantities", type=int, default=13452)
    ap.add_argument("--draws", type=int, default=1000)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    phi = rng.uniform(0.0, 0.9, size=args.quantities)
    x = np.empty((2, args.draws, args.quantities))
    x[:, 0] = rng.normal(size=(2, args.quantities))
    for t in range(1, args.draws):
        x[:, t] = phi * x[:, t - 1] + rng.normal(size=(2, args.quantities))

    t = time.perf_counter()
    ours = diagnostics(x)
    t_ours = time.perf_counter() - t

    ds = xr.Dataset({"q": (("chain", "draw", "k"), x)})
    t = time.perf_counter()
    ref = {
        "rhat": az.rhat(ds)["q"].values,
        "ess_bulk": az.ess(ds, method="bulk")["q"].values,
        "ess_tail": az.ess(ds, method="tail")["q"].values,
    }
    t_arviz = time.perf_counter() - t

    diff = max(float(np.max(np.abs(ours[k] / ref[k] - 1))) for k in ours)
    print(f"quantities {args.quantities}, 2 chains x {args.draws} draws, {os.cpu_count()} cores")
    print(
        f"sesindex diagnostics: {t_ours:.2f} s; ArviZ: {t_arviz:.2f} s; "
        f"ratio {t_arviz / t_ours:.1f}x; largest relative difference {diff:.1e}"
    )


if __name__ == "__main__":
    main()

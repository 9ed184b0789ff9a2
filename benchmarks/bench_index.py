"""Time the official index + types + ranks over 3,363 areas x 14 years.

Baseline in the same process: a bare-numpy implementation of the same arithmetic on the
same arrays (rates, mean, mu/sigma, cut points, ranks) — the ratio says what the xarray
data model and validation-free compute path cost on top of the arithmetic itself.

Run: python benchmarks/bench_index.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from scipy.stats import rankdata

from sesindex.data.synthetic import generate
from sesindex.index import compute_index


def bare_numpy(count: np.ndarray, denom: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    index = (100 * count / denom).mean(axis=2)
    mu, sd = index.mean(axis=0), index.std(axis=0, ddof=1)
    types = 5 - sum((index >= mu + k * sd) for k in (-1, 0, 1, 2))
    return types, rankdata(-index, method="min", axis=0)


def best_of(fn, repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def main() -> None:
    ds = generate().dataset
    count, denom = ds["count"].values, ds["denominator"].values
    years = ds.sizes["year"]
    out = compute_index(ds)
    types, _ = bare_numpy(count, denom)
    assert (out["type"].values == types).all(), "implementations disagree"
    ours_min, ours_med = best_of(lambda: compute_index(ds))
    base_min, base_med = best_of(lambda: bare_numpy(count, denom))
    print(f"areas={ds.sizes['area']} years={years}")
    print(
        f"compute_index: best {ours_min * 1e3:.1f} ms, median {ours_med * 1e3:.1f} ms "
        f"({ours_med / years * 1e3:.2f} ms per year)"
    )
    print(f"bare numpy baseline: best {base_min * 1e3:.1f} ms, median {base_med * 1e3:.1f} ms")
    print(f"ratio compute_index / baseline (median): {ours_med / base_med:.1f}x")


if __name__ == "__main__":
    main()

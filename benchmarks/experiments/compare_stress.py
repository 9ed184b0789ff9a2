"""A rerun of the stress study beside the committed study: the same data seeds, another
stack or sampler setting, so coverage may differ only by Monte Carlo error.

Run from the project root::

    python benchmarks/experiments/compare_stress.py benchmarks/experiments/stress_pymc6 --label pymc6
    python benchmarks/experiments/compare_stress.py benchmarks/experiments/stress_init_mode --label mode

``RUN`` holds the rerun's ``coverage_by_seed.csv``; the committed study is
``results/validation/stress/``. Prints, per scenario, quantity and level, the rerun's
coverage beside the committed run's on the same seed and the spread of the committed
study's seeds, then the largest difference per quantity (what each experiment's README
quotes).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

COMMITTED = Path(__file__).resolve().parents[1] / "validation" / "stress"
KEY = ["scenario", "quantity", "level"]


def coverage(path: Path) -> pd.DataFrame:
    """Coverage per scenario, quantity, level and seed of a stress study's table."""
    got = pd.read_csv(path)
    return got.assign(coverage=got.covered / got.cells)


def compare(run: Path, label: str) -> pd.DataFrame:
    """The rerun's coverage beside the committed study's, row by row, on shared seeds."""
    new = coverage(run / "coverage_by_seed.csv")
    old = coverage(COMMITTED / "coverage_by_seed.csv")
    same = old[old.seed.isin(new.seed.unique())]
    spread = old.groupby(KEY).coverage.agg(seeds_min="min", seeds_max="max").reset_index()
    table = new.merge(
        same, on=KEY + ["seed", "areas", "cells"], suffixes=(f"_{label}", "_committed")
    ).merge(spread, on=KEY)
    table["difference"] = table[f"coverage_{label}"] - table.coverage_committed
    table["in_seed_spread"] = table[f"coverage_{label}"].between(table.seeds_min, table.seeds_max)
    return table[
        KEY
        + [
            "seed",
            "cells",
            f"coverage_{label}",
            "coverage_committed",
            "difference",
            "seeds_min",
            "seeds_max",
            "in_seed_spread",
        ]
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="directory with the rerun's coverage_by_seed.csv")
    ap.add_argument("--label", default="rerun", help="column suffix for the rerun")
    a = ap.parse_args()
    table = compare(a.run, a.label)
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(table.round(3).to_string(index=False))
        print("\nby quantity (index, change, change_first_last: per area cell):")
        print(
            table.groupby("quantity")
            .agg(
                rows=("difference", "size"),
                mean_difference=("difference", "mean"),
                largest_abs=("difference", lambda d: d.abs().max()),
                in_seed_spread=("in_seed_spread", "sum"),
            )
            .round(3)
            .to_string()
        )


if __name__ == "__main__":
    main()

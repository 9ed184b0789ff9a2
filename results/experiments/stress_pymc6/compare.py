"""The stress study's first data seed on PyMC 6 (Python 3.12) beside the committed study's
same seed (Python 3.11, PyMC 5) and beside the spread of the committed study's 3 seeds.

Run from the project root: ``python results/experiments/stress_pymc6/compare.py``
(prints the table that ``README.md`` here quotes).
"""

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
COMMITTED = HERE.parents[1] / "validation" / "stress"
KEY = ["scenario", "quantity", "level"]


def coverage(path: Path) -> pd.DataFrame:
    """Coverage per scenario, quantity, level and seed of a stress study's table."""
    got = pd.read_csv(path)
    return got.assign(coverage=got.covered / got.cells)


def main() -> None:
    new = coverage(HERE / "coverage_by_seed.csv")
    old = coverage(COMMITTED / "coverage_by_seed.csv")
    same = old[old.seed.isin(new.seed.unique())]
    spread = old.groupby(KEY).coverage.agg(seeds_min="min", seeds_max="max").reset_index()
    table = (new.merge(same, on=KEY + ["seed", "areas", "cells"], suffixes=("_pymc6", "_pymc5"))
             .merge(spread, on=KEY))
    table["difference"] = table.coverage_pymc6 - table.coverage_pymc5
    table["in_seed_spread"] = table.coverage_pymc6.between(table.seeds_min, table.seeds_max)
    cols = KEY + ["cells", "coverage_pymc6", "coverage_pymc5", "difference", "seeds_min",
                  "seeds_max", "in_seed_spread"]
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(table[cols].round(3).to_string(index=False))
        print("\nby quantity (index, change, change_first_last: per area cell):")
        print(table.groupby("quantity").agg(
            rows=("difference", "size"), mean_difference=("difference", "mean"),
            largest_abs=("difference", lambda d: d.abs().max()),
            in_seed_spread=("in_seed_spread", "sum")).round(3).to_string())


if __name__ == "__main__":
    main()

"""Compare two fit run directories of the same command on two software stacks.

Usage: python benchmarks/compare_stack_runs.py RUN_A RUN_B

Prints which input cells differ (the data each run fitted, ``data.csv``) and, over the
areas whose data are identical, how far the two posteriors' summaries lie apart in
posterior sds (index mean and 90 % interval ends), the modal type's agreement and the
largest difference in P(type 1). Used for benchmarks/results/stack.md.
"""

from __future__ import annotations

import sys

import pandas as pd


def main(run_a: str, run_b: str) -> None:
    da, db = (pd.read_csv(f"{r}/data.csv", dtype={"area_code": str}) for r in (run_a, run_b))
    m = da.merge(db, on=["area_code", "year", "indicator"], suffixes=("_a", "_b"))

    def unequal(col: str) -> pd.Series:  # two missing values (a percent's count) agree
        if f"{col}_a" not in m:
            return pd.Series(False, index=m.index)
        a, b = m[f"{col}_a"], m[f"{col}_b"]
        return (a != b) & ~(a.isna() & b.isna())

    differ = unequal("count") | unequal("denominator") | unequal("value")
    bad = sorted(set(m.loc[differ, "area_code"]))
    print(f"data: {int(differ.sum())} of {len(m)} cells differ, in {len(bad)} areas {bad}")
    a, b = (
        pd.read_csv(f"{r}/areas.csv", dtype={"area_code": str}).set_index(["area_code", "year"])
        for r in (run_a, run_b)
    )
    b = b.loc[a.index]
    keep = ~a.index.get_level_values(0).isin(bad)
    print(f"areas with the same data: {int(keep.sum())}")
    for col in ("index_mean", "index_lo90", "index_hi90"):
        z = ((a[col] - b[col]).abs() / a["index_sd"])[keep]
        print(
            f"|{col} A - B| in posterior sd: median {z.median():.4f}, "
            f"99th percentile {z.quantile(0.99):.4f}, max {z.max():.4f}"
        )
    print(
        f"modal type equal: {(a['type_mode'] == b['type_mode'])[keep].mean():.4f}; "
        f"max |P(type 1) A - B|: {(a['p_type_1'] - b['p_type_1']).abs()[keep].max():.4f}"
    )


if __name__ == "__main__":
    main(*sys.argv[1:3])

"""The committed studies (Python 3.11, PyMC 5) beside their reruns on PyMC 6 / ArviZ 1.

Reads the committed tables (``results/validation/<study>/``) and the rerun's
(``benchmarks/experiments/studies_pymc6/<study>/``) with the functions of
``benchmarks/experiments/maxdepth8_default/compare.py`` and prints the figures the README
beside this script quotes, for each study that was rerun: SBC uniformity and dropped
replicates per design, the stress study's 90 % coverage, Brier scores and fit gates, the
evaluation study's coverage, detection and bias, the placebo study's false positives.

Run from the project root: ``python benchmarks/experiments/studies_pymc6/compare.py``
(its output is ``comparison.txt`` beside it).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
RERUN = Path("benchmarks/experiments/studies_pymc6")

spec = importlib.util.spec_from_file_location(
    "maxdepth8_compare", HERE.parent / "maxdepth8_default" / "compare.py"
)
studies = importlib.util.module_from_spec(spec)
spec.loader.exec_module(studies)


def main() -> None:
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.max_colwidth", 120)
    for label, source in (
        ("committed (Python 3.11, PyMC 5.28, ArviZ 0.23)", None),
        ("rerun (Python 3.12, PyMC 6.4, ArviZ 1.3)", RERUN),
    ):
        print(f"==== {label}")
        root = Path(source or studies.ROOT)
        if (root / "sbc").is_dir():
            m = studies.manifest(source, "sbc")
            print(f"-- SBC ({m['timings_seconds']['total'] / 60:.1f} min)")
            print(studies.sbc(source).to_string(index=False))
        if (root / "stress").is_dir():
            cov, info = studies.stress(source)
            print("-- stress study: 90 % coverage")
            print(cov.round({**{c: 3 for c in cov.columns}, "brier": 4}).to_string())
            print(info.to_string())
        if (root / "evaluate").is_dir():
            print("-- evaluation study")
            print(studies.evaluation(source).to_string())
        if (root / "evaluate_placebos").is_dir():
            m = studies.manifest(source, "evaluate_placebos")
            print(f"-- placebo study ({m['timings_seconds']['total'] / 60:.1f} min)")
            print(placebos(source).to_string())
        print()


def placebos(source) -> pd.Series:
    """The placebo study's false positives (95 % intervals excluding 0): pooled per
    method, which sesindex groups were flagged, and how many refits passed their gate.
    """
    pooled = studies.table(source, "evaluate_placebos", "false_positives_pooled.csv")
    est = studies.table(source, "evaluate_placebos", "estimates.csv")
    flagged = est[(est["lo95"] > 0) | (est["hi95"] < 0)]
    out = {
        f"{r.method} {r.selection}": f"{r.false_positives} of {r.groups}"
        for r in pooled.itertuples()
    }
    out["sesindex flagged"] = [
        [r.selection, r.size, r.seed, round(r.estimate, 3)] for r in flagged.itertuples()
    ]
    out["fit_ok"] = f"{int(est['fit_ok'].sum())} of {len(est)}"
    return pd.Series(out)


if __name__ == "__main__":
    main()

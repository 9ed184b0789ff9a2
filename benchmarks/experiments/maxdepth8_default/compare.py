"""The committed studies before and after ``maxdepth = 8`` became the 14-year spec's default.

Reads each study's tables as committed at ``BEFORE`` (git) and as they stand in the
working tree, and prints the figures the README and benchmarks/results/warmup.md quote: SBC
uniformity and dropped replicates per design, the evaluation study's coverage, detection
and bias, the placebo study's false positives, the stress study's 90 % coverage, Brier
scores, change flags and fit gates, and each study's wall time.

Run from the project root: ``python benchmarks/experiments/maxdepth8_default/compare.py``
(its output is ``comparison.txt`` beside it).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
from scipy import stats

BEFORE = "10193eb"  # the last commit whose studies were fitted without the cap
ROOT = "results/validation"


def read(rev: str | Path | None, study: str, name: str) -> str:
    """A study's file: committed at git revision ``rev`` (a str), in the working tree
    (None), or under another directory of study directories (a Path: a rerun).
    """
    if rev is None or isinstance(rev, Path):
        return (Path(rev or ROOT) / study / name).read_text(encoding="utf-8")
    return subprocess.run(
        ["git", "show", f"{rev}:{ROOT}/{study}/{name}"], check=True, capture_output=True, text=True
    ).stdout


def table(rev, study, name) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(read(rev, study, name)))


def manifest(rev, study) -> dict:
    return json.loads(read(rev, study, "manifest.json"))


def sbc(rev) -> pd.DataFrame:
    u, r = table(rev, "sbc", "uniformity.csv"), table(rev, "sbc", "replicates.csv")
    power = table(rev, "sbc", "power.csv").set_index("design")
    rows = []
    for design, g in u[u.kind == "sbc"].groupby("design", sort=False):
        p = g.p_value.sort_values().to_numpy()
        m = len(p)
        holm = bool((p * (m - pd.RangeIndex(m).to_numpy()) <= 0.01).any())
        c = u[(u.kind == "shift_1sd") & (u.design == design)].p_value
        reps = r[r.design == design]
        rows.append(
            {
                "design": design,
                "ranked": int(g.replicates_used.iloc[0]),
                "dropped": int((reps.status != "ok").sum()),
                "of": len(reps),
                "quantities": m,
                "min_p": round(p.min(), 4),
                "ks_p": round(stats.kstest(p, "uniform").pvalue, 3),
                "holm_rejects": holm,
                "control_min_p": float(c.min()),
                "shift_sd_80": power.loc[design, "shift_sd"],
                "narrow_80": power.loc[design, "width_ratio_narrow"],
            }
        )
    return pd.DataFrame(rows)


def covered(e, level, lo="lo", hi="hi", truth="true_att"):
    return (e[f"{lo}{level}"] <= e[truth]) & (e[truth] <= e[f"{hi}{level}"])


def excludes_zero(e, lo="lo95", hi="hi95"):
    return (e[hi] < 0) | (e[lo] > 0)


def evaluation(rev) -> pd.Series:
    e = table(rev, "evaluate", "estimates.csv")
    p, pl = e[e.kind == "planted"], e[e.kind == "placebo"]
    bias = p.estimate - p.true_att
    cell = bias.groupby([p["size"], p.effect]).mean()
    naive = (p.naive_estimate - p.true_att).groupby([p["size"], p.effect]).mean()
    missed90 = p[~covered(p, 90)]
    return pd.Series(
        {
            "planted": len(p),
            "covered95": int(covered(p, 95).sum()),
            "covered90": int(covered(p, 90).sum()),
            "detected": int(excludes_zero(p).sum()),
            "bias_mean": round(bias.mean(), 3),
            "bias_min": round(bias.min(), 2),
            "bias_max": round(bias.max(), 2),
            "cell_bias_min": round(cell.min(), 2),
            "cell_bias_max": round(cell.max(), 2),
            "fit_ok": int(p.fit_ok.sum()),
            "missed90": missed90[["size", "effect", "seed", "estimate"]].round(2).values.tolist(),
            "not_detected": p[~excludes_zero(p)][["size", "effect", "seed", "estimate"]]
            .round(2)
            .values.tolist(),
            "naive_covered95": int(covered(p, 95, "naive_lo", "naive_hi").sum()),
            "naive_detected": int(excludes_zero(p, "naive_lo95", "naive_hi95").sum()),
            "naive_cell_bias": (round(naive.min(), 2), round(naive.max(), 2)),
            **(
                {
                    "causalpy_covered95": int(covered(p, 95, "causalpy_lo", "causalpy_hi").sum()),
                    "causalpy_detected": int(
                        excludes_zero(p, "causalpy_lo95", "causalpy_hi95").sum()
                    ),
                }
                if "causalpy_lo95" in p
                else {}
            ),  # a rerun without CausalPy has no such columns
            "placebos": len(pl),
            "placebos_flagged": int(excludes_zero(pl).sum()),
            "placebos_flagged_which": pl[excludes_zero(pl)][["selection", "size", "estimate"]]
            .round(3)
            .values.tolist(),
            "minutes": round(manifest(rev, "evaluate")["timings_seconds"]["total"] / 60, 1),
        }
    )


def placebos(rev) -> pd.Series:
    e = table(rev, "evaluate_placebos", "estimates.csv")
    out = {"groups": len(e), "fit_ok": int(e.fit_ok.sum())}
    for method, lo, hi in (
        ("sesindex", "lo95", "hi95"),
        ("naive", "naive_lo95", "naive_hi95"),
        ("causalpy", "causalpy_lo95", "causalpy_hi95"),
    ):
        flagged = excludes_zero(e, lo, hi)
        out[method] = int(flagged.sum())
        for sel in ("worst_quarter", "random"):
            out[f"{method}_{sel}"] = int(flagged[e.selection == sel].sum())
    out["minutes"] = round(manifest(rev, "evaluate_placebos")["timings_seconds"]["total"] / 60, 1)
    return pd.Series(out)


def stress(rev) -> tuple[pd.DataFrame, pd.Series]:
    res = manifest(rev, "stress")["results"]
    cov = pd.Series(res["coverage90"]).rename("coverage90")
    cov.index = pd.MultiIndex.from_tuples(
        [tuple(k.split("|")) for k in cov.index], names=["scenario", "quantity"]
    )
    r = table(rev, "stress", "replicates.csv")
    flags = table(rev, "stress", "flags.csv")
    national = flags[flags.scenario == "baseline_national"]
    jumps = flags[(flags.scenario == "jumps") & (flags.pair == "consecutive")]
    cons = flags[flags.pair == "consecutive"]
    info = pd.Series(
        {
            "fits": res["fits"],
            "gate_failed": res["fits_gate_failed"],
            "gate_misses": r[~r.gate_passed.astype(bool)][
                ["scenario", "seed", "max_rhat", "min_ess_tail", "divergences"]
            ]
            .round(4)
            .values.tolist(),
            "national_material_flagged_stable": national[
                (national.pair == "consecutive") & (national.flag == "material")
            ][["false_positives", "negatives"]].values.tolist(),
            "jumps_found_material": jumps[jumps.flag == "material"][
                ["true_positives", "positives"]
            ].values.tolist(),
            "direction_fp_max": float(cons[cons.flag == "direction"].false_positive_rate.max()),
            "jumped_covered": res["coverage90"].get("jumps|change_jumped"),
            "minutes": round(manifest(rev, "stress")["timings_seconds"]["total"] / 60, 1),
        }
    )
    return cov.unstack("quantity").assign(brier=pd.Series(res["brier"])), info


def probe() -> pd.DataFrame:
    """The binomial design's first replicates in the SBC probe (probe/) against the same
    replicates in the full SBC run before and after the cap: equal, or how many differ.
    """
    cols = [
        "replicate",
        "divergences",
        "min_ess_bulk",
        "min_ess_tail",
        "max_rhat",
        "mean_leapfrog_steps",
    ]
    full = {
        label: table(rev, "sbc", "replicates.csv")
        for label, rev in (("full run before", BEFORE), ("full run after", None))
    }
    rows = []
    for name in ("b366426_loaded", "b77e68e_loaded", "b77e68e_idle1", "b77e68e_idle2"):
        p = pd.read_csv(f"benchmarks/experiments/maxdepth8_default/probe/replicates_{name}.csv")
        p = p[p.design == "single_year_binomial"][cols].reset_index(drop=True)
        row = {"probe run": name, "replicates": len(p)}
        for label, f in full.items():
            f = f[f.design == "single_year_binomial"][cols].head(len(p)).reset_index(drop=True)
            row[f"differ from {label}"] = int((p != f).any(axis=1).sum())
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.max_colwidth", 120)
    for label, rev in (
        ("before (uncapped, " + BEFORE + ")", BEFORE),
        ("after (maxdepth = 8)", None),
    ):
        print(f"==== {label}")
        m = manifest(rev, "sbc")
        print(f"-- SBC ({m['timings_seconds']['total'] / 60:.1f} min)")
        print(sbc(rev).to_string(index=False))
        print("-- evaluation study")
        print(evaluation(rev).to_string())
        print("-- placebo study")
        print(placebos(rev).to_string())
        cov, info = stress(rev)
        print("-- stress study: 90 % coverage")
        print(cov.round({**{c: 3 for c in cov.columns}, "brier": 4}).to_string())
        print(info.to_string())
        print()
    print("==== SBC probe: the binomial design's first replicates run after 1 panel replicate")
    print(probe().to_string(index=False))


if __name__ == "__main__":
    sys.exit(main())

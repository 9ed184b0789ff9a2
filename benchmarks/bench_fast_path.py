"""Fast path vs NUTS: how far mean-field ADVI's per-area outputs are from nutpie's.

Run: python benchmarks/bench_fast_path.py [--areas 3363 --years 2024 --tune 500
                                           --draws 1000 --seed 1]

Fits the same synthetic data with ``sesindex.bayes.fit`` twice, backend ``advi``
(``pm.fit`` mean-field, 30,000 iterations, then draws) and backend ``nutpie`` (the
reference), and compares ``FitResult.areas`` (per area and year):

* ses and index: mean and max |mean_advi - mean_nuts| in units of the NUTS posterior sd,
  the ratio of 90% interval widths ADVI/NUTS (median and mean over areas), and the
  share of areas whose NUTS posterior mean lies inside ADVI's 90% interval;
* ranks: the same with the median rank (sd taken as the NUTS 90% width / 3.29);
* types: mean |P_advi(type k) - P_nuts(type k)| over areas and k, mean total-variation
  distance, and the share of areas with the same modal type;
* hyperparameters (alpha, lam, dispersion, rho, tau, kappa): posterior mean and sd side by side;
* wall time of each fit (with its stage timings).

Prints the comparison and appends one JSON line to ``benchmarks/results/fast_path.jsonl``
with the exact command and the machine load. ``--areas 3363`` is the whole country.
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

import numpy as np
import pandas as pd

from sesindex.bayes import ModelSpec, fit
from sesindex.data.synthetic import generate

HYPER = ("alpha", "lam", "dispersion", "rho", "tau", "kappa")
OUT = Path(__file__).parent / "results" / "fast_path.jsonl"


def parse_years(text: str) -> tuple[int, ...]:
    lo, _, hi = text.partition("-")
    return tuple(range(int(lo), int(hi or lo) + 1))


def compare(q: str, fast: pd.DataFrame, ref: pd.DataFrame, centre: str = "mean") -> dict:
    """Disagreement of quantity ``q`` (columns q_mean/q_median, q_lo90, q_hi90[, q_sd])."""
    width_ref = ref[f"{q}_hi90"] - ref[f"{q}_lo90"]
    sd = ref[f"{q}_sd"] if f"{q}_sd" in ref else width_ref / 3.29
    z = (fast[f"{q}_{centre}"] - ref[f"{q}_{centre}"]).abs() / sd
    width = (fast[f"{q}_hi90"] - fast[f"{q}_lo90"]) / width_ref
    c = ref[f"{q}_{centre}"]
    inside = (fast[f"{q}_lo90"] <= c) & (c <= fast[f"{q}_hi90"])
    return {
        "mean_absdiff_in_sd": round(float(z.mean()), 3),
        "max_absdiff_in_sd": round(float(z.max()), 3),
        "width_ratio_median": round(float(width.median()), 3),
        "width_ratio_mean": round(float(width.mean()), 3),
        "coverage90_of_nuts_centre": round(float(inside.mean()), 3),
    }


def hyper(res) -> dict:
    post = res.idata.posterior
    out = {}
    for v in HYPER:
        if v in post:
            mean = np.atleast_1d(post[v].mean(("chain", "draw")).values)
            sd = np.atleast_1d(post[v].std(("chain", "draw")).values)
            for i, (m, s) in enumerate(zip(mean, sd, strict=True)):
                out[f"{v}[{i}]" if mean.size > 1 else v] = (round(float(m), 4), round(float(s), 4))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", type=int, default=3363)
    ap.add_argument("--years", default="2024", help="2024 or 2023-2024")
    ap.add_argument("--tune", type=int, default=500)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    years = parse_years(a.years)
    ds = generate(n_areas=None if a.areas == 3363 else a.areas, years=years, seed=a.seed).dataset
    load0 = os.getloadavg()
    res, wall = {}, {}
    for backend in ("advi", "nutpie"):
        t = time.perf_counter()
        res[backend] = fit(
            ds,
            ModelSpec(years=years),
            seed=a.seed,
            sampler={"backend": backend, "tune": a.tune, "draws": a.draws},
        )
        wall[backend] = round(time.perf_counter() - t, 1)
    key = ["area_code", "year"]
    fast = res["advi"].areas.set_index(key).sort_index()
    ref = res["nutpie"].areas.set_index(key).loc[fast.index]
    p = [f"p_type_{k}" for k in range(1, 6)]
    dp = (fast[p] - ref[p]).abs()
    out = {
        "ses": compare("ses", fast, ref),
        "index": compare("index", fast, ref),
        "rank": compare("rank", fast, ref, centre="median"),
        "types": {
            "mean_abs_dp": round(float(dp.to_numpy().mean()), 4),
            "mean_tv_distance": round(float(0.5 * dp.sum(axis=1).mean()), 4),
            "modal_type_agreement": round(float((fast["type_mode"] == ref["type_mode"]).mean()), 4),
        },
    }
    hyp = {"advi": hyper(res["advi"]), "nutpie": hyper(res["nutpie"])}
    print(f"{len(fast)} area-years ({a.areas} areas, years {a.years}); wall s: {wall}")
    print(f"timings advi {res['advi'].timings}\ntimings nutpie {res['nutpie'].timings}")
    gate = res["nutpie"].gate
    print(f"nutpie gate passed: {gate['passed']}, worst {gate['worst']}")
    print(
        f"\n{'quantity':8} {'mean|d|/sd':>10} {'max|d|/sd':>10} {'width ratio med':>15} "
        f"{'mean':>6} {'ADVI 90% covers NUTS':>21}"
    )
    for q in ("ses", "index", "rank"):
        r = out[q]
        print(
            f"{q:8} {r['mean_absdiff_in_sd']:10.3f} {r['max_absdiff_in_sd']:10.3f} "
            f"{r['width_ratio_median']:15.3f} {r['width_ratio_mean']:6.3f} "
            f"{r['coverage90_of_nuts_centre']:21.3f}"
        )
    print(f"types: {out['types']}")
    print(f"\n{'hyperparameter':14} {'ADVI mean (sd)':>20} {'NUTS mean (sd)':>20}")
    for k, (m, s) in hyp["nutpie"].items():
        fm, fs = hyp["advi"].get(k, (float("nan"), float("nan")))
        print(f"{k:14} {fm:11.4f} ({fs:.4f}) {m:11.4f} ({s:.4f})")
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
    ).stdout.strip()
    record = {
        "command": "python benchmarks/bench_fast_path.py " + shlex.join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "commit": commit,
        "cores": os.cpu_count(),
        "loadavg_start": load0,
        "loadavg_end": os.getloadavg(),
        "area_years": len(fast),
        "nutpie_compiled_with": getattr(res["nutpie"].spec.sampler, "compile_backend", "numba"),
        "wall_s": wall,
        "timings": {b: r.timings for b, r in res.items()},
        "nutpie_gate": {
            "passed": res["nutpie"].gate["passed"],
            "worst": res["nutpie"].gate["worst"],
        },
        **out,
        "hyperparameters_mean_sd": hyp,
    }
    with OUT.open("a") as fh:
        fh.write(json.dumps(record, default=float) + "\n")
    print(f"\nload average start {load0}, end {record['loadavg_end']}; appended to {OUT}")


if __name__ == "__main__":
    main()

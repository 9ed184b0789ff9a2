"""Likelihoods against the exact binomial: per-area disagreement, truth recovery, time.

Run: python benchmarks/bench_likelihoods.py [--areas 3363 --years 2024 --tune 500
                                             --draws 2000 --seed 1]

Fits the same calibrated synthetic data (whose counts are binomial given the true
rates) two ways with ``sesindex.bayes.fit`` and nutpie:

* ``binomial``: the exact model, every count cell's true logit sampled (the reference);
* ``gaussian_logit``: the default working likelihood on empirical logits (additive
  dispersion, ``sd`` form).

For each other fit against the exact binomial one it reports the disagreement of
ses, the index and the rank (as in ``bench_fast_path.py``: |difference of means| in
units of the exact posterior sd, ratio of 90 % widths, share of exact means inside the
90 % interval) and of P(type); for every fit, against the known truth: coverage of the
50/90/95 % intervals of the true index and ses, RMSE of the index's posterior mean, the
Brier score of P(type) and the fit gate and timings. Appends one JSON line to
``benchmarks/results/likelihoods.jsonl`` with the exact command and the machine load.
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
from bench_fast_path import compare, hyper, parse_years

from sesindex.bayes import ModelSpec, fit
from sesindex.data.synthetic import generate

OUT = Path(__file__).parent / "results" / "likelihoods.jsonl"
#: name: (model spec fields, sampler overrides)
FITS = {"binomial": ({"likelihood": "binomial"}, {}), "gaussian_logit": ({}, {})}


def against_truth(areas, truth) -> dict:
    """Coverage of the true index and ses, index RMSE and the Brier score of P(type)."""
    a = areas.merge(truth, on=["area_code", "year"])
    eta = a.groupby("year")["eta_true"].transform(lambda e: (e - e.mean()) / e.std(ddof=0))
    out = {}
    for level in (50, 90, 95):
        for q, true in (("index", a["index_true"]), ("ses", -eta)):
            inside = (a[f"{q}_lo{level}"] <= true) & (true <= a[f"{q}_hi{level}"])
            out[f"{q}_coverage{level}"] = round(float(inside.mean()), 4)
    out["index_rmse"] = round(float(np.sqrt(((a["index_mean"] - a["index_true"]) ** 2).mean())), 4)
    probs = a[[f"p_type_{k}" for k in range(1, 6)]].to_numpy()
    onehot = np.eye(6)[a["type_true"].to_numpy()][:, 1:]
    out["brier_p_type"] = round(float(((probs - onehot) ** 2).sum(axis=1).mean()), 4)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", type=int, default=3363)
    ap.add_argument("--years", default="2024")
    ap.add_argument("--tune", type=int, default=500)
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    years = parse_years(a.years)
    data = generate(n_areas=None if a.areas == 3363 else a.areas, years=years, seed=a.seed)
    load0 = os.getloadavg()
    res, wall = {}, {}
    for name, (form, sampler) in FITS.items():
        t = time.perf_counter()
        res[name] = fit(
            data.dataset,
            ModelSpec(years=years, **form),
            seed=a.seed,
            sampler={"tune": a.tune, "draws": a.draws, **sampler},
        )
        wall[name] = round(time.perf_counter() - t, 1)
    key = ["area_code", "year"]
    ref = res["binomial"].areas.set_index(key).sort_index()
    p = [f"p_type_{k}" for k in range(1, 6)]
    record = {
        "command": "python benchmarks/bench_likelihoods.py " + shlex.join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "commit": subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
        ).stdout.strip(),
        "cores": os.cpu_count(),
        "loadavg_start": load0,
        "area_years": len(ref),
        "wall_s": wall,
        "fits": {},
    }
    for name, r in res.items():
        entry = {
            "timings": r.timings,
            "gate_passed": r.gate["passed"],
            "gate_worst": r.gate["worst"],
            "divergences": r.gate["divergences"],
            "truth": against_truth(r.areas, data.truth),
            "hyperparameters": hyper(r),
        }
        if name != "binomial":
            other = r.areas.set_index(key).loc[ref.index]
            dp = (other[p] - ref[p]).abs()
            entry["vs_binomial"] = {
                "ses": compare("ses", other, ref),
                "index": compare("index", other, ref),
                "rank": compare("rank", other, ref, centre="median"),
                "types": {
                    "mean_abs_dp": round(float(dp.to_numpy().mean()), 4),
                    "mean_tv_distance": round(float(0.5 * dp.sum(axis=1).mean()), 4),
                    "modal_type_agreement": round(
                        float((other["type_mode"] == ref["type_mode"]).mean()), 4
                    ),
                },
            }
        record["fits"][name] = entry
        print(f"\n== {name}: wall {wall[name]} s, timings {r.timings}")
        print(
            f"gate passed {r.gate['passed']}, divergences {r.gate['divergences']}, "
            f"worst {r.gate['worst']}"
        )
        print("against the truth:", entry["truth"])
        for q, v in entry.get("vs_binomial", {}).items():
            print(f"vs exact binomial, {q}: {v}")
    record["loadavg_end"] = os.getloadavg()
    with OUT.open("a") as fh:
        fh.write(json.dumps(record, default=float) + "\n")
    print(f"\nload average start {load0}, end {record['loadavg_end']}; appended to {OUT}")


if __name__ == "__main__":
    main()

"""National Bayesian fit on the calibrated synthetic data: time, fit gate, calibration.

Run: python benchmarks/bench_fit.py --areas 3363 --years 2024 [--draws 2000 --tune 500]

Reports wall time by stage (compile, sample, derive, diagnostics), the fit gate, 90%
coverage of ses and of the true index, correlation with the true status, and the Brier
score of P(type) against the plug-in observed type (both scored on the true type).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from sesindex.bayes import ModelSpec, fit
from sesindex.bayes.spec import SamplerSpec
from sesindex.data.synthetic import generate
from sesindex.index import IndexSpec, compute_index


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--areas", type=int, default=3363)
    ap.add_argument("--years", default="2024", help="e.g. 2024 or 2020-2024")
    ap.add_argument("--tune", type=int, default=500)
    ap.add_argument("--draws", type=int, default=2000)
    a = ap.parse_args()
    lo, _, hi = a.years.partition("-")
    years = tuple(range(int(lo), int(hi or lo) + 1))
    data = generate(n_areas=None if a.areas == 3363 else a.areas, years=years)
    t = time.perf_counter()
    res = fit(data.dataset, ModelSpec(years=years, sampler=SamplerSpec(tune=a.tune, draws=a.draws)))
    wall = time.perf_counter() - t
    m = res.areas.merge(data.truth, on=["area_code", "year"])
    ref = data.truth[data.truth["year"] == years[-1]]["eta_true"]
    ses_true = -(m["eta_true"] - ref.mean()) / ref.std(ddof=0)
    cover = lambda lo, hi, x: float(((m[lo] <= x) & (x <= m[hi])).mean())  # noqa: E731
    onehot = np.eye(6)[m["type_true"].to_numpy()][:, 1:]
    probs = m[[f"p_type_{k}" for k in range(1, 6)]].to_numpy()
    plug = compute_index(data.dataset, IndexSpec(types_over="given_areas"))["type"]
    plug = plug.to_series().reindex(list(zip(m["area_code"], m["year"], strict=True))).to_numpy()
    out = {
        "command": f"python benchmarks/bench_fit.py --areas {a.areas} --years {a.years} "
        f"--tune {a.tune} --draws {a.draws}",
        "wall_s": round(wall, 1),
        "timings_s": res.timings,
        "gate_passed": res.gate["passed"],
        "worst": res.gate["worst"],
        "divergences": res.gate["divergences"],
        "coverage90_ses": cover("ses_lo90", "ses_hi90", ses_true),
        "coverage90_index": cover("index_lo90", "index_hi90", m["index_true"]),
        "corr_ses_truth": float(np.corrcoef(m["ses_mean"], ses_true)[0, 1]),
        "brier_posterior": float(((probs - onehot) ** 2).sum(1).mean()),
        "brier_plug_in": float(((np.eye(6)[plug][:, 1:] - onehot) ** 2).sum(1).mean()),
    }
    print(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()

"""Why do the worst-quarter placebo refits of the evaluate study miss the gate at packaged settings?"""

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from sesindex.bayes import fit, load_model_spec
from sesindex.bayes.spec import replicate_sampler
from sesindex.data.synthetic import generate
from sesindex.evaluation import evaluate
from sesindex.validate.evaluate import _groups, _observed_index

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 20240101
years = tuple(range(2017, 2025))
start = 2021
spec = load_model_spec("models/latent_factor.toml")
spec = replace(spec, years=None, sampler=replicate_sampler(spec.sampler, {}))
base = generate(n_areas=400, years=years, seed=seed)
observed = _observed_index(base.dataset)
run_dir = Path(f"/work/scratch/run_{seed}")
t = time.perf_counter()
res = fit(base.dataset, spec)
print(
    "fit",
    round(time.perf_counter() - t),
    "s gate",
    res.gate["passed"],
    res.gate["worst"],
    flush=True,
)
rng = np.random.default_rng([seed, 11])
areas = res.inputs.areas
for g in (10, 30, 100):
    for sel, pos in _groups(rng, observed, years, start, g).items():
        if sel != "worst_quarter":
            continue
        starts = {str(areas[i]): start for i in pos}
        t = time.perf_counter()
        ev = evaluate(res, starts, k=3, allow_failed_fit=True)
        gate = ev.fit.gate
        bad = {
            k: v
            for k, v in gate["per_variable"].items()
            if v["rhat_max"] > 1.01 or v["ess_bulk_min"] < 400 or v["ess_tail_min"] < 400
        }
        print(
            g,
            sel,
            round(time.perf_counter() - t),
            "s",
            gate["passed"],
            gate["divergences"],
            gate["worst"],
            json.dumps(bad),
            flush=True,
        )
        print("  sampler", ev.fit.spec.sampler, flush=True)

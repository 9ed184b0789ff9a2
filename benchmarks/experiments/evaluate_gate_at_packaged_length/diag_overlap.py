"""Which gate check fails in the overlap scenario's refit (seed 20240402, size 10, other programme excluded)?"""

import json
import time
from dataclasses import replace

import numpy as np

from sesindex.bayes import fit, load_model_spec
from sesindex.bayes.spec import replicate_sampler
from sesindex.data.synthetic import SyntheticConfig, generate
from sesindex.evaluation import evaluate
from sesindex.validate.evaluate import _groups, _observed_index

seed = 20240402
years = tuple(range(2017, 2025))
start = 2021
n = 400
spec = load_model_spec("models/latent_factor.toml")
spec = replace(spec, years=None, sampler=replicate_sampler(spec.sampler, {}))
rng = np.random.default_rng([seed, 11])
base = generate(n_areas=n, years=years, seed=seed)
observed = _observed_index(base.dataset)
codes = base.dataset["area"].values.astype(str)
worst = _groups(rng, observed, years, start, 30)["worst_quarter"]
other = tuple(codes[worst])
data = generate(
    n_areas=n,
    years=years,
    seed=seed,
    config=SyntheticConfig(programme_areas=other, programme_start=start, programme_index=-2.0),
)
observed = _observed_index(data.dataset)
before = observed[:, list(years).index(start - 1)]
pool = np.setdiff1d(np.flatnonzero(before >= np.quantile(before, 0.75)), worst)
t = time.perf_counter()
res = fit(data.dataset, spec)
print(
    "panel fit",
    round(time.perf_counter() - t),
    "s gate",
    res.gate["passed"],
    json.dumps(res.gate["worst"]),
    flush=True,
)
areas = res.inputs.areas
pos = np.sort(rng.choice(pool, 10, replace=False))
starts = {str(areas[i]): start for i in pos}
ev = evaluate(res, starts, k=3, exclude=list(other), allow_failed_fit=True)
g = ev.fit.gate
bad = {
    k: v
    for k, v in g["per_variable"].items()
    if v["rhat_max"] > 1.01 or v["ess_bulk_min"] < 400 or v["ess_tail_min"] < 400
}
print("refit", g["passed"], g["divergences"], json.dumps(g["worst"]), json.dumps(bad), flush=True)
print("estimate", ev.effect("att_index")["mean"], flush=True)

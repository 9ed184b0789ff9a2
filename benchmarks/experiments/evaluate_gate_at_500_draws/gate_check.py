"""Which fit-gate check the evaluation study's 2 x 500-draw refits miss (one placebo group)."""

from dataclasses import replace

import numpy as np

from sesindex.bayes import fit, load_model_spec
from sesindex.data.synthetic import generate
from sesindex.evaluation import evaluate
from sesindex.validate.evaluate import _groups, _observed_index

years = tuple(range(2017, 2025))
spec = load_model_spec("models/latent_factor.toml")
spec = replace(spec, years=None, sampler=replace(spec.sampler, draws=500))
base = generate(n_areas=400, years=years, seed=20240101)
res = fit(base.dataset, spec)
print(
    "base fit gate",
    res.gate["passed"],
    res.gate["checks"],
    {k: (v["quantity"], round(v["value"], 4)) for k, v in res.gate["worst"].items()},
)
obs = _observed_index(base.dataset)
pos = _groups(np.random.default_rng([20240101, 11]), obs, years, 2021, 10)["worst_quarter"]
ev = evaluate(
    res,
    {str(res.inputs.areas[i]): 2021 for i in pos},
    k=3,
    allow_failed_fit=True,
    sampler={"draws": 500},
)
g = ev.fit.gate
print(
    "refit gate",
    g["passed"],
    g["checks"],
    {k: (v["quantity"], round(v["value"], 4)) for k, v in g["worst"].items()},
)

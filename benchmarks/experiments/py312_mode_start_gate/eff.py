"""Sampler efficiency on this stack: bulk/tail ESS per kept draw and worst R-hat of the test's fit."""

import json
import sys
from dataclasses import replace

import numpy as np
import nutpie

from sesindex.bayes import fit, load_model_spec
from sesindex.bayes.checks.diagnostics import diagnostics
from sesindex.bayes.sampling.trace import group
from sesindex.data.synthetic import generate
from sesindex.specs import resolve_spec

init = sys.argv[1]
seeds = [int(s) for s in sys.argv[2].split(",")]
draws = int(sys.argv[3])
spec = load_model_spec(resolve_spec("latent_factor_single_year"))
ds = generate(n_areas=150, years=(2024,), seed=4).dataset
for seed in seeds:
    res = fit(ds, replace(spec, sampler=replace(spec.sampler, draws=draws, init=init, seed=seed)))
    post = group(res.idata, "posterior")
    st = group(res.idata, "sample_stats")
    a = post["alpha"].transpose("chain", "draw", ...).values.reshape(2, draws, -1)
    d = diagnostics(a)
    g = res.gate
    print(
        json.dumps(
            {
                "py": sys.version[:4],
                "nutpie": nutpie.__version__,
                "init": init,
                "seed": seed,
                "draws": draws,
                "passed": g["passed"],
                "rhat": round(g["worst"]["rhat"]["value"], 4),
                "bulk_min": round(g["worst"]["ess_bulk"]["value"]),
                "tail_min": round(g["worst"]["ess_tail"]["value"]),
                "bulk_min_quantity": g["worst"]["ess_bulk"]["quantity"],
                "alpha_bulk_per_draw": np.round(d["ess_bulk"] / (2 * draws), 3).tolist(),
                "step_size": np.round(st["step_size"].mean("draw").values, 4).tolist(),
                "n_steps": np.round(st["n_steps"].mean("draw").values, 2).tolist(),
            }
        ),
        flush=True,
    )

"""The starts init='mode' gives on this stack: the mode, its log density, the Laplace sd."""

import json
import sys

import numpy as np

from sesindex.bayes import load_model_spec
from sesindex.bayes.model.inputs import model_inputs
from sesindex.bayes.sampling.compiled import compiled_model
from sesindex.bayes.sampling.start import climb, compiled_logp
from sesindex.data.synthetic import generate
from sesindex.specs import resolve_spec

spec = load_model_spec(resolve_spec("latent_factor_single_year"))
ds = generate(n_areas=150, years=(2024,), seed=4).dataset
inputs = model_inputs(ds, list(spec.indicators))
c = compiled_model(inputs, spec.form, compile="disk")
logp = compiled_logp(c)
x = np.linspace(-0.5, 0.5, c.n_dim)
out = {"n_dim": int(c.n_dim), "logp_at_fixed_x": float(logp(x)[0])}
modes = []
for seed in (1, 2, 3):
    x0 = np.asarray(c.initial_point_func(seed))
    mode, cov = climb(logp, x0)
    modes.append(mode)
    out[f"seed{seed}"] = {
        "x0_head": np.round(x0[:3], 4).tolist(),
        "logp_mode": round(float(logp(mode)[0]), 6),
        "sd_min_max": [float(np.sqrt(np.diag(cov)).min()), float(np.sqrt(np.diag(cov)).max())],
    }
out["mode_spread_in_sd"] = float(np.max(np.abs(modes[0] - modes[1]) / np.sqrt(np.diag(cov))))
np.save(sys.argv[1], modes[0])
print(json.dumps(out))

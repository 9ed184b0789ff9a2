"""The stress study's failing fit with init = "mode" (second_factor, data seed 20240103)
refitted alone: the gate's worst quantities and, per sampled parameter, R-hat and each
chain's mean (first four elements). Run from the project root:
``python benchmarks/experiments/stress_init_mode/diagnose.py`` (about a minute on 2 cores).
"""

from dataclasses import replace

import arviz as az
import numpy as np

from sesindex.bayes import fit, load_model_spec
from sesindex.bayes.sampling.trace import group
from sesindex.data.synthetic import YEARS, generate, scenario_config

spec = load_model_spec("models/latent_factor.toml")
spec = replace(spec, sampler=replace(spec.sampler, target_accept=0.8, init="mode"))
data = generate(n_areas=300, years=YEARS, seed=20240103, config=scenario_config("second_factor"))
res = fit(data.dataset, spec)
print(res.gate["worst"])
post = group(res.idata, "posterior")
n_draws = post.sizes["chain"] * post.sizes["draw"]
names = [v for v in post.data_vars if post[v].ndim <= 3 and post[v].size / n_draws < 50]
for v in names:
    r = az.rhat(post[[v]])[v].values.max()
    m = post[v].mean("draw").values
    print(v, round(float(r), 4), np.round(m.reshape(m.shape[0], -1)[:, :4], 4).tolist())

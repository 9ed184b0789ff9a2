"""SBC replicates of one design of validation/sbc.toml with sampler overrides.

For the polar-loadings experiment (README.md here). Run from the repository root:

    python benchmarks/experiments/sbc_polar_loadings/run.py DESIGN N "OPTIONS" OUT.csv

DESIGN: single_year | panel | single_year_binomial; N replicates (the study's seeds, so
replicate r is the study's replicate r); OPTIONS: a Python dict literal of sampler
overrides, e.g. "{'target_accept': 0.95}"; OUT.csv: the replicate table.
"""

import ast
import sys
import time
import tomllib

from sesindex.bayes import load_model_spec
from sesindex.bayes.model.inputs import model_inputs
from sesindex.bayes.simulate import assign_municipalities
from sesindex.validate.inputs import load_study_data
from sesindex.validate.sbc_replicates import run_sbc
from sesindex.validate.spec import StudySpec

design, n, opts, out = sys.argv[1], int(sys.argv[2]), ast.literal_eval(sys.argv[3]), sys.argv[4]
with open("validation/sbc.toml", "rb") as fh:
    spec = StudySpec.from_dict(tomllib.load(fh))
data = load_study_data(spec)
i = {"single_year": 0, "panel": 1, "single_year_binomial": 2}[design]
d = spec.option("designs")[i]
inputs = model_inputs(data.dataset, ["V1", "V2", "V3"], years=[int(y) for y in d["years"]])
template = assign_municipalities(inputs, 8, spec.seed)
model = load_model_spec(d["model"])
t = time.time()
res = run_sbc(
    template, replicates=n, seed=spec.seed + 1000 * i, name=design, options=opts, model=model
)
r = res.replicates
print(
    design,
    opts,
    r["status"].value_counts().to_dict(),
    "with divergences",
    int((r["divergences"] > 0).sum()),
    "tail ESS < 400",
    int((r["min_ess_tail"] < 400).sum()),
    f"{time.time() - t:.0f} s",
)
r.to_csv(out, index=False)

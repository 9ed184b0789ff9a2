"""The stress study's one failing fit with maxdepth = 8 (static, data seed 20240102: one
divergence at the study's target_accept 0.8) refitted alone, at 0.8 and at the packaged
spec's 0.95: per setting, the divergences, the leapfrog steps a draw and the gate's
worst quantities. Run from the project root:
``python benchmarks/experiments/stress_maxdepth8/diagnose.py`` (two fits, a few minutes on
2 cores).
"""

from dataclasses import replace

from sesindex.bayes import fit, load_model_spec
from sesindex.bayes.sampling.trace import group
from sesindex.bayes.spec import replicate_sampler
from sesindex.data.synthetic import YEARS, generate, scenario_config

spec = load_model_spec("models/latent_factor.toml")
data = generate(n_areas=300, years=YEARS, seed=20240102, config=scenario_config("static"))
for target_accept in (0.8, 0.95):
    # as the study's replicates are sampled (compile = "process")
    sampler = replicate_sampler(spec.sampler, {"target_accept": target_accept, "maxdepth": 8})
    res = fit(data.dataset, replace(spec, sampler=sampler))
    stats = group(res.idata, "sample_stats")
    steps = float(stats["n_steps"].mean())
    print(
        f"target_accept {target_accept}: divergences {res.gate['divergences']}, "
        f"{steps:.1f} leapfrog steps a draw, gate passed {res.gate['passed']}, "
        f"worst {res.gate['worst']}",
        flush=True,
    )

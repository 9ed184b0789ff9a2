"""Reproduce test_start's mode-started fit; instrument the starts and the R-hat."""

import json
import sys
import time
from dataclasses import replace

import arviz as az
import numpy as np
import nutpie
import pymc

import sesindex.bayes.sampling.start as start
from sesindex.bayes import fit, load_model_spec
from sesindex.bayes.sampling.trace import group
from sesindex.data.synthetic import generate
from sesindex.specs import resolve_spec

inits = sys.argv[1].split(",") if len(sys.argv) > 1 else ["mode"]
seeds = [int(s) for s in sys.argv[2].split(",")] if len(sys.argv) > 2 else [None]
draws = int(sys.argv[3]) if len(sys.argv) > 3 else 1000

calls = []
orig = start.start_near_mode


def spy(compiled):
    started = orig(compiled)
    f = started.initial_point_func

    def logged(seed):
        x = f(seed)
        calls.append((seed, np.asarray(x).copy()))
        return x

    return (
        started.with_initial_points(logged)
        if hasattr(started, "with_initial_points")
        else replace(started, initial_point_func=logged)
    )


start.start_near_mode = spy

print(
    "stack",
    sys.version.split()[0],
    "pymc",
    pymc.__version__,
    "nutpie",
    nutpie.__version__,
    "arviz",
    az.__version__,
)
spec = load_model_spec(resolve_spec("latent_factor_single_year"))
ds = generate(n_areas=150, years=(2024,), seed=4).dataset
for init in inits:
    for seed in seeds:
        calls.clear()
        s = replace(spec.sampler, draws=draws, init=init)
        if seed is not None:
            s = replace(s, seed=seed)
        t = time.perf_counter()
        res = fit(ds, replace(spec, sampler=s))
        el = time.perf_counter() - t
        post = group(res.idata, "posterior")
        a = post["alpha"].sel(year=2024)
        w = res.gate["worst"]
        cm = a.mean("draw").values  # chain, indicator
        azr = az.rhat(post[["alpha", "lam", "dispersion"]])
        azr_max = float(max(float(azr[v].max()) for v in azr.data_vars))
        print(
            json.dumps(
                {
                    "init": init,
                    "seed": s.seed,
                    "draws": draws,
                    "secs": round(el, 1),
                    "passed": res.gate["passed"],
                    "worst_rhat": w["rhat"],
                    "worst_tail": w["ess_tail"],
                    "worst_bulk": w["ess_bulk"],
                    "div": res.gate["divergences"],
                    "az_rhat_max_alpha_lam_disp": round(azr_max, 4),
                    "alpha_chain_means": np.round(cm, 4).tolist(),
                    "post_dims": dict(post.sizes),
                    "chain_coord": post["chain"].values.tolist(),
                    "draw0_to2": post["draw"].values[:3].tolist(),
                    "chains_identical": bool(
                        np.allclose(a.isel(chain=0).values, a.isel(chain=1).values)
                    ),
                    "init_calls_seeds": [c[0] for c in calls],
                    "start_dist": float(np.linalg.norm(calls[0][1] - calls[1][1]))
                    if len(calls) > 1
                    else None,
                }
            ),
            flush=True,
        )

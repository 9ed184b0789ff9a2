"""Where a slow chain spends its warm-up (issue 18, item 2).

At 1,000 RegSO areas x 6 years the slower chain's warm-up took 11,337 to 66,749 leapfrog
steps over three sampler seeds (benchmarks/results/warmup.md). This
samples the packaged 14-year spec's model there with ``save_warmup=True`` and writes, per
chain and per 25 warm-up draws: the mean leapfrog steps, the mean step size and, for every
sampled parameter, the window's median in units of that parameter's posterior sd from
its posterior mean (the posterior: both chains' kept draws). A window whose steps are near
nutpie's 1,023-step limit and whose parameters sit many posterior sd away is a chain
still travelling; one whose parameters are already typical is a chain held by its step
size or mass matrix.

Run (from the repository root)::

    python benchmarks/experiments/warmup_diagnosis/run.py --seeds 2 --draws 300 \
        > benchmarks/experiments/warmup_diagnosis/seed2.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "benchmarks"))


def flat(group) -> dict[str, np.ndarray]:
    """Every sampled scalar as (chain, draw) arrays, named ``var[i]``."""
    out = {}
    for name, da in group.data_vars.items():
        if name.endswith("__"):  # nutpie's unconstrained copies
            continue
        values = da.values.reshape(da.shape[0], da.shape[1], -1)
        if values.shape[2] > 20:  # area-level: not a sampled parameter of this model
            continue
        for i in range(values.shape[2]):
            out[f"{name}[{i}]" if values.shape[2] > 1 else name] = values[:, :, i]
    return out


def diagnose(idata, window: int = 25) -> dict:
    warm = idata.warmup_sample_stats
    steps = warm["n_steps"].values.astype(float)
    step_size = warm["step_size"].values.astype(float)
    post = flat(idata.posterior)
    warm_post = flat(idata.warmup_posterior)
    centre = {k: float(v.mean()) for k, v in post.items()}
    scale = {k: float(v.std()) or 1.0 for k, v in post.items()}
    n_win = steps.shape[1] // window
    chains = []
    for c in range(steps.shape[0]):
        rows = []
        for w in range(n_win):
            sl = slice(w * window, (w + 1) * window)
            z = {
                k: round((float(np.median(v[c, sl])) - centre[k]) / scale[k], 1)
                for k, v in warm_post.items()
            }
            far = sorted(z, key=lambda k: -abs(z[k]))[:3]
            rows.append(
                {
                    "draws": f"{w * window}-{(w + 1) * window - 1}",
                    "mean_steps": round(float(steps[c, sl].mean()), 1),
                    "at_limit": int((steps[c, sl] >= 1023).sum()),
                    "step_size": round(float(step_size[c, sl].mean()), 4),
                    "farthest_sd": {k: z[k] for k in far},
                }
            )
        chains.append(
            {
                "chain": c,
                "warmup_steps": int(steps[c].sum()),
                "kept_steps": int(idata.sample_stats["n_steps"].values[c].sum()),
                "windows": rows,
            }
        )
    return {
        "chains": chains,
        "kept_step_size": [
            round(float(x), 4) for x in idata.sample_stats["step_size"].values[:, -1]
        ],
    }


def main() -> None:
    from dataclasses import replace

    import nutpie
    from bench_gradient_cost import compiled_of, spec_inputs

    from sesindex.bayes.sampling.samplers import nutpie_options
    from sesindex.bayes.spec import load_model_spec

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", type=int, default=1000)
    ap.add_argument("--years", type=int, default=6)
    ap.add_argument("--draws", type=int, default=300)
    ap.add_argument("--seeds", type=int, nargs="+", default=[2])
    a = ap.parse_args()
    spec = load_model_spec(ROOT / "models" / "latent_factor.toml")
    inputs = spec_inputs("regso", a.years, spec, a.areas)
    compiled = compiled_of(inputs, spec)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True, capture_output=True
    ).stdout.strip()
    for seed in a.seeds:
        s = replace(spec.sampler, seed=seed)
        idata = nutpie.sample(
            compiled,
            draws=a.draws,
            tune=s.tune,
            chains=s.chains,
            cores=min(s.chains, 2),
            seed=s.seed,
            progress_bar=False,
            save_warmup=True,
            **nutpie_options(s),
        )
        row = {
            "command": "python benchmarks/experiments/warmup_diagnosis/run.py "
            + " ".join(sys.argv[1:]),
            "commit": commit,
            "areas": a.areas,
            "years": a.years,
            "seed": seed,
            "tune": s.tune,
            "draws": a.draws,
            **diagnose(idata),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()

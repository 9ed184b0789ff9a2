"""Leapfrog steps spent in nutpie's warm-up, RegSO against DeSO (issue 18: why the DeSO
panel samples dearer than its per-gradient cost says).

``bench_memory.py`` records steps per *kept* draw; the warm-up's are not kept
(``save_warmup=False``). This samples the packaged 14-year spec's model (as
``sesindex.bayes.fit`` compiles it) on the national synthetic panel's last ``--years``
years, RegSO (3,363 areas) and ``synthetic-deso`` (5,984), with the spec's sampler settings
but ``save_warmup=True`` and ``--draws`` kept draws, and reports the leapfrog steps of
the warm-up (in all, per draw, in its first 10 % and in the rest) and of the kept draws.
Step counts do not depend on the machine's load; seconds do (recorded beside the load).
With two chains on two cores the wall time follows the chain with more steps: each row
gives every chain's steps and the milliseconds per step of that slowest chain (the cost
of a step while both run, an upper bound once the other has finished), beside the
milliseconds per mean chain's step.
``--areas N`` takes a random subset of N RegSO areas instead (``--divisions regso``);
``--option key=value`` passes a nutpie sampler argument (e.g. ``early_window_switch_freq=50``:
how often the mass matrix is re-estimated early in the warm-up; nutpie's default 10);
``--init mode`` starts the chains dispersed about the mode (``sesindex.bayes.sampling.start``).
One JSON line per run goes to ``benchmarks/results/warmup.jsonl``, with the mean steps of
every 25 warm-up draws.

Run: ``python benchmarks/bench_warmup.py --years 2 --draws 100``
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

import provenance  # benchmarks/provenance.py

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "warmup.jsonl"


def steps_of(
    division: str,
    n_years: int,
    draws: int,
    spec,
    areas: int | None = None,
    options: dict | None = None,
    seed: int | None = None,
    init: str = "jitter",
) -> dict:
    """Warm-up and kept-draw leapfrog steps of one national fit's sampler (the sampler's
    ``seed``: the spec's unless given; the data stay the same).
    """
    from dataclasses import replace

    import nutpie
    from bench_gradient_cost import compiled_of, spec_inputs

    from sesindex.bayes.sampling.samplers import nutpie_options

    inputs = spec_inputs(division, n_years, spec, areas)
    compiled = compiled_of(inputs, spec)
    s = spec.sampler if seed is None else replace(spec.sampler, seed=seed)
    t = time.perf_counter()
    if init == "mode":  # the climb is part of the sampling time
        from sesindex.bayes.sampling.start import start_near_mode

        compiled = start_near_mode(compiled)
    idata = nutpie.sample(
        compiled,
        draws=draws,
        tune=s.tune,
        chains=s.chains,
        cores=min(s.chains, 2),
        seed=s.seed,
        progress_bar=False,
        save_warmup=True,
        **nutpie_options(s),
        **(options or {}),
    )
    seconds = time.perf_counter() - t
    warm = idata.warmup_sample_stats["n_steps"].values.astype(float)  # chain, draw
    kept = idata.sample_stats["n_steps"].values.astype(float)
    head = max(1, warm.shape[1] // 10)
    total = warm.sum() + kept.sum()
    chain_steps = warm.sum(axis=1) + kept.sum(axis=1)  # wall follows the longest
    return {
        "division": division,
        "areas": len(inputs.areas),
        "years": n_years,
        "tune": s.tune,
        "draws": draws,
        "chains": s.chains,
        "seed": s.seed,
        "warmup_steps_per_draw": round(float(warm.mean()), 2),
        "warmup_first10pct_steps_per_draw": round(float(warm[:, :head].mean()), 2),
        "warmup_rest_steps_per_draw": round(float(warm[:, head:].mean()), 2),
        "warmup_max_steps": int(warm.max()),
        "warmup_steps_per_25": [
            round(float(x), 1)
            for x in warm[:, : warm.shape[1] // 25 * 25]
            .reshape(warm.shape[0], -1, 25)
            .mean(axis=(0, 2))
        ],
        "options": options or {},
        "init": init,
        "kept_steps_per_draw": round(float(kept.mean()), 2),
        "warmup_share_of_steps": round(float(warm.sum() / total), 3),
        "steps_per_chain": round(float(total / s.chains)),
        "steps_of_each_chain": [int(x) for x in chain_steps],
        "sampling_s": round(seconds, 1),
        "ms_per_step_per_chain": round(seconds * 1e3 / (total / s.chains), 2),
        "ms_per_step_of_slowest_chain": round(seconds * 1e3 / chain_steps.max(), 2),
    }


def main() -> None:
    from sesindex.bayes.spec import load_model_spec

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=int, default=2)
    ap.add_argument("--draws", type=int, default=100)
    ap.add_argument("--areas", type=int, default=None, help="a subset of N RegSO areas")
    ap.add_argument("--divisions", nargs="+", default=["regso", "deso"])
    ap.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=[None],
        help="sampler seeds, one run each (default: the spec's)",
    )
    ap.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a nutpie.sample argument (integer or float value)",
    )
    ap.add_argument(
        "--init",
        choices=("jitter", "mode"),
        default="jitter",
        help="where chains start (the spec's sampler.init)",
    )
    a = ap.parse_args()
    options = {}
    for item in a.option:
        key, _, value = item.partition("=")
        options[key] = float(value) if "." in value else int(value)
    spec = load_model_spec(HERE.parent / "models" / "latent_factor.toml")
    commit = provenance.commit()
    for division, seed in [(d, s) for d in a.divisions for s in a.seeds]:
        row = steps_of(division, a.years, a.draws, spec, a.areas, options, seed, a.init)
        row.update(
            command="python benchmarks/bench_warmup.py " + shlex.join(sys.argv[1:]),
            commit=commit,
            date=time.strftime("%Y-%m-%d %H:%M"),
            load_avg=os.getloadavg(),
        )
        print(json.dumps(row), flush=True)
        with OUT.open("a") as fh:
            fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()

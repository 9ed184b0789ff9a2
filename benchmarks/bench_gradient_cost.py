"""Cost of one log density + gradient of the packaged 14-year spec's model, by division
and number of years, in one process (issue 18: why a DeSO panel samples dearer).

Sampling time = leapfrog steps x the cost of one gradient. ``bench_memory.py`` records
the steps per draw; this times the other factor. For each (division, years) the model of
``models/latent_factor.toml`` is built as ``sesindex.bayes.fit`` builds it (smoothed
sampling variances, the compiled likelihood kernel) on the synthetic panel
(``synthetic`` RegSO: 3,363 areas; ``synthetic-deso``: 5,984 areas) and its
``logp_dlogp_function`` (numba) is called ``--calls`` times at the initial point, after
one warm-up call. Prints milliseconds per call, per area-year and the ratio to the first
case; appends one JSON line to ``benchmarks/results/gradient_cost.jsonl``.

The cost at the initial point (all transformed parameters 0) need not be the cost where
the sampler spends its time. ``--in-sampling`` measures that instead: nutpie samples the
compiled model with every draw held to exactly 8 leapfrog steps (``mindepth = maxdepth =
3``; 1 chain, 200 tuning draws), once with 100 and once with 1,100 kept draws; the extra
1,000 draws' seconds over their extra steps are the cost of one step in the posterior's
region (one gradient plus the integrator's own arithmetic, which is tiny next to it).
``--chains 2`` runs two such chains at once on the two cores, as a fit does: every draw
of both takes 8 steps, so the chains stay in step and the ratio to one chain is what
running together costs each (shared caches and memory bandwidth), free of imbalance.

Run: ``python benchmarks/bench_gradient_cost.py --years 2 6 14``
     ``python benchmarks/bench_gradient_cost.py --years 2 6 --in-sampling [--chains 2]``
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
OUT = HERE / "results" / "gradient_cost.jsonl"


def spec_inputs(division: str, n_years: int, spec, areas: int | None = None):
    """The model inputs ``sesindex.bayes.fit`` builds for ``spec`` on the synthetic panel's
    last ``n_years`` years (national, or a random subset of ``areas`` RegSO areas).
    """
    from sesindex.bayes.model.inputs import model_inputs
    from sesindex.bayes.smoothing import smooth_sampling_variances
    from sesindex.data.synthetic import YEARS, generate

    ds = generate(n_areas=areas, years=YEARS[-n_years:], seed=20240101, division=division).dataset
    inputs = model_inputs(ds, list(spec.indicators))
    if spec.likelihood == "gaussian_logit":  # as fit does
        inputs = smooth_sampling_variances(inputs, spec.municipality)
    return inputs


def compiled_of(inputs, spec):
    """Nutpie's compiled form of ``spec``'s model holding ``inputs``, as ``fit`` samples it."""
    from sesindex.bayes.sampling.compiled import compiled_model

    return compiled_model(inputs, spec.form)


def model_of(inputs, spec):
    """The spec's PyMC model (kernel likelihood) holding ``inputs``."""
    from sesindex.bayes.model.graph import build_model

    return build_model(inputs, spec.form)


def time_gradient(model, calls: int) -> float:
    """Milliseconds per log density + gradient at the model's initial point."""
    fn = model.logp_dlogp_function(mode="NUMBA")
    point = model.initial_point()
    args = [point[v.name] for v in fn._grad_vars]
    fn._pytensor_function(*args)  # warm-up
    t = time.perf_counter()
    for _ in range(calls):
        fn._pytensor_function(*args)
    return (time.perf_counter() - t) / calls * 1e3


def time_step_in_sampling(inputs, spec, chains: int = 1) -> float:
    """Milliseconds per leapfrog step of one chain in the posterior's region, with
    ``chains`` chains sampling at once on as many cores (see the module text).
    """
    return step_ms(compiled_of(inputs, spec), spec, chains)


def step_ms(compiled, spec, chains: int = 1) -> float:
    """Milliseconds per leapfrog step of one chain of ``compiled``, ``chains`` chains at
    once, every draw held to 8 steps: 1,000 extra draws' seconds over their extra steps
    (``spec``: the mass matrix).
    """
    from dataclasses import replace

    import nutpie

    from sesindex.bayes.sampling.samplers import nutpie_options

    mass = nutpie_options(replace(spec.sampler, target_accept=0.8))  # the mass matrix only
    runs = {}
    for draws in (100, 1100):
        t = time.perf_counter()
        idata = nutpie.sample(
            compiled,
            draws=draws,
            tune=200,
            chains=chains,
            cores=chains,
            seed=1,
            progress_bar=False,
            save_warmup=True,
            maxdepth=3,
            mindepth=3,
            **mass,
        )
        seconds = time.perf_counter() - t
        steps = (
            float(idata.warmup_sample_stats["n_steps"].sum() + idata.sample_stats["n_steps"].sum())
            / chains
        )  # all equal
        runs[draws] = (seconds, steps)
    return (runs[1100][0] - runs[100][0]) / (runs[1100][1] - runs[100][1]) * 1e3


def main() -> None:
    from sesindex.bayes.spec import load_model_spec

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=int, nargs="+", default=[14])
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument(
        "--in-sampling",
        action="store_true",
        help="time a leapfrog step inside nutpie's sampling instead",
    )
    ap.add_argument(
        "--chains",
        type=int,
        default=1,
        help="with --in-sampling: chains sampling at once, one per core",
    )
    a = ap.parse_args()
    spec = load_model_spec(HERE.parent / "models" / "latent_factor.toml")
    rows = []
    for n_years in a.years:
        for division in ("regso", "deso"):
            inputs = spec_inputs(division, n_years, spec)  # built once per case
            cells = len(inputs.areas) * len(inputs.years)
            ms = (
                time_step_in_sampling(inputs, spec, a.chains)
                if a.in_sampling
                else time_gradient(model_of(inputs, spec), a.calls)
            )
            rows.append(
                {
                    "division": division,
                    "years": n_years,
                    "area_years": cells,
                    "ms_per_gradient": round(ms, 3),
                    "measured": (
                        f"in sampling, {a.chains} chain(s) at once"
                        if a.in_sampling
                        else "initial point"
                    ),
                    "us_per_area_year": round(ms * 1e3 / cells, 4),
                }
            )
    base = rows[0]["ms_per_gradient"]
    for r in rows:
        r["ratio_to_first"] = round(r["ms_per_gradient"] / base, 3)
        print(
            f"{r['division']:6} {r['years']:2} years {r['area_years']:7} area-years: "
            f"{r['ms_per_gradient']:8.3f} ms per gradient, {r['us_per_area_year']:.4f} us "
            f"per area-year, {r['ratio_to_first']:.2f}x the first"
        )
    commit = provenance.commit()
    with OUT.open("a") as fh:
        fh.write(
            json.dumps(
                {
                    "command": "python benchmarks/bench_gradient_cost.py "
                    + shlex.join(sys.argv[1:]),
                    "commit": commit,
                    "date": time.strftime("%Y-%m-%d %H:%M"),
                    "calls": a.calls,
                    "load_avg": os.getloadavg(),
                    "rows": rows,
                }
            )
            + "\n"
        )


if __name__ == "__main__":
    main()

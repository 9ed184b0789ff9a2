"""What the disk-cached compilation costs per leapfrog step, against nutpie's own (issue 18,
item 4): the sampler setting ``compile = "disk"`` (PyTensor's cached functions, called by
nutpie through Python; :mod:`sesindex.bayes.compile_cache`) against ``"process"``
(nutpie's C callbacks), in one process, model form by model form.

For each case (areas x years of the synthetic RegSO panel, the packaged spec of that
length: ``latent_factor_single_year.toml`` for one year, ``latent_factor.toml`` else) both
compiled forms are sampled with every draw held to 8 leapfrog steps, two chains at once
on the two cores, as a fit runs (``bench_gradient_cost.py --in-sampling``: the seconds of
1,000 extra draws over their extra steps). The ratio disk / process is what a step costs
more for the Python call per gradient; the compile seconds of each, in this process, are
printed beside it (the disk form's are a load when an earlier process compiled it).

Run: ``python benchmarks/bench_compile_modes.py --cases 600x1 300x14 3363x14``
(appends one JSON line per case to ``benchmarks/results_compile_modes.jsonl``)
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "results_compile_modes.jsonl"
sys.path.insert(0, str(HERE))


def step_ms(compiled, spec, chains: int = 2) -> float:
    """Milliseconds per leapfrog step of one chain, ``chains`` chains at once, every draw
    held to 8 steps (see the module text)."""
    import nutpie

    from sesindex.bayes.fit import nutpie_options

    mass = nutpie_options(replace(spec.sampler, target_accept=0.8))  # the mass matrix only
    runs = {}
    for draws in (100, 1100):
        t = time.perf_counter()
        idata = nutpie.sample(compiled, draws=draws, tune=200, chains=chains, cores=chains,
                              seed=1, progress_bar=False, save_warmup=True,
                              maxdepth=3, mindepth=3, **mass)
        seconds = time.perf_counter() - t
        steps = float(idata.warmup_sample_stats["n_steps"].sum()
                      + idata.sample_stats["n_steps"].sum()) / chains  # all equal
        runs[draws] = (seconds, steps)
    return (runs[1100][0] - runs[100][0]) / (runs[1100][1] - runs[100][1]) * 1e3


def main() -> None:
    from bench_gradient_cost import spec_inputs

    from sesindex.bayes.compiled import compiled_model
    from sesindex.bayes.spec import load_model_spec

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="+", default=["600x1", "300x14"],
                    help="AREASxYEARS of the synthetic RegSO panel")
    a = ap.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE,
                            capture_output=True, text=True).stdout.strip()
    for case in a.cases:
        areas, years = (int(x) for x in case.split("x"))
        name = "latent_factor.toml" if years > 1 else "latent_factor_single_year.toml"
        spec = load_model_spec(HERE.parent / "models" / name)
        inputs = spec_inputs("regso", years, spec, areas=areas)
        row = {"commit": commit, "areas": areas, "years": years, "spec": name}
        for mode in ("process", "disk"):
            timings = {}
            compiled = compiled_model(inputs, spec.temporal if years > 1 else "none",
                                      spec.municipality, timings,
                                      dispersion=spec.dispersion, likelihood=spec.likelihood,
                                      steps=spec.steps if years > 1 else "normal",
                                      compile=mode)
            row[f"{mode}_compile_s"] = round(timings["compile"], 2)
            row[f"{mode}_ms_per_step"] = round(step_ms(compiled, spec), 4)
        row["disk_over_process"] = round(row["disk_ms_per_step"]
                                         / row["process_ms_per_step"], 3)
        row["command"] = "python benchmarks/bench_compile_modes.py " + shlex.join(
            sys.argv[1:])
        row["load_avg"] = [round(x, 2) for x in os.getloadavg()]
        print(f"{case:>8}: process {row['process_ms_per_step']:.4f} ms/step, disk "
              f"{row['disk_ms_per_step']:.4f} ms/step: {row['disk_over_process']:.3f} x "
              f"(compile {row['process_compile_s']} s / {row['disk_compile_s']} s)")
        with OUT.open("a") as f:
            f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()

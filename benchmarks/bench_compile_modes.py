"""What the disk-cached compilation costs per leapfrog step, against nutpie's own (issue 18,
item 4): the sampler setting ``compile = "disk"`` (PyTensor's cached functions, called by
nutpie through Python; :mod:`sesindex.bayes.sampling.cache`) against ``"process"``
(nutpie's C callbacks), in one process, model form by model form.

For each case (areas x years of the synthetic RegSO panel, the packaged spec of that
length: ``latent_factor_single_year.toml`` for one year, ``latent_factor.toml`` else) both
compiled forms are sampled with every draw held to 8 leapfrog steps, two chains at once
on the two cores, as a fit runs (``bench_gradient_cost.py --in-sampling``: the seconds of
1,000 extra draws over their extra steps). The ratio disk / process is what a step costs
more for the Python call per gradient.

Compiled code depends on what numba had at hand when it compiled: a function compiled
while its parts were fresh can inline them, one compiled against parts loaded from the
cache cannot, and the cache keeps whichever came first, so a call's speed can depend
on the cache's history. So each case runs in two fresh processes over one new,
empty cache: the first compiles both forms, the disk form first as a first
``sesindex fit`` would; the second, where both load what they can, is measured, as a
user's later runs would be. Its compile seconds are printed beside the ratio.

``--chains 1`` samples one chain alone: what the Python call costs without the other
chain waiting for the GIL.

Run: ``python benchmarks/bench_compile_modes.py --cases 600x1 300x14 3363x14 [--chains 1]``
(appends one JSON line per case to ``benchmarks/results/compile_modes.jsonl``)
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import provenance  # benchmarks/provenance.py

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "compile_modes.jsonl"
sys.path.insert(0, str(HERE))


def compiled_case(case: str):
    """The packaged spec of the case's length and its two compiled forms (disk first),
    with their compile seconds in this process.
    """
    from bench_gradient_cost import spec_inputs

    from sesindex.bayes.sampling.compiled import compiled_model
    from sesindex.bayes.spec import load_model_spec

    areas, years = (int(x) for x in case.split("x"))
    name = "latent_factor.toml" if years > 1 else "latent_factor_single_year.toml"
    spec = load_model_spec(HERE.parent / "models" / name)
    inputs = spec_inputs("regso", years, spec, areas=areas)
    forms = {}
    for mode in ("disk", "process"):
        timings = {}
        forms[mode] = (
            compiled_model(inputs, spec.form, compile=mode, timings=timings),
            timings["compile"],
        )
    return {"areas": areas, "years": years, "spec": name}, spec, forms


def measure(case: str, chains: int) -> dict:
    """One case's row, measured in this process (see the module text)."""
    from bench_gradient_cost import step_ms

    row, spec, forms = compiled_case(case)
    row["chains"] = chains
    for mode, (compiled, seconds) in forms.items():
        row[f"{mode}_compile_s"] = round(seconds, 2)
        row[f"{mode}_ms_per_step"] = round(step_ms(compiled, spec, chains), 4)
    row["disk_over_process"] = round(row["disk_ms_per_step"] / row["process_ms_per_step"], 3)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--cases",
        nargs="+",
        default=["600x1", "300x14"],
        help="AREASxYEARS of the synthetic RegSO panel",
    )
    ap.add_argument(
        "--chains",
        type=int,
        default=2,
        help="chains sampling at once, one per core (default 2, as a fit)",
    )
    ap.add_argument("--child", choices=["compile", "measure"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child == "compile":
        compiled_case(a.cases[0])
        return
    if a.child == "measure":
        print(json.dumps(measure(a.cases[0], a.chains)))
        return
    commit = provenance.commit()
    for case in a.cases:
        with tempfile.TemporaryDirectory() as cache:
            env = dict(
                os.environ,
                NUMBA_CACHE_DIR=f"{cache}/numba",
                PYTENSOR_FLAGS=f"base_compiledir={cache}/pytensor",
            )
            out = [
                subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--cases",
                        case,
                        "--chains",
                        str(a.chains),
                        "--child",
                        child,
                    ],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                for child in ("compile", "measure")
            ]
        row = {"commit": commit, **json.loads(out[1].strip().splitlines()[-1])}
        row["command"] = "python benchmarks/bench_compile_modes.py " + shlex.join(sys.argv[1:])
        row["load_avg"] = [round(x, 2) for x in os.getloadavg()]
        print(
            f"{case:>8}: process {row['process_ms_per_step']:.4f} ms/step, disk "
            f"{row['disk_ms_per_step']:.4f} ms/step: {row['disk_over_process']:.3f} x "
            f"(compile in the second process: disk {row['disk_compile_s']} s, "
            f"process {row['process_compile_s']} s)"
        )
        with OUT.open("a") as f:
            f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()

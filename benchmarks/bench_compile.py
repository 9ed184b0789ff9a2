r"""Where a fit's compile time goes, cold and warm (issue 18, item 4).

Each run is a fresh process that compiles one model form as ``sesindex fit`` does
(:func:`sesindex.bayes.sampling.compiled.compiled_model`; its ``compile`` seconds are the
manifest's), for the sampler setting ``compile`` given:

* ``disk`` (the default): PyTensor's numba functions, cached on disk, handed to nutpie
  as Python callables (:mod:`sesindex.bayes.sampling.cache`); the row says whether the
  log density was loaded from disk;
* ``process``: nutpie's own compilation, with timers wrapped around nutpie's
  ``_make_functions`` (the PyTensor functions: graph rewrites, numba compiling or
  loading every node) and numba's ``CFunc.compile`` (nutpie's two C callbacks, which
  numba cannot cache). No profiler: its overhead triples numba's type inference.

The form is the packaged spec's (``models/latent_factor.toml`` for a panel,
``latent_factor_single_year.toml`` for one year). "cold" runs get empty cache
directories (``PYTENSOR_FLAGS=base_compiledir=...``, ``NUMBA_CACHE_DIR``), "warm" runs
reuse them; every run also counts numba's cache loads and saves (``NUMBA_DEBUG_CACHE``).

Usage::

    python benchmarks/bench_compile.py --areas 600 --years 1 --compile disk \
        >> benchmarks/results/compile.jsonl
    python benchmarks/bench_compile.py --areas 600 --years 14 --compile process \
        >> benchmarks/results/compile.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import provenance  # benchmarks/provenance.py

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
from sesindex.data.synthetic import YEARS, generate
from sesindex.bayes.model.inputs import model_inputs
from sesindex.bayes.sampling.compiled import compiled_model
from sesindex.bayes.spec import load_model_spec
import numba.core.ccallback
import nutpie
import nutpie.compile_pymc

spent = {"pytensor_functions_s": 0.0, "nutpie_callbacks_s": 0.0}
def timed(owner, name, key):
    inner = getattr(owner, name)
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[key] += time.perf_counter() - t
    setattr(owner, name, wrapper)
timed(nutpie.compile_pymc, "_make_functions", "pytensor_functions_s")
timed(numba.core.ccallback.CFunc, "compile", "nutpie_callbacks_s")

areas, n_years, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[4]
inputs = model_inputs(generate(n_areas=areas, years=YEARS[-n_years:], seed=1).dataset,
                      ["V1", "V2", "V3"])
panel = n_years > 1
spec = load_model_spec(sys.argv[3] + ("/latent_factor.toml" if panel
                                      else "/latent_factor_single_year.toml"))
timings = {}
compiled = compiled_model(inputs, spec.form, compile=mode, timings=timings)
row = {"compile_s": round(timings["compile"], 2),
       **{k: round(v, 2) for k, v in spent.items()}}
if mode == "disk":
    row["loaded_from_disk"] = compiled.loaded_from_disk
    row["cached_on_disk"] = compiled.cached_on_disk
print(json.dumps(row))
"""


def run(areas: int, years: int, mode: str, env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(areas), str(years), str(ROOT / "models"), mode],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    row = json.loads(out.stdout.strip().splitlines()[-1])
    log = out.stdout + out.stderr  # numba's cache messages go to stdout
    row["numba_cache_loads"] = log.count("data loaded from")
    row["numba_cache_saves"] = log.count("data saved to")
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", type=int, default=600)
    ap.add_argument("--years", type=int, default=1)
    ap.add_argument("--warm", type=int, default=2, help="warm runs after the cold one")
    ap.add_argument(
        "--compile",
        choices=["disk", "process"],
        default="disk",
        help="the sampler setting compile (default: disk, the spec default)",
    )
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = dict(
            os.environ,
            NUMBA_DEBUG_CACHE="1",
            NUMBA_CACHE_DIR=f"{cache}/numba",
            PYTENSOR_FLAGS=f"base_compiledir={cache}/pytensor",
        )
        runs = [dict(run(a.areas, a.years, a.compile, env), state="cold")]
        runs += [dict(run(a.areas, a.years, a.compile, env), state="warm") for _ in range(a.warm)]
    commit = provenance.commit()
    print(
        json.dumps(
            {
                "commit": commit,
                "areas": a.areas,
                "years": a.years,
                "compile": a.compile,
                "command": f"python benchmarks/bench_compile.py --areas {a.areas} "
                f"--years {a.years} --compile {a.compile}"
                + (f" --warm {a.warm}" if a.warm != 2 else ""),
                "runs": runs,
                "load_avg": os.getloadavg(),
            }
        )
    )


if __name__ == "__main__":
    main()

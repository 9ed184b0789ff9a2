"""Where a fit's compile time goes, cold and warm (issue 18, item 4).

Each run is a fresh process that builds one model form and compiles it with nutpie, as
``sesindex fit`` does (:func:`sesindex.bayes.compiled.compiled_model`), under cProfile.
The form is the packaged spec's (``models/latent_factor.toml`` for a panel,
``latent_factor_single_year.toml`` for one year). It reports the seconds of: building the PyMC model; compiling the pytensor functions
(graph rewrites, and numba compiling or loading from its disk cache every node and the
likelihood kernel); and numba compiling nutpie's two C callbacks around them. "cold" runs
get empty cache directories (``PYTENSOR_FLAGS=base_compiledir=...``, ``NUMBA_CACHE_DIR``),
"warm" runs reuse them; every run also counts numba's cache loads and saves
(``NUMBA_DEBUG_CACHE``).

Usage::

    python benchmarks/bench_compile.py --areas 600 --years 1 >> benchmarks/results_compile.jsonl
    python benchmarks/bench_compile.py --areas 600 --years 14 >> benchmarks/results_compile.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import cProfile, json, pstats, sys, time
from sesindex.data.synthetic import YEARS, generate
from sesindex.bayes.data import model_inputs
from sesindex.bayes.model import build_model
from sesindex.bayes.spec import load_model_spec
import nutpie

areas, n_years = int(sys.argv[1]), int(sys.argv[2])
inputs = model_inputs(generate(n_areas=areas, years=YEARS[-n_years:], seed=1).dataset,
                      ["V1", "V2", "V3"])
panel = n_years > 1
spec = load_model_spec(sys.argv[3] + ("/latent_factor.toml" if panel
                                      else "/latent_factor_single_year.toml"))
profile = cProfile.Profile()
t0 = time.perf_counter()
profile.enable()
model = build_model(inputs, temporal=spec.temporal if panel else "none",
                    municipality=spec.municipality, dispersion=spec.dispersion,
                    likelihood=spec.likelihood, steps=spec.steps if panel else "normal")
t1 = time.perf_counter()
nutpie.compile_pymc_model(model)
t2 = time.perf_counter()
profile.disable()
stats = pstats.Stats(profile).stats
def cumulative(file_end, name):
    return sum(v[3] for (f, _, n), v in stats.items() if f.endswith(file_end) and n == name)
print(json.dumps({"build_s": round(t1 - t0, 2), "nutpie_compile_s": round(t2 - t1, 2),
                  "pytensor_functions_s": round(cumulative("compile_pymc.py", "_make_functions"), 2),
                  "nutpie_callbacks_s": round(cumulative("ccallback.py", "compile"), 2)}))
"""


def run(areas: int, years: int, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(areas), str(years),
                          str(ROOT / "models")], env=env,
                         capture_output=True, text=True, check=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row["numba_cache_loads"] = out.stderr.count("data loaded from")
    row["numba_cache_saves"] = out.stderr.count("data saved to")
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", type=int, default=600)
    ap.add_argument("--years", type=int, default=1)
    ap.add_argument("--warm", type=int, default=2, help="warm runs after the cold one")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_DEBUG_CACHE="1", NUMBA_CACHE_DIR=f"{cache}/numba",
                   PYTENSOR_FLAGS=f"base_compiledir={cache}/pytensor")
        runs = [dict(run(a.areas, a.years, env), state="cold")]
        runs += [dict(run(a.areas, a.years, env), state="warm") for _ in range(a.warm)]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    print(json.dumps({"commit": commit, "areas": a.areas, "years": a.years,
                      "command": f"python benchmarks/bench_compile.py --areas {a.areas} "
                                 f"--years {a.years}", "runs": runs,
                      "load_avg": os.getloadavg()}))


if __name__ == "__main__":
    main()

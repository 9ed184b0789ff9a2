"""Does a stress-study replicate's result depend on what its process fitted before?

A Dask worker runs several replicates, one after another, in one process; the study run
alone runs all of them in one process too, in another order. Both give the same tables
only if a replicate's draws do not depend on the fits before it in its process (the
compiled model of a form is reused across replicates: ``sesindex.bayes.sampling.compiled``).
This fits the given replicates first, then replicate ``jumps:1:40`` (scenario, seed,
areas; the spec of ``tests/validate/test_replicates.py``'s stress study: 2022-2024,
2 x (100 + 100) draws) and prints a hash of that replicate's coverage rows. ``single:S:N``
first fits a single-year model (another compiled form) on N areas, seed S.

Run (each line a fresh process; equal hashes = no dependence on history)::

    python benchmarks/check_replicate_history.py
    python benchmarks/check_replicate_history.py trends:1:40
    python benchmarks/check_replicate_history.py single:5:12 trends:2:40
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import replace
from pathlib import Path

from sesindex.bayes import fit, load_model_spec
from sesindex.data.synthetic import generate
from sesindex.validate.stress import LEVELS, _fit_one

MODELS = Path(__file__).resolve().parent.parent / "models"
YEARS = (2022, 2023, 2024)


def main() -> None:
    spec = load_model_spec(MODELS / "latent_factor.toml")
    spec = replace(spec, sampler=replace(spec.sampler, tune=100, draws=100), years=None, delta=1.0)
    opt = {"levels": LEVELS, "delta": 1.0, "p_material": 0.9, "p_sign": 0.95}
    before = sys.argv[1:]
    for job in before + ["jumps:1:40"]:
        scenario, seed, n = job.split(":")
        if scenario == "single":
            one = replace(load_model_spec(MODELS / "latent_factor_single_year.toml"), years=None)
            one = replace(one, sampler=replace(one.sampler, tune=100, draws=50))
            fit(generate(n_areas=int(n), years=(2024,), seed=int(seed)).dataset, one)
            continue
        got = _fit_one(scenario, int(seed), int(n), YEARS, spec, opt)
    digest = hashlib.sha1(repr(got["scores"]["coverage"]).encode()).hexdigest()[:12]
    print(
        f"after {before or 'nothing'}: jumps:1:40 {got['row']['status']}, coverage rows "
        f"{digest}, min bulk ESS {got['row']['min_ess_bulk']:.1f}"
    )


if __name__ == "__main__":
    main()

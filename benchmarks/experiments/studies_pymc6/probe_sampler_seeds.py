"""How far does one stress fit's coverage move between chains alone (same stack, same data)?

Fits the stress study's replicate ``trends``, data seed 20240103 (300 areas x 14 years,
the packaged 14-year spec at the study's target_accept 0.8) with the packaged sampler
seed and with other sampler seeds, and prints the covered cells of every area's index
and consecutive change per level. The PyMC 6 rerun differs most from the committed study
in this replicate (change at 90 %: 3,232 against 3,288 of 3,900 cells); if other seeds
on the 3.11 stack move it as far, the difference is the chains', not the stack's.

``--data FILE`` fits instead the replicate's dataset as another stack generated it (a
NetCDF written there with ``generate(...).dataset.to_netcdf(FILE)``; the truth is the
same on both stacks, the counts are not: numpy 2.5's generator draws some cells
differently from numpy 2.4's), scored against the same truth.

Run from the project root: ``python benchmarks/experiments/studies_pymc6/probe_sampler_seeds.py
[--data FILE] [SEED ...]`` (output: ``probe_sampler_seeds.txt`` beside it).
"""

from __future__ import annotations

import sys
from dataclasses import replace

import pandas as pd

from sesindex.bayes import load_model_spec
from sesindex.bayes.spec import replicate_sampler
from sesindex.validate.stress import LEVELS, _fit_one

YEARS = tuple(range(2011, 2025))


def main() -> None:
    base = load_model_spec("models/latent_factor.toml")
    base = replace(
        base, sampler=replicate_sampler(base.sampler, {"target_accept": 0.8}), years=None, delta=1.0
    )
    opt = {"levels": LEVELS, "delta": 1.0, "p_material": 0.9, "p_sign": 0.95}
    args = sys.argv[1:]
    if args[:1] == ["--data"]:
        import xarray as xr

        import sesindex.data.synthetic as synthetic

        other = xr.load_dataset(args[1])
        made = synthetic.generate
        synthetic.generate = lambda **kw: replace(made(**kw), dataset=other)
        args = args[2:]
    seeds = [base.sampler.seed] + [int(s) for s in args]
    rows = []
    for s in seeds:
        spec = replace(base, sampler=replace(base.sampler, seed=s))
        got = _fit_one("trends", 20240103, 300, YEARS, spec, opt)
        cov = pd.DataFrame(got["scores"]["coverage"])
        cov = cov[cov.quantity.isin(["index", "change"])]
        rows += [
            {
                "sampler_seed": s,
                "gate_passed": got["row"]["gate_passed"],
                "quantity": r.quantity,
                "level": r.level,
                "covered": r.covered,
                "cells": r.cells,
            }
            for r in cov.itertuples()
        ]
        print(f"sampler seed {s}: done", flush=True)
    table = pd.DataFrame(rows).pivot_table(
        index=["quantity", "level"], columns="sampler_seed", values="covered"
    )
    print(table.to_string())


if __name__ == "__main__":
    main()

"""Why two chains of the 14-year panel differ in length: each chain's leapfrog steps in
warm-up and sampling, its final step size, and whether its scalar parameters still drift.

Usage: python benchmarks/probe_chain_lengths.py [--form packaged|municipality]
       [--areas 500] [--tune 300] [--draws 300] [--seed 1]

``packaged`` samples the form and nutpie settings of ``models/latent_factor.toml``
(no municipality effects, low-rank mass matrix, target_accept 0.95, maxdepth 8);
``municipality`` the form of ``bench_chain_parallelism.py`` (municipality effects, nutpie's
defaults). Two chains on two cores. Prints, per chain and phase, the steps in each quarter
of the phase, and for every scalar parameter its mean over the first and the last quarter
of the kept draws: a parameter whose two means differ by several posterior sd has not
reached its typical set by the end of warm-up.
"""

from __future__ import annotations

import argparse
import platform
import time
from importlib.metadata import version

import numpy as np


def main() -> None:
    import nutpie

    from sesindex.bayes.model.form import ModelForm
    from sesindex.bayes.model.inputs import model_inputs
    from sesindex.bayes.sampling.compiled import compiled_model
    from sesindex.data.synthetic import generate

    ap = argparse.ArgumentParser()
    ap.add_argument("--form", default="packaged", choices=["packaged", "municipality"])
    ap.add_argument("--areas", type=int, default=500)
    ap.add_argument("--tune", type=int, default=300)
    ap.add_argument("--draws", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    data = generate(n_areas=a.areas, years=tuple(range(2011, 2025)), seed=1).dataset
    municipality = a.form == "municipality"
    form = (
        ModelForm(dispersion="variance", municipality=True)
        if municipality
        else ModelForm(dispersion="variance", steps="jumps")
    )
    model = compiled_model(model_inputs(data, ["V1", "V2", "V3"]), form)
    settings = (
        {}
        if municipality
        else {"low_rank_modified_mass_matrix": True, "target_accept": 0.95, "maxdepth": 8}
    )
    print(
        f"form {a.form}, {a.areas} areas, 2011-2024, 2 chains x ({a.tune} + {a.draws}), "
        f"seed {a.seed}, settings {settings}; Python {platform.python_version()}, "
        f"nutpie {version('nutpie')}, PyMC {version('pymc')}"
    )
    t = time.perf_counter()
    trace = nutpie.sample(
        model,
        draws=a.draws,
        tune=a.tune,
        chains=2,
        cores=2,
        seed=a.seed,
        progress_bar=False,
        **settings,
    )
    print(f"sampling {time.perf_counter() - t:.1f} s")
    for phase in ("warmup_sample_stats", "sample_stats"):
        steps = np.asarray(trace[phase]["n_steps"])
        size = np.asarray(trace[phase]["step_size"])
        quarters = np.array_split(np.arange(steps.shape[1]), 4)
        for chain in range(steps.shape[0]):
            print(
                f"{phase:20s} chain {chain}: {int(steps[chain].sum()):6d} steps "
                f"(by quarter {[int(steps[chain, q].sum()) for q in quarters]}), "
                f"final step size {size[chain, -1]:.3f}"
            )
    posterior = trace["posterior"]
    n = posterior.sizes["draw"] // 4
    for name in sorted(posterior.data_vars):
        values = np.asarray(posterior[name])
        if name.endswith("__") or values[0, 0].size > 3:
            continue
        flat = values.reshape(values.shape[0], values.shape[1], -1)
        for k in range(flat.shape[2]):
            sd = flat[:, :, k].std()
            drift = [
                (flat[c, -n:, k].mean() - flat[c, :n, k].mean()) / sd for c in range(flat.shape[0])
            ]
            print(
                f"{name}[{k}]: last minus first quarter, in posterior sd: "
                + ", ".join(f"chain {c} {d:+.2f}" for c, d in enumerate(drift))
            )


if __name__ == "__main__":
    main()

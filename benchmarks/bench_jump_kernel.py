"""The likelihood kernel's cost per log density + gradient against an earlier commit's,
in one process (issue 40: the jump mixture's cost per gradient).

Both kernels (this checkout's ``sesindex.bayes.likelihood.kernel`` and the file at
``--base``, loaded from git as a module of its own) are called on the same model inputs:
the synthetic national RegSO panel's last ``--years`` years as ``sesindex.bayes.fit``
builds them (smoothed sampling variances). The parameters are set where the national fit
spends its time (indicator levels from the data, loadings 0.5, dispersion 0.02, random
walk sd 0.05, indicator effects' sd 0.3, jump sd 0.6, jump share 0.05); the kernel has
no branch on their values, so its cost does not depend on them. The two kernels are
called alternately ``--calls`` times each and the fastest call of each is kept, so load
from other processes affects both alike. Also checks that they agree: the log density's
and every gradient's largest difference relative to its largest magnitude.

Prints milliseconds per call and the ratio current / base, with and without the jump
mixture, and for the jump probabilities alone as ``derive`` asks for them in every draw
(without the gradient where the current kernel can skip it); appends one JSON line to
``benchmarks/results/jump_kernel.jsonl``.

Run: ``python benchmarks/bench_jump_kernel.py --base 572983d``
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import provenance  # benchmarks/provenance.py

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "jump_kernel.jsonl"
KERNEL = "src/sesindex/bayes/likelihood/kernel.py"


def arguments(n_years: int) -> tuple[tuple, dict]:
    """The kernel's arguments on the national synthetic panel's last ``n_years`` years."""
    from bench_gradient_cost import spec_inputs

    from sesindex.bayes import load_model_spec

    spec = load_model_spec(provenance.ROOT / "models" / "latent_factor.toml")
    inputs = spec_inputs("regso", n_years, spec)
    z, v = np.asarray(inputs.z, float), np.asarray(inputs.v, float)
    n_ind = z.shape[2]
    theta = dict(
        alpha=np.nanmean(z, axis=0),
        lam=np.full(n_ind, 0.5),
        dispersion=np.full(n_ind, 0.02),
        rho=0.0,
        tau=0.05,
        kappa=np.full(n_ind, 0.3),
    )
    muni = np.zeros(z.shape[0], np.int64)
    return (z, v, muni), theta


def derive_options(kernel) -> dict:
    """What :func:`sesindex.bayes.posterior.states.jump_probabilities` passes the kernel
    beyond the jump mixture: no gradient, where the kernel can skip it.
    """
    import inspect

    return (
        {"gradient": False}
        if "gradient" in inspect.signature(kernel.loglik_and_grad).parameters
        else {}
    )


def largest_difference(a: dict, b: dict) -> float:
    """The largest gradient difference, relative to the gradient's largest magnitude."""
    return max(float(np.max(np.abs(a[k] - b[k])) / max(np.max(np.abs(b[k])), 1e-300)) for k in b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the commit whose kernel is the baseline")
    parser.add_argument("--years", type=int, default=14)
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    from sesindex.bayes.likelihood import kernel as current

    with tempfile.TemporaryDirectory() as tmp:
        base = provenance.module_at(args.base, KERNEL, Path(tmp), "kernel_base")
        data, theta = arguments(args.years)
        jumps = dict(jump_sd=0.6, jump_share=0.05)
        # label: (the current kernel's options, the base kernel's); the last is what
        # derive asks for in every draw (the responsibilities), with the gradient or not
        cases = {
            "jumps": (jumps, jumps),
            "no jumps": ({}, {}),
            "jump probabilities (derive)": ({**jumps, **derive_options(current)}, jumps),
        }
        rows = []
        for label, (mine, theirs) in cases.items():
            options = {"current": mine, "base": theirs}
            modules = {"current": current, "base": base}

            def call(name, options=options, modules=modules):
                return modules[name].loglik_and_grad(
                    *data, **theta, panel=True, municipality=False, **options[name]
                )

            (lp_new, g_new), (lp_old, g_old) = call("current"), call("base")  # compiles
            if mine != theirs:  # only the responsibilities are comparable
                g_new, g_old = ({"responsibility": g["responsibility"]} for g in (g_new, g_old))
            best = {"current": np.inf, "base": np.inf}
            for _ in range(args.calls):
                for name in ("current", "base"):
                    t = time.perf_counter()
                    call(name)
                    best[name] = min(best[name], time.perf_counter() - t)
            rows.append(
                {
                    "case": label,
                    "ms_current": round(best["current"] * 1e3, 3),
                    "ms_base": round(best["base"] * 1e3, 3),
                    "current_over_base": round(best["current"] / best["base"], 3),
                    "logp_difference": abs(lp_new - lp_old),
                    "gradient_relative_difference": largest_difference(g_new, g_old),
                }
            )
            print(rows[-1], flush=True)
    record = {
        "command": "python benchmarks/bench_jump_kernel.py " + shlex.join(sys.argv[1:]),
        "commit": provenance.commit(),
        "base": args.base,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "areas": int(data[0].shape[0]),
        "years": args.years,
        "calls": args.calls,
        "rows": rows,
    }
    with OUT.open("a") as fh:
        fh.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()

"""nutpie vs PyMC's default NUTS (``pm.sample``): ESS per second, side by side, one process.

Run: python benchmarks/bench_samplers.py [--areas 600 --years 2024 2023-2024
                                          --tune 500 --draws 1000 --seed 1 --repeats 1
                                          --likelihood gaussian_logit|binomial
                                          --pymc-graph --compile-backend jax|numba
                                          --spec models/latent_factor.toml]

For each dataset (one per ``--years`` entry: a single year or a panel), the same model
(``sesindex.bayes.fit`` with the default spec, or ``--likelihood binomial``: the exact
binomial model that samples every count cell's logit; or ``--spec FILE``: a packaged model
spec, its model form and target_accept, e.g. the 14-year panel's) is fitted on the same synthetic
data with the same chains/tune/draws/seed by backend ``nutpie`` and backend ``pymc``
(which calls ``pm.sample`` with its defaults: jitter+adapt_diag, target_accept 0.8), one
after the other; the order alternates between datasets and repeats. Both call the
compiled likelihood kernel (``pm.sample`` through the Op's Python ``perform``). With
``--pymc-graph`` a third run gives ``pm.sample`` the pytensor graph of the same density
(``SamplerSpec.kernel = False``: what PyMC compiles by itself, C backend), and the ratios
are reported against both. Reported per run:

* wall time of the sampler stage, split into setup (nutpie: compile; pm.sample: function
  compilation, initialisation and process start-up, i.e. its wall less its own
  ``sampling_time``) and sampling (tuning + draws);
* min bulk and min tail ESS (from the fit gate, :func:`sesindex.bayes.checks.gate.fit_gate`)
  over the sampled parameters (alpha, lam, dispersion, rho; tau, kappa in panels; m where the
  model samples municipality effects) and over the derived eta/index;
* leapfrog steps per kept draw (sample_stats n_steps: adaptation quality, as opposed to
  the cost of one gradient);
* ESS per second of sampler wall (setup + sampling) and of sampling only, and the
  nutpie/pymc ratios of these.

Each run's row is printed (``run: {...}``) as soon as that run ends, so a long comparison
stopped part way keeps what finished. A table is printed and one JSON line per invocation
is appended to ``benchmarks/results/samplers.jsonl`` (with the exact command and the
machine load).
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

from sesindex.bayes import ModelSpec, fit, load_model_spec
from sesindex.data.synthetic import generate

SAMPLED = ("alpha", "lam", "dispersion", "rho", "tau", "kappa", "m")
DERIVED = ("eta", "index")
OUT = Path(__file__).parent / "results" / "samplers.jsonl"


def parse_years(text: str) -> tuple[int, ...]:
    lo, _, hi = text.partition("-")
    return tuple(range(int(lo), int(hi or lo) + 1))


def run(ds, years, backend: str, a, kernel: bool = True) -> dict:
    """Fit once with ``backend``; times and the gate's ESS minima."""
    extra = {}
    if backend == "nutpie" and a.compile_backend:
        extra["compile_backend"] = a.compile_backend
    t = time.perf_counter()
    spec = (
        replace(load_model_spec(a.spec), years=years)
        if a.spec
        else ModelSpec(years=years, likelihood=a.likelihood)
    )
    res = fit(
        ds,
        spec,
        seed=a.seed,
        sampler={
            "backend": backend,
            "chains": a.chains,
            "tune": a.tune,
            "draws": a.draws,
            "kernel": kernel,
            **extra,
        },
    )
    wall = time.perf_counter() - t
    if backend == "pymc":  # pm.sample's own clock covers tuning + draws only
        sampling = float(res.idata.sample_stats.attrs["sampling_time"])
        setup = res.timings["sample"] - sampling
    else:
        setup, sampling = res.timings["compile"], res.timings["sample"]
    per = res.gate["per_variable"]
    compiled = (
        getattr(res.spec.sampler, "compile_backend", "numba")
        if backend == "nutpie"
        else ("kernel (perform)" if kernel else "graph (C)")
    )
    out = {
        "backend": backend,
        "compiled_with": compiled,
        "setup_s": round(setup, 1),
        "sampling_s": round(sampling, 1),
        "sampler_s": round(setup + sampling, 1),
        "fit_total_s": round(wall, 1),
        "divergences": res.gate["divergences"],
        "rhat_max": res.gate["worst"]["rhat"],
        "steps_per_draw": round(float(res.idata.sample_stats["n_steps"].mean()), 1),
        "sampled": [v for v in SAMPLED if v in per],
    }
    for group, names in (("sampled", SAMPLED), ("derived", DERIVED)):
        names = [v for v in names if v in per]
        for kind in ("bulk", "tail"):
            ess = min(per[v][f"ess_{kind}_min"] for v in names)
            worst = min(names, key=lambda v: per[v][f"ess_{kind}_min"])
            out[f"{group}_ess_{kind}"] = round(ess, 1)
            out[f"{group}_ess_{kind}_var"] = worst
            out[f"{group}_ess_{kind}_per_s"] = round(ess / (setup + sampling), 2)
            out[f"{group}_ess_{kind}_per_sampling_s"] = round(ess / sampling, 2)
    return out


def ratios(nut: dict, pym: dict) -> dict:
    """Nutpie / pymc for every ESS-per-second figure."""
    return {k: round(nut[k] / pym[k], 2) for k in nut if k.endswith(("per_s", "per_sampling_s"))}


def label_of(r: dict) -> str:
    """A run's sampler and how its model was compiled."""
    return (
        f"nutpie/{r['compiled_with']}" if r["backend"] == "nutpie" else f"pymc/{r['compiled_with']}"
    )


COLUMNS = (
    ("setup_s", "setup s", ".1f"),
    ("sampling_s", "sampling s", ".1f"),
    ("steps_per_draw", "steps", ".1f"),
    ("divergences", "div", "d"),
    ("sampled_ess_bulk", "ESS bulk", ".0f"),
    ("sampled_ess_tail", "ESS tail", ".0f"),
    ("derived_ess_bulk", "eta/ix bulk", ".0f"),
    ("derived_ess_tail", "eta/ix tail", ".0f"),
    ("sampled_ess_bulk_per_s", "bulk/s wall", ".2f"),
    ("sampled_ess_bulk_per_sampling_s", "bulk/s sampl", ".2f"),
)


def show(label: str, rows: list[dict], ratio: dict) -> None:
    """One line per backend: times, steps per draw, min ESS (sampled, derived), ESS/s."""
    print(f"\n== {label}")
    print(f"{'sampler':24}" + "".join(f"{h:>13}" for _, h, _ in COLUMNS))
    for r in rows:
        print(f"{label_of(r):24}" + "".join(f"{r[k]:>13{f}}" for k, _, f in COLUMNS))
    for against, values in ratio.items():
        print(
            f"ratio nutpie / {against} of min ESS per second: "
            + ", ".join(
                f"{k.replace('_ess', '').replace('_per', ' per')} {v}x" for k, v in values.items()
            )
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", type=int, default=600)
    ap.add_argument(
        "--years",
        nargs="+",
        default=["2024", "2023-2024"],
        help="one dataset per entry: 2024 or 2023-2024",
    )
    ap.add_argument("--tune", type=int, default=500)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=1, help="pairs per dataset")
    ap.add_argument(
        "--likelihood", default="gaussian_logit", choices=("gaussian_logit", "binomial")
    )
    ap.add_argument(
        "--pymc-graph",
        action="store_true",
        help="also run pm.sample on the pytensor graph of the same density",
    )
    ap.add_argument(
        "--spec",
        default=None,
        help="a model spec file (e.g. models/latent_factor.toml: its model and "
        "target_accept for both samplers) instead of the default model",
    )
    ap.add_argument(
        "--compile-backend",
        default=None,
        help="nutpie's compile backend (jax | numba); default: fit()'s default",
    )
    a = ap.parse_args()
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
    ).stdout.strip()
    record = {
        "command": "python benchmarks/bench_samplers.py " + shlex.join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "commit": commit,
        "loadavg_start": os.getloadavg(),
        "cores": os.cpu_count(),
        "datasets": [],
    }
    flip = False
    for spec in a.years:
        years = parse_years(spec)
        ds = generate(n_areas=a.areas, years=years, seed=a.seed).dataset
        for rep in range(a.repeats):
            order = ("pymc", "nutpie") if flip else ("nutpie", "pymc")
            flip = not flip
            rows = {}
            for b in order:  # each run's row printed as it ends: a stopped run keeps it
                rows[b] = run(ds, years, b, a)
                print("run:", json.dumps(rows[b], default=float), flush=True)
            ratio = {"pymc/kernel": ratios(rows["nutpie"], rows["pymc"])}
            if a.pymc_graph:
                rows["pymc_graph"] = run(ds, years, "pymc", a, kernel=False)
                ratio["pymc/graph"] = ratios(rows["nutpie"], rows["pymc_graph"])
            label = (
                f"{a.areas} areas, years {spec}, {a.spec or a.likelihood}, "
                f"{a.chains}x({a.tune}+{a.draws}), repeat {rep + 1}, "
                f"order {' then '.join(rows)}"
            )
            show(label, list(rows.values()), ratio)
            record["datasets"].append(
                {
                    "areas": a.areas,
                    "years": list(years),
                    "repeat": rep,
                    "likelihood": a.likelihood,
                    "spec": a.spec,
                    "order": list(order),
                    "runs": rows,
                    "ratio": ratio,
                }
            )
    record["loadavg_end"] = os.getloadavg()
    with OUT.open("a") as fh:
        fh.write(json.dumps(record, default=float) + "\n")
    print(
        f"\nload average start {record['loadavg_start']}, end {record['loadavg_end']}; "
        f"appended to {OUT}"
    )


if __name__ == "__main__":
    main()

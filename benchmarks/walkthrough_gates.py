"""The README walk-throughs' Bayesian fits against their fit gate, at two sampler seeds.

The gate (R-hat <= 1.01, bulk and tail ESS >= 400, 0 divergences) must pass whatever the
seed: a walk-through that passes at the packaged seed only would fail on the next
machine (numba's gradients differ in the last bits between CPUs, so the draws differ as
a new seed's would). Three fits, each run as a user runs it (``sesindex`` commands, with
``--seed``):

* ``karlstad``: ``python examples/karlstad_2022.py``'s fit (spec
  latent_factor_single_year, 31 areas, 2022);
* ``panel``: ``sesindex fit --spec latent_factor --data synthetic-programme --areas 600``;
* ``refit``: ``sesindex evaluate`` on the panel fit at the packaged seed (the evaluation's
  refit of the 38 treated and comparison areas, as long as
  ``sesindex.evaluation.refit_length`` makes it; ``--seed`` is the refit's seed).

Run: python benchmarks/walkthrough_gates.py [--out /tmp/walkthrough_gates]
     [--seeds 20240101,20240102] [--only karlstad,panel,refit] [--reuse]

``--reuse`` reads a run whose directory already holds a manifest instead of refitting it
(to assemble the table from runs made one at a time). Prints one row per fit and seed:
wall time, the worst R-hat, bulk and tail ESS with the quantity that has them, the
divergences and the verdict.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))

from karlstad_2022 import assemble, fit_arguments  # noqa: E402

PACKAGED_SEED = 20240101
FITS = ("karlstad", "panel", "refit")


def sesindex(*args: str) -> float:
    """Run one command as a user would; its wall time in seconds (a failed gate's exit
    code 3 is a result here, not an error).
    """
    print("$ sesindex " + " ".join(args), flush=True)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sesindex.cli", *args])
    if done.returncode not in (0, 3):
        raise SystemExit(f"sesindex {args[0]} exited {done.returncode}")
    return time.perf_counter() - t0


def commands(name: str, seed: int, out: Path) -> tuple[Path, list[str]]:
    """The run directory and the ``sesindex`` arguments of one fit at one seed."""
    run = out / f"{name}_{seed}"
    if name == "karlstad":
        counts = out / "karlstad" / "karlstad_2022.csv"
        if not counts.exists():
            assemble(counts.parent)
        return run, [*fit_arguments(counts, run), "--seed", str(seed)]
    panel = out / f"panel_{PACKAGED_SEED}"
    if name == "panel":
        return run, [
            "fit",
            "--spec",
            "latent_factor",
            "--data",
            "synthetic-programme",
            "--areas",
            "600",
            "--out",
            str(run),
            "--overwrite",
            "--seed",
            str(seed),
        ]
    return run, [
        "evaluate",
        "--run",
        str(panel),
        "--treated",
        str(panel / "programme.csv"),
        "--out",
        str(run),
        "--overwrite",
        "--seed",
        str(seed),
    ]


def gate_row(name: str, seed: int, run: Path, wall: float) -> dict:
    """One fit's gate figures from its manifest."""
    manifest = json.loads((run / "manifest.json").read_text())
    gate, sampler = manifest["gate"], manifest["spec"]["sampler"]
    worst = gate["worst"]
    return {
        "fit": name,
        "seed": seed,
        "tune": sampler["tune"],
        "draws": sampler["draws"],
        "wall_s": round(wall),
        "rhat": round(worst["rhat"]["value"], 4),
        "rhat_at": worst["rhat"]["quantity"],
        "ess_bulk": round(worst["ess_bulk"]["value"]),
        "bulk_at": worst["ess_bulk"]["quantity"],
        "ess_tail": round(worst["ess_tail"]["value"]),
        "tail_at": worst["ess_tail"]["quantity"],
        "divergences": gate["divergences"],
        "passed": gate["passed"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/walkthrough_gates"))
    ap.add_argument("--seeds", default=f"{PACKAGED_SEED},{PACKAGED_SEED + 1}")
    ap.add_argument("--only", default=",".join(FITS))
    ap.add_argument("--reuse", action="store_true")
    a = ap.parse_args()
    seeds = [int(s) for s in a.seeds.split(",")]
    rows = []
    for name in a.only.split(","):
        for seed in seeds:
            run, args = commands(name, seed, a.out)
            timing = run.parent / f"{run.name}.wall_s"
            if not (a.reuse and (run / "manifest.json").exists()):
                timing.write_text(f"{sesindex(*args):.1f}\n")
            rows.append(gate_row(name, seed, run, float(timing.read_text())))
    print(f"\n$ python benchmarks/walkthrough_gates.py --seeds {a.seeds} --only {a.only}")
    print("gate: R-hat <= 1.01, bulk and tail ESS >= 400, 0 divergences")
    head = (
        "fit",
        "seed",
        "tune",
        "draws",
        "wall_s",
        "rhat",
        "rhat_at",
        "ess_bulk",
        "bulk_at",
        "ess_tail",
        "tail_at",
        "divergences",
        "passed",
    )
    width = {h: max(len(h), *(len(str(r[h])) for r in rows)) for h in head}
    print("  ".join(h.ljust(width[h]) for h in head))
    for r in rows:
        print("  ".join(str(r[h]).ljust(width[h]) for h in head))


if __name__ == "__main__":
    main()

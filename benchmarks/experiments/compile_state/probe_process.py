"""The probe of probe.py for ``compile = "process"`` (nutpie's C callbacks, what the
replicate studies use): a 40-area, 3-year fit in fresh processes under four states of
PyTensor's and numba's caches; prints how far each run's kept draws of ``alpha`` lie
from every earlier run's.

Usage: python benchmarks/experiments/compile_state/probe_process.py WORKDIR
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import xarray as xr

FIT = [
    "fit",
    "--spec",
    "latent_factor",
    "--data",
    "synthetic",
    "--areas",
    "40",
    "--years",
    "2022-2024",
    "--draws",
    "100",
    "--tune",
    "100",
    "--no-report",
    "--overwrite",
    "--compile",
    "process",
]


def run(work, name, pt, nb):
    env = {
        **os.environ,
        "PYTENSOR_FLAGS": f"base_compiledir={work / pt}",
        "NUMBA_CACHE_DIR": str(work / nb),
    }
    out = work / name
    done = subprocess.run(
        [sys.executable, "-m", "sesindex.cli", *FIT, "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode not in (0, 3):
        raise RuntimeError(done.stderr[-3000:])
    return xr.open_datatree(out / "posterior.nc")["posterior"]["alpha"].values


work = Path(sys.argv[1])
shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
states = [
    ("1 both empty", "pt_a", "nb_a"),
    ("2 run 1's caches", "pt_a", "nb_a"),
    ("3 empty PyTensor, run 1's kernel", "pt_b", "nb_a"),
    ("4 run 3's caches", "pt_b", "nb_a"),
]
alphas = []
for label, pt, nb in states:
    a = run(work, label[0], pt, nb)
    alphas.append(a)
    print(
        label,
        "max |alpha - run k| for k=1..:",
        [f"{np.abs(a - b).max():.3g}" for b in alphas],
        flush=True,
    )

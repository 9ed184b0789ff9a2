"""Do a fit's draws depend on the state of the machine's compile caches?

Usage: python benchmarks/experiments/compile_state/probe.py WORKDIR

Runs the same command, ``sesindex fit --spec latent_factor --data synthetic --areas 150
--years 2019-2024 --draws 200 --tune 200`` (the packaged 14-year spec's form), in fresh
processes under four states of the two compile caches: PyTensor's (``base_compiledir``,
where the model's node functions are cached) and numba's (``NUMBA_CACHE_DIR``, where the
likelihood kernel :func:`sesindex.bayes.likelihood.kernel.marginal_pass` is cached):

1. both caches empty (a first fit on a new machine);
2. the same caches again, now holding what run 1 compiled;
3. an empty PyTensor cache beside run 1's warm kernel cache;
4. the caches run 3 left, again.

For each run it prints a digest of the compiled log density and its gradient at 20
fixed points near the start (``DIGEST``), how far those values lie from run 1's, and how
far its kept draws of ``alpha`` lie from run 1's. Nothing here is random but the sampler,
whose seed is fixed.
"""

from __future__ import annotations

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
    "150",
    "--years",
    "2019-2024",
    "--draws",
    "200",
    "--tune",
    "200",
    "--no-report",
    "--overwrite",
]

#: Run in the child: the fit, with a digest of the compiled model it samples.
CHILD = """
import hashlib, importlib, sys
import numpy as np
fit = importlib.import_module("sesindex.bayes.sampling.compiled")
compiled_model = fit.compiled_model
def digested(*args, **kwargs):
    model = compiled_model(*args, **kwargs)
    logp, x0 = model.logp_function(), np.asarray(model.initial_point_func(1))
    rng, h, points = np.random.default_rng(0), hashlib.sha256(), []
    for _ in range(20):
        value, grad = logp(x0 + rng.normal(0.0, 0.1, model.n_dim))
        h.update(np.float64(value).tobytes() + np.asarray(grad).tobytes())
        points.append(np.r_[value, grad])
    np.save(sys.argv[sys.argv.index("--out") + 1] + ".logp.npy", np.array(points))
    print("DIGEST", h.hexdigest()[:16], "loaded from disk:", model.loaded_from_disk, flush=True)
    return model
fit.compiled_model = digested
from sesindex.cli import app
app(sys.argv[1:])
"""


def run(work: Path, name: str, pytensor_dir: str, numba_dir: str) -> tuple[str, np.ndarray]:
    env = {
        **os.environ,
        "PYTENSOR_FLAGS": f"base_compiledir={work / pytensor_dir}",
        "NUMBA_CACHE_DIR": str(work / numba_dir),
    }
    out = work / name
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *FIT, "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode not in (0, 3):  # 3: written, but the short fit missed its gate
        raise RuntimeError(done.stderr)
    digest = next(line for line in done.stdout.splitlines() if line.startswith("DIGEST"))
    alpha = xr.open_datatree(out / "posterior.nc")["posterior"]["alpha"].values
    return digest, alpha, np.load(f"{out}.logp.npy")


def main(workdir: str) -> None:
    work = Path(workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    states = [
        ("1 both caches empty", "pt_a", "nb_a"),
        ("2 run 1's caches", "pt_a", "nb_a"),
        ("3 empty PyTensor cache, run 1's kernel cache", "pt_b", "nb_a"),
        ("4 run 3's caches", "pt_b", "nb_a"),
    ]
    first = None
    for k, (label, pytensor_dir, numba_dir) in enumerate(states, 1):
        digest, alpha, logp = run(work, f"run{k}", pytensor_dir, numba_dir)
        first = (alpha, logp) if first is None else first
        rel = np.abs(logp - first[1]) / np.abs(first[1]).clip(1e-300)
        print(
            f"{label}: {digest}; log density and gradient vs run 1's: largest relative "
            f"difference {rel.max():.2g}, {int((rel > 0).sum())} of {rel.size} values "
            f"differ; max |alpha - run 1's| over kept draws "
            f"{np.abs(alpha - first[0]).max():.3g}"
        )


if __name__ == "__main__":
    main(sys.argv[1])

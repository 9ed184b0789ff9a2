"""Replicates in process and on a Dask cluster (a scheduler and two worker processes on
127.0.0.1, started here): same results for the same seeds, failures reported, never
dropped.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sesindex.validate.replicates import Engine, ReplicateError, map_replicates


def square_or_fail(x):
    """A replicate: fails on negative input."""
    if x < 0:
        raise ValueError(f"negative {x}")
    return x * x


def test_in_process_replicates_come_back_in_place_and_failures_are_retried():
    calls = []

    def flaky(x):
        calls.append(x)
        if x == 2 and calls.count(2) == 1:
            raise RuntimeError("transient")
        return square_or_fail(x)

    got = dict(map_replicates(flaky, [1, 2, -3], Engine(retries=1)))
    assert got[0] == 1 and got[1] == 4  # the transient failure was re-run
    assert isinstance(got[2], ReplicateError) and "negative -3" in str(got[2])
    assert calls.count(-3) == 2  # re-run once, then reported


def test_engine_refuses_both_a_local_cluster_and_a_scheduler():
    with pytest.raises(ValueError, match="not both"):
        Engine(workers=2, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="at least 1"):
        Engine(workers=0)


def test_a_worker_with_pytensor_imported_keeps_its_compile_directory():
    """A second set-up on a worker (a cluster serving a second study) changes nothing
    and does not raise: PyTensor's directory cannot change once it is imported.
    """
    import pytensor

    from sesindex.validate.replicates import compile_directory

    before = str(pytensor.config.compiledir)
    assert compile_directory() == before
    assert compile_directory() == before


WORKER_SETUP = """
import json, os
from sesindex.validate.replicates import compile_directory
first, second = compile_directory(), compile_directory()
print(json.dumps([first, second, os.environ.get("PYTENSOR_FLAGS", "")]))
"""


def test_the_workers_of_a_machine_share_one_compile_directory(tmp_path):
    """Every worker set up on a host gets the same directory (not one of its own, where
    it would compile every model anew, unlike a process that loads them from the
    cache); a directory the environment names is kept.
    """
    import json
    import os
    import socket
    import subprocess
    import sys

    def setup(flags: str | None) -> list:
        env = {k: v for k, v in os.environ.items() if k != "PYTENSOR_FLAGS"}
        env.update({"PYTENSOR_FLAGS": flags} if flags is not None else {})
        done = subprocess.run(
            [sys.executable, "-c", WORKER_SETUP],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(done.stdout.splitlines()[-1])

    first, again, flags = setup(None)
    assert first == again and first.endswith(
        os.path.join("sesindex-pytensor", socket.gethostname())
    )
    assert flags == f"base_compiledir={first}"
    assert setup(None)[0] == first  # another worker: the same directory
    chosen = str(tmp_path / "shared")
    assert setup(f"floatX=float64,base_compiledir={chosen}")[:2] == [chosen, chosen]


@pytest.fixture(scope="module")
def compile_caches(tmp_path_factory):
    """One PyTensor and one numba cache for every process this module starts (the
    studies run alone, the cluster's workers): empty at first, filled by the first run
    of each study, then loaded by every later process.
    """
    import os

    root = tmp_path_factory.mktemp("compile_caches")
    flags = [
        f
        for f in os.environ.get("PYTENSOR_FLAGS", "").split(",")
        if f and f.split("=", 1)[0].strip() not in ("compiledir", "base_compiledir")
    ]
    patch = pytest.MonkeyPatch()
    patch.setenv("PYTENSOR_FLAGS", ",".join(flags + [f"base_compiledir={root / 'pytensor'}"]))
    patch.setenv("NUMBA_CACHE_DIR", str(root / "numba"))
    yield root
    patch.undo()


@pytest.fixture(scope="module")
def cluster(compile_caches):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as c:
        yield c


def test_a_cluster_returns_every_replicate_and_reports_failures(cluster):
    engine = Engine(scheduler=cluster.scheduler_address, retries=1)
    got = dict(map_replicates(square_or_fail, [3, -1, 4, 5], engine))
    assert {k: v for k, v in got.items() if k != 1} == {0: 9, 2: 16, 3: 25}
    assert isinstance(got[1], ReplicateError) and "negative -1" in str(got[1])


STUDIES = {
    "stress": (
        ["coverage_by_seed.csv"],
        """study = "stress"
years = [2022, 2023, 2024]
n_areas = 40

[stress]
model = "models/latent_factor.toml"
scenarios = ["jumps", "trends"]
seeds = 1
n_areas = 40
sampler = { tune = 100, draws = 100 }
""",
    ),
    "sbc": (
        ["ranks_one.csv"],
        """study = "sbc"
years = [2024]
n_areas = 12

[sbc]
municipalities = 3
tune = 100
draws = 50
posterior_draws = 19
designs = [{ name = "one", years = [2024], replicates = 4 }]
""",
    ),
    "sensitivity": (
        ["samples.csv", "sobol_indices.csv"],
        """study = "sensitivity"
years = [2022]
n_areas = 60

[sensitivity]
monte_carlo = 600   # 3 blocks of 256 samples
sobol_base = 8
sobol_resamples = 20
""",
    ),
}


@pytest.mark.slow  # three runs of a study each: the fast tier keeps the cluster test above
@pytest.mark.parametrize("study", sorted(STUDIES))
def test_a_study_on_a_cluster_equals_the_same_study_run_alone(cluster, tmp_path, study):
    """The reference is what a user runs: the study in a fresh interpreter, whose fits
    load their compiled models from the machine's cache, as the cluster's fresh workers
    do. A model compiled in a process and the same model loaded from the cache differ in
    the last bits of the log density, and HMC turns that into other, equally valid
    draws (``benchmarks/experiments/compile_state``); so the study runs once on the
    cluster first, to fill this module's caches, and the workers are restarted: then
    every fit compared, alone and on the cluster, loads its model.
    """
    import subprocess
    import sys

    from distributed import Client

    from sesindex.validate import run_study

    tables, toml = STUDIES[study]
    spec = tmp_path / f"{study}.toml"
    spec.write_text(toml)
    engine = Engine(scheduler=cluster.scheduler_address)
    run_study(spec, tmp_path / "warm", engine=engine)  # compiles what is not cached
    with Client(cluster.scheduler_address) as client:
        client.restart(timeout=600)  # fresh workers: none holds a model compiled in it
    # a hang guard only: on a loaded 2-core machine a study alone can take many minutes
    alone = subprocess.run(
        [
            sys.executable,
            "-m",
            "sesindex.cli",
            "validate",
            str(spec),
            "--out",
            str(tmp_path / "alone"),
        ],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert alone.returncode == 0, alone.stderr[-2000:]
    remote = run_study(spec, tmp_path / "cluster", engine=engine)
    assert remote["replicates_ran"].startswith("dask cluster at tcp://127.0.0.1")
    for table in tables:
        a = pd.read_csv(tmp_path / "alone" / study / table)
        b = pd.read_csv(tmp_path / "cluster" / table)
        assert len(a) > 1
        pd.testing.assert_frame_equal(a, b)  # same seeds, same numbers, same order

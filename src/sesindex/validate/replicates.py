"""Replicates of a validation study: in process, on a local Dask cluster, or on an
existing one — the same results for the same seeds.

A study hands :func:`map_replicates` a module-level function and its jobs (picklable
arguments, each job carrying its own seeds); results come back as they finish, with the
job's position, so the study can write as it goes and order its tables by job at the end.
A replicate that raises, or whose worker dies, is re-run ``retries`` times; if it still
fails, its :class:`ReplicateError` comes back in its place — never dropped.

Engines (:class:`Engine`): the default runs in process; ``workers=N`` starts a local
cluster of N single-threaded worker processes; ``scheduler="tcp://host:port"`` uses a
running cluster (e.g. started by dask-jobqueue on SLURM; ``docs/validation.md``). The
worker processes of a machine share one PyTensor compile directory
(:func:`compile_directory`): a fresh worker loads what earlier ones compiled, so its
fits equal a fresh process's fit bit for bit once the models are in the cache.

Examples
--------
>>> [r for _, r in sorted(map_replicates(abs, [-2, 3, -1]))]
[2, 3, 1]
>>> got = dict(map_replicates(int, ["7", "x"]))
>>> got[0], type(got[1]).__name__
(7, 'ReplicateError')
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

Result = TypeVar("Result")


@dataclass(frozen=True)
class Engine:
    """Where replicates run: in process (default), ``workers`` local processes, or the
    cluster at ``scheduler``; ``retries``: re-runs of a failed replicate.
    """

    workers: int | None = None
    scheduler: str | None = None
    retries: int = 1

    def __post_init__(self):
        if self.workers is not None and self.scheduler is not None:
            raise ValueError(
                "give --workers (a local cluster) or --scheduler (an existing one), not both"
            )
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"--workers must be at least 1 (got {self.workers})")

    @property
    def distributed(self) -> bool:
        """Does this engine use Dask?"""
        return self.workers is not None or self.scheduler is not None

    def describe(self) -> str:
        """For manifests: where the replicates ran."""
        if self.scheduler:
            return f"dask cluster at {self.scheduler}"
        if self.workers:
            return f"local dask cluster, {self.workers} worker processes"
        return "in process"


@dataclass(frozen=True)
class ReplicateError:
    """A replicate that failed after its retries: the job and the last error."""

    job: object
    message: str

    def __str__(self) -> str:
        return self.message


def _in_process(
    fn: Callable[[Any], Result], jobs: list, retries: int
) -> Iterator[tuple[int, Result | ReplicateError]]:
    for i, job in enumerate(jobs):
        for attempt in range(retries + 1):
            try:
                yield i, fn(job)
                break
            except Exception as err:  # noqa: BLE001 - returned as ReplicateError
                if attempt == retries:
                    yield i, ReplicateError(job, f"{type(err).__name__}: {err}")


def compile_directory() -> str:
    """Point this worker process's PyTensor compilation at the directory every worker
    on this machine shares, so that a fresh worker loads the models earlier ones
    compiled, as a fresh ``sesindex validate`` loads them from PyTensor's cache.

    The directory is the one the worker's environment names (``compiledir`` or
    ``base_compiledir`` in ``PYTENSOR_FLAGS``: set it to share one cache with the
    processes that run studies alone), else ``sesindex-pytensor/<host>`` in the
    machine's temporary directory (local to the node on a cluster whose home folders
    are shared). PyTensor's lock lets one process compile into it at a time. A model
    compiled in a process and the same model loaded from the cache differ in the last
    bits of the log density, and the chains' draws with them; loaded, they agree bit
    for bit whichever process wrote the cache (``benchmarks/experiments/compile_state``).
    Once PyTensor is imported its directory can no longer change: the directory in
    use is returned.

    Examples
    --------
    >>> import pytensor
    >>> compile_directory() == str(pytensor.config.compiledir)
    True
    """
    import socket
    import sys

    if "pytensor" in sys.modules:
        return str(sys.modules["pytensor"].config.compiledir)
    flags = [f for f in os.environ.get("PYTENSOR_FLAGS", "").split(",") if f]
    chosen = [
        f.split("=", 1)[1]
        for f in flags
        if f.split("=", 1)[0].strip() in ("compiledir", "base_compiledir")
    ]
    if chosen:
        return chosen[-1]
    path = os.path.join(tempfile.gettempdir(), "sesindex-pytensor", socket.gethostname())
    os.makedirs(path, exist_ok=True)
    os.environ["PYTENSOR_FLAGS"] = ",".join(flags + [f"base_compiledir={path}"])
    return path


def _compile_directory_plugin():
    """A Dask worker plugin calling :func:`compile_directory` on every worker."""
    from distributed import WorkerPlugin

    class CompileDirectory(WorkerPlugin):
        name = "sesindex-compile-directory"
        idempotent = True  # a cluster serving several studies sets it up once

        def setup(self, worker) -> None:  # pragma: no cover - runs in the worker
            compile_directory()

    return CompileDirectory()


def _client(engine: Engine):
    from distributed import Client, LocalCluster

    if engine.scheduler:
        return Client(engine.scheduler), None
    cluster = LocalCluster(
        n_workers=engine.workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
    )
    return Client(cluster), cluster


def _on_dask(
    fn: Callable[[Any], Result], jobs: list, engine: Engine
) -> Iterator[tuple[int, Result | ReplicateError]]:
    from distributed import as_completed

    client, cluster = _client(engine)
    try:
        client.register_plugin(_compile_directory_plugin())
        futures = {
            client.submit(fn, job, pure=False, retries=engine.retries): i
            for i, job in enumerate(jobs)
        }
        for future in as_completed(futures):
            i = futures[future]
            try:
                yield i, future.result()
            except Exception as err:  # noqa: BLE001 - returned as ReplicateError
                yield i, ReplicateError(jobs[i], f"{type(err).__name__}: {err}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def map_replicates(
    fn: Callable[[Any], Result], jobs: Iterable, engine: Engine | None = None
) -> Iterator[tuple[int, Result | ReplicateError]]:
    """``(position, fn(job))`` for every job, as each finishes (see the module).

    Examples
    --------
    >>> sorted(map_replicates(len, ["ab", "c"]))
    [(0, 2), (1, 1)]
    """
    engine = engine or Engine()
    jobs = list(jobs)
    if engine.distributed:
        yield from _on_dask(fn, jobs, engine)
    else:
        yield from _in_process(fn, jobs, engine.retries)

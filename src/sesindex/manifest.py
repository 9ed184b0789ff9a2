"""Run manifests: what went in, with which spec, seed and packages, how long it took.

Examples
--------
>>> import tempfile, json, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> m = write_manifest(d, command="demo", spec={"name": "official"}, inputs={}, seed=1)
>>> json.loads((d / "manifest.json").read_text())["command"]
'demo'
"""

from __future__ import annotations

import json
import platform
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "sesindex",
    "numpy",
    "pandas",
    "xarray",
    "scipy",
    "pandera",
    "pymc",
    "pytensor",
    "nutpie",
    "arviz",
    "scikit-learn",
    "SALib",
)


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a result depends on."""
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


class Timer:
    """Named wall-clock timings: ``with timer("index"): ...``."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        """Time the ``with`` block as stage ``name``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - start, 4)


def manifest_of(
    *,
    command: str,
    spec: dict,
    inputs: dict[str, str],
    seed: int | None = None,
    timings: dict[str, float] | None = None,
    **extra,
) -> dict:
    """A run's manifest as it will be written (JSON types: tuples become lists), the time
    it was made and the installed packages included; what a run's tree carries in
    ``attrs["manifest"]`` before it is written (:func:`save_manifest`).

    Examples
    --------
    >>> m = manifest_of(command="index", spec={"indicators": ("V1", "V2")}, inputs={})
    >>> m["spec"]["indicators"], "packages" in m
    (['V1', 'V2'], True)
    """
    manifest = {
        "command": command,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "spec": spec,
        "inputs": inputs,
        "seed": seed,
        "packages": package_versions(),
        "timings_seconds": timings or {},
        **extra,
    }
    return json.loads(json.dumps(manifest, ensure_ascii=False, default=str))


def save_manifest(out_dir: str | Path, manifest: dict, **extra) -> dict:
    """Write ``manifest`` (:func:`manifest_of`) and ``extra`` (e.g. ``outputs``) as
    ``out_dir/manifest.json``, stamped with the time of writing; returns it as written.
    ``outputs`` (every file the run wrote) always lists ``manifest.json`` itself.
    """
    manifest = {**manifest, **extra, "created": datetime.now(UTC).isoformat(timespec="seconds")}
    if "outputs" in manifest:
        manifest["outputs"] = list(dict.fromkeys([*manifest["outputs"], "manifest.json"]))
    text = json.dumps(manifest, indent=2, ensure_ascii=False, default=str)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").write_text(text + "\n", encoding="utf-8")
    return json.loads(text)  # as written: what reading it back gives


def write_manifest(
    out_dir: str | Path,
    *,
    command: str,
    spec: dict,
    inputs: dict[str, str],
    seed: int | None = None,
    timings: dict[str, float] | None = None,
    **extra,
) -> dict:
    """Write ``manifest.json`` into ``out_dir`` and return it as written."""
    return save_manifest(
        out_dir,
        manifest_of(command=command, spec=spec, inputs=inputs, seed=seed, timings=timings, **extra),
    )


def add_outputs(out_dir: str | Path, paths, tree=None) -> dict:
    """Files written after the manifest (a publication, a report) added to its
    ``outputs``: the manifest rewritten, and joined to ``tree``'s attrs if given.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = save_manifest(d, {"command": "fit"}, outputs=["posterior.nc"])
    >>> add_outputs(d, [d / "report.html"])["outputs"]
    ['posterior.nc', 'manifest.json', 'report.html']
    """
    out = Path(out_dir)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest = save_manifest(
        out,
        manifest,
        outputs=list(dict.fromkeys([*manifest.get("outputs", []), *(Path(p).name for p in paths)])),
    )
    if tree is not None:
        from sesindex.runs import with_manifest

        with_manifest(tree, manifest)
    return manifest


def join_run(run_dir: str | Path, paths) -> list[Path]:
    """Those of ``paths`` written into the run directory ``run_dir`` (a report or an
    explorer written later) join its manifest's ``outputs``, so a later overwrite
    replaces them with the run; a directory without a manifest is left alone. Returns
    ``paths``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = save_manifest(d, {"command": "index"}, outputs=["areas.csv"])
    >>> _ = join_run(d, [d / "explorer.html", d.parent / "elsewhere.html"])
    >>> json.loads((d / "manifest.json").read_text())["outputs"]
    ['areas.csv', 'manifest.json', 'explorer.html']
    """
    run = Path(run_dir).resolve()
    inside = [Path(p) for p in paths if Path(p).resolve().parent == run]
    if inside and (run / "manifest.json").exists():
        add_outputs(run, inside)
    return list(paths)

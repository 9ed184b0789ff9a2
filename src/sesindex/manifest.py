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
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

PACKAGES = ("sesindex", "numpy", "pandas", "xarray", "scipy", "pandera", "pymc", "pytensor",
            "nutpie", "arviz", "scikit-learn", "SALib")


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
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - start, 4)


def write_manifest(out_dir: str | Path, *, command: str, spec: dict, inputs: dict[str, str],
                   seed: int | None = None, timings: dict[str, float] | None = None,
                   **extra) -> dict:
    """Write ``manifest.json`` into ``out_dir`` and return it as written."""
    manifest = {
        "command": command,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "spec": spec,
        "inputs": inputs,
        "seed": seed,
        "packages": package_versions(),
        "timings_seconds": timings or {},
        **extra,
    }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(manifest, indent=2, ensure_ascii=False, default=str)
    (out / "manifest.json").write_text(text + "\n", encoding="utf-8")
    return json.loads(text)  # as written (tuples as lists): what reading it back gives

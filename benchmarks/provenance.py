"""What a benchmark records about the code it timed.

Examples
--------
>>> len(commit()) in (0, 7, 8, 9, 10, 11, 12)
True
"""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def commit() -> str:
    """The repository's short commit hash (empty outside a git checkout)."""
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()


def module_at(commit: str, path: str, where: Path, name: str):
    """The module at ``path`` (relative to the repository) as it was at ``commit``, loaded
    as ``name`` from a copy written into ``where``: a baseline to time against in the same
    process.
    """
    source = subprocess.run(
        ["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    copy = where / f"{name}.py"
    copy.write_text(source)
    spec = importlib.util.spec_from_file_location(name, copy)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

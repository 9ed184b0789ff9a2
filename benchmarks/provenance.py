"""What a benchmark records about the code it timed.

Examples
--------
>>> len(commit()) in (0, 7, 8, 9, 10, 11, 12)
True
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def commit() -> str:
    """The repository's short commit hash (empty outside a git checkout)."""
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()

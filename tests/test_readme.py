"""Every code block of the README runs as pasted in a fresh clone.

The set-up blocks (a new virtualenv, the install, the demo and the test command) are what
``.ci/run`` itself runs, verbatim; every other block runs here, line by line, in a new
folder laid out as a clone (``models/``, ``validation/``, ``examples/`` beside it) with
the installed ``sesindex`` first on the PATH, as after ``source .venv/bin/activate``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: what a clone has beside the README that its commands read
CLONE = ("models", "validation", "examples")


def readme_blocks() -> list[tuple[str, list[tuple[str, str]]]]:
    """The README's blocks that are not the set-up's, grouped as a reader runs them: a
    block continues the one before it (and reads what that one wrote) unless a new
    paragraph heading (a line starting ``**``) stands between them. Each group is
    (id, [(language, code), ...]).
    """
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    end = 0
    for match in FENCE.finditer(text):
        lang, code = match.group(1), match.group(2)
        between, end = text[end : match.start()], match.end()
        if "python3 -m venv" in code:
            continue
        if not groups or re.search(r"^\*\*", between, re.MULTILINE):
            line = text[: match.start()].count("\n") + 1
            groups.append((f"README.md:{line}", []))
        groups[-1][1].append((lang, code))
    return groups


def _slow(blocks: list[tuple[str, str]]) -> bool:
    """A block that fits, evaluates, runs an example or the national demo: the slow tier,
    as the tests of those commands.
    """
    return any(
        word in code
        for _, code in blocks
        for word in ("sesindex fit", "sesindex evaluate", "sesindex demo", "examples/")
    )


BLOCKS = [
    pytest.param(blocks, id=name, marks=[pytest.mark.slow] if _slow(blocks) else [])
    for name, blocks in readme_blocks()
]


def test_the_readme_has_blocks_beyond_the_set_up():
    langs = [lang for param in BLOCKS for lang, _ in param.values[0]]
    assert langs.count("bash") >= 3 and "python" in langs


def test_the_ci_script_runs_the_readme_set_up_commands_verbatim():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    setup = [m.group(2).strip() for m in FENCE.finditer(text) if "python3 -m venv" in m.group(2)]
    assert len(setup) == 2
    for command in setup:
        assert command in ci, command


@pytest.mark.parametrize("blocks", BLOCKS)
def test_readme_blocks_run_as_pasted(blocks, tmp_path):
    for name in CLONE:
        (tmp_path / name).symlink_to(ROOT / name)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for lang, code in blocks:
        if lang == "python":
            commands = [[sys.executable, "-c", code]]
        else:
            lines = [ln for ln in code.splitlines() if ln.strip() and not ln.startswith("#")]
            commands = [["bash", "-euo", "pipefail", "-c", line] for line in lines]
        for command in commands:
            got = subprocess.run(
                command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=3000
            )
            assert got.returncode == 0, (command[-1], got.stdout[-3000:], got.stderr[-3000:])

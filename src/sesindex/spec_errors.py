r"""Errors of a spec, each naming the file, the line, the key, the value and what is allowed.

A spec (index, model or study) is refused with a :class:`SpecError`: one
:class:`SpecProblem` per offending key, each with its dotted key
(``sampler.target_accept``), the value given and what the key allows. Read from a file
(:func:`load_toml_spec`), each problem also names the file and the line the key is on,
found by a small scan of the file's text (:func:`key_lines`: ``tomllib`` gives no line
numbers); a TOML syntax error names the file and its line too.

Examples
--------
>>> text = "seed = 7\n[sampler]\ntargt_accept = 0.9\n"
>>> key_lines(text)["sampler.targt_accept"]
3
>>> error = SpecError([SpecProblem("sampler.targt_accept", "unknown key")])
>>> print(error.located("myspec.toml", text))
myspec.toml:3: sampler.targt_accept: unknown key
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

#: A problem's value when the spec gave none to show (an unknown key, a missing one).
NOT_GIVEN: Any = type("NotGiven", (), {"__repr__": lambda self: "NOT_GIVEN"})()


@dataclass(frozen=True)
class SpecProblem:
    """One offending key of a spec: what is wrong, the value given, what is allowed.

    Examples
    --------
    >>> str(SpecProblem("sampler.chains", "not a whole number", "two", "1, 2, 3, ..."))
    "sampler.chains: not a whole number (got 'two'); allowed: 1, 2, 3, ..."
    """

    key: str  # dotted, e.g. "sampler.target_accept" (a section: the section's name)
    reason: str
    value: Any = NOT_GIVEN
    allowed: str = ""
    line: int | None = None  # of the key in the spec file, when read from one

    def __str__(self) -> str:
        got = "" if self.value is NOT_GIVEN else f" (got {self.value!r})"
        allowed = f"; allowed: {self.allowed}" if self.allowed else ""
        return f"{self.key}: {self.reason}{got}{allowed}"


class SpecError(ValueError):
    """A spec refused: every offending key, one line each (``FILE:LINE: key: ...`` once
    :meth:`located` in the spec's file).

    Examples
    --------
    >>> raise SpecError(
    ...     [SpecProblem("index.normalisation", "unknown", "zscor", "none, zscore")], path="my.toml"
    ... )
    Traceback (most recent call last):
    ...
    sesindex.spec_errors.SpecError: my.toml: index.normalisation: unknown (got 'zscor'); allowed:
    none, zscore
    """

    def __init__(self, problems: list[SpecProblem], path: str | Path | None = None):
        self.problems = tuple(problems)
        self.path = None if path is None else str(path)
        super().__init__("\n".join(self._where(p) + str(p) for p in self.problems))

    @classmethod
    def one(cls, key: str, reason: str, value: Any = NOT_GIVEN, allowed: str = "") -> SpecError:
        """The error of a single offending key.

        Examples
        --------
        >>> str(SpecError.one("data", "unknown", "mine", "synthetic"))
        "data: unknown (got 'mine'); allowed: synthetic"
        """
        return cls([SpecProblem(key, reason, value, allowed)])

    def _where(self, problem: SpecProblem) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{problem.line}: " if problem.line else f"{self.path}: "

    def located(self, path: str | Path, text: str) -> SpecError:
        """The same problems, each with ``path`` and its key's line in ``text`` (the line
        of the key, else of the nearest table that holds it).
        """
        lines = key_lines(text)
        return SpecError(
            [replace(p, line=p.line or _line_of(p.key, lines)) for p in self.problems], path
        )

    def rekeyed(self, old: str, new: str) -> SpecError:
        """The same problems with the leading key part ``old`` read as ``new`` (a table
        checked on its own, then placed in a larger spec).

        Examples
        --------
        >>> str(SpecError.one("index.weights", "too many").rekeyed("index", "variants.1"))
        'variants.1.weights: too many'
        """

        def key(k: str) -> str:
            return new + k[len(old) :] if k == old or k.startswith(old + ".") else k

        return SpecError([replace(p, key=key(p.key)) for p in self.problems], self.path)


def load_toml_spec(path: str | Path, build: Callable[[dict], Any]) -> Any:
    r"""``build`` applied to the TOML table of the spec file ``path``; a problem of the
    spec (:class:`SpecError`) or of its TOML syntax comes back naming the file and line.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bad.toml"
    >>> _ = p.write_text("[sampler\nchains = 2\n")
    >>> load_toml_spec(p, dict)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sesindex.spec_errors.SpecError: .../bad.toml:1: TOML syntax: Expected ']' at the end of a table
    declaration (column 9)
    """
    text = Path(path).read_text(encoding="utf-8")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(path, exc) from None
    try:
        return build(table)
    except SpecError as exc:
        raise exc.located(path, text) from None


def _syntax_error(path: str | Path, exc: tomllib.TOMLDecodeError) -> SpecError:
    message = str(exc)
    at = re.search(r" \(at line (\d+), column (\d+)\)$", message)
    line = int(at.group(1)) if at else None
    if at:
        message = f"{message[: at.start()]} (column {at.group(2)})"
    return SpecError([SpecProblem("TOML syntax", message, line=line)], path)


def key_lines(text: str) -> dict[str, int]:
    r"""The line (from 1) of every table header and key of a TOML text, by dotted key.

    Keys inside ``[table]`` get the table's prefix; the n-th ``[[table]]`` is
    ``table.n`` (from 0). Lines inside a value spanning lines are skipped.

    Examples
    --------
    >>> text = 'study = "x"\n[[variants]]\nname = "a"\n[[variants]]\nname = "b"\n'
    >>> lines = key_lines(text)
    >>> lines["study"], lines["variants.0.name"], lines["variants.1.name"]
    (1, 3, 5)
    """
    found: dict[str, int] = {}
    table: list[str] = []
    counts: dict[str, int] = {}
    depth = 0  # open brackets and braces of a value spanning lines
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _code(raw).strip()
        if depth:
            depth += _balance(line)
            continue
        if line.startswith("[["):
            name = _dotted(line.strip("[] "))
            index = counts.get(".".join(name), 0)
            counts[".".join(name)] = index + 1
            table = [*name, str(index)]
            found.setdefault(".".join(table), number)
        elif line.startswith("["):
            table = _dotted(line.strip("[] "))
            found.setdefault(".".join(table), number)
        elif "=" in line:
            key, _, value = line.partition("=")
            found.setdefault(".".join([*table, *_dotted(key)]), number)
            depth = max(_balance(value), 0)
    return found


def _line_of(key: str, lines: dict[str, int]) -> int | None:
    """The line of ``key``, else of its nearest enclosing key or table that has one."""
    parts = key.split(".")
    while parts:
        if ".".join(parts) in lines:
            return lines[".".join(parts)]
        parts.pop()
    return None


def _code(line: str) -> str:
    """``line`` without its comment and with its quoted strings emptied."""
    line = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', '""', line)
    return line.split("#", 1)[0]


def _balance(text: str) -> int:
    return sum(text.count(c) for c in "[{") - sum(text.count(c) for c in "]}")


def _dotted(key: str) -> list[str]:
    return [part.strip().strip("\"'") for part in key.split(".")]

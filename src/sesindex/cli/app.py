"""Shared pieces of the command line: the Typer apps, the Rich consoles, progress steps,
errors, option parsing and run directories.

Examples
--------
>>> parse_years("2020-2022"), parse_years("2015,2024"), parse_years(None)
((2020, 2021, 2022), (2015, 2024), None)
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(
    help="Swedish socioeconomic area index with honest uncertainty.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from sesindex import __version__

        print(f"sesindex {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
):
    """Swedish socioeconomic area index with honest uncertainty."""


data_app = typer.Typer(help="Inspect and validate input data.", no_args_is_help=True)
app.add_typer(data_app, name="data")
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DATA_HELP = (
    "Packaged dataset (synthetic, synthetic-programme, synthetic-deso, "
    "sweden-regso-2022, "
    "karlstad-tab6586) or a file: "
    "tidy CSV/Parquet, or a PxWeb JSON-stat 2.0 response."
)


@contextmanager
def steps():
    """A Rich progress display; ``step(label)`` is a context manager per stage."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as progress:

        @contextmanager
        def step(label: str):
            task = progress.add_task(label, total=1)
            try:
                yield
            except BaseException:  # an error: the step stops spinning and says so
                progress.update(task, completed=1, description=f"[red]✗[/] {label}")
                raise
            progress.update(task, completed=1, description=f"[green]✓[/] {label}")

        yield step


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` as the command's error and exit with ``code``: 2 (the default)
    when the input is refused (a spec, a file, an option), 1 when a check the command
    ran found problems, 3 when a fit missed its gate.
    """
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


CUTPOINTS_HELP = (
    "National cut points when the data hold only some areas: 'mu,sigma' "
    "for every year or 'YEAR:mu,sigma;YEAR:mu,sigma' (e.g. 2022:9.10,5.47)."
)


def parse_cutpoints(text: str | None) -> dict | None:
    """``--cutpoints`` parsed (:func:`sesindex.index.cutpoints.parse_cutpoints`), or exit 2."""
    from sesindex.index.cutpoints import parse_cutpoints

    try:
        return parse_cutpoints(text)
    except ValueError as exc:
        fail(str(exc))


def verdict_counts(changes, labels=()) -> tuple[int, dict[str, int]]:
    """The areas of ``changes`` whose observed type changed, and how many got each
    verdict: the rule's ``labels`` first (high to low), then boundary changes, then any
    other verdict, then "no verdict" (a changed type without one). The counts add up to
    the areas that changed.

    Examples
    --------
    >>> import pandas as pd
    >>> ch = pd.DataFrame(
    ...     {
    ...         "type_from": [3, 3, 2, 4, 1],
    ...         "type_to": [3, 2, 3, 2, 2],
    ...         "verdict": ["", "uncertain", "probably real", "boundary changed", None],
    ...     }
    ... )
    >>> verdict_counts(ch, ("probably real", "uncertain", "probably noise"))
    (4, {'probably real': 1, 'uncertain': 1, 'boundary changed': 1, 'no verdict': 1})
    """
    from sesindex.data.boundary_change import BOUNDARY_VERDICT

    verdicts = changes["verdict"].fillna("").astype(str)
    if {"type_from", "type_to"} <= set(changes):
        t0, t1 = changes["type_from"], changes["type_to"]
        changed = ((t0 != t1) & t0.notna() & t1.notna()).to_numpy()
    else:
        changed = (verdicts != "").to_numpy()
    counts = verdicts[changed].replace("", "no verdict").value_counts()
    known = [*labels, BOUNDARY_VERDICT]
    known += sorted(v for v in counts.index if v not in known and v != "no verdict")
    order = [v for v in [*known, "no verdict"] if v in counts]
    return int(changed.sum()), {v: int(counts[v]) for v in order}


def print_verdicts(changes, method: str) -> None:
    """How many observed type changes got each verdict (the rule's labels, boundary
    changed, ...: every one counted), with the rule that judged them.
    """
    from sesindex.uncertainty.draws import verdict_rule

    if "verdict" not in changes:
        return
    pairs = changes[["year_from", "year_to"]].drop_duplicates().to_numpy()
    y0, y1 = (
        (int(v) for v in pairs[-1])
        if "pair" not in changes
        else (
            int(v)
            for v in changes.loc[changes["pair"] == "consecutive", ["year_from", "year_to"]].iloc[
                -1
            ]
        )
    )
    last = changes[(changes["year_from"] == y0) & (changes["year_to"] == y1)]
    rule = verdict_rule(changes)
    moved, counts = verdict_counts(last, rule.labels)
    each = ", ".join(f"{n} {verdict}" for verdict, n in counts.items()) or "none"
    console.print(
        f"{y0}->{y1}: {moved} areas changed their observed type; by {method}: "
        f"{each} ({rule.text}; see changes.csv)",
        highlight=False,
    )
    crossed = int(last["boundary_changed"].sum()) if "boundary_changed" in last else 0
    if crossed:
        console.print(
            f"{crossed} areas' boundaries changed between {y0} and {y1} (SCB's "
            "RegSO 2025): their comparisons are marked 'boundary changed', not "
            "counted as their own movement",
            highlight=False,
        )


def print_typing(note: str, warnings) -> None:
    """Print the typing's warnings and its note on stderr."""
    for warning in warnings or []:
        err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    if note:
        err.print(f"[yellow]types:[/] {escape(note)}", highlight=False)


def print_types(summary, title: str) -> None:
    """Print the number of areas of each type in the latest year that has types."""
    counts = summary[[f"type_{k}" for k in range(1, 6)]].fillna(0).sum(axis=1)
    last = summary[counts > 0].iloc[-1]  # the latest year that has types
    table = Table(title=title)
    for col in ("type", "label", "areas", "share %"):
        table.add_column(col, justify="right" if col != "label" else "left")
    from sesindex.index.area_type import TYPE_LABELS

    n = int(last["areas"])
    for k in range(1, 6):
        c = int(last[f"type_{k}"])
        table.add_row(str(k), TYPE_LABELS["en"][k], str(c), f"{100 * c / max(n, 1):.1f}")
    console.print(table)
    console.print(
        f"year {int(last['year'])}: {n} areas, national mu = {last['mu']:.2f}, "
        f"sigma = {last['sigma']:.2f} (percentage points)"
    )


def refuse_earlier_run(out: Path, overwrite: bool, replaces: str | None = None) -> None:
    """Stop (exit 2) before any work when ``out`` holds an earlier run
    (:func:`sesindex.runs.check_out`).
    """
    from sesindex.runs import EarlierRunError, check_out

    try:
        check_out(out, overwrite, replaces)
    except EarlierRunError as exc:
        refuse_out(exc)


def refuse_out(exc) -> None:
    """Exit 2 with an :class:`sesindex.runs.EarlierRunError`'s message, pointing to
    ``--overwrite`` only where overwriting would help.
    """
    fail(f"{exc} (--overwrite)" if exc.replaceable else str(exc), 2)


def spec_file(name_or_path: str) -> Path:
    """The spec file a ``--spec`` names (a path or a packaged spec), or exit 2."""
    from sesindex.specs import resolve_spec

    try:
        return resolve_spec(name_or_path)
    except FileNotFoundError as exc:
        fail(str(exc))


def user_spec(loader, name_or_path: str | Path, *, packaged: bool = True):
    """``loader`` applied to the spec file named (a packaged spec's name too, if
    ``packaged``), or exit 2 naming the file, the line and the key of each problem
    (:class:`~sesindex.spec_errors.SpecError`).
    """
    from sesindex.spec_errors import SpecError

    path = spec_file(str(name_or_path)) if packaged else Path(name_or_path)
    try:
        return loader(path)
    except SpecError as exc:
        fail(str(exc))
    except (OSError, UnicodeDecodeError) as exc:
        fail(unreadable_spec(path, exc))


def unreadable_spec(path: Path, exc: OSError | UnicodeDecodeError) -> str:
    """Why the spec file ``path`` does not read (it does not exist, is a folder, is not
    text).
    """
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
    return f"{path}: cannot read the spec: {reason}"


def load_user_data(source: str, **options):
    """:func:`sesindex.load`, or exit 2 with its reason (a file that does not exist or
    does not read, problems of its rows).
    """
    from sesindex.api import load

    try:
        return load(source, **options)
    except (OSError, ValueError) as exc:  # ValueError: DataValidationError too
        fail(str(exc))


def parse_years(text: str | None, option: str = "--years") -> tuple[int, ...] | None:
    """Years from '2020-2022' (a range) or '2015,2024' (a list), or exit 2 naming
    ``option`` and what it takes.
    """
    if not text:
        return None
    try:
        return year_list(text)
    except ValueError as exc:
        fail(f"{option} {text!r}: {exc}")


def required_years(text: str, option: str = "--years") -> tuple[int, ...]:
    """Years as :func:`parse_years` reads them, for an option that cannot be empty.

    Examples
    --------
    >>> required_years("2022-2023")
    (2022, 2023)
    """
    years = parse_years(text, option)
    if years is None:
        fail(f"{option} {text!r}: no years: write a range (2011-2024) or a list (2015,2024)")
    return years


def year_list(text: str) -> tuple[int, ...]:
    """Years from 'A-B' (from A to B) or 'A,B,...'.

    Examples
    --------
    >>> year_list("2022-2020")
    Traceback (most recent call last):
    ...
    ValueError: the range runs backwards (2022 after 2020): write 2020-2022
    """
    first, dash, last = text.partition("-")
    try:
        years = (
            tuple(range(int(first), int(last) + 1))
            if dash
            else tuple(int(v) for v in text.split(","))
        )
    except ValueError:
        raise ValueError("not years: write a range (2011-2024) or a list (2015,2024)") from None
    if not years:
        raise ValueError(f"the range runs backwards ({first} after {last}): write {last}-{first}")
    return years


def main() -> None:  # pragma: no cover
    """Run the ``sesindex`` command line."""
    app(prog_name="sesindex")

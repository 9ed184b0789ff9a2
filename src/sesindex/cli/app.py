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

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(help="Swedish socioeconomic area index with honest uncertainty.",
                  no_args_is_help=True, add_completion=False)


def _version(value: bool) -> None:
    if value:
        from sesindex import __version__

        print(f"sesindex {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version,
                                       is_eager=True, help="Print the version and exit.")):
    """Swedish socioeconomic area index with honest uncertainty."""
data_app = typer.Typer(help="Inspect and validate input data.", no_args_is_help=True)
app.add_typer(data_app, name="data")
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DATA_HELP = ("Packaged dataset (synthetic, synthetic-programme, synthetic-deso, "
             "sweden-regso-2022, "
             "karlstad-tab6586) or a file: "
             "tidy CSV/Parquet, or a PxWeb JSON-stat 2.0 response.")


@contextmanager
def steps():
    """A Rich progress display; ``step(label)`` is a context manager per stage."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=False) as progress:
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


def fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


CUTPOINTS_HELP = ("National cut points when the data hold only some areas: 'mu,sigma' "
                  "for every year or 'YEAR:mu,sigma;YEAR:mu,sigma' (e.g. 2022:9.10,5.47).")


def parse_cutpoints(text: str | None) -> dict | None:
    from sesindex.index.cutpoints import parse_cutpoints

    try:
        return parse_cutpoints(text)
    except ValueError as exc:
        fail(str(exc), 2)


def print_verdicts(changes, method: str) -> None:
    """How many observed type changes get each verdict, with the rule that judged them."""
    from sesindex.uncertainty.draws import verdict_rule

    if "verdict" not in changes:
        return
    pairs = changes[["year_from", "year_to"]].drop_duplicates().to_numpy()
    y0, y1 = (int(v) for v in pairs[-1]) if "pair" not in changes else (
        int(v) for v in changes.loc[changes["pair"] == "consecutive",
                                    ["year_from", "year_to"]].iloc[-1])
    last = changes[(changes["year_from"] == y0) & (changes["year_to"] == y1)]
    counts = last["verdict"].value_counts()
    moved = int((last["verdict"] != "").sum())
    rule = verdict_rule(changes)
    console.print(f"{y0}->{y1}: {moved} areas changed their observed type; by {method}, "
                  + ", ".join(f"{counts.get(label, 0)} {label}" for label in rule.labels)
                  + f" ({rule.text}; see changes.csv)", highlight=False)
    crossed = int(last["boundary_changed"].sum()) if "boundary_changed" in last else 0
    if crossed:
        console.print(f"{crossed} areas' boundaries changed between {y0} and {y1} (SCB's "
                      "RegSO 2025): their comparisons are marked 'boundary changed', not "
                      "counted as their own movement", highlight=False)


def print_typing(note: str, warnings) -> None:
    for warning in warnings or []:
        err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    if note:
        err.print(f"[yellow]types:[/] {escape(note)}", highlight=False)


def print_types(summary, title: str) -> None:
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
    console.print(f"year {int(last['year'])}: {n} areas, national mu = {last['mu']:.2f}, "
                  f"sigma = {last['sigma']:.2f} (percentage points)")


def refuse_earlier_run(out: Path, overwrite: bool, replaces: str | None = None) -> None:
    """Stop (exit 2) before any work when ``out`` holds an earlier run
    (:func:`sesindex.runs.check_out`)."""
    from sesindex.runs import EarlierRunError, check_out

    try:
        check_out(out, overwrite, replaces)
    except EarlierRunError as exc:
        fail(f"{exc} (--overwrite)", 2)


def spec_file(name_or_path: str) -> Path:
    from sesindex.specs import resolve_spec

    try:
        return resolve_spec(name_or_path)
    except FileNotFoundError as exc:
        fail(str(exc), 2)


def parse_years(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    if "-" in text:
        a, b = (int(v) for v in text.split("-"))
        return tuple(range(a, b + 1))
    return tuple(int(v) for v in text.split(","))


def main() -> None:  # pragma: no cover
    app(prog_name="sesindex")


"""Validation studies: ``validate`` (and ``--check`` of every spec)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from rich.markup import escape

from sesindex.cli.app import app, console, err, fail, steps, unreadable_spec, user_spec


@app.command()
def validate(
    spec: Path = typer.Argument(None, help="A study spec, e.g. validation/bootstrap.toml."),
    all_: bool = typer.Option(False, "--all", help="Run every spec in validation/."),
    specs_dir: Path = typer.Option(Path("validation"), help="Where --all looks."),
    out: Path = typer.Option(Path("results/validation"), help="Output root."),
    check: bool = typer.Option(
        False,
        "--check",
        help="Check the study spec given, "
        "or else every study spec in --specs-dir and every "
        "packaged index and model spec, against its schema, "
        "without running.",
    ),
    workers: int | None = typer.Option(
        None,
        help="Run the study's replicates (stress, "
        "evaluate, sbc, sensitivity) on a local Dask "
        "cluster of N worker processes.",
    ),
    scheduler: str | None = typer.Option(
        None, help="Run them on an existing Dask cluster: its scheduler address, tcp://HOST:PORT."
    ),
):
    """Run a validation study (tables, figures, manifest in results/validation/<study>/)."""
    from sesindex.api import run_study
    from sesindex.validate import StudySpec
    from sesindex.validate.replicates import Engine

    if check:
        _check_specs(specs_dir, spec)
        return
    if all_ == (spec is not None):
        fail("give one study spec or --all")
    paths = sorted(specs_dir.glob("*.toml")) if all_ else [spec]
    if not paths:
        fail(f"--all: no study specs (*.toml) in {specs_dir}")
    # every spec checked before any study runs
    studies = {p.stem: user_spec(StudySpec.load, p, packaged=False) for p in paths}
    try:
        if not all_:  # the cluster options checked before any study runs
            Engine(workers=workers, scheduler=scheduler)
    except ValueError as exc:
        fail(str(exc))
    results = {}
    if all_:  # every study in process
        workers = scheduler = None
    try:
        with steps() as step:
            for name, study in studies.items():
                with step(f"validate {study.path}"):
                    results[name] = run_study(
                        study, out / name, workers=workers, scheduler=scheduler
                    )
    except ValueError as exc:
        fail(str(exc))
    import json

    for name, manifest in results.items():
        console.print(
            f"[bold]{name}[/]: {len(manifest.get('files', []))} files in {out / name}",
            highlight=False,
        )
        for k, v in manifest.get("results", {}).items():
            text = json.dumps(v, default=str)
            console.print(
                f"  {k}: {escape(text[:160])}{'…' if len(text) > 160 else ''}", highlight=False
            )


def _check_specs(specs_dir: Path, spec: Path | None = None) -> None:
    """Load ``spec``, or else every spec (study specs of ``specs_dir``, packaged index and
    model specs), through its schema; exit 2 naming each that fails.
    """
    import tomllib

    from sesindex.bayes import load_model_spec
    from sesindex.index import load_spec
    from sesindex.specs import packaged_specs, resolve_spec
    from sesindex.validate import StudySpec

    if spec is not None:
        _report_checks([(spec, StudySpec.load)])
        return
    files: list[tuple[Path, Callable]] = [
        (p, StudySpec.load) for p in sorted(Path(specs_dir).glob("*.toml"))
    ]
    for name in packaged_specs():
        path = resolve_spec(name)
        with open(path, "rb") as fh:
            kind = load_model_spec if "model" in tomllib.load(fh) else load_spec
        files.append((path, kind))
    _report_checks(files)


def _report_checks(files: list) -> None:
    """Each (path, loader) loaded; a line per spec (file, line and key of each problem),
    exit 2 if any is refused, as a command given that spec would.
    """
    from sesindex.spec_errors import SpecError

    bad = 0
    for path, loader in files:
        try:
            loader(path)
            console.print(f"[green]✓[/] {path}", highlight=False)
        except SpecError as exc:
            bad += 1
            err.print(f"[red]✗[/] {escape(str(exc))}", highlight=False)
        except (OSError, UnicodeDecodeError) as exc:
            bad += 1
            err.print(f"[red]✗[/] {escape(unreadable_spec(path, exc))}", highlight=False)
    console.print(f"{len(files) - bad} of {len(files)} specs valid", highlight=False)
    if bad:
        raise typer.Exit(2)

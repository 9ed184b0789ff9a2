"""The ``sesindex`` command line (Typer + Rich): argument parsing and Rich output over the
library's calls.

Run ``sesindex --help``; every command writes ``manifest.json`` beside its outputs. The
commands live by job: :mod:`sesindex.cli.index_commands` (demo, index, report),
:mod:`sesindex.cli.data_commands` (data check, data assemble, fetch),
:mod:`sesindex.cli.fit_commands` (fit, evaluate), :mod:`sesindex.cli.publish_commands`
(publish --from-scb) and :mod:`sesindex.cli.study_commands` (validate);
:mod:`sesindex.cli.app` holds what they share.
"""

# importing the command modules registers their commands on ``app``
# (in the order --help lists them)
from sesindex.cli import (
    data_commands,
    fit_commands,
    index_commands,
    publish_commands,
    study_commands,
)
from sesindex.cli.app import app, main
from sesindex.runs import run_directory

__all__ = [
    "app",
    "main",
    "run_directory",
    "data_commands",
    "fit_commands",
    "index_commands",
    "publish_commands",
    "study_commands",
]

"""Write an evaluation: effects.csv, event_study.csv, controls, balance, trajectories
and manifest.json (its figures and reports are the publication's:
:func:`sesindex.reporting.evaluation.publish_evaluation`).

Examples
--------
>>> sorted(TABLES)
['balance', 'controls', 'effects', 'event_study', 'trajectories']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sesindex.manifest import manifest_of, save_manifest

TABLES = ("effects", "event_study", "controls", "balance", "trajectories")


def evaluation_tree(result, *, command: str = "evaluate", inputs=None):
    """An evaluation as one run tree (:func:`sesindex.runs.run_tree`): ``/effects``,
    ``/event_study``, ``/controls``, ``/balance``, ``/trajectories``; its provenance (the
    inputs: the fitted data's and the files of treated and comparison areas, and
    ``inputs`` given here; the treated areas, the evaluation's settings, the refit's gate,
    the headline) in ``attrs["manifest"]``.
    """
    from sesindex.data.io import input_provenance
    from sesindex.runs import run_tree

    gate = result.fit.gate
    data = input_provenance(result.fit.data)
    data["inputs"] = {**data["inputs"], **result.inputs, **(inputs or {})}
    manifest = manifest_of(
        command=command,
        spec=result.fit.spec.to_dict(),
        **data,
        seed=result.fit.spec.sampler.seed,
        timings=result.fit.timings,
        status="ok" if gate["passed"] else "failed",
        fit_ok=bool(gate["passed"]),
        gate=gate,
        treated={a: int(s) for a, s in result.starts.items()},
        evaluation=result.info,
        headline=_headline(result),
    )
    return run_tree({name: getattr(result, name) for name in TABLES}, manifest=manifest)


def _headline(result) -> dict:
    """The headline estimand's row (several programmes: programme name -> its row)."""

    def row(name):
        return {
            k: (float(v) if isinstance(v, (float, np.floating)) else v)
            for k, v in result.effect(result.info["headline"], name).items()
        }

    names = list(dict.fromkeys(result.effects["programme"]))
    return row(names[0]) if len(names) == 1 else {name: row(name) for name in names}


def write_evaluation(
    result, out_dir, *, command: str = "evaluate", inputs=None, tree=None
) -> list[Path]:
    """Write every table of an evaluation into ``out_dir`` from its tree
    (:func:`evaluation_tree`, built here unless given), then its manifest (last; it joins
    the tree's attrs).
    """
    from sesindex.runs import with_manifest, write_tables

    out = Path(out_dir)
    if tree is None:
        tree = evaluation_tree(result, command=command, inputs=inputs)
    paths = write_tables(tree, out)
    with_manifest(tree, save_manifest(out, tree.attrs["manifest"], outputs=[p.name for p in paths]))
    return paths

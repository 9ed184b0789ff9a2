"""Write an evaluation: effects.csv, event_study.csv, controls, balance, trajectories,
figures and manifest.json.

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


def _figure():
    """A new Agg figure and its axes (the caller's pyplot backend is never touched)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 4.6), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots()


def _figures(result, out: Path) -> list[Path]:
    paths = []
    fig, ax = _figure()
    styles = {"treated": ("#b5443a", "-"), "treated_without_programme": ("#b5443a", "--"),
              "comparison": ("#3a6fb5", "-")}
    labels = {"treated": "treated areas", "treated_without_programme":
              "treated, without the programme (counterfactual)",
              "comparison": "comparison areas"}
    paths_of = result.trajectories
    several = paths_of["programme"].nunique() > 1
    for (name, group), g in paths_of.groupby(["programme", "group"], sort=False):
        if several and group == "comparison" and name != paths_of["programme"].iloc[0]:
            continue  # the comparison areas are the same for every programme
        color, ls = styles[group]
        if several and group != "comparison":
            color = _programme_colour(list(dict.fromkeys(paths_of["programme"])).index(name))
        label = labels[group]
        if several and group != "comparison":
            label = f"{name}: {label}"
        ax.plot(g["year"], g["mean"], ls, color=color, marker="o", ms=3, label=label)
        ax.fill_between(g["year"], g["lo90"], g["hi90"], color=color, alpha=0.15)
    for start in sorted(set(result.starts.values())):
        ax.axvline(start - 0.5, color="0.5", lw=0.8, ls=":")
    paths.append(_save(fig, ax, out / "trajectories.png", "Year (dotted: programme start)",
                       "Mean index (percent; higher = lower status)",
                       "Treated and comparison areas, 90 % intervals"))

    fig, ax = _figure()
    names = list(dict.fromkeys(result.event_study["programme"]))
    for k, (programme, ev) in enumerate(result.event_study.groupby("programme", sort=False)):
        pre = ev["event_time"] < 0
        shift = 0.12 * (k - (len(names) - 1) / 2)  # programmes side by side
        for mask, color, name in ((pre, "0.45", "before the start (placebo)"),
                                  (~pre, "#b5443a", "after the start (effect)")):
            if len(names) > 1:
                color = _programme_colour(names.index(programme))
                name = f"{programme}, {name}"
            e = ev[mask]
            ax.errorbar(e["event_time"] + shift, e["mean"],
                        yerr=[e["mean"] - e["lo95"], e["hi95"] - e["mean"]],
                        fmt="o", color=color, capsize=3, label=name)
    ax.axhline(0, color="k", lw=0.8)
    paths.append(_save(fig, ax, out / "event_study.png",
                       "Years relative to the programme's start (-1: reference)",
                       "Effect on the index (points), 95 % interval", "Event study"))
    return paths


def _programme_colour(k: int) -> str:
    return ("#b5443a", "#3a9b5b", "#8a5ab5", "#c58a1f", "#2f8fa8")[k % 5]


def _save(fig, ax, path: Path, xlabel: str, ylabel: str, title: str) -> Path:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=120)
    return path


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
        command=command, spec=result.fit.spec.to_dict(), **data,
        seed=result.fit.spec.sampler.seed, timings=result.fit.timings,
        status="ok" if gate["passed"] else "failed", fit_ok=bool(gate["passed"]),
        gate=gate, treated={a: int(s) for a, s in result.starts.items()},
        evaluation=result.info, headline=_headline(result))
    return run_tree({name: getattr(result, name) for name in TABLES}, manifest=manifest)


def _headline(result) -> dict:
    """The headline estimand's row (several programmes: programme name -> its row)."""
    def row(name):
        return {k: (float(v) if isinstance(v, (float, np.floating)) else v)
                for k, v in result.effect(result.info["headline"], name).items()}

    names = list(dict.fromkeys(result.effects["programme"]))
    return row(names[0]) if len(names) == 1 else {name: row(name) for name in names}


def write_evaluation(result, out_dir, *, command: str = "evaluate", inputs=None,
                     tree=None) -> list[Path]:
    """Write every output of an evaluation into ``out_dir`` from its tree
    (:func:`evaluation_tree`, built here unless given): tables, figures, manifest (last;
    it joins the tree's attrs).
    """
    from sesindex.runs import with_manifest, write_tables

    out = Path(out_dir)
    if tree is None:
        tree = evaluation_tree(result, command=command, inputs=inputs)
    paths = write_tables(tree, out)
    paths += _figures(result, out)
    with_manifest(tree, save_manifest(out, tree.attrs["manifest"],
                                      outputs=[p.name for p in paths]))
    return paths

"""An evaluation's two figures, in Swedish or English (``lang``;
:mod:`sesindex.reporting.vocabulary`), drawn from its tables: the treated and comparison
areas' trajectories, and the event study. Programme names are shown as given.

Examples
--------
>>> import pandas as pd
>>> events = pd.DataFrame(
...     {
...         "programme": "p",
...         "event_time": [-2, -1, 0],
...         "period": ["pre", "reference", "post"],
...         "mean": [0.1, 0.0, -1.5],
...         "lo95": [-0.4, 0.0, -2.0],
...         "hi95": [0.6, 0.0, -1.0],
...     }
... )
>>> event_study_figure(events, "sv").axes[0].get_title()
'Händelsestudie'
"""

from __future__ import annotations

import pandas as pd

from sesindex.reporting.figures import localised
from sesindex.reporting.vocabulary import text

#: Colours of a single programme's groups, and line styles.
STYLES = {
    "treated": ("#b5443a", "-"),
    "treated_without_programme": ("#b5443a", "--"),
    "comparison": ("#3a6fb5", "-"),
}
#: Colours of several programmes, in their order.
PROGRAMME_COLOURS = ("#b5443a", "#3a9b5b", "#8a5ab5", "#c58a1f", "#2f8fa8")


def _figure():
    """A new Agg figure and its axes (the caller's pyplot backend is never touched)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 4.6), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots()


def _programme_colour(k: int) -> str:
    return PROGRAMME_COLOURS[k % len(PROGRAMME_COLOURS)]


def _labelled(fig, ax, lang: str, xlabel: str, ylabel: str, title: str):
    ax.set(xlabel=text(xlabel, lang), ylabel=text(ylabel, lang), title=text(title, lang))
    ax.legend(fontsize=8)
    return localised(fig, lang)


def trajectories_figure(trajectories: pd.DataFrame, starts, lang: str = "en"):
    """The treated areas' mean index by year, without their programme (the
    counterfactual) and the comparison areas', with 90 % intervals; a dotted line
    before each start year in ``starts``. Several programmes: each in its colour, the
    comparison areas (the same for all) once.
    """
    fig, ax = _figure()
    names = list(dict.fromkeys(trajectories["programme"]))
    several = len(names) > 1
    for (name, group), g in trajectories.groupby(["programme", "group"], sort=False):
        if several and group == "comparison" and name != names[0]:
            continue  # the comparison areas are the same for every programme
        color, ls = STYLES[group]
        label = text(f"ev_fig_{group}", lang)
        if several and group != "comparison":
            color, label = _programme_colour(names.index(name)), f"{name}: {label}"
        ax.plot(g["year"], g["mean"], ls, color=color, marker="o", ms=3, label=label)
        ax.fill_between(g["year"], g["lo90"], g["hi90"], color=color, alpha=0.15)
    for start in sorted(set(starts)):
        ax.axvline(start - 0.5, color="0.5", lw=0.8, ls=":")
    return _labelled(fig, ax, lang, "ev_fig_year", "ev_fig_mean_index", "ev_fig_trajectories")


def event_study_figure(event_study: pd.DataFrame, lang: str = "en"):
    """Each year's effect relative to the programme's start with its 95 % interval:
    before the start (placebo checks) in grey, after it (the effect) in colour; several
    programmes side by side, each in its colour.
    """
    fig, ax = _figure()
    names = list(dict.fromkeys(event_study["programme"]))
    for k, (programme, ev) in enumerate(event_study.groupby("programme", sort=False)):
        pre = ev["event_time"] < 0
        shift = 0.12 * (k - (len(names) - 1) / 2)  # programmes side by side
        for mask, color, key in ((pre, "0.45", "ev_fig_before"), (~pre, "#b5443a", "ev_fig_after")):
            name = text(key, lang)
            if len(names) > 1:
                color, name = _programme_colour(names.index(programme)), f"{programme}, {name}"
            e = ev[mask]
            ax.errorbar(
                e["event_time"] + shift,
                e["mean"],
                yerr=[e["mean"] - e["lo95"], e["hi95"] - e["mean"]],
                fmt="o",
                color=color,
                capsize=3,
                label=name,
            )
    ax.axhline(0, color="k", lw=0.8)
    return _labelled(fig, ax, lang, "ev_fig_event_time", "ev_fig_effect", "ev_fig_event_study")

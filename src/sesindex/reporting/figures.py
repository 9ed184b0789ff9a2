"""Figures a reader understands alone: titles, axis labels, units (matplotlib, Agg), in
Swedish or English (``lang``; :mod:`sesindex.reporting.vocabulary`), numbers on their
axes as the language writes them (:func:`localised`: a decimal comma in Swedish).

Each function takes tidy tables from a run directory and returns a matplotlib Figure.

Examples
--------
>>> import pandas as pd
>>> s = pd.DataFrame(
...     {
...         "year": [2022, 2023],
...         "mu": [9.1, 9.0],
...         "sigma": [5.5, 5.4],
...         **{f"type_{k}": [1, 1] for k in range(1, 6)},
...     }
... )
>>> national_summary(s).axes[0].get_title()
'National mean and standard deviation of the index'
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import ScalarFormatter  # noqa: E402

from sesindex.reporting.vocabulary import text  # noqa: E402

#: Type colours, diverging around type 3 (mixed), which is a visible sand, not white.
TYPE_COLOURS = {1: "#b2182b", 2: "#ef8a62", 3: "#e6d7a3", 4: "#67a9cf", 5: "#2166ac"}


class DecimalComma(ScalarFormatter):
    """matplotlib's own tick labels (and their offset) with a decimal comma, whatever the
    machine's locale: Swedish figures' numbers.

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set(ylim=(-2, 1), yticks=[-1.5, 0.0])
    >>> ax.yaxis.set_major_formatter(DecimalComma())
    >>> fig.canvas.draw()
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['−1,5', '0,0']
    """

    def __call__(self, x, pos=None) -> str:
        """The tick label at ``x`` with a decimal comma."""
        return super().__call__(x, pos).replace(".", ",")

    def get_offset(self) -> str:
        """The axis offset with a decimal comma."""
        return super().get_offset().replace(".", ",")


def localised(fig, lang: str):
    """``fig`` with the numbers on its axes written in ``lang``: in Swedish every axis
    that matplotlib numbers itself (colour bars too) takes a decimal comma
    (:class:`DecimalComma`); axes of names, dates or an own formatter are left as they
    are, and so is English. Returns ``fig`` (None stays None).

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0.5, 2.5])
    >>> type(localised(fig, "sv").axes[0].yaxis.get_major_formatter()).__name__
    'DecimalComma'
    >>> type(localised(plt.subplots()[0], "en").axes[0].yaxis.get_major_formatter()).__name__
    'ScalarFormatter'
    """
    if fig is None or lang != "sv":
        return fig
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(DecimalComma())
    return fig


def has_type_counts(summary: pd.DataFrame) -> bool:
    """Whether any year of a run's summary counts areas of a type (types 1-5)."""
    cols = [f"type_{k}" for k in range(1, 6)]
    return set(cols) <= set(summary) and bool(summary[cols].fillna(0).to_numpy().sum() > 0)


def national_summary(summary: pd.DataFrame, lang: str = "en"):
    """Mu and sigma by year, and the share of areas of each type by year: only the
    panels the run has something for (no types: no share panel); None with neither.
    """
    moments = "mu" not in summary or bool(summary["mu"].notna().any())  # eta: says so
    typed = has_type_counts(summary)
    panels = int(moments) + int(typed)
    if not panels:
        return None
    fig, axes = plt.subplots(
        1, panels, figsize=(5.5 * panels, 3.8), constrained_layout=True, squeeze=False
    )
    if moments:
        _moments_panel(axes[0, 0], summary, lang)
    if typed:
        _type_shares_panel(axes[0, -1], summary, lang)
    return localised(fig, lang)


def _year_ticks(ax, years: pd.Series) -> None:
    if len(years) == 1:  # one year: a labelled tick, no broken year axis
        ax.set_xticks(years, [str(int(y)) for y in years])
    else:
        ax.xaxis.get_major_locator().set_params(integer=True)


def _moments_panel(a, summary: pd.DataFrame, lang: str) -> None:
    if "mu" in summary:
        a.plot(summary["year"], summary["mu"], "o-", label=text("fig_mean", lang))
        a.plot(summary["year"], summary["sigma"], "s-", label=text("fig_sd", lang))
        a.legend()
        if len(summary) == 1:
            _year_ticks(a, summary["year"])
    else:  # a model without the official three indicators has no index
        a.text(
            0.5, 0.5, text("fig_no_index", lang), ha="center", va="center", transform=a.transAxes
        )
    a.set(
        title=text("fig_moments", lang),
        xlabel=text("fig_year", lang),
        ylabel=text("fig_points", lang),
    )


def _type_shares_panel(b, summary: pd.DataFrame, lang: str) -> None:
    counts = summary[[f"type_{k}" for k in range(1, 6)]].to_numpy(float)
    shares = 100 * counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    bottom = np.zeros(len(summary))
    for k in range(1, 6):
        b.bar(
            summary["year"],
            shares[:, k - 1],
            bottom=bottom,
            color=TYPE_COLOURS[k],
            edgecolor="grey",
            linewidth=0.3,
            label=text("fig_type", lang, k=k),
        )
        bottom += shares[:, k - 1]
    b.set(
        title=text("fig_type_shares", lang),
        xlabel=text("fig_year", lang),
        ylabel=text("fig_share_areas", lang),
        ylim=(0, 100),
    )
    _year_ticks(b, summary["year"])
    # beside the plot, never over the bars
    b.legend(ncol=1, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))


def caterpillar(areas: pd.DataFrame, year: int, value: str = "index", lang: str = "en"):
    """Areas ranked by the index with 90% intervals (when the run has them)."""
    d = areas[areas["year"] == year]
    mean = f"{value}_mean" if f"{value}_mean" in d else value
    d = d.sort_values(mean).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(11, 4), constrained_layout=True)
    x = np.arange(len(d))
    if f"{value}_lo90" in d:
        ax.fill_between(
            x,
            d[f"{value}_lo90"],
            d[f"{value}_hi90"],
            color="#9ecae1",
            label=text("fig_interval", lang),
            step="mid",
        )
    ax.plot(x, d[mean], color="#08519c", lw=1, label=text("fig_estimate", lang))
    if "mu_mean" in d or "mu" in d:
        mu = d["mu_mean" if "mu_mean" in d else "mu"].iloc[0]
        sd = d["sigma_mean" if "sigma_mean" in d else "sigma"].iloc[0]
        if np.isfinite(mu):
            for k, ls in zip((-1, 0, 1, 2), (":", "--", ":", ":"), strict=True):
                ax.axhline(mu + k * sd, color="grey", ls=ls, lw=0.8)
            ax.text(
                len(d) * 0.01, mu + 2 * sd, text("fig_type1_from", lang), va="bottom", fontsize=8
            )
    what = text("fig_index_axis" if value == "index" else "fig_eta_axis", lang)
    ax.set(
        title=text("fig_ranked_index" if value == "index" else "fig_ranked_eta", lang, year=year),
        xlabel=text("fig_ranked_x", lang),
        ylabel=what,
    )
    ax.legend(loc="upper left")
    return localised(fig, lang)


def type_probabilities(areas: pd.DataFrame, year: int, n: int = 20, lang: str = "en"):
    """P(type = k) for the ``n`` areas whose type is most uncertain."""
    d = areas[areas["year"] == year].copy()
    cols = [f"p_type_{k}" for k in range(1, 6)]
    d["p_max"] = d[cols].max(axis=1)
    d = d.nsmallest(n, "p_max").sort_values("p_max")
    fig, ax = plt.subplots(figsize=(11, 0.32 * len(d) + 1.2), constrained_layout=True)
    left = np.zeros(len(d))
    labels = (d["area_code"] + " " + d.get("area_name", "").fillna("").astype(str)).str[:40]
    for k, c in zip(range(1, 6), cols, strict=True):
        ax.barh(
            labels,
            d[c],
            left=left,
            color=TYPE_COLOURS[k],
            edgecolor="grey",
            linewidth=0.3,
            label=text("fig_type", lang, k=k),
        )
        left += d[c].to_numpy()
    ax.set(
        title=text("fig_type_probabilities", lang, year=year, n=len(d)),
        xlabel=text("fig_probability", lang),
        xlim=(0, 1),
    )
    ax.legend(ncol=5, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08))
    ax.invert_yaxis()
    return localised(fig, lang)


def change_scatter(changes: pd.DataFrame, rule, lang: str = "en"):
    """Observed type changes: the probability their verdict reads (``rule``, a
    :class:`sesindex.uncertainty.draws.VerdictRule`) against the index change, with the
    rule's thresholds, in ``lang``.
    """
    from sesindex.reporting.vocabulary import measures, verdict

    fig, ax = plt.subplots(figsize=(8, 4), constrained_layout=True)
    ax.scatter(changes["dI_mean"], changes[rule.column], s=6, alpha=0.5)
    for threshold, label, side in (
        (rule.high, rule.labels[0], "bottom"),
        (rule.low, rule.labels[2], "top"),
    ):  # above / below
        ax.axhline(threshold, color="grey", ls="--", lw=0.8)
        ax.annotate(
            verdict(label, lang),
            (1.0, threshold),
            xycoords=("axes fraction", "data"),
            ha="right",
            va=side,
            fontsize=8,
            color="grey",
        )
    ax.set(
        title=f"{text('fig_change', lang)}: {rule.column}",
        xlabel=text("fig_change_x", lang),
        ylabel=textwrap.fill(measures(rule, lang), 40),
        ylim=(-0.02, 1.02),
    )
    return localised(fig, lang)

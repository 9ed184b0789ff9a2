"""Figures of the SBC study: rank histograms with their binomial band, and per-quantity
p-values of the uniformity tests beside the negative control.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sesindex.validate.ranks import bin_counts, binomial_band, uniformity


def plot_ranks(
    out, res, bins: int, title: str, name: str, shift_sd: float = 0.0, level: float = 0.99
) -> None:
    """Rank histograms of ``res`` (:class:`sesindex.validate.sbc_replicates.SBCResult`), one panel
    per quantity, with the ``level`` binomial band.
    """
    ranks = res.ranks(shift_sd)
    used = int(ranks.notna().all(axis=1).sum())
    lo, hi = binomial_band(used, bins, level)
    k = len(res.quantities)
    ncols = min(5, k)
    nrows = int(np.ceil(k / ncols))
    fig, axes = out.figure(nrows, ncols, size=(2.6 * ncols, 2.1 * nrows + 0.8))
    axes = np.atleast_1d(axes).ravel()
    width = (res.n_draws + 1) / bins
    table = uniformity(ranks, res.n_draws, bins)
    # the grid's spare axes (past the quantities) are hidden below
    for i, (ax, q) in enumerate(zip(axes, res.quantities, strict=False)):
        counts = bin_counts(ranks[q].to_numpy(float), res.n_draws, bins)
        edges = np.arange(bins) * width
        ax.axhspan(lo, hi, color="0.85", zorder=0)
        ax.axhline(used / bins, color="0.4", lw=0.8, ls="--")
        ax.bar(edges, counts, width=width, align="edge", color="#4a78b5", edgecolor="white")
        ax.set_xlim(0, res.n_draws + 1)
        p = table.loc[table["quantity"] == q, "p_value"].iloc[0]
        ax.set_title(q, fontsize=8)
        ax.text(
            0.98,
            0.97,
            f"p = {p:.2g}",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=7,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7},
        )
        ax.set_ylim(0, 1.15 * max(hi, counts.max()))
        ax.tick_params(labelsize=7)
        if i % ncols == 0:
            ax.set_ylabel("Replicates", fontsize=8)
        if i >= k - ncols:
            ax.set_xlabel(f"Rank among L = {res.n_draws} draws", fontsize=8)
    for ax in axes[k:]:
        ax.set_visible(False)
    fig.suptitle(
        f"{title}: rank histograms, {used} replicates, {bins} bins "
        f"(grey: {round(100 * level)}% band of a bin's count if uniform)"
    )
    out.save(
        fig,
        name,
        f"SBC rank histograms ({res.design}"
        + (f", negative control: draws shifted by +{shift_sd:g} sd" if shift_sd else "")
        + f") with the {round(100 * level)}% binomial band",
    )


def plot_pvalues(out, tables: pd.DataFrame, alpha: float, title: str) -> None:
    """Save a figure of each quantity's uniformity p-value, per design, against ``alpha``."""
    designs = list(dict.fromkeys(tables["design"]))
    fig, axes = out.figure(len(designs), 1, size=(10.0, 3.6 * len(designs) + 0.6))
    for ax, design in zip(np.atleast_1d(axes), designs, strict=True):
        g = tables[tables["design"] == design]
        names = list(dict.fromkeys(g["quantity"]))
        x = {q: i for i, q in enumerate(names)}
        for kind, h in g.groupby("kind", sort=False):
            ax.plot(
                [x[q] for q in h["quantity"]],
                h["p_value"].clip(lower=1e-30),
                "o" if kind == "sbc" else "x",
                label="SBC" if kind == "sbc" else f"negative control ({kind})",
            )
        ax.axhline(
            alpha / len(names),
            color="firebrick",
            lw=0.8,
            ls="--",
            label=f"Bonferroni threshold {alpha:g}/{len(names)}",
        )
        ax.set_yscale("log")
        ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
        ax.set_ylabel("Chi-square p-value")
        ax.set_title(f"Design {design}")
        ax.legend(fontsize=7)
    fig.suptitle(f"{title}: per-quantity p-values of uniform ranks (clipped at 1e-30)")
    out.save(fig, "sbc_pvalues", "per-quantity chi-square p-values, SBC and negative control")

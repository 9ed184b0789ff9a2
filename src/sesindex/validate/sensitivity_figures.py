"""Figures of the sensitivity study: Sobol indices per output, type changes by method
choice, and each area's rank interval over the sampled choices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def sensitivity_figures(
    out,
    sobol: pd.DataFrame,
    samples: pd.DataFrame,
    areas: pd.DataFrame,
    title: str,
    ref: str,
    year: int,
) -> None:
    """Save the study's three figures into ``out`` (a study output) from its tables."""
    outs = list(dict.fromkeys(sobol["output"]))
    if outs:
        fig, axes = out.figure(1, len(outs), size=(4.3 * len(outs), 4.2))
        axes = np.atleast_1d(axes)
        axes[0].set_ylabel("Sobol index (share of output variance)")
        for ax, name in zip(axes, outs, strict=True):
            g = sobol[sobol["output"] == name]
            x = np.arange(len(g))
            ax.bar(x - 0.2, g["S1"], 0.4, yerr=g["S1_conf"], label="first order S1", capsize=2)
            ax.bar(x + 0.2, g["ST"], 0.4, yerr=g["ST_conf"], label="total ST", capsize=2)
            ax.set_xticks(x, g["factor"], rotation=20, ha="right")
            ax.set_ylim(-0.05, 1.05)
            ax.set_title(name.replace("_", " "), fontsize=10)
        axes[0].legend(fontsize=8)
        fig.suptitle(f"{title}: which method choice drives each output ({year}, vs {ref})")
        out.save(
            fig,
            "sobol_indices",
            "first-order and total Sobol indices with 95% bootstrap confidence intervals",
        )
    fig, axes = out.figure(1, 3, size=(13, 4.2))
    axes[0].set_ylabel(f"Share of areas whose type differs from {ref}")
    for ax, factor in zip(axes, ("normalisation", "aggregation", "cut_rule"), strict=True):
        groups = [g["share_type_changed"].to_numpy() for _, g in samples.groupby(factor)]
        ax.boxplot(groups, tick_labels=[str(k) for k, _ in samples.groupby(factor)])
        ax.tick_params(axis="x", rotation=15)
        ax.set_xlabel(factor.replace("_", " "))
    fig.suptitle(
        f"{title}: type changes against {ref} by method choice "
        f"({len(samples)} Monte Carlo samples, {year})"
    )
    out.save(
        fig,
        "type_change_by_choice",
        "distribution of the share of areas changing type for each level of each choice",
    )
    t = areas.sort_values("rank_reference")
    fig, ax = out.figure(size=(8, 5))
    ax.vlines(
        t["rank_reference"],
        t["rank_p05"],
        t["rank_p95"],
        color="0.6",
        lw=0.3,
        label="5-95% of ranks over method choices",
    )
    ax.plot(t["rank_reference"], t["rank_median"], ".", ms=1, color="k", label="median rank")
    ax.set_xlabel(f"Rank under the {ref} method (1 = highest index, lowest status)")
    ax.set_ylabel("Rank over sampled method choices")
    ax.set_title(f"{title}: rank of each area across method choices ({year})")
    ax.legend()
    out.save(fig, "rank_distribution", "each area's rank interval over the sampled choices")

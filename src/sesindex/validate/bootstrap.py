"""The bootstrap study: robustness of index, rank and type to binomial noise.

The replicates come from :mod:`sesindex.uncertainty.bootstrap`; this study runs them for
the spec's methods and years and writes the tables and figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sesindex.index.area_type import cut_points
from sesindex.uncertainty.bootstrap import (
    LEVELS,
    METHODS,
    TYPES,
    BootstrapResult,
    area_summary,
    bootstrap_year,
    year_summary,
)


def _figures(out, results: list[BootstrapResult], tables: dict, title: str) -> None:
    colours = {"parametric": "tab:blue", "beta": "tab:orange", "areas": "tab:green"}
    year = results[0].year
    first = {b.method: b for b in results if b.year == year}
    fig, ax = out.figure()
    for m in first:
        t = tables[(m, year)]
        ax.scatter(
            t["population"],
            t["index_hi90"] - t["index_lo90"],
            s=3,
            alpha=0.5,
            color=colours[m],
            label=m,
        )
    ax.set_xscale("log")
    ax.set_xlabel("Population of the area (residents, log scale)")
    ax.set_ylabel("Width of the 90% bootstrap interval of the index (percentage points)")
    ax.set_title(f"{title}: index uncertainty shrinks with population ({year})")
    ax.legend(title="replicate scheme", markerscale=3)
    out.save(
        fig,
        "interval_width_vs_population",
        "90% interval width of each area's index against its population",
    )

    fig, ax = out.figure()
    for m in first:
        t = tables[(m, year)]
        ax.scatter(
            t["distance_to_cut_sd"], t["p_type_differs"], s=3, alpha=0.5, color=colours[m], label=m
        )
    ax.set_xlabel("Distance of the observed index to the nearest cut point (in units of sigma)")
    ax.set_ylabel("P(bootstrap type differs from the observed type)")
    ax.set_xlim(0, 0.5)
    ax.set_title(f"{title}: type flips happen near the cut points ({year})")
    ax.legend(title="replicate scheme", markerscale=3)
    out.save(
        fig,
        "p_type_differs_vs_distance",
        "probability that an area's type differs from its observed type vs its distance "
        "to the nearest cut point",
    )

    fig, axes = out.figure(1, 2, size=(10, 4.2))
    for m, b in first.items():
        axes[0].hist(b.mu, bins=40, alpha=0.5, color=colours[m], label=m)
        axes[1].hist(b.sigma, bins=40, alpha=0.5, color=colours[m], label=m)
    axes[0].set_xlabel("National mean mu of the index (percent)")
    axes[1].set_xlabel("National standard deviation sigma of the index (percentage points)")
    for ax in axes:
        ax.set_ylabel("Replicates")
        ax.legend(title="replicate scheme")
    fig.suptitle(f"{title}: replicate distribution of the cut-point moments ({year})")
    out.save(fig, "mu_sigma_replicates", "histograms of the replicate national mu and sigma")

    b = first.get("parametric", next(iter(first.values())))
    t = tables[(b.method, year)].sort_values("index_obs").reset_index(drop=True)
    fig, ax = out.figure(size=(9, 5))
    ax.vlines(
        np.arange(len(t)),
        t["index_lo90"],
        t["index_hi90"],
        color="0.6",
        lw=0.4,
        label="90% interval",
    )
    ax.plot(np.arange(len(t)), t["index_obs"], ".", ms=1.2, color="k", label="observed index")
    for k, c in enumerate(cut_points(float(b.observed.mu), float(b.observed.sigma))):
        ax.axhline(c, color="tab:red", lw=0.7, ls="--", label="type cut points" if k == 0 else None)
    ax.set_xlabel("Areas ordered by observed index")
    ax.set_ylabel("Index (percent)")
    ax.set_title(f"{title}: observed index and {b.method} 90% interval per area ({year})")
    ax.legend(loc="upper left")
    out.save(fig, "index_intervals", "each area's observed index with its 90% bootstrap interval")


def run(spec, data, out) -> dict:
    """The bootstrap study of ``spec`` on ``data``; writes tables and figures to ``out``.

    Examples
    --------
    >>> import tempfile
    >>> from sesindex.validate.inputs import load_study_data
    >>> from sesindex.validate.outputs import StudyOutput
    >>> from sesindex.validate.spec import StudySpec
    >>> spec = StudySpec.from_dict(
    ...     {"study": "bootstrap", "n_areas": 60, "years": [2022], "bootstrap": {"replicates": 40}}
    ... )
    >>> key = run(spec, load_study_data(spec), StudyOutput(tempfile.mkdtemp()))
    >>> sorted(key["by_scheme_year"])
    ['areas_2022', 'beta_2022', 'parametric_2022']
    """
    methods = spec.option("methods", list(METHODS))
    replicates = int(spec.option("replicates", 1000))
    levels = tuple(spec.option("levels", LEVELS))
    fixed = spec.option("fixed_indicators", [])
    published = data.published_type()
    results, tables, rows = [], {}, []
    for yi, year in enumerate(data.years):
        for method in methods:
            b = bootstrap_year(
                data.dataset,
                spec.index,
                year,
                replicates=replicates,
                seed=spec.seed,
                method=method,
                fixed_indicators=fixed,
            )
            pub = None if published is None else published[:, yi]
            t = area_summary(b, levels, pub)
            out.table(
                f"areas_{method}_{year}",
                t,
                f"per area, {method} bootstrap {year}: index intervals "
                f"{levels}, rank intervals, P(type = k), P(type differs)",
            )
            by_type = t.groupby("type_obs")[[f"p_type_{k}" for k in TYPES]].mean()
            out.table(
                f"type_probability_by_observed_type_{method}_{year}",
                by_type,
                "mean P(type = k) (columns) among areas of each observed type (rows)",
                index=True,
            )
            results.append(b)
            tables[(method, year)] = t
            rows.append(year_summary(b, t))
    summary = pd.DataFrame(rows)
    out.table(
        "summary",
        summary,
        "one row per replicate scheme and year: SE of mu and sigma, "
        "median interval widths, expected number of type flips",
    )
    _figures(out, results, tables, spec.title)
    key = {
        f"{r['method']}_{r['year']}": {k: v for k, v in r.items() if k not in ("method", "year")}
        for r in rows
    }
    return {"replicates": replicates, "methods": methods, "by_scheme_year": key}

"""Agreement between methods: the reference (official) index against its alternatives.

For every alternative and year: Spearman's rho and Kendall's tau of the index, linear and
quadratic weighted Cohen's kappa of the types (sklearn), the type confusion matrix and
Bland-Altman bias and limits of agreement of the standardised scores. On synthetic data
the true index and types join as one more "method", and so does the posterior mean of the
default Bayesian model unless the spec says ``bayes = "off"`` (a failed fit is recorded
with its reason, not guessed around). On the
real bundle every method is also compared with SCB's published area types 2022.

Examples
--------
>>> import numpy as np
>>> x = np.array([3.0, 1.0, 2.0, 5.0])
>>> t = np.array([2, 4, 3, 1])
>>> row = agreement_row("same", x, x, t, t)
>>> row["kappa_quadratic"], row["spearman"], row["ba_bias"], row["ba_loa_high"]
(1.0, 1.0, 0.0, 0.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sesindex.validate.concordance import (
    TYPES,
    bland_altman,
    compare,
    standardised,
    transition_matrix,
    weighted_kappa,
)
from sesindex.validate.inputs import compute
from sesindex.validate.posterior import study_posterior


def agreement_row(
    method: str, ref_index: np.ndarray, index: np.ndarray, ref_type: np.ndarray, types: np.ndarray
) -> dict:
    """All agreement measures of one method against the reference, one dict.

    Examples
    --------
    >>> x = np.array([3.0, 1.0, 2.0, 5.0])
    >>> t = np.array([2, 4, 3, 1])
    >>> r = agreement_row("reversed", x, -x, t, 6 - t)
    >>> r["spearman"], r["kappa_linear"] < 0
    (-1.0, True)
    """
    ba = bland_altman(ref_index, index)
    return {
        "method": method,
        **compare(ref_index, index, ref_type, types),
        **{f"ba_{k}": v for k, v in ba.items()},
    }


def published_row(method: str, index: np.ndarray, types: np.ndarray, published: np.ndarray) -> dict:
    """Agreement of one method's index and types with SCB's published types.

    Examples
    --------
    >>> r = published_row(
    ...     "m", np.array([9.0, 5.0, 1.0]), np.array([1, 3, 5]), np.array([1.0, 3.0, 4.0])
    ... )
    >>> round(r["share_same_type"], 3), r["share_within_one_type"]
    (0.667, 1.0)
    """
    from scipy.stats import spearmanr

    ok = np.isfinite(published) & (types > 0)
    pub = published[ok].astype(int)
    t = types[ok]
    return {
        "method": method,
        "areas": int(ok.sum()),
        "share_same_type": float(np.mean(t == pub)),
        "share_within_one_type": float(np.mean(np.abs(t - pub) <= 1)),
        "kappa_unweighted": weighted_kappa(pub, t, None),
        "kappa_linear": weighted_kappa(pub, t, "linear"),
        "kappa_quadratic": weighted_kappa(pub, t, "quadratic"),
        # published type 1 = highest index: correlate the index with 6 - type
        "spearman_index_vs_published_type": float(spearmanr(index[ok], 6 - pub).statistic),
        **{f"areas_type_{k}": int(np.sum(t == k)) for k in TYPES},
    }


def _confusions(
    rows: list[tuple[str, int, np.ndarray, np.ndarray]], ref_label: str
) -> pd.DataFrame:
    frames = [
        transition_matrix(a, b)
        .stack()
        .rename("areas")
        .reset_index()
        .rename(columns={"from_type": f"type_{ref_label}", "to_type": "type_method"})
        .assign(method=m, year=y)
        for m, y, a, b in rows
    ]
    return pd.concat(frames, ignore_index=True)


def _figures(
    out,
    ref: str,
    year: int,
    series: dict,
    title: str,
    published: pd.DataFrame | None,
    pub_matrix: tuple | None,
) -> None:
    names = [m for m in series if m != ref]
    if names:
        ncols = min(3, len(names))
        nrows = int(np.ceil(len(names) / ncols))
        fig, axes = out.figure(nrows, ncols, size=(4.2 * ncols, 3.6 * nrows))
        axes = np.atleast_1d(axes).ravel()
        z_ref = standardised(series[ref])
        for ax, m in zip(axes, names, strict=False):  # the grid may have spare axes
            z = standardised(series[m])
            ba = bland_altman(series[ref], series[m])
            ax.scatter((z_ref + z) / 2, z_ref - z, s=2, alpha=0.4)
            for v, ls in ((ba["bias"], "-"), (ba["loa_low"], "--"), (ba["loa_high"], "--")):
                ax.axhline(v, color="tab:red", ls=ls, lw=0.8)
            ax.set_title(f"{ref} − {m}", fontsize=9)
            ax.set_xlabel("Mean of the standardised scores (z)")
            ax.set_ylabel("Difference (z)")
        for ax in axes[len(names) :]:
            ax.set_visible(False)
        fig.suptitle(
            f"{title}: Bland–Altman plots against the {ref} method ({year}); "
            "bias and 95% limits in red"
        )
        out.save(
            fig,
            "bland_altman",
            "Bland-Altman plots of standardised scores, each method against the reference",
        )
    if published is not None:
        fig, ax = out.figure(size=(8, 4.5))
        x = np.arange(len(published))
        for k, col in enumerate(["share_same_type", "kappa_linear", "kappa_quadratic"]):
            ax.bar(x + (k - 1) * 0.27, published[col], width=0.27, label=col)
        ax.set_xticks(x, published["method"], rotation=20, ha="right")
        ax.set_ylim(0, 1)
        ax.set_ylabel("Agreement with SCB's published area types 2022")
        ax.set_title(f"{title}: methods on the real bundle vs SCB's official types")
        ax.legend()
        out.save(
            fig,
            "agreement_with_published",
            "share of areas with the published type and weighted kappa for each method",
        )
    if pub_matrix is not None:
        method, m = pub_matrix
        vals = m.to_numpy()
        fig, ax = out.figure(size=(6.2, 5.2))
        ax.imshow(np.log1p(vals), cmap="Greens")
        for i in range(5):
            for j in range(5):
                ax.text(j, i, str(vals[i, j]), ha="center", va="center", fontsize=9)
        ax.set_xticks(range(5), [str(t) for t in TYPES])
        ax.set_yticks(range(5), [str(t) for t in TYPES])
        ax.set_xlabel(f"Area type by {method}")
        ax.set_ylabel("SCB's published area type 2022")
        ax.set_title(f"{title}: published types vs {method}")
        out.save(
            fig,
            "confusion_published_best",
            "published types against the best-agreeing method's types",
        )


def run(spec, data, out) -> dict:
    """The agreement study of ``spec`` on ``data``; writes tables and figures to ``out``.

    Examples
    --------
    >>> import tempfile
    >>> from sesindex.validate.inputs import load_study_data
    >>> from sesindex.validate.outputs import StudyOutput
    >>> from sesindex.validate.spec import StudySpec
    >>> spec = StudySpec.from_dict(
    ...     {
    ...         "study": "agreement",
    ...         "n_areas": 60,
    ...         "years": [2022],
    ...         "variants": [{"name": "z", "normalisation": "zscore"}],
    ...     }
    ... )
    >>> key = run(spec, load_study_data(spec), StudyOutput(tempfile.mkdtemp()))
    >>> sorted(key["by_method"]), key["bayes_skipped"] != ""
    (['synthetic_truth', 'z'], True)
    """
    ref = spec.index.name
    results = {m.name: compute(data, m) for m in [spec.index, *spec.variants]}
    key: dict = {"reference": ref, "types_note": results[ref].attrs.get("types_note", "")}
    draws = study_posterior(spec, data, key)
    bayes_mean = None if draws is None else draws.mean(axis=0)
    rows, confusions, series_first = [], [], {}
    published = data.published_type()
    pub_rows, pub_conf = [], []
    for yi, year in enumerate(data.years):
        r_idx = results[ref]["index"].sel(year=year).values
        r_typ = results[ref]["type"].sel(year=year).values
        r_mu = float(results[ref]["mu"].sel(year=year))
        r_sd = float(results[ref]["sigma"].sel(year=year))
        others = {
            m: (results[m]["index"].sel(year=year).values, results[m]["type"].sel(year=year).values)
            for m in results
            if m != ref
        }
        if data.truth is not None:
            others["synthetic_truth"] = (
                data.truth_array("index_true")[:, yi],
                data.truth_array("type_true")[:, yi].astype(int),
            )
        if bayes_mean is not None:
            from sesindex.index.area_type import area_types
            from sesindex.index.arrays import moments

            bm = bayes_mean[:, yi]
            mu, sd = moments(bm)
            others["bayes_posterior_mean"] = (bm, area_types(bm, mu, sd))
        for m, (idx, typ) in others.items():
            rows.append({"year": year, **agreement_row(m, r_idx, idx, r_typ, typ)})
            confusions.append((m, year, r_typ, typ))
        if yi == 0:
            series_first = {ref: r_idx, **{m: v[0] for m, v in others.items()}}
        if published is not None:
            pub = published[:, yi]
            for m in results:
                pub_rows.append(
                    {
                        "year": year,
                        **published_row(
                            m,
                            results[m]["index"].sel(year=year).values,
                            results[m]["type"].sel(year=year).values,
                            pub,
                        ),
                    }
                )
                pub_conf.append(
                    (m, year, pub.astype(int), results[m]["type"].sel(year=year).values)
                )
        key.setdefault("reference_moments", {})[str(year)] = {"mu": r_mu, "sigma": r_sd}
    table = pd.DataFrame(rows)
    if len(table):
        out.table(
            "agreement",
            table,
            f"each method against {ref}: rho, tau, weighted kappa, "
            "share same type/decile, rank shift, Bland-Altman on standardised scores",
        )
        out.table(
            "confusion_matrices",
            _confusions(confusions, ref),
            f"areas by type under {ref} and under each method, long form",
        )
        key["by_method"] = {
            m: g.drop(columns=["method", "year"]).mean(numeric_only=True).to_dict()
            for m, g in table.groupby("method", sort=False)
        }
    pub_table, best = None, None
    if pub_rows:
        pub_table = pd.DataFrame(pub_rows)
        out.table(
            "agreement_with_published",
            pub_table,
            "each method's types against SCB's "
            "published area types 2022: share same, kappa, Spearman with the type",
        )
        out.table(
            "confusion_published",
            _confusions(pub_conf, "published"),
            "areas by published type and by each method's type, long form",
        )
        best_row = pub_table.sort_values("kappa_quadratic", ascending=False).iloc[0]
        best_m = best_row["method"]
        best = (
            best_m,
            transition_matrix(
                published[:, 0].astype(int), results[best_m]["type"].isel(year=0).values
            ),
        )
        key["published"] = {
            r["method"]: {
                k: r[k]
                for k in (
                    "share_same_type",
                    "share_within_one_type",
                    "kappa_linear",
                    "kappa_quadratic",
                    "spearman_index_vs_published_type",
                )
            }
            for _, r in pub_table.iterrows()
        }
        key["published_best_method"] = best_m
    _figures(out, ref, data.years[0], series_first, spec.title, pub_table, best)
    return key

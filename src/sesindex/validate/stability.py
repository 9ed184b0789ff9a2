"""Rank stability: how much ranks and types move between consecutive years and methods.

For each method (the reference and every variant) and each pair of consecutive years:
Spearman's rho and Kendall's tau of the index, the share of areas keeping their type and
decile, the mean absolute rank shift and the type transition matrix. For each variant and
year: the same measures against the reference method. On synthetic data the true types
are known, so every observed type change splits into a true change and noise.

SCB's published counterpart: between 2022 and 2023, 253 of 3,363 RegSO changed type, all
to a neighbouring type (``official_churn`` in the spec); the study reports the synthetic
count for the same pair beside it.

Examples
--------
>>> import numpy as np
>>> rows = year_pair_table(
...     {2022: np.array([3.0, 2.0, 1.0]), 2023: np.array([3.0, 1.0, 2.0])},
...     {2022: np.array([1, 2, 3]), 2023: np.array([1, 3, 2])},
... )
>>> r = rows.iloc[0]
>>> int(r["year_from"]), int(r["year_to"]), float(r["spearman"]), int(r["type_changes"])
(2022, 2023, 0.5, 2)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sesindex.validate.concordance import TYPES, compare, transition_matrix
from sesindex.validate.inputs import compute

OFFICIAL_CHURN = {
    "year_from": 2022,
    "year_to": 2023,
    "type_changes": 253,
    "areas": 3363,
    "moves_to_neighbours_only": True,
}


def year_pair_table(
    index: dict[int, np.ndarray],
    types: dict[int, np.ndarray],
    true_types: dict[int, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Consecutive-year agreement of one method: one row per pair of years.

    With ``true_types`` (synthetic data) each observed type change is split into true
    changes and noise.

    Examples
    --------
    >>> t = year_pair_table(
    ...     {1: np.array([1.0, 2.0]), 2: np.array([1.0, 2.0]), 3: np.array([2.0, 1.0])},
    ...     {1: np.array([4, 3]), 2: np.array([4, 3]), 3: np.array([3, 4])},
    ... )
    >>> t["type_changes"].tolist(), t["spearman"].tolist()
    ([0, 2], [1.0, -1.0])
    """
    years = sorted(index)
    rows = []
    for y1, y2 in zip(years[:-1], years[1:], strict=True):
        row = {
            "year_from": y1,
            "year_to": y2,
            **compare(index[y1], index[y2], types[y1], types[y2]),
        }
        if true_types is not None:
            real = true_types[y1] != true_types[y2]
            seen = types[y1] != types[y2]
            row.update(
                {
                    "true_type_changes": int(real.sum()),
                    "observed_changes_without_true_change": int((seen & ~real).sum()),
                    "true_changes_observed": int((seen & real).sum()),
                }
            )
        rows.append(row)
    return pd.DataFrame(rows)


def transitions_long(types: dict[int, np.ndarray], label: str) -> pd.DataFrame:
    """Type transition counts of consecutive years in long form (one row per cell).

    Examples
    --------
    >>> t = transitions_long({2022: np.array([1, 2]), 2023: np.array([2, 2])}, "official")
    >>> one_to_two = t.query("from_type == 1 and to_type == 2")["areas"].iloc[0]
    >>> len(t), int(t["areas"].sum()), int(one_to_two)
    (25, 2, 1)
    """
    years = sorted(types)
    frames = []
    for y1, y2 in zip(years[:-1], years[1:], strict=True):
        m = transition_matrix(types[y1], types[y2]).stack().rename("areas").reset_index()
        frames.append(m.assign(method=label, year_from=y1, year_to=y2))
    return pd.concat(frames, ignore_index=True)[
        ["method", "year_from", "year_to", "from_type", "to_type", "areas"]
    ]


def _by_year(out, var: str) -> dict[int, np.ndarray]:
    return {int(y): out[var].sel(year=y).values for y in out["year"].values}


def _figures(
    out,
    pairs: pd.DataFrame,
    ref: str,
    matrix: pd.DataFrame,
    pair: tuple,
    variants: pd.DataFrame,
    official: dict,
    title: str,
) -> None:
    fig, axes = out.figure(1, 2, size=(11, 4.5))
    for method, g in pairs.groupby("method", sort=False):
        x = g["year_to"]
        axes[0].plot(x, g["spearman"], marker="o", ms=3, label=method)
        axes[1].plot(x, g["type_changes"], marker="o", ms=3, label=method)
    ref_pairs = pairs[pairs["method"] == ref]
    if "true_type_changes" in ref_pairs:
        axes[1].plot(
            ref_pairs["year_to"],
            ref_pairs["true_type_changes"],
            "k--",
            lw=1,
            label=f"{ref}: true type changes",
        )
    if official:
        axes[1].plot(
            [official["year_to"]],
            [official["type_changes"]],
            "r*",
            ms=12,
            label=f"SCB published {official['year_from']}-{official['year_to']}",
        )
    axes[0].set_ylabel("Spearman's rho of the index, year before vs year")
    axes[1].set_ylabel("Areas changing type since the year before")
    for ax in axes:
        ax.set_xlabel("Year (compared with the year before)")
        ax.legend(fontsize=7)
    fig.suptitle(f"{title}: year-to-year stability of ranks and types")
    out.save(
        fig,
        "year_pairs",
        "Spearman's rho and type changes for each pair of consecutive years and each method",
    )

    fig, ax = out.figure(size=(6.2, 5.2))
    vals = matrix.to_numpy()
    ax.imshow(np.log1p(vals), cmap="Blues")
    for i in range(vals.shape[0]):
        for j in range(vals.shape[1]):
            ax.text(
                j,
                i,
                f"{vals[i, j]}",
                ha="center",
                va="center",
                fontsize=9,
                color="white" if vals[i, j] > vals.max() / 3 else "black",
            )
    ax.set_xticks(range(5), [str(t) for t in TYPES])
    ax.set_yticks(range(5), [str(t) for t in TYPES])
    ax.set_xlabel(f"Area type {pair[1]}")
    ax.set_ylabel(f"Area type {pair[0]}")
    ax.set_title(
        f"{title}: type transitions {pair[0]}→{pair[1]} ({ref}),\n"
        f"{int(vals.sum() - np.trace(vals))} of {int(vals.sum())} areas change type"
    )
    out.save(
        fig,
        f"transition_{pair[0]}_{pair[1]}",
        f"number of areas moving between types from {pair[0]} to {pair[1]}",
    )

    if len(variants):
        g = variants.groupby("method", sort=False)[
            ["spearman", "share_same_type", "kappa_quadratic"]
        ].mean()
        fig, ax = out.figure(size=(8, 4.5))
        x = np.arange(len(g))
        for k, col in enumerate(g.columns):
            ax.bar(x + (k - 1) * 0.27, g[col], width=0.27, label=col)
        ax.set_xticks(x, g.index, rotation=20, ha="right")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel(f"Agreement with the {ref} method (mean over years)")
        ax.set_title(f"{title}: method variants against the {ref} method")
        ax.legend()
        out.save(
            fig,
            "variants",
            "Spearman's rho, share keeping type and quadratic kappa "
            "of each variant against the reference method",
        )


def run(spec, data, out) -> dict:
    """The stability study of ``spec`` on ``data``; writes tables and figures to ``out``.

    Examples
    --------
    >>> import tempfile
    >>> from sesindex.validate.inputs import load_study_data
    >>> from sesindex.validate.outputs import StudyOutput
    >>> from sesindex.validate.spec import StudySpec
    >>> spec = StudySpec.from_dict(
    ...     {"study": "stability", "n_areas": 60, "years": [2021, 2022, 2023]}
    ... )
    >>> key = run(spec, load_study_data(spec), StudyOutput(tempfile.mkdtemp()))
    >>> key["consecutive_years"]["pairs"], key["churn"]["official_type_changes"]
    (2, 253)
    """
    official = dict(OFFICIAL_CHURN, **spec.option("official_churn", {}))
    truth_types = None
    if data.truth is not None:
        tt = data.truth_array("type_true")
        truth_types = {y: tt[:, k] for k, y in enumerate(data.years)}
    methods = [spec.index, *spec.variants]
    results = {m.name: compute(data, m) for m in methods}
    ref = spec.index.name
    pairs, trans, variant_rows, notes = [], [], [], {}
    for m in methods:
        r = results[m.name]
        notes[m.name] = r.attrs.get("types_note", "")
        idx, ty = _by_year(r, "index"), _by_year(r, "type")
        if len(data.years) > 1:
            pairs.append(
                year_pair_table(idx, ty, truth_types if m.name == ref else None).assign(
                    method=m.name
                )
            )
            trans.append(transitions_long(ty, m.name))
        if m.name != ref:
            base = results[ref]
            for y in data.years:
                variant_rows.append(
                    {
                        "method": m.name,
                        "year": y,
                        **compare(
                            base["index"].sel(year=y).values,
                            idx[y],
                            base["type"].sel(year=y).values,
                            ty[y],
                        ),
                    }
                )
    pairs = pd.concat(pairs, ignore_index=True) if pairs else pd.DataFrame()
    if len(pairs):
        pairs = pairs[["method", *[c for c in pairs.columns if c != "method"]]]
        out.table(
            "year_pairs",
            pairs,
            "one row per method and pair of consecutive years: "
            "rho, tau, share keeping type/decile, mean absolute rank shift, kappa",
        )
        out.table(
            "type_transitions",
            pd.concat(trans, ignore_index=True),
            "type transition counts, long form (method, years, from type, to type)",
        )
    variants = pd.DataFrame(variant_rows)
    if len(variants):
        out.table("variants", variants, "each variant against the reference method, per year")
        out.table(
            "variant_type_transitions",
            _variant_transitions(results, ref, spec.variants, data.years),
            f"areas by type under {ref} (from_type) and under each variant (to_type)",
        )
    key: dict = {"reference": ref, "types_note": notes[ref]}
    pair = (official["year_from"], official["year_to"])
    if len(pairs) and set(pair) <= set(data.years):
        y1, y2 = pair
        ty = _by_year(results[ref], "type")
        matrix = transition_matrix(ty[y1], ty[y2])
        out.table(
            f"transition_{y1}_{y2}",
            matrix,
            f"areas by type {y1} (rows) and {y2} "
            f"(columns), {ref} method; rows sum to the {y1} type counts",
            index=True,
        )
        row = pairs[(pairs["method"] == ref) & (pairs["year_from"] == y1)].iloc[0]
        key["churn"] = _churn(row, official, pair)
        _figures(out, pairs, ref, matrix, pair, variants, official, spec.title)
    elif len(pairs):
        y1, y2 = data.years[0], data.years[1]
        ty = _by_year(results[ref], "type")
        _figures(
            out, pairs, ref, transition_matrix(ty[y1], ty[y2]), (y1, y2), variants, {}, spec.title
        )
    if len(pairs):
        key["consecutive_years"] = _consecutive(pairs[pairs["method"] == ref])
        key["by_method_share_same_type"] = (
            pairs.groupby("method")["share_same_type"].mean().to_dict()
        )
    if len(variants):
        key["variants_vs_reference"] = (
            variants.groupby("method")[
                ["spearman", "kendall", "share_same_type", "kappa_quadratic", "mean_abs_rank_shift"]
            ]
            .mean()
            .to_dict(orient="index")
        )
    return key


def _variant_transitions(results: dict, ref: str, variants, years) -> pd.DataFrame:
    """Areas by type under the reference method and under each variant, per year (long)."""
    return pd.concat(
        [
            transition_matrix(
                results[ref]["type"].sel(year=y).values, results[m.name]["type"].sel(year=y).values
            )
            .stack()
            .rename("areas")
            .reset_index()
            .assign(method=m.name, year=y)
            for m in variants
            for y in years
        ],
        ignore_index=True,
    )


def _churn(row: pd.Series, official: dict, pair: tuple[int, int]) -> dict:
    """The synthetic type churn of one pair of years beside SCB's official one."""
    churn = {
        "pair": list(pair),
        "synthetic_type_changes": int(row["type_changes"]),
        "synthetic_share": float(1 - row["share_same_type"]),
        "synthetic_moves_to_neighbours_only": bool(row["moves_to_neighbours_only"]),
        "synthetic_largest_move": int(row["largest_type_move"]),
        "official_type_changes": official["type_changes"],
        "official_share": official["type_changes"] / official["areas"],
        "official_moves_to_neighbours_only": official["moves_to_neighbours_only"],
    }
    if "true_type_changes" in row:
        churn.update(
            {
                "true_type_changes": int(row["true_type_changes"]),
                "noise_only_changes": int(row["observed_changes_without_true_change"]),
            }
        )
    return churn


def _consecutive(ref_pairs: pd.DataFrame) -> dict:
    """The reference method's stability over consecutive years, averaged over pairs."""
    means = {
        f"{c}_mean": float(ref_pairs[c].mean())
        for c in (
            "spearman",
            "kendall",
            "share_same_type",
            "type_changes",
            "share_same_decile",
            "mean_abs_rank_shift",
        )
    }
    return {
        "pairs": len(ref_pairs),
        **means,
        "all_moves_to_neighbours": bool(ref_pairs["moves_to_neighbours_only"].all()),
    }

"""The change study: does an area's change between two years stand out from noise?

The per-area statistics come from :mod:`sesindex.uncertainty.change`; this study measures
the false-positive rate of "type changed" on a synthetic no-change panel (``drift_sd =
0``, ``cell_sd = 0``, no trend: every area's true rates are identical in both years) for
the plug-in rule, the test and the bootstrap probabilities, and draws the figures.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame(
...     {
...         "type_changed": [True, False],
...         "significant": [True, False],
...         "significant_change": [True, False],
...         "p_survives_noise": [0.95, None],
...     }
... )
>>> false_positive_rates(t, 0.05).set_index("rule")["rate"].iloc[:2].tolist()
[0.5, 0.5]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from sesindex.uncertainty.change import COMPONENTS, change_table


def false_positive_rates(table: pd.DataFrame, alpha: float, true_type_changed=None) -> pd.DataFrame:
    """Rates of each "changed" rule on a panel where nothing truly changed.

    Only the test of the index has a nominal level (``alpha``); its tolerance is three
    binomial standard errors, 3 sqrt(alpha (1 - alpha) / n).

    Examples
    --------
    >>> t = pd.DataFrame(
    ...     {
    ...         "significant": [True] + [False] * 19,
    ...         "type_changed": [False] * 20,
    ...         "significant_change": [False] * 20,
    ...         "p_survives_noise": np.nan,
    ...     }
    ... )
    >>> f = false_positive_rates(t, 0.05)
    >>> float(f.loc[0, "rate"]), bool(f.loc[0, "within_tolerance"])
    (0.05, True)
    """
    n = len(table)
    rules = {
        "test_rejects_no_change (z test, calibrated)": table["significant"],
        "observed_type_changed (plug-in)": table["type_changed"],
        "type_changed_and_test_rejects": table["significant_change"],
        "bootstrap_p_survives_noise > 0.5": table["p_survives_noise"] > 0.5,
        "bootstrap_p_survives_noise > 0.95": table["p_survives_noise"] > 0.95,
    }
    tol = 3 * np.sqrt(alpha * (1 - alpha) / n)
    rows = []
    for rule, flag in rules.items():
        rate = float(np.mean(flag))
        nominal = alpha if rule.startswith("test_rejects") else np.nan
        rows.append(
            {
                "rule": rule,
                "flagged": int(np.sum(flag)),
                "areas": n,
                "rate": rate,
                "nominal": nominal,
                "tolerance_3se": tol if np.isfinite(nominal) else np.nan,
                "within_tolerance": (abs(rate - nominal) <= tol) if np.isfinite(nominal) else None,
            }
        )
    out = pd.DataFrame(rows)
    if true_type_changed is not None:
        out.attrs["true_type_changes"] = int(np.sum(true_type_changed))
    return out


def _figures(
    out, t: pd.DataFrame, fpr: pd.DataFrame, years, sigma: float, crit: float, title: str
) -> None:
    fig, ax = out.figure()
    ax.scatter(t["population"], t["mdc"], s=3, alpha=0.5)
    ax.axhline(
        sigma,
        color="tab:red",
        ls="--",
        lw=0.8,
        label=f"sigma {years[0]} = {sigma:.2f} (width of one type band)",
    )
    ax.set_xscale("log")
    ax.set_xlabel("Population of the area (residents, log scale)")
    ax.set_ylabel("Minimum detectable change of the index (percentage points)")
    ax.set_title(f"{title}: minimum detectable change, {years[0]}→{years[1]} (5% level, 80% power)")
    ax.legend()
    out.save(
        fig,
        "mdc_vs_population",
        "minimum detectable change of each area's index against its population",
    )

    fig, ax = out.figure()
    ch = t["type_changed"]
    ax.scatter(
        t.loc[~ch, "se_change"], t.loc[~ch, "change"], s=2, color="0.7", label="type unchanged"
    )
    ax.scatter(
        t.loc[ch, "se_change"], t.loc[ch, "change"], s=6, color="tab:red", label="type changed"
    )
    x = np.linspace(0, t["se_change"].max() * 1.05, 50)
    ax.plot(x, crit * x, "k--", lw=0.8, label=f"±{crit:.2f} SE (test of no change)")
    ax.plot(x, -crit * x, "k--", lw=0.8)
    ax.set_xlabel("Standard error of the change (percentage points)")
    ax.set_ylabel(f"Observed change of the index {years[0]}→{years[1]} (percentage points)")
    ax.set_title(f"{title}: observed changes against their noise")
    ax.legend(fontsize=8)
    out.save(fig, "change_funnel", "each area's observed change against its standard error")

    comp = (
        t.loc[t["type_changed"], "component"].value_counts().reindex(COMPONENTS[:3], fill_value=0)
    )
    fig, ax = out.figure(size=(6.5, 4.2))
    ax.bar(comp.index, comp.values, color=["tab:blue", "tab:orange", "tab:green"])
    ax.set_ylabel("Areas that changed type")
    ax.set_title(
        f"{title}: what moved, {years[0]}→{years[1]}\n(year-2 index under year-1 cut points)"
    )
    out.save(fig, "type_change_components", "observed type changes by what caused them")

    fig, ax = out.figure(size=(8.5, 4.5))
    ax.barh(fpr["rule"], fpr["rate"], color="tab:purple")
    nominal = fpr["nominal"].dropna()
    if len(nominal):
        ax.axvline(nominal.iloc[0], color="k", ls="--", lw=0.8, label="nominal level alpha")
        ax.legend()
    ax.set_xlabel("Share of areas flagged as changed (none truly changed)")
    fig.suptitle(f"{title}: false-positive rates on a synthetic panel where no area truly changed")
    out.save(
        fig,
        "false_positive_rates",
        "share of areas each rule flags as changed when no area truly changed",
    )


def _truth_scores(t: pd.DataFrame, type_true: np.ndarray) -> dict:
    """Observed and flagged type changes scored against the true types of the two years:
    adds ``true_type_changed`` to ``t`` and returns the counts, precision and recall.
    """
    t["true_type_changed"] = type_true[:, 0] != type_true[:, 1]
    ch, fl, real = t["type_changed"], t["significant_change"], t["true_type_changed"]
    return {
        "observed_type_changes": int(ch.sum()),
        "true_type_changes": int(real.sum()),
        "precision_plug_in": float(t.loc[ch, "true_type_changed"].mean()),
        "significant_change": int(fl.sum()),
        "precision_significant_change": float(t.loc[fl, "true_type_changed"].mean())
        if fl.any()
        else None,
        "recall_significant_change": float(t.loc[real, "significant_change"].mean())
        if real.any()
        else None,
    }


def _mdc_by_population(t: pd.DataFrame, out) -> dict:
    """The minimum detectable change by population quintile: written, and summarised."""
    q = pd.qcut(t["population"], 5, labels=False)
    mdc_tab = t.groupby(q).agg(
        population_min=("population", "min"),
        population_max=("population", "max"),
        mdc_median=("mdc", "median"),
        mdc_p10=("mdc", lambda s: s.quantile(0.1)),
        mdc_p90=("mdc", lambda s: s.quantile(0.9)),
        areas=("mdc", "size"),
    )
    mdc_tab.index = mdc_tab.index + 1
    out.table(
        "mdc_by_population",
        mdc_tab.rename_axis("population_quintile"),
        "minimum detectable change of the index by population quintile",
        index=True,
    )
    return {
        "mdc_median": float(t["mdc"].median()),
        "mdc_by_population_quintile": mdc_tab["mdc_median"].to_dict(),
        "share_mdc_above_half_sigma": float((t["mdc"] > 0.5 * t.attrs["sigma"][0]).mean()),
    }


def _null_panel(spec, ref, years, kw: dict, out, key: dict) -> pd.DataFrame:
    """The no-change panel (same areas, seed and years; nothing truly changes): each
    rule's false-positive rate, written, summarised into ``key`` and returned (an empty
    table when the study's data are not synthetic).
    """
    from sesindex.validate.inputs import synthetic_data

    null_cfg = {
        "drift_sd": 0.0,
        "cell_sd": 0.0,
        "trend": [0.0, 0.0, 0.0],
        **spec.option("null_panel", {}),
    }
    if spec.data != "synthetic":
        key["null_panel_skipped"] = "needs synthetic data"
        return pd.DataFrame(columns=["rule", "rate", "nominal"])
    null = synthetic_data(spec, **{**spec.synthetic, **null_cfg})
    nt = change_table(null.dataset, ref, years, **kw)
    ttn = null.truth_array("type_true")
    fpr = false_positive_rates(nt, kw["alpha"], ttn[:, 0] != ttn[:, 1])
    out.table(
        "false_positive_rates",
        fpr,
        "share of areas each rule flags as changed on "
        "a synthetic panel where no area truly changed (test tolerance: 3 binomial SE)",
    )
    out.table("null_panel_areas", nt, "per area on the no-change panel")
    key["null_panel"] = {
        "config": null_cfg,
        "true_type_changes": fpr.attrs.get("true_type_changes"),
        "rates": {r.rule: r.rate for r in fpr.itertuples()},
        "test_within_tolerance": bool(fpr["within_tolerance"].iloc[0]),
        "tolerance_3se": float(fpr["tolerance_3se"].iloc[0]),
    }
    return fpr


def run(spec, data, out) -> dict:
    """The change study of ``spec`` on ``data``; writes tables and figures to ``out``.

    Examples
    --------
    >>> import tempfile
    >>> from sesindex.validate.inputs import load_study_data
    >>> from sesindex.validate.outputs import StudyOutput
    >>> from sesindex.validate.spec import StudySpec
    >>> spec = StudySpec.from_dict(
    ...     {"study": "change", "n_areas": 60, "years": [2022, 2023], "change": {"replicates": 40}}
    ... )
    >>> key = run(spec, load_study_data(spec), StudyOutput(tempfile.mkdtemp()))
    >>> key["null_panel"]["true_type_changes"], key["null_panel"]["config"]["drift_sd"]
    (0, 0.0)
    """
    if len(data.years) < 2:
        raise ValueError("the change study needs two years")
    years = (data.years[0], data.years[1])
    o = spec.option
    kw = dict(
        replicates=int(o("replicates", 1000)),
        seed=spec.seed,
        delta=float(o("delta", 1.0)),
        alpha=float(o("alpha", 0.05)),
        power=float(o("power", 0.8)),
        method=o("method", "parametric"),
    )
    ref = spec.index  # replicate types are always relative to the areas present
    t = change_table(data.dataset, ref, years, **kw)
    y1, y2 = years
    key: dict = {
        "years": list(years),
        "delta": kw["delta"],
        "alpha": kw["alpha"],
        "power": kw["power"],
        "replicates": kw["replicates"],
    }
    if data.truth is not None:
        key.update(_truth_scores(t, data.truth_array("type_true")))
    out.table(
        f"areas_{y1}_{y2}",
        t,
        "per area: change, analytic and bootstrap SE, z test, "
        "P(|change| > delta), P(type change), MDC, cause of a type change",
    )
    changed = t[t["type_changed"]]
    out.table(
        "type_changes",
        changed,
        "areas whose observed type changed, with the share of "
        "replicates in which the change persists (p_survives_noise) and the split into "
        "own movement vs the movement of mu and sigma",
    )
    comp = (
        t.loc[t["type_changed"], "component"].value_counts().reindex(COMPONENTS[:3], fill_value=0)
    )
    key["components"] = comp.to_dict()
    key["mu"], key["sigma"] = t.attrs["mu"], t.attrs["sigma"]
    key["se_ratio_bootstrap_over_analytic_median"] = float(
        (t["se_change_bootstrap"] / t["se_change"]).median()
    )
    key.update(_mdc_by_population(t, out))
    fpr = _null_panel(spec, ref, years, kw, out, key)
    _figures(out, t, fpr, years, t.attrs["sigma"][0], norm.ppf(1 - kw["alpha"] / 2), spec.title)
    return key

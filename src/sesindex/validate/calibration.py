"""Calibration against synthetic truth: do the stated uncertainties mean what they say?

On synthetic data the true index, rank and type of every area are known. The study
measures how often the 50/90/95% bootstrap intervals of the index cover the true index
(overall and by population quintile), how often the rank intervals cover the true rank,
and scores the bootstrap type probabilities against the true type (accuracy of the modal
type, multi-class Brier score) beside the plug-in rule that gives the observed type
probability one. The posterior of the default Bayesian model joins unless the spec says
``bayes = "off"`` (a failed fit is recorded with its reason); simulation-based
calibration (SBC) of that model is its own study (:mod:`sesindex.validate.sbc`,
``validation/sbc.toml``).

Examples
--------
>>> import numpy as np
>>> p = np.array([[0.8, 0.2, 0, 0, 0], [0, 0.5, 0.5, 0, 0]])
>>> truth = np.array([1, 3])
>>> round(brier(p, truth), 3), round(brier(one_hot(np.array([1, 2])), truth), 3)
(0.29, 1.0)
>>> coverage(np.array([0.0, 0.0]), np.array([1.0, 1.0]), np.array([0.5, 2.0]))
0.5
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sesindex.index.area_type import area_types
from sesindex.index.arrays import competition_ranks, moments
from sesindex.uncertainty.bootstrap import LEVELS, TYPES, area_summary, bootstrap_year
from sesindex.validate.posterior import study_posterior


def one_hot(types: np.ndarray) -> np.ndarray:
    """Probability 1 on each area's type, ``(area, 5)``.

    Examples
    --------
    >>> one_hot(np.array([2])).tolist()
    [[0.0, 1.0, 0.0, 0.0, 0.0]]
    """
    return (types[:, None] == np.asarray(TYPES)[None, :]).astype(float)


def brier(probs: np.ndarray, truth: np.ndarray) -> float:
    """Multi-class Brier score: mean over areas of sum_k (p_k - 1[truth = k])^2 (0 best).

    Examples
    --------
    >>> brier(np.array([[0.5, 0.5, 0, 0, 0]]), np.array([1]))
    0.5
    """
    return float(np.mean(np.sum((probs - one_hot(truth)) ** 2, axis=1)))


def coverage(lo: np.ndarray, hi: np.ndarray, truth: np.ndarray) -> float:
    """Share of areas whose true value lies in [lo, hi].

    Examples
    --------
    >>> coverage(np.array([0.0, 0.0, 0.0]), np.array([1.0, 1.0, 1.0]), np.array([1.0, 2.0, 0.5]))
    0.6666666666666666
    """
    return float(np.mean((lo <= truth) & (truth <= hi)))


def binomial_tolerance(level: float, n: int, z: float = 3.0) -> float:
    """``z`` binomial standard errors of a coverage share at its nominal ``level``.

    Examples
    --------
    >>> round(binomial_tolerance(0.9, 3363), 4)
    0.0155
    """
    return z * float(np.sqrt(level * (1 - level) / n))


def reliability(probs: np.ndarray, truth: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Predicted P(type = k) binned against the observed frequency of true type k.

    Examples
    --------
    >>> r = reliability(one_hot(np.array([1, 2, 2])), np.array([1, 2, 3]), bins=2)
    >>> r[["mean_predicted", "observed_frequency"]].values.tolist()
    [[0.0, 0.08333333333333333], [1.0, 0.6666666666666666]]
    """
    p = probs.ravel()
    y = one_hot(truth).ravel()
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = [
        {
            "bin_low": edges[b],
            "bin_high": edges[b + 1],
            "pairs": int((which == b).sum()),
            "mean_predicted": float(p[which == b].mean()),
            "observed_frequency": float(y[which == b].mean()),
        }
        for b in range(bins)
        if (which == b).any()
    ]
    return pd.DataFrame(rows)


def _interval_rows(method, year, lo_hi: dict, truth_index, true_rank, rank_lo_hi, pop):
    rows, by_pop = [], []
    n = len(truth_index)
    quint = pd.qcut(pop, 5, labels=False, duplicates="drop") if np.isfinite(pop).all() else None
    for level, (lo, hi) in lo_hi.items():
        rows.append(
            {
                "method": method,
                "year": year,
                "target": "index",
                "level": level,
                "coverage": coverage(lo, hi, truth_index),
                "areas": n,
                "tolerance_3se": binomial_tolerance(level, n),
            }
        )
        if level in rank_lo_hi:
            rlo, rhi = rank_lo_hi[level]
            rows.append(
                {
                    "method": method,
                    "year": year,
                    "target": "rank",
                    "level": level,
                    "coverage": coverage(rlo, rhi, true_rank),
                    "areas": n,
                    "tolerance_3se": binomial_tolerance(level, n),
                }
            )
        if quint is not None:
            for q in range(int(np.nanmax(quint)) + 1):
                s = quint == q
                by_pop.append(
                    {
                        "method": method,
                        "year": year,
                        "level": level,
                        "population_quintile": q + 1,
                        "population_min": float(pop[s].min()),
                        "population_max": float(pop[s].max()),
                        "coverage": coverage(lo[s], hi[s], truth_index[s]),
                        "areas": int(s.sum()),
                    }
                )
    return rows, by_pop


def _figures(out, cov: pd.DataFrame, by_pop: pd.DataFrame, rel: dict, title: str) -> None:
    fig, axes = out.figure(1, 2, size=(10.5, 4.3))
    for ax, target in zip(axes, ("index", "rank"), strict=True):
        g = cov[cov["target"] == target]
        for method, h in g.groupby("method", sort=False):
            ax.errorbar(
                h["level"],
                h["coverage"],
                yerr=h["tolerance_3se"],
                marker="o",
                capsize=3,
                label=method,
            )
        ax.plot([0.4, 1], [0.4, 1], "k--", lw=0.8, label="nominal")
        ax.set_xlabel("Nominal level of the interval")
        ax.set_ylabel(f"Share of areas whose true {target} is covered")
        ax.set_title(f"{target} intervals")
        ax.legend(fontsize=8)
    fig.suptitle(
        f"{title}: coverage of the true {'/'.join(['index', 'rank'])} (bars: ±3 binomial SE)"
    )
    out.save(fig, "coverage", "coverage of the true index and rank against the nominal level")

    if len(by_pop):
        fig, ax = out.figure()
        for (method, level), h in by_pop.groupby(["method", "level"], sort=False):
            ax.plot(
                h["population_quintile"],
                h["coverage"],
                marker="o",
                label=f"{method} {round(100 * level)}%",
            )
            ax.axhline(level, color="0.7", lw=0.6, ls=":")
        ax.set_xlabel("Population quintile of the area (1 = smallest)")
        ax.set_ylabel("Coverage of the true index")
        ax.set_title(f"{title}: index-interval coverage by area size")
        ax.legend(fontsize=7, ncols=2)
        out.save(fig, "coverage_by_population", "index-interval coverage by population quintile")

    plot_reliability(out, rel, title, "reliability diagram of the type probabilities")


def plot_reliability(out, curves: dict, title: str, description: str) -> None:
    """``type_reliability.png``: binned predicted P(type = k) against the observed
    frequency, one curve per method or scenario (``curves``: name -> reliability table).
    """
    fig, ax = out.figure(size=(5.8, 5.2))
    for name, r in curves.items():
        ax.plot(r["mean_predicted"], r["observed_frequency"], marker="o", label=name)
    ax.plot([0, 1], [0, 1], "k--", lw=0.8, label="perfect calibration")
    ax.set_xlabel("Predicted P(type = k)")
    ax.set_ylabel("Observed frequency of true type = k")
    ax.set_title(f"{title}: reliability of type probabilities")
    ax.legend(fontsize=8)
    out.save(fig, "type_reliability", description)


def _score_types(rows: dict, method: str, year, probs: np.ndarray, truth: np.ndarray) -> None:
    """One method's type probabilities of one year scored against the true types."""
    rows["scores"].append(
        {
            "method": method,
            "year": year,
            "accuracy": float(np.mean(probs.argmax(axis=1) + 1 == truth)),
            "brier": brier(probs, truth),
            "areas": len(truth),
        }
    )
    rows["reliability"][method] = reliability(probs, truth)


def _bootstrap_scores(
    rows: dict,
    spec,
    data,
    year,
    replicates: int,
    levels,
    true_index: np.ndarray,
    true_type: np.ndarray,
) -> None:
    """Each bootstrap method's index and rank intervals and type probabilities of one
    year against the truth, then the plug-in observed type's.
    """
    true_rank = competition_ranks(true_index)
    for method in spec.option("methods", ["parametric"]):
        b = bootstrap_year(
            data.dataset, spec.index, year, replicates=replicates, seed=spec.seed, method=method
        )
        s = area_summary(b, levels)
        tag = lambda lv: round(100 * lv)  # noqa: E731
        lo_hi = {
            lv: (s[f"index_lo{tag(lv)}"].values, s[f"index_hi{tag(lv)}"].values) for lv in levels
        }
        r_lo_hi = {
            lv: (s[f"rank_lo{tag(lv)}"].values, s[f"rank_hi{tag(lv)}"].values) for lv in levels
        }
        r, p = _interval_rows(
            f"bootstrap_{method}", year, lo_hi, true_index, true_rank, r_lo_hi, b.population
        )
        rows["coverage"] += r
        rows["population"] += p
        _score_types(rows, f"bootstrap_{method}", year, b.type_probabilities(), true_type)
    _score_types(rows, "plug_in_observed_type", year, one_hot(b.observed.type), true_type)


def _posterior_scores(
    rows: dict, draws: np.ndarray, year, levels, true_index: np.ndarray, true_type: np.ndarray
) -> None:
    """The posterior's index and rank intervals and type probabilities of one year
    (``draws``: draw x area) against the truth.
    """

    def bounds(x):
        return {lv: tuple(np.quantile(x, [(1 - lv) / 2, (1 + lv) / 2], axis=0)) for lv in levels}

    r, _ = _interval_rows(
        "bayes_posterior",
        year,
        bounds(draws),
        true_index,
        competition_ranks(true_index),
        bounds(competition_ranks(draws)),
        np.full(len(true_index), np.nan),
    )
    rows["coverage"] += r
    mu, sd = moments(draws)
    t = area_types(draws, mu[:, None], sd[:, None])
    probs = np.stack([(t == k).mean(axis=0) for k in TYPES], axis=1)
    _score_types(rows, "bayes_posterior", year, probs, true_type)


def run(spec, data, out) -> dict:
    """The calibration study of ``spec`` on ``data``; writes tables and figures to ``out``.

    Examples
    --------
    >>> import tempfile
    >>> from sesindex.validate.inputs import load_study_data
    >>> from sesindex.validate.outputs import StudyOutput
    >>> from sesindex.validate.spec import StudySpec
    >>> spec = StudySpec.from_dict(
    ...     {
    ...         "study": "calibration",
    ...         "n_areas": 60,
    ...         "years": [2022],
    ...         "calibration": {"replicates": 40},
    ...     }
    ... )
    >>> key = run(spec, load_study_data(spec), StudyOutput(tempfile.mkdtemp()))
    >>> sorted(key["type_scores"])
    ['bootstrap_parametric|2022', 'plug_in_observed_type|2022']
    """
    if data.truth is None:
        raise ValueError("calibration needs synthetic truth: use data = 'synthetic'")
    levels = tuple(spec.option("levels", LEVELS))
    true_index = data.truth_array("index_true")
    true_type = data.truth_array("type_true").astype(int)
    rows: dict = {"coverage": [], "population": [], "scores": [], "reliability": {}}
    key: dict = {"replicates": int(spec.option("replicates", 1000))}
    for yi, year in enumerate(data.years):
        _bootstrap_scores(
            rows, spec, data, year, key["replicates"], levels, true_index[:, yi], true_type[:, yi]
        )
    draws = study_posterior(spec, data, key)
    if draws is not None:
        for yi, year in enumerate(data.years):
            _posterior_scores(
                rows, draws[:, :, yi], year, levels, true_index[:, yi], true_type[:, yi]
            )
    cov, by_pop, scores = (pd.DataFrame(rows[k]) for k in ("coverage", "population", "scores"))
    rel = rows["reliability"]
    out.table(
        "coverage",
        cov,
        "coverage of the true index and rank by the intervals, with a "
        "3-binomial-SE tolerance around the nominal level",
    )
    if len(by_pop):
        out.table("coverage_by_population", by_pop, "index coverage by population quintile")
    out.table(
        "type_scores",
        scores,
        "accuracy and multi-class Brier score against the true "
        "type: bootstrap probabilities vs the plug-in observed type",
    )
    out.table(
        "type_reliability",
        pd.concat([r.assign(method=m) for m, r in rel.items()]),
        "binned predicted P(type = k) against the frequency of true type k",
    )
    _figures(out, cov, by_pop, rel, spec.title)
    key["coverage"] = {
        f"{r.method}|{r.target}|{r.level}|{r.year}": r.coverage for r in cov.itertuples()
    }
    key["type_scores"] = {
        f"{r.method}|{r.year}": {"accuracy": r.accuracy, "brier": r.brier}
        for r in scores.itertuples()
    }
    return key

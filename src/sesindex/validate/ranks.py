"""Rank statistics of simulation-based calibration: ranks, bins, uniformity tests with
multiple-testing summaries, and the miscalibration a study of R replicates can detect.

Examples
--------
>>> import numpy as np
>>> rank_of(np.array([[0.1, 0.5, 0.9], [1.0, 2.0, 3.0]]), np.array([0.6, 0.0])).tolist()
[2, 0]
>>> choose_bins(replicates=100, draws=99), choose_bins(replicates=30, draws=99)
(20, 5)
>>> [int(x) for x in binomial_band(100, 10)]
[3, 18]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def rank_of(draws: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Number of draws (last axis) below the truth: the SBC rank, 0..L (NaN stays NaN).

    Examples
    --------
    >>> rank_of(np.array([[0.0, 1.0], [np.nan, np.nan]]), np.array([0.5, 0.5])).tolist()
    [1.0, nan]
    """
    ranks = (draws < truth[..., None]).sum(axis=-1).astype(float)
    bad = np.isnan(draws).any(axis=-1) | np.isnan(truth)
    return np.where(bad, np.nan, ranks) if bad.any() else ranks.astype(int)


def choose_bins(replicates: int, draws: int, min_expected: float = 5.0) -> int:
    """Largest number of bins B >= 2 dividing L + 1 with ``replicates / B >= min_expected``.

    Examples
    --------
    >>> choose_bins(200, 99), choose_bins(60, 99), choose_bins(10, 99)
    (25, 10, 2)
    """
    ok = [b for b in range(2, draws + 2) if (draws + 1) % b == 0 and replicates / b >= min_expected]
    return max(ok) if ok else 2


def bin_counts(ranks: np.ndarray, draws: int, bins: int) -> np.ndarray:
    """Counts of ranks 0..L in ``bins`` equal bins (NaN ranks ignored).

    Examples
    --------
    >>> bin_counts(np.array([0, 1, 2, 3, np.nan]), draws=3, bins=2).tolist()
    [2, 2]
    """
    r = np.asarray(ranks, float)
    r = r[~np.isnan(r)].astype(int)
    width = (draws + 1) // bins
    return np.bincount(r // width, minlength=bins)[:bins]


def binomial_band(replicates: int, bins: int, level: float = 0.99) -> tuple[float, float]:
    """Central ``level`` interval of one bin's count under uniform ranks, Binomial(R, 1/B).

    Examples
    --------
    >>> binomial_band(200, 20)
    (3.0, 19.0)
    """
    lo, hi = stats.binom.ppf([(1 - level) / 2, (1 + level) / 2], replicates, 1 / bins)
    return float(lo), float(hi)


def uniformity(ranks: pd.DataFrame, draws: int, bins: int) -> pd.DataFrame:
    """Per quantity (column): chi-square test of uniform bin counts and rank moments.

    ``rank_mean`` is the mean normalised rank (rank / L; 0.5 expected: below means the
    posterior sits above the truth), ``rank_sd`` its sd (0.29 expected for uniform:
    smaller means the posterior is too wide, larger too narrow).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> r = pd.DataFrame({"x": rng.integers(0, 100, 500), "y": np.zeros(500, int)})
    >>> u = uniformity(r, draws=99, bins=10)
    >>> bool(u.loc[0, "p_value"] > 0.01), bool(u.loc[1, "p_value"] < 1e-10)
    (True, True)
    """
    rows = []
    for name in ranks.columns:
        r = ranks[name].to_numpy(float)
        used = int(np.isfinite(r).sum())
        counts = bin_counts(r, draws, bins)
        if used:
            chi2, p = stats.chisquare(counts)
        else:
            chi2, p = np.nan, np.nan
        u = r[np.isfinite(r)] / draws
        rows.append(
            {
                "quantity": name,
                "replicates_used": used,
                "bins": bins,
                "chi2": float(chi2),
                "df": bins - 1,
                "p_value": float(p),
                "rank_mean": float(u.mean()) if used else np.nan,
                "rank_sd": float(u.std(ddof=1)) if used > 1 else np.nan,
                "min_bin": int(counts.min()),
                "max_bin": int(counts.max()),
                "counts": " ".join(str(int(c)) for c in counts),
            }
        )
    return pd.DataFrame(rows)


def overall(table: pd.DataFrame, alpha: float = 0.01) -> dict:
    """Family-wise summary of the per-quantity p-values of :func:`uniformity`.

    ``bonferroni_p`` = min(1, K x smallest p) (a level-``alpha`` test that no quantity is
    mis-calibrated); ``holm_rejected`` lists quantities Holm's step-down procedure rejects
    at ``alpha``; ``ks_p`` tests the K p-values against uniform (approximate: the
    quantities share replicates, so their p-values are dependent).

    Examples
    --------
    >>> o = overall(pd.DataFrame({"quantity": list("abcd"), "p_value": [0.5, 0.2, 0.9, 0.001]}))
    >>> o["bonferroni_p"], o["holm_rejected"], o["below_alpha"]
    (0.004, ['d'], 1)
    """
    t = table.dropna(subset=["p_value"])
    p = t["p_value"].to_numpy()
    k = len(p)
    if k == 0:
        return {"quantities": 0}
    order = np.argsort(p)
    rejected = []
    for i, j in enumerate(order):
        if p[j] > alpha / (k - i):
            break
        rejected.append(str(t["quantity"].iloc[j]))
    return {
        "quantities": k,
        "alpha": alpha,
        "min_p": float(p.min()),
        "min_p_quantity": str(t["quantity"].iloc[int(order[0])]),
        "bonferroni_p": float(min(1.0, k * p.min())),
        "holm_rejected": rejected,
        "below_alpha": int((p < alpha).sum()),
        "expected_below_alpha": alpha * k,
        "ks_p": float(stats.kstest(p, "uniform").pvalue),
        "rejects_uniformity": bool(min(1.0, k * p.min()) < alpha),
    }


def detectable_miscalibration(
    replicates: int, bins: int, quantities: int, alpha: float = 0.01, power: float = 0.8
) -> dict:
    """The miscalibrations a chi-square rank test detects with probability ``power``.

    At family level ``alpha`` over ``quantities`` (Bonferroni: each test at alpha / K)
    with ``replicates`` ranks in ``bins`` bins: the smallest posterior shift (in
    posterior sds; the truth sits that far from the posterior's centre), the largest
    width ratio below 1 (posterior too narrow by that factor) and the smallest above 1
    (too wide) that give the uniformity test that power. Ranks of a normal truth under
    a normal posterior: u = Phi(Z + shift) or Phi(Z / ratio); the test statistic is
    noncentral chi-square with df B - 1 and noncentrality R sum_b (p_b - 1/B)^2 B.
    A miscalibration no size of which in the searched range (shifts up to 5 sds, ratios
    0.05 to 20) reaches that power — too few replicates — is ``None``.

    Examples
    --------
    >>> d = detectable_miscalibration(200, 10, 14)
    >>> 0.2 < d["shift_sd"] < 0.6, 0.6 < d["width_ratio_narrow"] < 0.95
    (True, True)
    >>> detectable_miscalibration(3, 2, 14)["shift_sd"] is None
    True
    """
    from scipy.optimize import brentq

    edges = stats.norm.ppf(np.linspace(0, 1, bins + 1))
    crit = stats.chi2.ppf(1 - alpha / quantities, bins - 1)

    def test_power(cdf_edges) -> float:
        p = np.diff(cdf_edges)
        lam = replicates * bins * np.sum((p - 1 / bins) ** 2)
        return float(stats.ncx2.sf(crit, bins - 1, lam))

    def shift(d):
        return test_power(stats.norm.cdf(edges - d)) - power

    def width(c):
        return test_power(stats.norm.cdf(edges * c)) - power

    return {
        "replicates": replicates,
        "bins": bins,
        "quantities": quantities,
        "alpha": alpha,
        "power": power,
        "shift_sd": round(brentq(shift, 1e-6, 5.0), 3) if shift(5.0) > 0 else None,
        "width_ratio_narrow": round(brentq(width, 1.0 - 1e-6, 0.05), 3)
        if width(0.05) > 0
        else None,
        "width_ratio_wide": round(brentq(width, 1.0 + 1e-6, 20.0), 3) if width(20.0) > 0 else None,
    }

"""How closely two rankings or two typings of the same areas agree.

Shared by the stability study (the same method in two years) and the agreement study
(two methods in the same year): Spearman's rho and Kendall's tau of the index, shares of
areas keeping their type and decile, mean absolute rank shift, type transition matrices,
weighted Cohen's kappa and Bland-Altman limits on standardised scores.

Examples
--------
>>> import numpy as np
>>> a = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
>>> ta = np.array([5, 4, 3, 2, 1])
>>> c = compare(a, a, ta, ta)
>>> c["spearman"], c["kendall"], c["share_same_type"], c["kappa_linear"], c["mean_abs_rank_shift"]
(1.0, 1.0, 1.0, 1.0, 0.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import kendalltau, spearmanr

from sesindex.index.arrays import competition_ranks

TYPES = (1, 2, 3, 4, 5)


def deciles(index: np.ndarray) -> np.ndarray:
    """Decile 1-10 of each area (1 = the tenth with the highest index, lowest status).

    Examples
    --------
    >>> deciles(np.arange(20.0)).tolist()[:3], deciles(np.arange(20.0)).tolist()[-2:]
    ([10, 10, 9], [1, 1])
    """
    rank = competition_ranks(index)
    n = np.sum(rank > 0)
    return np.where(rank > 0, np.ceil(10 * rank / n), 0).astype(int)


def transition_matrix(
    from_type: np.ndarray, to_type: np.ndarray, types: tuple[int, ...] = TYPES
) -> pd.DataFrame:
    """Counts of areas moving from each type (rows) to each type (columns).

    Rows sum to the number of areas of each ``from`` type.

    Examples
    --------
    >>> transition_matrix(np.array([1, 1, 2]), np.array([1, 2, 2]), (1, 2)).values.tolist()
    [[1, 1], [0, 1]]
    """
    m = pd.crosstab(pd.Categorical(from_type, types), pd.Categorical(to_type, types), dropna=False)
    m.index.name, m.columns.name = "from_type", "to_type"
    return m.reindex(index=list(types), columns=list(types), fill_value=0)


def weighted_kappa(a: np.ndarray, b: np.ndarray, weights: str | None = "linear") -> float:
    """Cohen's kappa of two typings (sklearn; ``weights`` linear, quadratic or None).

    Examples
    --------
    >>> weighted_kappa(np.array([1, 2, 3, 4]), np.array([1, 2, 3, 4]))
    1.0
    """
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(a, b, labels=list(TYPES), weights=weights))


def bland_altman(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Bland-Altman bias and 95% limits of agreement of the standardised scores of a, b.

    Each score is z-standardised across areas first, so methods on different scales
    (percent, z-sums, principal components) can be compared.

    Examples
    --------
    >>> bland_altman(np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, 30.0]))
    {'bias': 0.0, 'sd_difference': 0.0, 'loa_low': 0.0, 'loa_high': 0.0}
    """
    za = (a - np.nanmean(a)) / np.nanstd(a, ddof=1)
    zb = (b - np.nanmean(b)) / np.nanstd(b, ddof=1)
    d = za - zb
    bias, sd = float(np.nanmean(d)), float(np.nanstd(d, ddof=1))
    bias, sd = round(bias, 12) + 0.0, round(sd, 12) + 0.0
    return {
        "bias": bias,
        "sd_difference": sd,
        "loa_low": bias - 1.96 * sd,
        "loa_high": bias + 1.96 * sd,
    }


def standardised(x: np.ndarray) -> np.ndarray:
    """z-scores across areas (ddof 1).

    Examples
    --------
    >>> standardised(np.array([1.0, 2.0, 3.0])).tolist()
    [-1.0, 0.0, 1.0]
    """
    return (x - np.nanmean(x)) / np.nanstd(x, ddof=1)


def compare(
    index_a: np.ndarray,
    index_b: np.ndarray,
    type_a: np.ndarray | None = None,
    type_b: np.ndarray | None = None,
) -> dict[str, float]:
    """Agreement of two indices (and typings) of the same areas, one number per measure.

    ``mean_abs_rank_shift`` is in ranks (1 = highest index); ``moves_to_neighbours_only``
    says whether every type change is by one step.

    Examples
    --------
    >>> c = compare(
    ...     np.array([1.0, 2.0, 3.0]),
    ...     np.array([1.0, 3.0, 2.0]),
    ...     np.array([5, 4, 3]),
    ...     np.array([5, 3, 4]),
    ... )
    >>> c["spearman"], c["type_changes"], c["moves_to_neighbours_only"]
    (0.5, 2, True)
    """
    ok = np.isfinite(index_a) & np.isfinite(index_b)
    a, b = index_a[ok], index_b[ok]
    ra, rb = competition_ranks(a), competition_ranks(b)
    out = {
        "areas": int(ok.sum()),
        "spearman": float(spearmanr(a, b).statistic),
        "kendall": float(kendalltau(a, b).statistic),
        "mean_abs_rank_shift": float(np.mean(np.abs(ra - rb))),
        "share_same_decile": float(np.mean(deciles(a) == deciles(b))),
    }
    if type_a is not None and type_b is not None:
        ta, tb = type_a[ok], type_b[ok]
        typed = (ta > 0) & (tb > 0)
        ta, tb = ta[typed], tb[typed]
        changed = ta != tb
        out.update(
            {
                "share_same_type": float(np.mean(~changed)),
                "type_changes": int(changed.sum()),
                "moves_to_neighbours_only": bool(np.all(np.abs(ta - tb)[changed] <= 1)),
                "largest_type_move": int(np.max(np.abs(ta - tb), initial=0)),
                "kappa_linear": weighted_kappa(ta, tb, "linear"),
                "kappa_quadratic": weighted_kappa(ta, tb, "quadratic"),
            }
        )
    return {k: (round(v, 12) + 0.0 if isinstance(v, float) else v) for k, v in out.items()}

"""The method choices of the sensitivity study, as factors of a Sobol design.

Each choice is a factor: the normalisation, the aggregation and the cut rule (discrete,
each a uniform variable cut into equal bins) and the weights (a group of uniform
variables mapped through Gamma quantiles to a Dirichlet around equal weights).
:meth:`Factors.choices` turns rows of a unit-cube sample into the choices they stand for.

Examples
--------
>>> import numpy as np
>>> f = Factors(aggregations=("arithmetic",), cut_rules=("sd_unweighted",))
>>> f.dimension  # normalisation (1) + three weights
4
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import gamma

NORMALISATIONS = ("none", "zscore", "minmax", "rank")
AGGREGATIONS = ("arithmetic", "geometric", "pca")
CUT_RULES = ("sd_unweighted", "sd_population", "quantile_official_shares")
OUTPUTS = ("mean_abs_rank_shift", "share_type_changed", "spearman")
TYPES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Factors:
    """The choices varied, and the Dirichlet concentration of the weights."""

    normalisations: tuple[str, ...] = NORMALISATIONS
    aggregations: tuple[str, ...] = AGGREGATIONS
    cut_rules: tuple[str, ...] = CUT_RULES
    n_weights: int = 3
    concentration: float = 20.0  # Dirichlet(c, c, c): c -> inf gives equal weights
    vary_weights: bool = True

    def __post_init__(self):
        for name, given, allowed in (
            ("normalisations", self.normalisations, NORMALISATIONS),
            ("aggregations", self.aggregations, AGGREGATIONS),
            ("cut_rules", self.cut_rules, CUT_RULES),
        ):
            bad = set(given) - set(allowed)
            if bad or not given:
                raise ValueError(f"{name} {sorted(bad) or '[]'} invalid; choose from {allowed}")

    @property
    def discrete(self) -> list[tuple[str, tuple[str, ...]]]:
        """The discrete factors that vary (more than one choice).

        Examples
        --------
        >>> [name for name, _ in Factors(aggregations=("pca",)).discrete]
        ['normalisation', 'cut_rule']
        """
        return [
            (n, c)
            for n, c in (
                ("normalisation", self.normalisations),
                ("aggregation", self.aggregations),
                ("cut_rule", self.cut_rules),
            )
            if len(c) > 1
        ]

    @property
    def dimension(self) -> int:
        """Number of uniform variables a sample needs.

        Examples
        --------
        >>> Factors().dimension, Factors(vary_weights=False).dimension
        (6, 3)
        """
        return len(self.discrete) + (self.n_weights if self.vary_weights else 0)

    def problem(self) -> dict:
        """The SALib problem: one uniform per discrete factor, a group for the weights.

        Examples
        --------
        >>> Factors(cut_rules=("sd_unweighted",)).problem()["groups"]
        ['normalisation', 'aggregation', 'weights', 'weights', 'weights']
        """
        names = [n for n, _ in self.discrete]
        groups = list(names)
        if self.vary_weights:
            names += [f"weight_{k + 1}" for k in range(self.n_weights)]
            groups += ["weights"] * self.n_weights
        return {
            "num_vars": len(names),
            "names": names,
            "groups": groups,
            "bounds": [[0.0, 1.0]] * len(names),
        }

    def decode(self, u: np.ndarray) -> dict[str, np.ndarray]:
        """Choices (indices into each choice list) and weights from uniforms ``(S, D)``.

        Examples
        --------
        >>> f = Factors(aggregations=("arithmetic",), vary_weights=False)
        >>> d = f.decode(np.array([[0.1, 0.99]]))
        >>> f.normalisations[d["normalisation"][0]], f.cut_rules[d["cut_rule"][0]]
        ('none', 'quantile_official_shares')
        """
        out: dict[str, np.ndarray] = {}
        col = 0
        for name, choices in (
            ("normalisation", self.normalisations),
            ("aggregation", self.aggregations),
            ("cut_rule", self.cut_rules),
        ):
            if len(choices) > 1:
                out[name] = np.minimum((u[:, col] * len(choices)).astype(int), len(choices) - 1)
                col += 1
            else:
                out[name] = np.zeros(len(u), int)
        if self.vary_weights:
            g = gamma.ppf(
                np.clip(u[:, col : col + self.n_weights], 1e-12, 1 - 1e-12), self.concentration
            )
            out["weights"] = g / g.sum(axis=1, keepdims=True)
        else:
            out["weights"] = np.full((len(u), self.n_weights), 1.0 / self.n_weights)
        return out

"""Adjacency of areas and the BYM2 spatial term of the latent-factor model.

With an adjacency list (a CSV file of area-code pairs, one pair of neighbours per row)
each area's first-year status gets a spatially structured part (Riebler et al. 2016,
"BYM2"): within its municipality,

    eta_i,first - m_k = sqrt(1 - rho) * (sqrt(1 - psi) * u_i + sqrt(psi) * phi_i / sqrt(s)),

with u_i ~ N(0, 1) unstructured (integrated out, as without adjacency), phi an intrinsic
CAR field (ICAR: density exp(-1/2 sum over neighbours (phi_a - phi_b)^2), a soft
sum-to-zero constraint per connected component) scaled by ``s`` so that its typical
marginal variance is 1 (the geometric mean of the diagonal of the generalised inverse
of the graph Laplacian, per component), and psi in (0, 1) the spatial share of the
area-level variance. Areas with no neighbour (islands) get phi_i ~ N(0, 1) (Freni-
Sterrantino et al. 2018). NUTS samples phi (one value per area) and psi with the
other hyperparameters; the kernel takes ``sqrt((1 - rho) psi) phi / sqrt(s)`` as a known
shift of each area's eta and ``(1 - rho)(1 - psi)`` as the unstructured variance.

Examples
--------
>>> import numpy as np
>>> adj = adjacency_from_pairs([("A", "B"), ("B", "C"), ("D", "E")],
...                            np.array(["A", "B", "C", "D", "E", "F"]))
>>> adj.n_components, adj.islands.tolist()
(3, [5])
>>> # path of 3: diag(pinv L) = 5/9, 2/9, 5/9; pair: 1/4; island: 1
>>> [round(float(s), 4) for s in adj.scale]
[0.4093, 0.4093, 0.4093, 0.25, 0.25, 1.0]
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

#: sd of each component's sum of phi (the soft sum-to-zero constraint), per area.
SUM_TO_ZERO_SD = 0.001


@dataclass(frozen=True)
class Adjacency:
    """Neighbour pairs as area indices (each pair once, a < b) and what BYM2 needs."""

    edges: np.ndarray  # (E, 2) int
    n_areas: int
    component: np.ndarray  # (area,) connected component of each area
    islands: np.ndarray  # indices of areas without a neighbour
    scale: np.ndarray  # (area,) BYM2 scaling factor of the area's component (1: island)

    @property
    def n_components(self) -> int:
        return int(self.component.max()) + 1 if self.n_areas else 0

    def digest(self) -> str:
        """A content hash (a compiled spatial model depends on the graph)."""
        return hashlib.sha256(self.edges.tobytes() + str(self.n_areas).encode()).hexdigest()[:16]


def read_adjacency(path: str | Path, areas: np.ndarray) -> Adjacency:
    """Read a CSV of neighbour pairs (two columns of area codes, a header row).

    Codes are read as text (leading zeros kept). Unknown codes, pairs of an area with
    itself and missing values raise one error naming them; a pair given in both
    orders or twice counts once.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if frame.shape[1] != 2:
        raise ValueError(f"{path}: an adjacency file has two columns of area codes "
                         f"(got {frame.shape[1]}: {list(frame.columns)})")
    pairs = list(frame.itertuples(index=False, name=None))
    return adjacency_from_pairs(pairs, areas, source=str(path))


def adjacency_from_pairs(pairs, areas: np.ndarray, source: str = "adjacency") -> Adjacency:
    """Validate neighbour pairs against the fitted ``areas`` and index them.

    Examples
    --------
    >>> adjacency_from_pairs([("A", "X"), ("A", "A")], np.array(["A", "B"]))
    Traceback (most recent call last):
    ...
    ValueError: adjacency: 2 bad pairs: row 1: unknown area code(s) X; row 2: an area paired with itself (A)
    """
    index = {str(a): k for k, a in enumerate(areas)}
    problems, edges = [], set()
    for row, (a, b) in enumerate(pairs, start=1):
        a, b = str(a).strip(), str(b).strip()
        if not a or not b:
            problems.append(f"row {row}: missing area code")
            continue
        unknown = [c for c in (a, b) if c not in index]
        if unknown:
            problems.append(f"row {row}: unknown area code(s) {', '.join(unknown)}")
        elif a == b:
            problems.append(f"row {row}: an area paired with itself ({a})")
        else:
            i, j = sorted((index[a], index[b]))
            edges.add((i, j))
    if problems:
        shown = "; ".join(problems[:20]) + (f"; ... ({len(problems) - 20} more)"
                                            if len(problems) > 20 else "")
        raise ValueError(f"{source}: {len(problems)} bad pairs: {shown}")
    n = len(areas)
    e = np.array(sorted(edges), dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    degree = np.bincount(e.ravel(), minlength=n)
    return Adjacency(e, n, component, np.flatnonzero(degree == 0),
                     _scaling(e, component, n))


def _scaling(edges: np.ndarray, component: np.ndarray, n: int) -> np.ndarray:
    """Per area, its component's geometric mean of diag(pinv(Laplacian)) (1: islands)."""
    scale = np.ones(n)
    for c in np.unique(component):
        members = np.flatnonzero(component == c)
        if len(members) < 2:
            continue
        pos = {a: k for k, a in enumerate(members)}
        lap = np.zeros((len(members), len(members)))
        for a, b in edges[np.isin(edges[:, 0], members)]:
            i, j = pos[a], pos[b]
            lap[i, j] = lap[j, i] = -1.0
        lap[np.diag_indices_from(lap)] = -lap.sum(axis=1)
        m = len(members)
        # pinv(L) = inv(L + 11'/m) - 11'/m for a connected graph's Laplacian
        diag = np.diag(np.linalg.inv(lap + 1.0 / m)) - 1.0 / m
        scale[members] = np.exp(np.mean(np.log(diag)))
    return scale


def icar_logp(phi, adjacency: Adjacency, xp=None):
    """log density (up to a constant) of the ICAR field with islands N(0, 1).

    ``-1/2 sum_{a~b} (phi_a - phi_b)^2``, each component of two or more areas softly
    constrained to sum to zero (sd ``SUM_TO_ZERO_SD`` times its size), islands standard
    normal. ``xp`` is ``pytensor.tensor`` (default) or numpy.

    Examples
    --------
    >>> adj = adjacency_from_pairs([("A", "B")], np.array(["A", "B", "C"]))
    >>> # edge: -1/2; sum 1 with sd 0.002: -125000; island: -2
    >>> round(float(icar_logp(np.array([1.0, 0.0, 2.0]), adj, xp=np)), 1)
    -125002.5
    """
    if xp is None:
        import pytensor.tensor as xp
    a, b = adjacency.edges[:, 0], adjacency.edges[:, 1]
    logp = -0.5 * xp.sum((phi[a] - phi[b]) ** 2)
    comp, sizes = adjacency.component, np.bincount(adjacency.component)
    for c in np.flatnonzero(sizes > 1):
        members = np.flatnonzero(comp == c)
        logp = logp - 0.5 * (xp.sum(phi[members]) / (SUM_TO_ZERO_SD * len(members))) ** 2
    if len(adjacency.islands):
        logp = logp - 0.5 * xp.sum(phi[adjacency.islands] ** 2)
    return logp

"""How often percentile-rank composites tie: the national synthetic panel (3,363 areas,
2011-2024, seed 20240101), year 2017. Prints a digest of each output of the index (to
compare machines or stacks) and the number of tied index values and of areas in ties.

Run: python benchmarks/probe_rank_ties.py
"""

from __future__ import annotations

import hashlib

import numpy as np

from sesindex.data.synthetic import generate
from sesindex.index.run import compute_index
from sesindex.index.spec import IndexSpec


def digest(values: np.ndarray) -> str:
    """The first 12 hex digits of the SHA-256 of an array's bytes."""
    return hashlib.sha256(np.ascontiguousarray(values).tobytes()).hexdigest()[:12]


def main() -> None:
    ds = generate(n_areas=3363, years=tuple(range(2011, 2025)), seed=20240101).dataset
    out = compute_index(ds, IndexSpec(normalisation="rank", moments="unweighted"))
    for name in ("rate", "index", "mu", "sigma", "rank", "type"):
        print(name, digest(out[name].values))
    _, counts = np.unique(out["index"].sel(year=2017).values, return_counts=True)
    print(
        "2017 tied index values:",
        int((counts > 1).sum()),
        "areas in ties:",
        int(counts[counts > 1].sum()),
    )


if __name__ == "__main__":
    main()

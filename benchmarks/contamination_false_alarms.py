r"""False alarms of the "looks treated" warning on clean comparison pools.

Clean pools of untreated areas whose latent status walks with Gaussian steps (sd 0.1,
areas' levels spread with sd 1, a common level per year), seen through posterior draws
(the truth plus draw noise of sd 0.05 around a per-area estimation error of sd 0.05),
are given to :func:`sesindex.evaluation.contamination.departures`; the share of pools
with any flag is the warning's false-alarm rate per evaluation (target: at most 5 %).
A start in the second fitted year has no pre-period window and is not tested.

    python benchmarks/contamination_false_alarms.py \
        > benchmarks/results/contamination_false_alarms.txt
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from sesindex.evaluation.contamination import departures

POOLS = 1000
DESIGNS = [(12, 4), (12, 6), (24, 6), (40, 4), (40, 6)]  # (comparison areas, years)


def pool_flags(rng: np.random.Generator, areas: int, years: int, draws: int = 40) -> bool:
    """Whether one clean pool raises any flag (start in the last-but-one year)."""
    steps = rng.normal(0.0, 0.1, (areas, years))
    steps[:, 0] = rng.normal(0.0, 1.0, areas)
    truth = steps.cumsum(axis=1) + rng.normal(0.0, 0.2, years)  # + the years' levels
    estimate = truth + rng.normal(0.0, 0.05, (areas, years))
    eta = estimate[None] + rng.normal(0.0, 0.05, (draws, areas, years))
    fitted = list(range(2017, 2017 + years))
    flags = departures(eta, fitted, [f"c{i}" for i in range(areas)], {fitted[-2]})
    return bool(flags["looks_treated"].any())


def main() -> None:
    rng = np.random.default_rng(20240101)
    print(f"# {POOLS} clean pools per design; start year = the last-but-one fitted year")
    print("areas  years  pools_flagged  rate   exact_95%_interval")
    for areas, years in DESIGNS:
        k = sum(pool_flags(rng, areas, years) for _ in range(POOLS))
        ci = stats.binomtest(k, POOLS).proportion_ci(0.95, method="exact")
        print(f"{areas:5d}  {years:5d}  {k:13d}  {k / POOLS:.3f}  {ci.low:.3f}-{ci.high:.3f}")


if __name__ == "__main__":
    main()

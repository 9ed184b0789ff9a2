"""Programme effects in the panel model: the event-study design of treated areas.

A programme starts in area i in year s_i. Its effect on the latent status is modelled as
a shift beta_e of eta in every year whose distance from the start is e = t - s_i (the
event time), for e in the programme's event times except e = -1 (beta_-1 = 0, which
identifies the shifts: a constant added to every beta and taken from every treated area's
eta changes nothing). The design enters the model as 0/1 indicators
(:func:`programme_design`) and the kernel as a known shift of eta per area and year
(:mod:`sesindex.bayes.kernel`), so everything else stays integrated out.

The effect is read against the **whole pre-period**, not the one year before the start:
:func:`counterfactual_shift` takes from every beta the mean of the pre-period shifts
(e < 0, with beta_-1 = 0), so the post-period shifts are post minus pre-average and the
pre-period ones (placebo checks) average 0. Against the year before alone, that year's
sampling noise, averaged over the treated areas, would move every effect: 7 treated areas
whose observed index sat 0.59 points above their true index in that year gave an effect
of -1.55 for a true -1.00 (README, the policy evaluator's walk-through).

Examples
--------
>>> d, times = programme_design(["a", "b", "c"], [2019, 2020, 2021], {"a": 2020, "b": 2021})
>>> times
[-2, 0, 1]
>>> d[0].tolist()  # area a: 2019 is e = -1 (reference), 2020 e = 0, 2021 e = 1
[[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
>>> float(d[2].sum())  # c is not treated
0.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

#: The event time of the reference year, whose shift is 0.
REFERENCE = -1


def event_times(years: Sequence[int], starts: Mapping[str, int]) -> list[int]:
    """Every event time t - s observed among the treated areas, but the reference.

    Examples
    --------
    >>> event_times([2019, 2020, 2021], {"a": 2020})
    [0, 1]
    """
    times = {int(y) - int(s) for s in starts.values() for y in years}
    return sorted(times - {REFERENCE})


def pre_period_mean(beta: np.ndarray, times: Sequence[int]) -> np.ndarray:
    """The mean shift over the pre-period event times, the reference (0) included:
    ``beta`` (..., time) -> (...).

    Examples
    --------
    >>> float(pre_period_mean(np.array([-0.6, -0.3, -1.0, -1.2]), [-3, -2, 0, 1]))
    -0.3
    """
    beta = np.asarray(beta, float)
    pre = [k for k, e in enumerate(times) if e < 0]
    return beta[..., pre].sum(axis=-1) / (len(pre) + 1)


def counterfactual_shift(design: np.ndarray, beta: np.ndarray,
                         times: Sequence[int]) -> np.ndarray:
    """Each area-year's programme shift of eta, read against the pre-period mean:
    ``design @ beta`` less :func:`pre_period_mean` in every year of a treated area, so
    that the shifts of a treated area's pre-period years average 0 (see the module).
    ``beta`` is one draw (time,) -> (area, year).

    Examples
    --------
    >>> d, times = programme_design(["a", "b"], [2018, 2019, 2020], {"a": 2020})
    >>> counterfactual_shift(d, np.array([-0.2, -1.0]), times).round(2).tolist()
    [[-0.1, 0.1, -0.9], [0.0, 0.0, 0.0]]
    """
    treated = np.asarray(design).any(axis=(1, 2))
    return design @ beta - pre_period_mean(beta, times) * treated[:, None]


def programme_design(areas: Sequence[str], years: Sequence[int], starts: Mapping[str, int],
                     times: Sequence[int] | None = None) -> tuple[np.ndarray, list[int]]:
    """0/1 indicators (area, year, event time) of each treated area-year's event time.

    ``starts`` maps treated area codes to their programme's first year; untreated areas
    get zeros. ``times`` (default: :func:`event_times`) fixes the columns.
    """
    times = list(times) if times is not None else event_times(years, starts)
    column = {e: k for k, e in enumerate(times)}
    design = np.zeros((len(areas), len(years), len(times)))
    for i, area in enumerate(areas):
        if area not in starts:
            continue
        for t, year in enumerate(years):
            e = int(year) - int(starts[area])
            if e in column:
                design[i, t, column[e]] = 1.0
    return design, times

"""Programme effects in the panel model: the design of treated areas' post-start years.

A programme starts in area i in year s_i. Its effect on the latent status is modelled as
a shift beta_e of eta in every year whose distance from the start is e = t - s_i >= 0
(the event time); years before the start carry no shift. The counterfactual is thus the
model's own: each treated area's random walk carried on from its status before the start,
which every pre-start year informs (not the year before alone), with the years' levels
that the comparison areas pin down. The design enters the model as 0/1 indicators
(:func:`programme_design`) and the kernel as a known shift of eta per area and year
(:mod:`sesindex.bayes.kernel`), so everything else stays integrated out.

Free shifts before the start (a classic event study with the year before as reference)
were the first design: they free every pre-start year's group level, so the treated
areas' status before the start rests on the single reference year and its sampling noise
moves every effect (``docs/evaluate.md``, Limits). Pre-start years are checked instead by
:func:`sesindex.evaluate.effects.effect_draws`: the treated areas' change up to the year
before the start against their comparison areas'.

Examples
--------
>>> d, times = programme_design(["a", "b", "c"], [2019, 2020, 2021], {"a": 2020, "b": 2021})
>>> times
[0, 1]
>>> d[0].tolist()  # area a: 2019 is before the start (no shift), 2020 e = 0, 2021 e = 1
[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
>>> float(d[2].sum())  # c is not treated
0.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def event_times(years: Sequence[int], starts: Mapping[str, int]) -> list[int]:
    """Every event time t - s >= 0 (a year from the start on) among the treated areas.

    Examples
    --------
    >>> event_times([2019, 2020, 2021], {"a": 2020})
    [0, 1]
    """
    times = {int(y) - int(s) for s in starts.values() for y in years}
    return sorted(e for e in times if e >= 0)


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

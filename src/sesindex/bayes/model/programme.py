"""Programme effects in the panel model: the event-study design of treated areas.

A programme starts in area i in year s_i. Its effect on the latent status is modelled as
a shift beta_e of eta in every year whose distance from the start is e = t - s_i (the
event time), for e in the programme's event times except e = -1, the reference year
(beta_-1 = 0): the post-period shifts (e >= 0) are the effect, the pre-period ones
(e <= -2) are placebo checks that should sit near 0. Several programmes in one fit
(:func:`programmes_design`) each get their own block of columns, so their own shifts
beta_pe: the model sees more columns, nothing else changes. The design enters the model as
0/1 indicators (:func:`programme_design`) and the kernel as a known shift of eta per
area and year (:mod:`sesindex.bayes.likelihood.kernel`), so everything else stays integrated out.

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
from dataclasses import replace

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


def programme_design(
    areas: Sequence[str],
    years: Sequence[int],
    starts: Mapping[str, int],
    times: Sequence[int] | None = None,
) -> tuple[np.ndarray, list[int]]:
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


def programmes_design(
    areas: Sequence[str], years: Sequence[int], programmes: Mapping[str, Mapping[str, int]]
) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """The design of several programmes, each with its own shifts: one block of
    :func:`programme_design` columns per programme (in the order given), labelled
    (programme, event time).

    Examples
    --------
    >>> d, cols = programmes_design(
    ...     ["a", "b", "c"], [2019, 2020, 2021], {"p": {"a": 2020}, "q": {"b": 2020}}
    ... )
    >>> cols
    [('p', 0), ('p', 1), ('q', 0), ('q', 1)]
    >>> d[1].tolist()  # area b: its 2020 and 2021 shifts are q's, not p's
    [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
    """
    seen: dict[str, int] = {}
    for starts in programmes.values():
        for area in starts:
            seen[area] = seen.get(area, 0) + 1
    twice = sorted(a for a, n in seen.items() if n > 1)
    if twice:
        raise ValueError(f"areas in more than one programme: {twice[:12]}")
    blocks, columns = [], []
    for name, starts in programmes.items():
        design, times = programme_design(areas, years, starts)
        blocks.append(design)
        columns += [(name, e) for e in times]
    return np.concatenate(blocks, axis=2), columns


def with_programme(inputs, programme: Mapping):
    """The model inputs with a programme's design: ``programme`` maps area codes to
    start years (one programme, :func:`programme_design`) or programme names to such
    mappings (several, each with its own shifts: :func:`programmes_design`).
    """
    if all(isinstance(v, Mapping) for v in programme.values()):
        design, cols = programmes_design(list(inputs.areas), list(inputs.years), programme)
        return replace(
            inputs,
            design=design,
            event_times=tuple(e for _, e in cols),
            event_programmes=tuple(p for p, _ in cols),
        )
    design, times = programme_design(list(inputs.areas), list(inputs.years), programme)
    return replace(inputs, design=design, event_times=tuple(times))

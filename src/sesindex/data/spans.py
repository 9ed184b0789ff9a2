"""Consecutive whole numbers (years, ages) written as ranges, for messages and notes.

Examples
--------
>>> year_spans([20, 21, 22, 64])
'20-22, 64'
"""

from __future__ import annotations


def year_spans(years) -> str:
    """Consecutive years (or any whole numbers) as ranges.

    Examples
    --------
    >>> year_spans([2011, 2012, 2013, 2015, 2017, 2018])
    '2011-2013, 2015, 2017-2018'
    """
    spans: list[list[int]] = []
    run: list[int] = []
    for y in sorted(int(y) for y in years):
        if run and y != run[-1] + 1:
            spans.append(run)
            run = []
        run.append(y)
    spans.append(run)
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in spans if r)

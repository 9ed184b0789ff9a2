"""National cut points from SCB's published index of every area (TAB6586): the mean and
standard deviation of the index per year, as the official types use them, for a
publication that fits only part of the country.

Examples
--------
>>> cutpoints_text({2022: (9.1, 5.47)})
'2022:9.1,5.47'
"""

from __future__ import annotations


def national_cutpoints(source) -> tuple[dict[int, tuple[float, float]], list[str]]:
    """SCB's national mean and standard deviation of its published index per year, from
    a TAB6586 response of every area: the cut points of the types (as ``--cutpoints``).

    A year gets them only when the response holds a published index for every area of
    its division (3,363 RegSO); the notes say which years have none and why.

    Examples
    --------
    >>> from sesindex.data.pxweb import packaged_example
    >>> cuts, notes = national_cutpoints(packaged_example())  # Karlstad only: no year
    >>> cuts, notes[0][:57]
    ({}, 'no national cut points for 2011-2024: the published index')
    """
    from sesindex.data.pxweb import read_jsonstat
    from sesindex.data.spans import year_spans
    from sesindex.index.arrays import moments
    from sesindex.index.run import DIVISION_SIZES
    from sesindex.index.spec import IndexSpec

    table = read_jsonstat(source)
    index = table.tidy[table.tidy["indicator"] == "published_index"]
    cuts, short = {}, {}
    time = next(d for d, m in table.meta["dimensions"].items() if m["role"] == "time")
    for year in sorted(int(y) for y in table.meta["dimensions"][time]["codes"]):
        rows = index[index["year"] == year]
        versions = set(rows["boundary_version"])
        size = DIVISION_SIZES.get(next(iter(versions)), 0) if len(versions) == 1 else 0
        if len(rows) != size or not size:
            short[int(year)] = f"{len(rows)} of {size or '?'} {'/'.join(sorted(versions))}"
            continue
        mu, sigma = moments(rows["value"].to_numpy(float), None, IndexSpec().ddof)
        cuts[int(year)] = (round(float(mu), 4), round(float(sigma), 4))
    notes = []
    if cuts:
        notes.append(
            "national cut points from SCB's published index of every area "
            "(TAB6586, rounded to 0.1): "
            + "; ".join(f"{y}: mu {m:.2f}, sigma {s:.2f}" for y, (m, s) in cuts.items())
        )
    if short:
        notes.append(
            f"no national cut points for {year_spans(short)}: the published "
            "index covers "
            + "; ".join(f"{y}: {t} areas" for y, t in short.items())
            + " (every area is needed for the national mean and sd)"
        )
    return cuts, notes


def cutpoints_text(cuts: dict[int | None, tuple[float, float]]) -> str | None:
    """``--cutpoints`` text of cut points per year (key None: every year).

    >>> cutpoints_text({2022: (9.1, 5.47), 2023: (9.2, 5.5)})
    '2022:9.1,5.47;2023:9.2,5.5'
    >>> cutpoints_text({None: (9.1, 5.47)})
    '9.1,5.47'
    """
    return (
        ";".join(("" if y is None else f"{y}:") + f"{m:g},{s:g}" for y, (m, s) in cuts.items())
        or None
    )

"""How certain is each area's index, rank, type and change: one uncertainty engine.

Summaries of draws of any kind — posterior draws or bootstrap replicates — live in
:mod:`.draws` (intervals, rank intervals and joint rank sets, P(type = k), changes and
their verdict); the parametric bootstrap that makes replicates in :mod:`.bootstrap`;
change statistics of two years in :mod:`.change`.

:func:`bootstrap_uncertainty` is the fast, model-free answer every index run can carry.

Counts redrawn as
Binomial(denominator, observed rate) (:mod:`.bootstrap`), the index,
national mu and sigma, types and ranks recomputed in every replicate. Per area and year
it adds 50/90/95% index intervals, a 90% rank interval, P(type = k) and P(type differs
from the observed type); per area and pair of years, the share of replicates in which an
observed type change persists (``p_survives_noise``, with the verdict "survives noise",
"unclear" or "within noise": :data:`.draws.BOOTSTRAP_VERDICT`), the split into the area's
own movement and the movement of mu and sigma, and the minimum detectable change
(:mod:`.change`). Replicates around the observed index measure noise, not the chance that
the true type changed; the Bayesian model (``sesindex fit``) gives that probability, with
borrowing of strength and the area's underlying status.

Examples
--------
>>> from sesindex.data.synthetic import generate
>>> from sesindex.index import IndexSpec
>>> ds = generate(n_areas=60, years=(2022, 2023), seed=1).dataset
>>> areas, changes = bootstrap_uncertainty(ds, IndexSpec(types_over="given_areas"), replicates=50)
>>> sorted(areas["year"].unique().tolist()), "p_type_1" in areas, len(changes)
([2022, 2023], True, 60)
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import xarray as xr

from sesindex.data.boundary_change import boundary_breaks, mark_boundary_changes
from sesindex.index.spec import IndexSpec
from sesindex.uncertainty.draws import BOOTSTRAP_VERDICT

KEEP = [
    "area_code",
    "index_mean",
    "index_se",
    "index_lo50",
    "index_hi50",
    "index_lo90",
    "index_hi90",
    "index_lo95",
    "index_hi95",
    "rank_median",
    "rank_lo90",
    "rank_hi90",
    *[f"p_type_{k}" for k in range(1, 6)],
    "type_modal",
    "p_type_differs",
]


@dataclass(frozen=True)
class BootstrapResult:
    """The bootstrap's two tables (it unpacks as ``areas, changes``) and its data.

    Examples
    --------
    >>> from sesindex.data.synthetic import generate
    >>> ds = generate(n_areas=40, years=(2023, 2024), seed=1).dataset
    >>> spec = IndexSpec(types_over="given_areas")
    >>> result = BootstrapResult(*bootstrap_uncertainty(ds, spec, replicates=20), ds)
    >>> sorted(result.to_tree().children)
    ['areas', 'changes', 'data']
    """

    areas: pd.DataFrame
    changes: pd.DataFrame
    data: xr.Dataset | None = None

    def __iter__(self):
        """``areas, changes = result``: the two tables."""
        return iter((self.areas, self.changes))

    def to_tree(self) -> xr.DataTree:
        """Both tables, labelled by area and year(s), and the data, as one tree
        (:func:`sesindex.runs.run_tree`).
        """
        from sesindex.runs import run_tree

        return run_tree(
            {"areas": self.areas, "changes": self.changes},
            data=self.data,
            manifest={"command": "bootstrap"},
        )


def bootstrap_uncertainty(
    ds: xr.Dataset,
    spec: IndexSpec,
    *,
    years=None,
    replicates: int = 1000,
    seed: int = 20240101,
    delta: float = 1.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per area-year uncertainty columns, and the change table of the last two years."""
    from sesindex.uncertainty.bootstrap import area_summary, bootstrap_year

    years = [int(y) for y in (years if years is not None else ds["year"].values)]
    rows = []
    for year in years:
        b = bootstrap_year(ds, spec, year, replicates=replicates, seed=seed)
        s = area_summary(b)[KEEP]
        rows.append(s.assign(year=year))
    areas = pd.concat(rows, ignore_index=True)
    changes = pd.DataFrame()
    if len(years) >= 2:
        changes = bootstrap_changes(
            ds, spec, (years[-2], years[-1]), replicates=replicates, seed=seed, delta=delta
        )
    return areas, changes


def bootstrap_changes(
    ds: xr.Dataset,
    spec: IndexSpec,
    years: tuple[int, int],
    *,
    replicates: int = 1000,
    seed: int = 20240101,
    delta: float = 1.0,
) -> pd.DataFrame:
    """The change table of two years (:func:`.change.change_table`) as ``changes.csv``
    holds it: years and names, ``type_from``/``type_to``, the bootstrap's verdict
    (:data:`.draws.BOOTSTRAP_VERDICT`) and the boundary changes marked.

    Examples
    --------
    >>> from sesindex.data.synthetic import generate
    >>> ds = generate(n_areas=60, years=(2022, 2023), seed=1).dataset
    >>> ch = bootstrap_changes(ds, IndexSpec(types_over="given_areas"), (2022, 2023), replicates=50)
    >>> set(ch["verdict"]) <= {"", "survives noise", "unclear", "within noise"}
    True
    """
    from sesindex.uncertainty.change import change_table

    y1, y2 = years
    changes = change_table(
        ds, spec, (y1, y2), replicates=replicates, seed=seed, delta=delta, alpha=0.05, power=0.8
    )
    changes = changes.rename(
        columns={f"type_{y1}": "type_from", f"type_{y2}": "type_to", "change": "dI_mean"}
    )
    changes.insert(1, "year_from", y1)
    changes.insert(2, "year_to", y2)
    names = ds["area_name"].to_series()
    changes.insert(3, "area_name", changes["area_code"].map(names).to_numpy())
    changes["verdict"] = BOOTSTRAP_VERDICT(changes[BOOTSTRAP_VERDICT.column])
    return mark_boundary_changes(changes, boundary_breaks(ds))

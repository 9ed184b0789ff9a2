"""A fit of small areas aggregated, draw by draw, to the larger areas they lie in.

One DeSO fit gives RegSO results with intervals: in every posterior draw each RegSO's true
rate of an indicator is its DeSO's true rates weighted by their denominators (the
population the rate is of: all residents for V1, residents aged 20-64 for V2 and V3), as
SCB's RegSO rates are sums of DeSO counts over sums of DeSO denominators
(:mod:`sesindex.data.deso`), never means of percentages. The RegSO index of the draw is
the mean of those rates, and types, ranks and changes follow from the RegSO index draws
exactly as for a RegSO fit (:func:`sesindex.bayes.fit.tables`), with the national mean
and standard deviation taken over the RegSO areas.

Examples
--------
>>> g = area_groups(
...     ["0114C1010", "0114C1030", "0114C1040"],
...     {"0114C1010": "0114R001", "0114C1030": "0114R001", "0114C1040": "0114R002"},
... )
>>> g.codes.tolist(), g.members.toarray().tolist()
(['0114R001', '0114R002'], [[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
>>> rates = np.array([[[10.0]], [[30.0]], [[5.0]]])  # (area, year, indicator)
>>> weights = np.array([[[100.0]], [[300.0]], [[50.0]]])
>>> group_rates(rates, weights, g)[:, 0, 0].tolist()  # (10*100 + 30*300) / 400
[25.0, 5.0]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from scipy import sparse

from sesindex.data.schema import DataValidationError, Problem


@dataclass(frozen=True)
class AreaGroups:
    """Which larger area (group) each fitted area lies in."""

    codes: np.ndarray  # the groups' codes, sorted
    members: sparse.csr_matrix  # (group, area) 0/1: area lies in group
    level: str = "RegSO2020"  # the groups' division (boundary version)

    @property
    def of_area(self) -> np.ndarray:
        """Each area's group code, in the fitted areas' order."""
        return self.codes[self.members.T.tocsr().indices]


@dataclass(frozen=True)
class GroupTables:
    """The aggregated fit's tables, as :func:`sesindex.bayes.fit.tables` gives them."""

    level: str
    areas: pd.DataFrame
    changes: pd.DataFrame


def area_groups(areas, key: Mapping[str, str] | pd.Series, level: str = "RegSO2020") -> AreaGroups:
    """The grouping of ``areas`` by ``key`` (area code -> group code).

    Every area must have a group: otherwise :class:`DataValidationError` names them.
    """
    areas = np.asarray(areas, dtype=str)
    key = pd.Series(key, dtype=object) if not isinstance(key, pd.Series) else key
    group = key.reindex(areas)
    lonely = areas[group.isna().to_numpy()]
    if len(lonely):
        raise DataValidationError(
            [Problem("no_group", f"areas with no {level} area in the key", tuple(lonely))]
        )
    codes, position = np.unique(group.to_numpy(dtype=str), return_inverse=True)
    members = sparse.csr_matrix(
        (np.ones(len(areas)), (position, np.arange(len(areas)))), shape=(len(codes), len(areas))
    )
    return AreaGroups(codes, members, level)


def deso_to_regso(areas) -> AreaGroups:
    """DeSO 2018 areas grouped into their RegSO 2020 areas (the packaged key).

    Examples
    --------
    >>> deso_to_regso(["0114C1010", "0114C1030"]).codes.tolist()
    ['0114R001']
    """
    from sesindex.data.real_bundle import load_deso_areas

    key = load_deso_areas().set_index("area_code")["regso_code"]
    return area_groups(areas, key, "RegSO2020")


def regso_groups(ds: xr.Dataset) -> AreaGroups | None:
    """The default aggregation of a dataset: DeSO 2018 data (every row) to their RegSO
    2020 areas, anything else none.

    Examples
    --------
    >>> from sesindex.data.synthetic import generate
    >>> regso_groups(generate(n_areas=5, years=(2024,), division="deso").dataset).level
    'RegSO2020'
    >>> regso_groups(generate(n_areas=5, years=(2024,)).dataset) is None
    True
    """
    versions = set(np.asarray(ds["boundary_version"].values).ravel()) - {None}
    return deso_to_regso(ds["area"].values) if versions == {"DeSO2018"} else None


def group_rates(rates: np.ndarray, weights: np.ndarray, groups: AreaGroups) -> np.ndarray:
    """Rates (area, year, indicator) of the groups: ``weights``-weighted means of their
    areas' rates (with denominators as weights, the rate of the summed counts).
    """
    n = rates.shape[0]
    num = groups.members @ (rates * weights).reshape(n, -1)
    den = groups.members @ weights.reshape(n, -1)
    return (num / den).reshape((len(groups.codes), *rates.shape[1:]))


def rate_weights(inputs, official: list[int]) -> np.ndarray:
    """The official indicators' denominators (area, year, indicator) as aggregation
    weights; every one must be known (a missing denominator would drop its area's people
    from the group's rate): otherwise :class:`DataValidationError` names the areas.
    """
    denominator = inputs.denominator[..., official]
    bad = ~np.isfinite(denominator) | (denominator <= 0)
    if bad.any():
        raise DataValidationError(
            [
                Problem(
                    "missing_denominator",
                    "aggregating a fit needs every area's denominator in "
                    "every year and indicator; areas without",
                    tuple(np.asarray(inputs.areas)[bad.any(axis=(1, 2))]),
                )
            ]
        )
    return denominator


def prepare_groups(inputs, groups) -> AreaGroups:
    """``groups`` (an :class:`AreaGroups` or a mapping area -> group) checked against the
    fit's inputs before anything is sampled: the official three indicators present, every
    area grouped, every denominator known.
    """
    from sesindex.indicators import official_positions

    official = official_positions(inputs.indicators)
    if len(official) != 3:
        raise ValueError(
            "aggregating a fit to larger areas needs the official three "
            "indicators (the index of the larger areas)"
        )
    if not isinstance(groups, AreaGroups):
        groups = area_groups(inputs.areas, groups)
    if list(groups.members.shape) != [len(groups.codes), len(inputs.areas)]:
        raise ValueError(
            f"the groups are of {groups.members.shape[1]} areas, the fit has {len(inputs.areas)}"
        )
    rate_weights(inputs, official)
    return groups


def group_data(ds: xr.Dataset, groups: AreaGroups) -> xr.Dataset:
    """The observed counts of ``ds`` summed into the groups (the data model)."""
    from sesindex.data.deso import deso_to_regso_tidy
    from sesindex.data.model import from_tidy, to_tidy

    tidy = to_tidy(ds)
    key = pd.DataFrame({"deso_code": ds["area"].values.astype(str), "regso_code": groups.of_area})
    return from_tidy(
        deso_to_regso_tidy(
            tidy[["area_code", "year", "indicator", "count", "denominator"]], key, groups.level
        )
    )


def group_tables(
    posterior: xr.Dataset, ds: xr.Dataset, groups: AreaGroups, spec, fit_ok: bool, cutpoints=None
) -> GroupTables:
    """The tables of the groups from the posterior's ``group_index`` draws, typed by the
    same rule as a fit of the groups' own data (national moments over the groups when
    they are a whole division, else ``cutpoints``, else no types).
    """
    from sesindex.bayes.posterior.tables import observed_types, tables, typing_of

    years = posterior["year"].values
    draws = posterior[["group_index"]].rename(group_index="index", group="area")
    data = group_data(ds, groups)
    typing = typing_of(data, years, spec, cutpoints)
    observed = observed_types(data, data["indicator"].values, years, spec, cutpoints)
    areas, changes = tables(draws, spec, observed, fit_ok, typing)
    return GroupTables(groups.level, areas, changes)

"""The data a validation study runs on: synthetic panel with truth, or the real bundle.

Synthetic data is generated once per (areas, seed, config) over the generator's full year
range and then cut to the study's years, so every study sees the same 2022 figures.
The real bundle (``data = "sweden-regso-2022"``) carries SCB's published area types 2022.

Examples
--------
>>> from sesindex.validate.spec import StudySpec
>>> d = load_study_data(
...     StudySpec.from_dict({"study": "stability", "n_areas": 40, "years": [2022, 2023]})
... )
>>> d.dataset.sizes["area"], list(d.years), d.truth["year"].unique().tolist()
(40, [2022, 2023], [2022, 2023])
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from sesindex.validate.spec import StudySpec


@dataclass(frozen=True)
class StudyData:
    """A study's dataset (years cut), its truth (synthetic only) and provenance."""

    dataset: xr.Dataset
    truth: pd.DataFrame | None
    label: str
    source_files: dict[str, str] = field(default_factory=dict)

    @property
    def years(self) -> tuple[int, ...]:
        """The dataset's years."""
        return tuple(int(y) for y in self.dataset["year"].values)

    def truth_array(self, column: str) -> np.ndarray:
        """A truth column as an ``(area, year)`` array aligned with the dataset.

        Examples
        --------
        >>> from sesindex.validate.spec import StudySpec
        >>> d = load_study_data(StudySpec.from_dict({"study": "calibration", "n_areas": 30}))
        >>> d.truth_array("type_true").shape
        (30, 2)
        """
        if self.truth is None:
            raise ValueError("this study's data has no truth (only synthetic data has)")
        wide = self.truth.pivot(index="area_code", columns="year", values=column)
        return wide.reindex(index=self.dataset["area"].values, columns=list(self.years)).to_numpy()

    def published_type(self) -> np.ndarray | None:
        """SCB's published area type ``(area, year)`` when the data carries it.

        Examples
        --------
        >>> from sesindex.validate.spec import StudySpec
        >>> d = real_data(StudySpec.from_dict({"study": "agreement", "data": "sweden-regso-2022"}))
        >>> d.published_type().shape, sorted(set(d.published_type().ravel().astype(int).tolist()))
        ((3363, 1), [1, 2, 3, 4, 5])
        """
        if "published_type" not in self.dataset["indicator"].values:
            return None
        return (
            self.dataset["value"]
            .sel(indicator="published_type")
            .transpose("area", "year")
            .to_numpy()
        )


def _file_hash(name: str) -> str:
    path = Path(str(resources.files("sesindex.data") / "resources" / name))
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=4)
def _synthetic(n_areas: int | None, seed: int, config_items: tuple) -> tuple:
    from sesindex.data.synthetic import SyntheticConfig, generate

    options: dict[str, Any] = dict(config_items)
    years = tuple(options.pop("years", range(2011, 2025)))
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}
    config = SyntheticConfig(**fields)
    data = generate(n_areas=n_areas, years=years, seed=seed, config=config)
    return data.dataset, data.truth


def synthetic_data(spec: StudySpec, **overrides) -> StudyData:
    """Synthetic data for ``spec`` (``overrides`` change the generator's configuration).

    Examples
    --------
    >>> from sesindex.validate.spec import StudySpec
    >>> spec = StudySpec.from_dict({"study": "change", "n_areas": 30})
    >>> d = synthetic_data(spec, drift_sd=0.0, cell_sd=0.0, trend=[0.0, 0.0, 0.0])
    >>> bool((d.truth_array("type_true")[:, 0] == d.truth_array("type_true")[:, 1]).all())
    True
    """
    options = {**spec.synthetic, **overrides}
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in options.items()))
    ds, truth = _synthetic(spec.n_areas, spec.seed, key)
    missing = sorted(set(spec.years) - set(int(y) for y in ds["year"].values))
    if missing:
        raise ValueError(f"years {missing} are outside the synthetic panel's years")
    ds = ds.sel(year=list(spec.years))
    truth = truth[truth["year"].isin(spec.years)].reset_index(drop=True)
    label = (
        f"synthetic ({ds.sizes['area']} areas, seed {spec.seed}"
        + (f", config {options}" if options else "")
        + ")"
    )
    from sesindex.data.real_bundle import AREAS_FILE

    return StudyData(ds, truth, label, {AREAS_FILE: _file_hash(AREAS_FILE)})


@lru_cache(maxsize=1)
def _real() -> xr.Dataset:
    from sesindex.data.model import from_tidy
    from sesindex.data.real_bundle import regso_2022_tidy

    return from_tidy(regso_2022_tidy())


def real_data(spec: StudySpec) -> StudyData:
    """The packaged real RegSO bundle (year 2022, published types 2022).

    Examples
    --------
    >>> from sesindex.validate.spec import StudySpec
    >>> d = real_data(StudySpec.from_dict({"study": "agreement", "data": "sweden-regso-2022"}))
    >>> d.dataset.sizes["area"], d.truth is None, "foreign_born" in d.dataset["indicator"]
    (3363, True, True)
    """
    from sesindex.data.real_bundle import AREAS_FILE, ATTRIBUTION, PANEL_FILE

    ds = _real()
    missing = sorted(set(spec.years) - set(int(y) for y in ds["year"].values))
    if missing:
        raise ValueError(f"the real bundle has only year 2022; asked for {missing}")
    return StudyData(
        ds.sel(year=list(spec.years)),
        None,
        f"SCB RegSO bundle 2022 ({ATTRIBUTION})",
        {f: _file_hash(f) for f in (AREAS_FILE, PANEL_FILE)},
    )


def load_study_data(spec: StudySpec) -> StudyData:
    """The data ``spec`` names, cut to its years.

    Examples
    --------
    >>> from sesindex.validate.spec import StudySpec
    >>> load_study_data(
    ...     StudySpec.from_dict({"study": "agreement", "data": "sweden-regso-2022"})
    ... ).years
    (2022,)
    """
    return synthetic_data(spec) if spec.data == "synthetic" else real_data(spec)


def compute(data: StudyData, spec) -> xr.Dataset:
    """:func:`compute_index` of ``spec`` on the study's data, typed on every year.

    A synthetic subset of areas cannot give national types; the study then types
    relative to the areas given and says so in ``attrs["types_note"]``.

    Examples
    --------
    >>> from sesindex.index.spec import IndexSpec
    >>> from sesindex.validate.spec import StudySpec
    >>> d = load_study_data(StudySpec.from_dict({"study": "stability", "n_areas": 40}))
    >>> out = compute(d, IndexSpec())
    >>> bool((out["type"] > 0).all()), "relative to the areas" in out.attrs["types_note"]
    (True, True)
    """
    from dataclasses import replace

    from sesindex.index.run import compute_index

    out = compute_index(data.dataset, spec)
    if bool(out["typed"].all()):
        return out
    return compute_index(data.dataset, replace(spec, types_over="given_areas"))

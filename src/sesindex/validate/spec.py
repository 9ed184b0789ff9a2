"""Validation study specs: one TOML file in ``validation/`` per study.

A spec names its study, its data and every method choice, so a run is reproducible from
the file alone. Top-level keys::

    study = "bootstrap"  # which study runs (default: the file's stem)
    title = "..."  # one line for tables and figures
    data = "synthetic"  # or "sweden-regso-2022" (the packaged real bundle)
    years = [2022, 2023]  # years the study uses
    seed = 20240101  # every random draw of the study derives from it
    n_areas = 300  # optional: a random subset of areas (synthetic only)
    n_jobs = 1  # joblib workers for replicate loops

plus ``[index]``/``[types]`` (the reference method, as in ``models/*.toml``; default: the
official method on synthetic data, a z-score index of education, tenure and income on the
real bundle), ``[[variants]]`` (alternative methods, flat tables with the keys of
:class:`~sesindex.index.spec.IndexSpec` and ``moments``/``ddof``/``over``),
``[synthetic]`` (overrides of :class:`~sesindex.data.synthetic.SyntheticConfig`) and one
table named after the study with its own options (replicate counts and the like).

Examples
--------
>>> spec = StudySpec.from_dict(
...     {"study": "bootstrap", "years": [2022], "bootstrap": {"replicates": 50}}
... )
>>> spec.data, spec.index.name, spec.option("replicates"), spec.option("methods", ["x"])
('synthetic', 'official', 50, ['x'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sesindex.index.spec import IndexSpec

#: Reference index on the real bundle, which has no V1/V3: education, tenure and income,
#: z-scored (income turned around so that higher = lower status). No country of birth.
REAL_DEFAULT_INDEX = {
    "index": {
        "name": "zscore_edu_rent_income",
        "indicators": ["forgymnasial_25_64", "rental_dwellings", "median_income"],
        "normalisation": "zscore",
    }
}


def index_spec(flat: dict, key: str = "variant") -> IndexSpec:
    """An :class:`IndexSpec` from one flat table (index and type keys side by side); a
    problem names its key under ``key``.

    Examples
    --------
    >>> index_spec({"name": "z", "normalisation": "zscore", "moments": "population"}).moments
    'population'
    >>> index_spec({"normalisation": "z"}, key="variants.1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sesindex.spec_errors.SpecError: variants.1.normalisation: Input should be ...
    """
    from sesindex.schemas import IndexTable, TypesTable, VariantTable, check
    from sesindex.spec_errors import SpecError

    check(key, VariantTable, flat)
    try:
        return IndexSpec.from_dict(
            {
                "index": {k: v for k, v in flat.items() if k in IndexTable.model_fields},
                "types": {k: v for k, v in flat.items() if k in TypesTable.model_fields},
            }
        )
    except SpecError as exc:
        raise exc.rekeyed("index", key).rekeyed("types", key) from None


@dataclass(frozen=True)
class StudySpec:
    """One validation study: its data, years, seed, reference method, variants, options."""

    study: str
    title: str
    data: str = "synthetic"
    years: tuple[int, ...] = (2022, 2023)
    seed: int = 20240101
    n_areas: int | None = None
    n_jobs: int = 1
    index: IndexSpec = field(default_factory=IndexSpec)
    variants: tuple[IndexSpec, ...] = ()
    synthetic: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict, repr=False)
    path: str | None = None

    @classmethod
    def from_dict(cls, d: dict, *, path: str | Path | None = None) -> StudySpec:
        """Check and complete a spec dict (``path`` supplies the default study name).

        Examples
        --------
        >>> s = StudySpec.from_dict({"data": "sweden-regso-2022"}, path="agreement.toml")
        >>> s.study, s.years, s.index.indicators[0]
        ('agreement', (2022,), 'forgymnasial_25_64')
        """
        from sesindex.schemas import STUDIES, StudyTable, check, study_schema, unknown_key
        from sesindex.spec_errors import SpecError

        study = d.get("study") or (Path(path).stem if path else None)
        if study not in STUDIES:
            reason = (
                "unknown study"
                if "study" in d
                else "unknown study (the file's name, as the spec sets no 'study')"
            )
            raise SpecError.one("study", reason, study, ", ".join(STUDIES))
        top = set(StudyTable.model_fields) | {study}
        unknown = sorted(set(d) - top)
        if unknown:
            raise SpecError(
                [unknown_key(k, top, f"unknown top-level key of the {study} spec") for k in unknown]
            )
        check("", study_schema(study), d)
        data = d.get("data", "synthetic")
        if "index" in d or "types" in d:
            index = IndexSpec.from_dict({"index": d.get("index", {}), "types": d.get("types", {})})
        else:
            index = IndexSpec.from_dict(REAL_DEFAULT_INDEX if data != "synthetic" else {})
        years = tuple(
            int(y) for y in d.get("years", (2022,) if data != "synthetic" else (2022, 2023))
        )
        return cls(
            study=study,
            title=d.get("title", study.capitalize()),
            data=data,
            years=years,
            seed=int(d.get("seed", 20240101)),
            n_areas=d.get("n_areas"),
            n_jobs=int(d.get("n_jobs", 1)),
            index=index,
            variants=tuple(
                index_spec(v, f"variants.{n}") for n, v in enumerate(d.get("variants", []))
            ),
            synthetic=dict(d.get("synthetic", {})),
            options=dict(d.get(study, {})),
            raw=dict(d),
            path=str(path) if path else None,
        )

    @classmethod
    def load(cls, source: str | Path | dict | StudySpec) -> StudySpec:
        r"""A spec from a TOML path, a dict or an existing spec.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "change.toml"
        >>> _ = p.write_text("seed = 7\n[change]\nreplicates = 10\n")
        >>> s = StudySpec.load(p)
        >>> s.study, s.seed, s.option("replicates"), StudySpec.load(s) is s
        ('change', 7, 10, True)
        """
        if isinstance(source, StudySpec):
            return source
        if isinstance(source, dict):
            return cls.from_dict(source)
        from sesindex.spec_errors import load_toml_spec

        return load_toml_spec(source, lambda table: cls.from_dict(table, path=source))

    def option(self, key: str, default: Any = None) -> Any:
        """The study's own option ``key`` (from the table named after the study).

        Examples
        --------
        >>> StudySpec.from_dict({"study": "change", "change": {"delta": 2.0}}).option("delta")
        2.0
        """
        return self.options.get(key, default)

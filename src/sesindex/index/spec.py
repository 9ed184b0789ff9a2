"""Index specifications: TOML files in ``models/`` that name a method variant.

Examples
--------
>>> spec = IndexSpec.from_dict({"index": {"name": "official"}})
>>> spec.indicators, spec.normalisation, spec.moments
(('V1', 'V2', 'V3'), 'none', 'unweighted')
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sesindex.indicators import official_indicators


@dataclass(frozen=True)
class IndexSpec:
    """One deterministic index variant and its area-type rule."""

    name: str = "official"
    indicators: tuple[str, ...] = field(default_factory=official_indicators)
    normalisation: str = "none"
    weights: tuple[float, ...] | None = None
    aggregation: str = "arithmetic"
    moments: str = "unweighted"  # or "population"
    ddof: int = 1
    types_over: str = "national"  # or "given_areas"
    description: str = ""

    @classmethod
    def from_dict(cls, d: dict) -> "IndexSpec":
        from sesindex.schemas import IndexTable, TypesTable, check

        ix = check("index", IndexTable, dict(d.get("index", {})))
        ty = check("types", TypesTable, dict(d.get("types", {})))
        unknown = set(d) - {"index", "types"}
        if unknown:
            raise ValueError(f"unknown spec section(s) {sorted(unknown)}: an index spec has "
                             "[index] and [types]")
        kw = {k: v for k, v in ix.items()}
        for k in ("indicators", "weights"):
            if k in kw:
                kw[k] = tuple(kw[k])
        if "over" in ty:
            kw["types_over"] = ty.pop("over")
        kw.update(ty)
        spec = cls(**kw)
        if spec.moments not in ("unweighted", "population"):
            raise ValueError("types.moments must be 'unweighted' or 'population'")
        if spec.types_over not in ("national", "given_areas"):
            raise ValueError("types.over must be 'national' or 'given_areas'")
        return spec

    def to_dict(self) -> dict:
        return asdict(self)


def load_spec(path: str | Path) -> IndexSpec:
    """Read an index spec from a TOML file (sections ``[index]`` and ``[types]``)."""
    with open(path, "rb") as fh:
        return IndexSpec.from_dict(tomllib.load(fh))

"""Index specifications: TOML files in ``models/`` that name a method variant.

Examples
--------
>>> spec = IndexSpec.from_dict({"index": {"name": "official"}})
>>> spec.indicators, spec.normalisation, spec.moments
(('V1', 'V2', 'V3'), 'none', 'unweighted')
"""

from __future__ import annotations

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
    def from_dict(cls, d: dict) -> IndexSpec:
        """An index spec from its ``[index]`` and ``[types]`` tables (checked)."""
        from sesindex.schemas import IndexTable, TypesTable, check_sections

        checked = check_sections(d, {"index": IndexTable, "types": TypesTable}, "an index spec")
        ix, ty = checked["index"], checked["types"]
        kw = {k: v for k, v in ix.items()}
        for k in ("indicators", "weights"):
            if k in kw:
                kw[k] = tuple(kw[k])
        if "over" in ty:
            kw["types_over"] = ty.pop("over")
        kw.update(ty)
        return cls(**kw)  # moments, ddof and over checked by TypesTable

    def to_dict(self) -> dict:
        """The spec's fields as a dict."""
        return asdict(self)


def load_spec(path: str | Path) -> IndexSpec:
    """Read an index spec from a TOML file (sections ``[index]`` and ``[types]``); a bad
    spec is refused naming the file, the line and the key
    (:class:`~sesindex.spec_errors.SpecError`).
    """
    from sesindex.spec_errors import load_toml_spec

    return load_toml_spec(path, IndexSpec.from_dict)

"""Deterministic composite index: the official method, alternatives, area types, ranks."""

from sesindex.index.area_type import TYPE_LABELS, area_types, national_moments
from sesindex.index.composite import composite_index
from sesindex.index.ranks import ranks
from sesindex.index.run import compute_index
from sesindex.index.spec import IndexSpec, load_spec

__all__ = [
    "TYPE_LABELS",
    "IndexSpec",
    "area_types",
    "composite_index",
    "compute_index",
    "load_spec",
    "national_moments",
    "ranks",
]

"""Data model, validation, loaders and packaged datasets."""

from sesindex.data.model import from_tidy, indicator_rates, to_tidy
from sesindex.data.schema import DataValidationError, Problem, check_tidy, validate_tidy

__all__ = [
    "DataValidationError",
    "Problem",
    "check_tidy",
    "from_tidy",
    "indicator_rates",
    "to_tidy",
    "validate_tidy",
]

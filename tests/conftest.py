"""Shared fixtures: small, clean tidy frames to break one way at a time."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture
def clean() -> pd.DataFrame:
    """Three RegSO areas x one year x the official three count indicators."""
    rows = []
    for code, name, base in (
        ("0114R001", "Bollstanäs", 10),
        ("0114R002", "Hammarby", 20),
        ("0115R001", "Vallentuna", 30),
    ):
        for k, ind in enumerate(("V1", "V2", "V3")):
            rows.append(
                {
                    "area_code": code,
                    "year": 2022,
                    "indicator": ind,
                    "count": base + k,
                    "denominator": 1000,
                    "area_name": name,
                    "boundary_version": "RegSO2020",
                }
            )
    return pd.DataFrame(rows)

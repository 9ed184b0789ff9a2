"""Small synthetic data shared by the validation tests (<= 300 areas, seeded)."""

import pytest

from sesindex.data.synthetic import SyntheticConfig, generate


@pytest.fixture(scope="session")
def small():
    """200 areas, 2022-2023, default (calibrated) dynamics."""
    return generate(n_areas=200, years=(2022, 2023), seed=11)


@pytest.fixture(scope="session")
def no_change():
    """300 areas whose true rates are identical in 2022 and 2023."""
    cfg = SyntheticConfig(drift_sd=0.0, cell_sd=0.0, trend=(0.0, 0.0, 0.0))
    return generate(n_areas=300, years=(2022, 2023), seed=12, config=cfg)

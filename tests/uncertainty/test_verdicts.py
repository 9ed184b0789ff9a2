"""Change verdicts: the bootstrap never says "real", one rule per family of draws, and the
report classifies by the column it shows.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sesindex.data.synthetic import generate
from sesindex.index import IndexSpec
from sesindex.uncertainty import bootstrap_uncertainty
from sesindex.uncertainty.draws import BOOTSTRAP_VERDICT, POSTERIOR_VERDICT, verdict_rule


def test_the_bootstrap_changes_table_never_says_real():
    ds = generate(n_areas=80, years=(2022, 2023), seed=1).dataset
    _, changes = bootstrap_uncertainty(
        ds, IndexSpec(types_over="given_areas"), replicates=60, seed=2
    )
    assert not [c for c in changes.columns if "real" in c.lower()]
    assert not changes["verdict"].str.contains("real", case=False).any()
    moved = changes["type_from"] != changes["type_to"]
    assert moved.any() and changes.loc[moved, "verdict"].isin(BOOTSTRAP_VERDICT.labels).all()
    # the verdict reads the column it is named after
    assert (
        changes.loc[moved, "verdict"] == BOOTSTRAP_VERDICT(changes.loc[moved, "p_survives_noise"])
    ).all()
    assert verdict_rule(changes) is BOOTSTRAP_VERDICT
    assert "sesindex fit" in BOOTSTRAP_VERDICT.text and "real" not in BOOTSTRAP_VERDICT.text


def _changes(**columns) -> pd.DataFrame:
    n = 4
    return pd.DataFrame(
        {
            "area_code": [f"0114R00{i}" for i in range(n)],
            "area_name": "x",
            "type_from": [3, 3, 4, 4],
            "type_to": [4, 2, 3, 5],
            "dI_mean": [1.0, -1.0, 2.0, -2.0],
            **columns,
        }
    )


def test_the_report_classifies_and_sorts_by_the_column_it_shows():
    from sesindex.reporting.html import _change_view

    # the posterior's P(type change) ranks the other way round from its verdict's column
    changes = _changes(
        p_type_change=[0.99, 0.98, 0.97, 0.2], p_type_change_as_observed=[0.2, 0.95, 0.99, 0.3]
    )
    page = _change_view(changes, pd.DataFrame(), "en")
    real = page.split("<h3>Probably real</h3>")[1].split("<h3>")[0]
    assert "Probability the type truly moved as observed" in real  # its column, headed
    assert real.index("0114R002") < real.index("0114R001")  # 0.99 before 0.95
    assert "0114R000" not in real and "0114R003" not in real
    boot = _changes(p_type_change=[0.9, 0.9, 0.9, 0.9], p_survives_noise=[0.95, 0.3, 0.6, 0.1])
    page = re.sub(r"<img[^>]*>", "", _change_view(boot, pd.DataFrame(), "en"))  # not the figure
    assert "real" not in page.lower() and "sesindex fit" in page
    assert "<b>1</b> survives noise and <b>2</b> within noise" in page
    swedish = re.sub(r"<img[^>]*>", "", _change_view(boot, pd.DataFrame(), "sv"))
    assert "<b>1</b> överlever bruset och <b>2</b> inom bruset" in swedish
    assert "<th>Andel replikat där typbytet består</th>" in swedish
    assert "p_survives_noise" not in swedish and "bootstrap replicates" not in swedish


def test_one_rule_per_family():
    assert POSTERIOR_VERDICT.column == "p_type_change_as_observed"
    assert verdict_rule(pd.DataFrame(columns=["p_type_change_as_observed"])) is POSTERIOR_VERDICT
    assert POSTERIOR_VERDICT(np.array([np.nan])).tolist() == [""]

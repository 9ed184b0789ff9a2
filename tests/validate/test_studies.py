"""Every study runs from its spec on small data and writes what it promises."""

import json
import tomllib
from pathlib import Path

import pytest

from sesindex.validate import run_all, run_study
from sesindex.validate.spec import StudySpec

ROOT = Path(__file__).resolve().parents[2]
SMALL = {
    "stability": {},
    "bootstrap": {"replicates": 60},
    "sensitivity": {"monte_carlo": 40, "sobol_base": 16, "sobol_resamples": 10},
    "agreement": {"bayes": "off"},
    "calibration": {"replicates": 60, "bayes": "off"},
    "change": {"replicates": 60},
}  # the Bayesian path is tested in tests/bayes/test_bayes.py


def _small_spec(name: str) -> dict:
    with open(ROOT / "validation" / f"{name}.toml", "rb") as fh:
        d = tomllib.load(fh)
    d.update(n_areas=120, years=[2022, 2023])
    d[d["study"]] = {**d.get(d["study"], {}), **SMALL[d["study"]]}
    return d


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each study run once on 120 synthetic areas: name -> (manifest, output folder)."""
    out = {}
    for name in SMALL:
        folder = tmp_path_factory.mktemp(name)
        out[name] = (run_study(_small_spec(name), folder), folder)
    return out


@pytest.mark.parametrize("name", list(SMALL))
def test_study_runs_on_small_data(name, runs):
    m, folder = runs[name]
    assert m["study"] == name and m["areas"] == 120
    assert any(f.endswith(".png") for f in m["files"]) and any(
        f.endswith(".csv") for f in m["files"]
    )
    for f in m["files"]:
        assert (folder / f).exists(), f
    saved = json.loads((folder / "manifest.json").read_text())
    assert saved["seed"] == m["seed"] and saved["results"]


def test_stability_reports_churn_beside_scbs(runs):
    churn = runs["stability"][0]["results"]["churn"]
    assert churn["official_type_changes"] == 253
    assert 0 <= churn["synthetic_type_changes"] <= 120


def test_bayesian_parts_skip_with_a_reason(runs):
    results = runs["calibration"][0]["results"]
    assert results["bayes_skipped"] == "bayes = 'off' in the spec"
    assert "sbc_skipped" not in results  # SBC is its own study (validation/sbc.toml)
    assert runs["agreement"][0]["results"]["bayes_skipped"]


def test_stability_transition_rows_sum_to_type_counts(runs):
    import numpy as np
    import pandas as pd

    from sesindex.index import IndexSpec
    from sesindex.validate.inputs import compute, load_study_data

    m = pd.read_csv(runs["stability"][1] / "transition_2022_2023.csv", index_col=0)
    types = compute(load_study_data(StudySpec.from_dict(_small_spec("stability"))), IndexSpec())[
        "type"
    ]
    for year, sums in ((2022, m.sum(axis=1)), (2023, m.sum(axis=0))):
        counts = np.bincount(types.sel(year=year).values, minlength=6)[1:]
        assert sums.tolist() == counts.tolist()


def test_agreement_with_published_types_on_the_real_bundle(tmp_path):
    m = run_study(ROOT / "validation" / "agreement_regso2022.toml", tmp_path)
    pub = m["results"]["published"]
    assert "zscore_edu_rent_income" in pub
    assert not any("foreign_born" in k for k in pub)
    assert all(0.5 < v["kappa_quadratic"] <= 1 for v in pub.values())
    assert (tmp_path / "confusion_published.csv").exists()


def test_supplied_data_replaces_the_specs(small, tmp_path):
    m = run_study({"study": "agreement"}, tmp_path, data=small)
    assert m["areas"] == 200 and m["data"] == "dataset supplied by the caller"


def test_run_all_runs_every_spec(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "stability.toml").write_text("n_areas = 50\nyears = [2022, 2023]\n")
    (specs / "bootstrap.toml").write_text(
        "n_areas = 50\nyears = [2022]\n[bootstrap]\nreplicates = 20\n"
    )
    out = run_all(specs, tmp_path / "out")
    assert sorted(out) == ["bootstrap", "stability"]
    assert (tmp_path / "out" / "bootstrap" / "manifest.json").exists()


def test_bad_specs_fail_clearly():
    with pytest.raises(ValueError, match="study: unknown study \\(got 'nonsense'\\)"):
        StudySpec.from_dict({"study": "nonsense"})
    with pytest.raises(ValueError, match="unknown top-level"):
        StudySpec.from_dict({"study": "bootstrap", "replicate": 5})
    with pytest.raises(ValueError, match="only to data = 'synthetic'"):
        StudySpec.from_dict({"study": "bootstrap", "data": "sweden-regso-2022", "n_areas": 5})

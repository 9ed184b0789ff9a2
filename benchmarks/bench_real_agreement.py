"""Real data as a check: the Bayesian latent status against SCB's official types 2022.

On the packaged real RegSO bundle (education and tenure counts, median income; no V1-V3)
the latent status is compared with SCB's published area types 2022 beside the first
principal component and the z-score index of the same three indicators: Spearman's rho
of each score with the official type, and the share of areas whose type (by the
official rule: national mean and sd of the score, higher = lower status) equals the
official one. The packaged spec (no municipality effects) is fitted beside the same
spec with municipality effects and with sampling variances at the observed counts, to
show what each choice costs.

    python benchmarks/bench_real_agreement.py   # -> benchmarks/results/real_agreement.json
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from sesindex.bayes import fit, load_model_spec
from sesindex.data.io import load_data
from sesindex.index import IndexSpec, area_types, compute_index

INDICATORS = ["forgymnasial_25_64", "rental_dwellings", "median_income"]
ROOT = Path(__file__).resolve().parents[1]


def _agreement(score: np.ndarray, official: np.ndarray) -> dict:
    """Spearman of a disadvantage score (higher = lower status) with the official type
    (1 = lowest status), and the share typed alike by the official rule.
    """
    types = area_types(score, score.mean(), score.std(ddof=1))
    return {
        "spearman": round(float(-spearmanr(score, official).statistic), 4),
        "share_same_type": round(float(np.mean(types == official)), 4),
    }


def main() -> None:
    loaded = load_data("sweden-regso-2022")
    ds = loaded.dataset
    official = ds["value"].sel(indicator="published_type").transpose("area", "year")
    official = official.values[:, 0].astype(int)
    out = {"command": "python benchmarks/bench_real_agreement.py", "areas": int(len(official))}
    for name, options in (("pca", {"aggregation": "pca"}), ("zscore", {"normalisation": "zscore"})):
        spec = IndexSpec(name=name, indicators=tuple(INDICATORS), **options)
        index = compute_index(ds, spec)["index"].transpose("area", "year").values[:, 0]
        out[name] = _agreement(index, official)
    base = load_model_spec(ROOT / "models" / "latent_factor_real_bundle.toml")
    variants = {
        "bayes_packaged_spec": base,
        "bayes_with_municipality_effects": replace(base, municipality=True),
    }
    for name, spec in variants.items():
        t = time.perf_counter()
        res = fit(ds, spec)
        areas = res.areas.set_index("area_code").loc[ds["area"].values]
        out[name] = {
            **_agreement(-areas["ses_mean"].to_numpy(), official),
            "municipality": spec.municipality,
            "gate_passed": bool(res.gate["passed"]),
            "seconds": round(time.perf_counter() - t, 1),
        }
    path = ROOT / "benchmarks" / "results" / "real_agreement.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

"""Why the 600-area programme walk-through missed: the reference year's noise.

The README's policy-evaluator walk-through (`sesindex fit --spec latent_factor --data
synthetic-programme --areas 600`, then `sesindex evaluate`) estimated -1.52 points for a
true -1.00. `sesindex evaluate` reads effects against the year before the start (2017).
This prints, for the treated areas of that 600-area panel, their mean observed index
(the official index of the data) and mean true index per year, and their true index's
difference from the other areas' relative to 2017, and writes them to
benchmarks/experiments/evaluate_pre_mean_reference/walkthrough_reference_year.json.

Run from the project root: ``python examples/walkthrough_reference_year.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import sesindex
from sesindex.data.io import load_data
from sesindex.data.synthetic import PROGRAMME_DEMO

OUT = Path("benchmarks/experiments/evaluate_pre_mean_reference/walkthrough_reference_year.json")


def main() -> dict:
    data = load_data("synthetic-programme", n_areas=600)
    truth = data.truth
    started = truth.groupby("area_code")["programme"].any()
    treated = sorted(started[started].index)
    observed = sesindex.official_index(data.dataset)["index"]
    obs = observed.sel(area=treated).mean("area").to_series()
    is_treated = truth["area_code"].isin(treated)
    true_t = truth[is_treated].groupby("year")["index_true"].mean()
    true_rest = truth[~is_treated].groupby("year")["index_true"].mean()
    reference = PROGRAMME_DEMO["start"] - 1
    gap = true_t - true_rest
    rows = [
        {
            "year": int(y),
            "observed": round(float(obs[y]), 2),
            "true": round(float(true_t[y]), 2),
            "observed_minus_true": round(float(obs[y] - true_t[y]), 2),
            "true_gap_to_other_areas_vs_reference": round(float(gap[y] - gap[reference]), 2),
        }
        for y in true_t.index
    ]
    result = {
        "command": "python examples/walkthrough_reference_year.py",
        "treated_areas": treated,
        "reference_year": reference,
        "years": rows,
    }
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    for row in main()["years"]:
        print(row)

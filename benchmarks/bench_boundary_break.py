"""The 2024 boundary break: does a changed area's change across it come through?

On the synthetic default (400 areas x 2021-2024, seed 6; 2024 on RegSO 2025, the changed
areas' status shifted by N(0, 0.3^2) and their population rescaled) the panel model is
fitted twice with the packaged 14-year spec (``latent_factor``): with the series break
(the default: a wide step at the break for changed areas) and as one unbroken series
(boundary versions removed). Per group of areas: the
slope of the posterior mean change 2023 -> 2024 on the true change, the coverage of the
90 % intervals and their mean width.

    python benchmarks/bench_boundary_break.py   # -> benchmarks/results/boundary_break.json
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from sesindex.bayes import fit, load_model_spec
from sesindex.data.synthetic import generate
from sesindex.specs import resolve_spec

YEARS = (2021, 2022, 2023, 2024)


def main() -> dict:
    data = generate(n_areas=400, years=YEARS, seed=6, boundary_break=True)
    truth = data.truth.pivot(index="area_code", columns="year", values="index_true")
    broken = set(data.truth.query("year == 2024 and boundary_changed")["area_code"])
    spec = replace(load_model_spec(resolve_spec("latent_factor")), years=None)
    one = data.dataset.assign_coords(
        boundary_version=data.dataset["boundary_version"] * 0 + "RegSO2020"
    )
    out = {
        "command": "python benchmarks/bench_boundary_break.py",
        "areas": 400,
        "years": list(YEARS),
        "changed_areas": len(broken),
    }
    for label, ds in (("series_break", data.dataset), ("one_series", one)):
        res = fit(ds, spec)
        ch = res.changes[
            (res.changes["year_from"] == 2023) & (res.changes["year_to"] == 2024)
        ].set_index("area_code")
        true = (truth[2024] - truth[2023]).loc[ch.index]
        covered = (ch["dI_lo90"] <= true) & (true <= ch["dI_hi90"])
        width = ch["dI_hi90"] - ch["dI_lo90"]
        changed = ch.index.isin(broken)
        out[label] = {
            "gate_passed": bool(res.gate["passed"]),
            "gate_checks": res.gate["checks"],
            "gate_worst": res.gate["worst"],
        }
        for group, rows in (("changed", changed), ("unchanged", ~changed)):
            out[label][group] = {
                "slope_on_truth": round(
                    float(np.polyfit(true[rows], ch["dI_mean"][rows], 1)[0]), 3
                ),
                "coverage90": round(float(covered[rows].mean()), 3),
                "mean_width90": round(float(width[rows].mean()), 3),
            }
    return out


if __name__ == "__main__":
    result = main()
    path = Path(__file__).parent / "results" / "boundary_break.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))

"""Overlapping programmes: a placebo group evaluated against a pool holding another
programme's improving areas, and the three ways out (docs/evaluate.md).

The 50-area x 4-year panel of tests/evaluation/test_evaluate.py: programme A improves 8 worse-off
areas by 2 index points from 2021; B is 8 other worse-off areas, untouched (a placebo).
B is evaluated (1) matched (k = 3) with A's areas in the pool, (2) matched with A's
areas excluded, (3) against all other areas, refitted without those that look treated,
and (4) A and B in one file. Prints each headline, the comparison areas that look
treated and how many of them are A's, and writes them to
benchmarks/experiments/evaluate_overlapping_programmes/overlapping_programmes.json.

Run from the project root: ``python examples/overlapping_programmes.py`` (a few minutes).
"""

from __future__ import annotations

import json
from pathlib import Path

from sesindex.bayes import ModelSpec, fit
from sesindex.bayes.spec import SamplerSpec
from sesindex.data.synthetic import SyntheticConfig, generate
from sesindex.evaluation import evaluate

OUT = Path("benchmarks/experiments/evaluate_overlapping_programmes/overlapping_programmes.json")


def panel():
    """The test panel: its fit, A's areas, B's areas and A's true effect on the index."""
    years = tuple(range(2019, 2023))
    base = generate(n_areas=50, years=years, seed=3)
    before = base.truth[base.truth["year"] == 2020].sort_values("index_true")
    a, b = tuple(before["area_code"].iloc[-16::2]), tuple(before["area_code"].iloc[-15::2])
    data = generate(
        n_areas=50,
        years=years,
        seed=3,
        config=SyntheticConfig(programme_areas=a, programme_start=2021, programme_index=-2.0),
    )
    spec = ModelSpec(steps="jumps", sampler=SamplerSpec(tune=150, draws=150, seed=2, low_rank=True))
    truth = data.truth[data.truth["programme"]]
    true_att = float((truth["index_true"] - truth["index_counterfactual_true"]).mean())
    return fit(data.dataset, spec), a, b, round(true_att, 2)


def summary(ev, a, programme=None) -> dict:
    head = ev.effect("att_index", programme)
    flagged = ev.info["looks_treated"]
    z = ev.controls.drop_duplicates("control").set_index("control")["departure_z"]
    return {
        "att_index": [round(head[k], 2) for k in ("mean", "lo95", "hi95")],
        "without_flagged": [
            round(head[k], 2)
            for k in ("mean_without_flagged", "lo95_without_flagged", "hi95_without_flagged")
            if k in head
        ],
        "comparison_areas": ev.info["comparison_areas"],
        "of_them_A": int(z.index.isin(a).sum()),
        "looks_treated": len(flagged),
        "of_them_A_flagged": len(set(flagged) & set(a)),
        "bar": ev.info["looks_treated_bar"],
        "lowest_z_of_A": round(float(z[z.index.isin(a)].min()), 2)
        if z.index.isin(a).any()
        else None,
        "lowest_z_of_others": round(float(z[~z.index.isin(a)].min()), 2),
    }


def main() -> dict:
    res, a, b, true_att = panel()
    placebo = {area: 2021 for area in b}
    out = {
        "true_att_A": true_att,
        "matched": summary(evaluate(res, placebo, k=3, allow_failed_fit=True), a),
        "matched_excluding_A": summary(
            evaluate(res, placebo, k=3, exclude=list(a), allow_failed_fit=True), a
        ),
        "all_refit_without_flagged": summary(
            evaluate(
                res, placebo, controls="all", refit_without_flagged=True, allow_failed_fit=True
            ),
            a,
        ),
    }
    both = evaluate(
        res, {"A": {area: 2021 for area in a}, "B": placebo}, k=3, allow_failed_fit=True
    )
    out["one_file"] = {name: summary(both, a, name) for name in ("A", "B")}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    print(json.dumps(main(), indent=1))

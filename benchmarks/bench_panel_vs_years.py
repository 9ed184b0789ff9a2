"""The panel against its years fitted one by one, in one process: does the panel pay
for itself in time?

One fit of the packaged 14-year spec (``models/latent_factor.toml``) on the synthetic
national panel, then one fit of the single-year spec
(``models/latent_factor_single_year.toml``) per year of it, one after the other in the
same process (these machines are noisy: the ratio is what is compared). Each fit's wall
time, its stages' timings, its gate and, per chain, its leapfrog steps per kept draw,
share of draws at the depth cap and step size are recorded; the last line is the ratio of the
panel's wall time to the sum of the single years'. The compile cache is warmed by a
small fit of each spec first, so neither side pays a first compile.

Usage::

    python benchmarks/bench_panel_vs_years.py --areas 3363 --label main \
        >> benchmarks/results/panel_vs_years.jsonl
    python benchmarks/bench_panel_vs_years.py --areas 200 --years 2021-2024  # a quick look
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import provenance  # benchmarks/provenance.py

ROOT = Path(__file__).resolve().parents[1]


def _fit(data, spec):
    """Wall seconds, stage timings and gate of one fit."""
    from sesindex.bayes import fit

    t0 = time.perf_counter()
    result = fit(data, spec)
    gate = result.gate
    return {
        "seconds": round(time.perf_counter() - t0, 1),
        "timings": {k: round(v, 1) for k, v in result.timings.items()},
        "gate_passed": bool(gate["passed"]),
        "min_ess_tail": round(gate["worst"]["ess_tail"]["value"], 1),
        "max_rhat": round(gate["worst"]["rhat"]["value"], 4),
        "divergences": gate["divergences"],
        **_steps(result.idata),
    }


def _steps(idata) -> dict:
    """Per chain, the kept draws' mean leapfrog steps, the share that reached the tree
    depth cap and the adapted step size: what the sampling time is made of.
    """
    stats = getattr(idata, "sample_stats", None)
    if stats is None or "n_steps" not in stats:
        return {}
    out = {"steps_per_draw": [round(float(v), 1) for v in stats["n_steps"].mean("draw").values]}
    if "maxdepth_reached" in stats:
        share = stats["maxdepth_reached"].mean("draw").values
        out["share_at_max_depth"] = [round(float(v), 3) for v in share]
    if "step_size" in stats:
        out["step_size"] = [round(float(v), 4) for v in stats["step_size"].mean("draw").values]
    return out


def main() -> None:
    from sesindex.bayes import load_model_spec
    from sesindex.data.synthetic import generate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=3363)
    parser.add_argument("--years", default="2011-2024", help="A-B")
    parser.add_argument("--seed", type=int, default=20240101, help="the data's seed")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    first, last = (int(y) for y in args.years.split("-"))
    years = tuple(range(first, last + 1))
    panel_spec = load_model_spec(ROOT / "models" / "latent_factor.toml")
    year_spec = load_model_spec(ROOT / "models" / "latent_factor_single_year.toml")
    data = generate(n_areas=args.areas, years=years, seed=args.seed).dataset

    def on(spec, chosen):
        return dataclasses.replace(spec, years=tuple(chosen))

    warm = data.isel(area=slice(0, 40))  # compile both models before timing either
    _fit(warm.sel(year=list(years[:2])), on(panel_spec, years[:2]))
    _fit(warm.sel(year=[years[-1]]), on(year_spec, years[-1:]))

    panel = _fit(data, on(panel_spec, years))
    singles = {year: _fit(data.sel(year=[year]), on(year_spec, [year])) for year in years}
    total = sum(s["seconds"] for s in singles.values())
    commit = provenance.commit()
    print(
        json.dumps(
            {
                "label": args.label,
                "commit": commit,
                "areas": args.areas,
                "years": list(years),
                "panel": panel,
                "single_years": singles,
                "single_years_seconds": round(total, 1),
                "single_years_all_passed": all(s["gate_passed"] for s in singles.values()),
                "panel_over_single_years": round(panel["seconds"] / total, 3),
            }
        )
    )


if __name__ == "__main__":
    main()

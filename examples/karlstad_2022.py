"""The statistician's path on real data, offline: SCB's published percentages for
Karlstad (TAB6586, packaged) + populations -> fit-ready counts -> check -> Bayesian fit ->
bilingual publication, compared with SCB's published index and types.

Populations: SCB's population table TAB6574 is fetched with ``sesindex fetch
--population`` (online, ``sesindex publish --from-scb --years 2022 --region '1780*'`` does
the whole path); offline, this example takes Karlstad's 2022 populations (all residents
and residents 20-64) from the packaged RegSO bundle (DeSO counts summed to RegSO; Source:
Statistics Sweden (SCB)), so it runs for 2022 only.

    python examples/karlstad_2022.py [OUT]   # default runs/karlstad; OUT/summary.json
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from sesindex.data.real_bundle import load_areas

CUTPOINTS = "9.10,5.47"  # SCB's national mean and sd of the index, 2022


def sesindex(*args: str) -> None:
    """Run one command as a user would, echoing it."""
    print("$ sesindex " + " ".join(args), flush=True)
    subprocess.run([sys.executable, "-m", "sesindex.cli", *args], check=True)


def fit_arguments(counts: Path, fit: Path) -> list[str]:
    """The walk-through's ``sesindex fit`` arguments (benchmarks/walkthrough_gates.py
    reruns them at a second seed).
    """
    return [
        "fit",
        "--spec",
        "latent_factor_single_year",
        "--data",
        str(counts),
        "--years",
        "2022",
        "--cutpoints",
        CUTPOINTS,
        "--out",
        str(fit),
        "--overwrite",
    ]


def assemble(out: Path) -> Path:
    """Karlstad's 2022 counts, fit-ready and checked, in ``out``; their path."""
    out.mkdir(parents=True, exist_ok=True)
    areas = load_areas()
    karlstad = areas[areas["area_code"].str.startswith("1780")]
    population = out / "karlstad_population_2022.csv"
    karlstad.assign(year=2022).rename(columns={"pop_20_64": "population_20_64"})[
        ["area_code", "year", "population", "population_20_64"]
    ].to_csv(population, index=False)
    counts = out / "karlstad_2022.csv"
    sesindex(
        "data",
        "assemble",
        "--rates",
        "karlstad-tab6586",
        "--population",
        str(population),
        "--years",
        "2022",
        "--out",
        str(counts),
    )
    sesindex("data", "check", str(counts))
    return counts


def main(out: Path) -> dict:
    counts = assemble(out)
    fit = out / "fit"
    sesindex(*fit_arguments(counts, fit))
    fitted = pd.read_csv(fit / "areas.csv", dtype={"area_code": str}).set_index("area_code")
    data = pd.read_csv(counts, dtype={"area_code": str})
    published = data.pivot_table(index="area_code", columns="indicator", values="value")
    index, kind = published["published_index"], published["published_type"]
    index, kind = index.reindex(fitted.index), kind.reindex(fitted.index)
    manifest = json.loads((fit / "manifest.json").read_text())
    summary = {
        "command": f"python examples/karlstad_2022.py {out}",
        "areas": len(fitted),
        "gate_passed": manifest["gate"]["passed"],
        "modal_type_equals_published": round(float((fitted["type_mode"] == kind).mean()), 3),
        "published_index_in_90pct_interval": round(
            float(((fitted["index_lo90"] <= index) & (index <= fitted["index_hi90"])).mean()), 3
        ),
        "median_index_interval_width90": round(
            float((fitted["index_hi90"] - fitted["index_lo90"]).median()), 2
        ),
        "areas_with_p_type_differs_over_0.2": int((fitted["p_type_differs"] > 0.2).sum()),
        "publication": sorted(p.name for p in fit.glob("publication*")),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs/karlstad"))

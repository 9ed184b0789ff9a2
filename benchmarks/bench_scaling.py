"""The scaling curve of a fit: time and peak memory over 500 / 1,000 / 3,363 / 5,984 areas
and 2 / 6 / 14 years (issue 18, item 5).

Each point is one ``benchmarks/bench_memory.py`` run in its own process (the packaged
14-year spec, 2 chains x 1,500 kept draws, the synthetic panel's last N years): 500 and
1,000 are random subsets of the RegSO panel, 3,363 the national RegSO panel, 5,984 the
national ``synthetic-deso`` panel aggregated to RegSO in every draw. Rows go to
``benchmarks/results/scaling.jsonl`` (a point already there is not rerun); the national
14-year points are the newest matching rows of ``benchmarks/results/memory.jsonl``, run
by the same script. ``--plot`` draws ``benchmarks/results/scaling.png`` from the rows.

Usage::

    python benchmarks/bench_scaling.py            # run the missing points
    python benchmarks/bench_scaling.py --plot     # benchmarks/results/scaling.png
    python benchmarks/bench_scaling.py --table    # the markdown table of results/scaling.md
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROWS = HERE / "results" / "scaling.jsonl"
NATIONAL = HERE / "results" / "memory.jsonl"
AREAS = (500, 1000, 3363, 5984)
YEARS = (2, 6, 14)


def _division(areas: int) -> str:
    return "deso" if areas == 5984 else "regso"


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def points() -> dict[tuple[int, int], dict]:
    """(areas, years) -> its newest row (national 14-year rows from the memory bench)."""
    found = {}
    for row in _read(NATIONAL) + _read(ROWS):
        if row.get("draws") != 1500 or row.get("label", "").startswith(("before", "smoke")):
            continue
        if row.get("division", "regso") != _division(row["areas"]):
            continue
        found[(row["areas"], row["years"])] = row
    return found


def run_missing() -> None:
    have = points()
    grid = sorted(((a, y) for y in YEARS for a in AREAS), key=lambda p: p[0] * p[1])
    for areas, years in grid:  # cheapest first: an interrupted run keeps the most points
        if (areas, years) in have:
            continue
        cmd = [
            sys.executable,
            str(HERE / "bench_memory.py"),
            "--areas",
            str(areas),
            "--years",
            str(years),
            "--division",
            _division(areas),
            "--label",
            "scaling",
        ]
        print("running", " ".join(cmd[1:]), flush=True)
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        with ROWS.open("a") as f:
            f.write(out.strip().splitlines()[-1] + "\n")


def table() -> str:
    """The points as a markdown table (what benchmarks/results/scaling.md shows)."""
    lines = [
        "| areas | years | sampling | whole fit + writing | leapfrog steps per draw | "
        "peak after sampling | gate |",
        "|---|---|---|---|---|---|---|",
    ]
    for (areas, years), r in sorted(points().items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if areas not in AREAS:
            continue
        steps = r.get("leapfrog_steps_per_draw")
        lines.append(
            f"| {areas:,} | {years} | {r['timings_s']['sample']:.0f} s | "
            f"{r['timings_s']['total'] + r['write_s']:.0f} s | "
            f"{steps if steps is not None else 'not recorded'} | "
            f"{r['peak_after_sampling_gb']:.2f} GB | "
            f"{'passed' if r['fit_ok'] else 'failed'} |"
        )
    return "\n".join(lines)


def plot(path: Path = HERE / "results" / "scaling.png") -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    have = points()
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(10, 4))
    for years in YEARS:
        xs = [a for a in AREAS if (a, years) in have]
        rows = [have[(a, years)] for a in xs]
        total = [r["timings_s"]["total"] + r["write_s"] for r in rows]
        sample = [r["timings_s"].get("sample", 0.0) for r in rows]
        (line,) = ax_t.plot(xs, total, "o-", label=f"{years} years: whole fit")
        ax_t.plot(
            xs, sample, "o--", color=line.get_color(), alpha=0.6, label=f"{years} years: sampling"
        )
        ax_m.plot(
            xs,
            [r["peak_after_sampling_gb"] for r in rows],
            "o-",
            color=line.get_color(),
            label=f"{years} years",
        )
    for ax in (ax_t, ax_m):
        ax.set_xscale("log")
        ax.set_xticks(AREAS, [f"{a:,}" for a in AREAS])
        ax.set_xticks([], minor=True)  # no log-scale minor labels over the areas' own
        ax.set_xlabel("areas (5,984: DeSO, aggregated to RegSO)")
        ax.legend(fontsize=7)
    ax_t.set_yscale("log")
    ax_t.set_ylabel("seconds (2 cores)")
    ax_m.set_ylabel("peak resident memory after sampling (GB)")
    ax_m.axhline(8, color="grey", lw=0.8, ls=":")
    fig.suptitle(
        "sesindex fit, packaged 14-year spec, 2 chains x 1,500 draws (benchmarks/bench_scaling.py)",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plot", action="store_true", help="draw benchmarks/results/scaling.png")
    ap.add_argument("--table", action="store_true", help="print the points as markdown")
    args = ap.parse_args()
    if args.plot:
        print(plot())
    elif args.table:
        print(table())
    else:
        run_missing()

r"""Change verdicts on synthetic truth: precision of each verdict and calibration of the
probability it reads, for the demo's bootstrap and for a fit.

The national synthetic panel (3,363 areas, 2011-2024; the demo's data) has known true
types. For every consecutive pair of years on unchanged boundaries
(:mod:`sesindex.validate.verdicts`):

* bootstrap (``--demo``): the demo's own changes.csv (2023-2024) and, with
  ``--bootstrap-pairs``, the same bootstrap (:func:`sesindex.uncertainty.bootstrap_changes`,
  the demo's spec, seed and 1,000 replicates) for every other consecutive pair; per
  verdict the observed type changes and how many truly moved so; the calibration of
  ``p_survives_noise`` against a true change as observed and of the bootstrap's
  ``p_type_change`` against a true type change;
* fit (``--fit``): its changes.csv; precision of each verdict and of "P >= t" for a
  range of thresholds t; the calibration of ``p_type_change`` (P(the type differs),
  every area) against a true type change and of ``p_type_change_as_observed`` (every
  observed change) against a true change as observed, pooled and for 2023-2024.

Run (docs/validation.md; the outputs in benchmarks/results/)::

    sesindex demo --out /tmp/demo
    python benchmarks/verdict_precision.py --demo /tmp/demo --bootstrap-pairs \
        --out benchmarks/results/verdict_precision_bootstrap.txt
    sesindex fit --spec latent_factor --data synthetic --out /tmp/fit_national
    python benchmarks/verdict_precision.py --fit /tmp/fit_national \
        --out benchmarks/results/verdict_precision_fit.txt
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from pathlib import Path

import pandas as pd

from sesindex.data.io import load_data
from sesindex.index import IndexSpec
from sesindex.uncertainty import bootstrap_changes
from sesindex.uncertainty.draws import BOOTSTRAP_VERDICT, POSTERIOR_VERDICT
from sesindex.validate.verdicts import calibration, precision_at, score_changes, verdict_precision

THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99)
LATEST = (2023, 2024)


def read_changes(run: Path) -> pd.DataFrame:
    """A run's changes.csv (area codes as text)."""
    return pd.read_csv(run / "changes.csv", dtype={"area_code": str})


def bootstrap_pairs(demo: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The demo's bootstrap for every consecutive pair of years, the demo's own table for
    its pair (checked against a recomputation: the verdicts must be the same).
    """
    ds = load_data("synthetic", seed=seed).dataset
    years = [int(y) for y in ds["year"].values]
    frames = []
    for y0, y1 in zip(years[:-1], years[1:], strict=True):
        print(f"bootstrap {y0}-{y1}", file=sys.stderr, flush=True)
        frames.append(bootstrap_changes(ds, IndexSpec(), (y0, y1), seed=seed))
    table = pd.concat(frames, ignore_index=True)
    again = table[table["year_to"] == demo["year_to"].iloc[0]].reset_index(drop=True)
    if not again["verdict"].equals(demo["verdict"].fillna("")):
        raise SystemExit("the recomputed bootstrap differs from the demo's changes.csv")
    return table


def pooled_and_latest(
    scored: pd.DataFrame, column: str, event: str, only_observed: bool
) -> list[tuple[str, pd.DataFrame, float]]:
    """Calibration of ``column`` against ``event`` pooled over pairs and for 2023-2024."""
    rows = scored[scored["observed_change"]] if only_observed else scored
    latest = rows[(rows["year_from"] == LATEST[0]) & (rows["year_to"] == LATEST[1])]
    return [
        (name, *calibration(part[column], part[event]))
        for name, part in (("pooled over pairs", rows), (f"{LATEST[0]}-{LATEST[1]}", latest))
        if len(part)
    ]


def section(title: str, body) -> str:
    text = (
        body
        if isinstance(body, str)
        else body.to_string(index=False, float_format=(lambda v: f"{v:.3f}"))
    )
    return f"\n## {title}\n{text}\n"


def calibration_sections(label: str, scored, column, event, only_observed) -> list[str]:
    out = []
    for name, table, brier in pooled_and_latest(scored, column, event, only_observed):
        out.append(
            section(
                f"{label}: calibration of {column} against {event}, {name} "
                f"(Brier {brier:.4f}, n = {int(table['n'].sum())})",
                table,
            )
        )
    return out


def precision_sections(label: str, scored: pd.DataFrame) -> list[str]:
    pooled = verdict_precision(scored, by=())
    return [
        section(
            f"{label}: per verdict, observed type changes and how many truly "
            "moved as observed (precision), per pair of years",
            verdict_precision(scored),
        ),
        section(f"{label}: per verdict, pooled over pairs", pooled),
    ]


def bootstrap_report(scored: pd.DataFrame) -> list[str]:
    out = ["\n# Bootstrap around the observed index (sesindex demo)"]
    out += precision_sections("bootstrap", scored)
    sig = scored[scored["observed_change"]].assign(
        verdict=scored["significant_change"].map(
            {True: "significant_change", False: "not significant"}
        )
    )
    out.append(
        section(
            "bootstrap: significant_change (type changed and z test rejects no change), pooled",
            verdict_precision(sig, by=()),
        )
    )
    out += calibration_sections(
        "bootstrap", scored, BOOTSTRAP_VERDICT.column, "true_as_observed", True
    )
    out += calibration_sections("bootstrap", scored, "p_type_change", "true_type_changed", False)
    return out


def fit_report(scored: pd.DataFrame) -> list[str]:
    out = ["\n# Posterior of the fit (sesindex fit)"]
    # verdicts by today's rule (a fit's changes.csv holds the rule of its day)
    scored = scored.assign(verdict=POSTERIOR_VERDICT(scored[POSTERIOR_VERDICT.column]))
    out += precision_sections("fit", scored)
    at = precision_at(scored, POSTERIOR_VERDICT.column, THRESHOLDS)
    out.append(
        section(
            f"fit: precision of {POSTERIOR_VERDICT.column} >= t, pooled ('all') and per pair", at
        )
    )
    out += calibration_sections("fit", scored, "p_type_change", "true_type_changed", False)
    out += calibration_sections("fit", scored, POSTERIOR_VERDICT.column, "true_as_observed", True)
    return out


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--demo", type=Path, help="a sesindex demo directory")
    ap.add_argument("--fit", type=Path, help="a sesindex fit directory (synthetic data)")
    ap.add_argument(
        "--seed",
        type=int,
        default=20240101,
        help="the synthetic panel's seed (a demo's manifest has it)",
    )
    ap.add_argument(
        "--bootstrap-pairs",
        action="store_true",
        help="bootstrap every consecutive pair, not only the demo's",
    )
    ap.add_argument("--out", type=Path, help="write the report here too")
    args = ap.parse_args(argv)
    if not (args.demo or args.fit):
        ap.error("give a demo (--demo) or a fit (--fit) directory, or both")
    manifest = json.loads((args.demo / "manifest.json").read_text()) if args.demo else {}
    seed = int(manifest.get("seed", args.seed))
    truth = load_data("synthetic", seed=seed).truth
    text = [
        f"# python {' '.join(sys.argv)}",
        f"# (Python {platform.python_version()}, commit {commit()}; synthetic national "
        f"panel, seed {seed}; consecutive pairs on unchanged boundaries; "
        "'true_as_observed': the true type moved the way the observed type did)",
        *(
            [f"# demo: {args.demo} (sesindex {manifest['command']}, seed {seed})"]
            if args.demo
            else []
        ),
        *(
            [f"# fit: {args.fit} (changes.csv; verdicts recomputed by today's rule)"]
            if args.fit
            else []
        ),
        f"# bootstrap rule: {BOOTSTRAP_VERDICT.text}",
        f"# posterior rule: {POSTERIOR_VERDICT.text}",
    ]
    if args.demo:
        demo = read_changes(args.demo)
        boot = bootstrap_pairs(demo, seed) if args.bootstrap_pairs else demo
        text += bootstrap_report(score_changes(boot, truth))
    if args.fit:
        text += fit_report(score_changes(read_changes(args.fit), truth))
    report = "\n".join(text)
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report + "\n")


if __name__ == "__main__":
    main()

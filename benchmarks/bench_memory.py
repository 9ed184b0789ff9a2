"""Memory and time of a fit's stages: peak resident memory while sampling, deriving,
checking, tabulating and writing (issue 18, item 1).

A thread samples the process's resident set size (psutil) every 50 ms while one
``sesindex.bayes.fit`` of the packaged 14-year spec runs on the synthetic panel, then
while its outputs are written (:func:`sesindex.bayes.output.write_fit`). The stages'
windows come from the fit's own timings (smooth, compile, sample, derive, diagnostics,
tables, in that order). A hash of ``areas.csv`` and ``changes.csv`` lets two versions of
the code be compared on the same seeds: equal hashes, equal published numbers.

Usage::

    python benchmarks/bench_memory.py --areas 600 --label before \
        >> benchmarks/results/memory.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import tempfile
import threading
import time
from pathlib import Path

import provenance  # benchmarks/provenance.py
import psutil

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("smooth", "compile", "sample", "derive", "diagnostics", "tables")


class RSSSampler(threading.Thread):
    """(time, resident bytes) of this process every ``every`` seconds until stopped."""

    def __init__(self, every: float = 0.05):
        super().__init__(daemon=True)
        self.every, self.samples, self._done = every, [], threading.Event()
        self._proc = psutil.Process()

    def run(self):
        while not self._done.is_set():
            self.samples.append((time.perf_counter(), self._proc.memory_info().rss))
            self._done.wait(self.every)

    def stop(self):
        self._done.set()
        self.join()

    def peak(self, t0: float, t1: float) -> float:
        """Peak RSS in GB between two times (the nearest sample if none fell inside)."""
        inside = [r for t, r in self.samples if t0 <= t <= t1]
        if not inside:
            inside = [min(self.samples, key=lambda s: abs(s[0] - t0))[1]]
        return round(max(inside) / 1e9, 3)


def _hash(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.exists() else None


def _steps(idata) -> float | None:
    """Mean leapfrog steps per kept draw (nutpie's ``n_steps``), if recorded."""
    stats = getattr(idata, "sample_stats", None)
    if stats is None or "n_steps" not in stats:
        return None
    return round(float(stats["n_steps"].mean()), 2)


def _value(text: str):
    """A ``--sampler`` value: JSON (numbers, true/false) or else the string itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--areas", type=int, default=600, help="areas (3363 RegSO or 5984 DeSO: national)"
    )
    ap.add_argument(
        "--division",
        choices=("regso", "deso"),
        default="regso",
        help="deso: the synthetic-deso panel, aggregated to RegSO per draw",
    )
    ap.add_argument(
        "--draws", type=int, default=None, help="kept draws per chain (default: the spec's)"
    )
    ap.add_argument(
        "--years", type=int, default=None, help="the last N years of the panel (default: all 14)"
    )
    ap.add_argument("--label", default="", help="a name for this run in the output")
    ap.add_argument(
        "--sampler",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one [sampler] setting of the spec (checked against "
        "its schema), e.g. maxdepth=8; repeatable",
    )
    a = ap.parse_args()

    from sesindex.bayes import fit
    from sesindex.bayes.output import write_fit
    from sesindex.bayes.posterior.aggregate import deso_to_regso
    from sesindex.bayes.spec import load_model_spec
    from sesindex.data.synthetic import generate

    spec = load_model_spec(ROOT / "models" / "latent_factor.toml")
    if a.sampler:
        from sesindex.bayes.spec import ModelSpec

        overrides = dict(item.split("=", 1) for item in a.sampler)
        table = {k: _value(v) for k, v in overrides.items()}
        checked = ModelSpec.from_dict({"sampler": {**dataclasses.asdict(spec.sampler), **table}})
        spec = dataclasses.replace(spec, sampler=checked.sampler)
    years = {"years": spec.years} if spec.years else {}  # default: the synthetic panel's
    if a.years:
        from sesindex.data.synthetic import YEARS

        years = {"years": YEARS[-a.years :]}
    ds = generate(
        n_areas=None if a.areas in (3363, 5984) else a.areas,
        seed=20240101,
        division=a.division,
        **years,
    ).dataset
    groups = deso_to_regso(ds["area"].values) if a.division == "deso" else None
    sampler = RSSSampler()
    sampler.start()
    t0 = time.perf_counter()
    res = fit(ds, spec, groups=groups, sampler={"draws": a.draws} if a.draws else None)
    t_fit = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_fit(res, tmp)
        t_write = time.perf_counter()
        hashes = {
            n: _hash(Path(tmp) / n)
            for n in ("areas.csv", "changes.csv", "regso_areas.csv")
            if (Path(tmp) / n).exists()
        }
        posterior_mb = round((Path(tmp) / "posterior.nc").stat().st_size / 1e6, 1)
    sampler.stop()
    peaks, start = {}, t0
    for stage in STAGES:
        if stage in res.timings:
            end = start + res.timings[stage]
            peaks[stage] = sampler.peak(start, end)
            start = end
    peaks["write"] = sampler.peak(t_fit, t_write)
    after = sum(res.timings.get(s, 0) for s in ("derive", "diagnostics", "tables"))
    before = sum(res.timings.get(s, 0) for s in ("compile", "sample"))
    commit = provenance.commit()
    print(
        json.dumps(
            {
                "label": a.label,
                "commit": commit,
                "areas": len(res.inputs.areas),
                "years": len(res.inputs.years),
                "draws": int(res.posterior.sizes["draw"]),
                "chains": int(res.posterior.sizes["chain"]),
                "division": a.division,
                "command": "python benchmarks/bench_memory.py --areas "
                f"{a.areas}"
                + (f" --division {a.division}" if a.division != "regso" else "")
                + (f" --draws {a.draws}" if a.draws else "")
                + (f" --years {a.years}" if a.years else "")
                + (f" --label {a.label}" if a.label else "")
                + "".join(f" --sampler {item}" for item in a.sampler),
                "sampler": dataclasses.asdict(spec.sampler),
                "peak_rss_gb": peaks,
                "peak_after_sampling_gb": max(
                    peaks[s] for s in ("derive", "diagnostics", "tables", "write") if s in peaks
                ),
                "timings_s": res.timings,
                "write_s": round(t_write - t_fit, 1),
                "post_over_compile_sample": round(after / before, 3) if before else None,
                "posterior_nc_mb": posterior_mb,
                "hashes": hashes,
                "fit_ok": res.gate["passed"],
                "gate_worst": res.gate["worst"],
                "gate_checks": res.gate["checks"],
                "gate_thresholds": res.gate["thresholds"],
                "divergences": res.gate["divergences"],
                "leapfrog_steps_per_draw": _steps(res.idata),
                "load_avg": os.getloadavg(),
            }
        )
    )


if __name__ == "__main__":
    main()

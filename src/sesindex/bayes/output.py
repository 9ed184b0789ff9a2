"""Write a fit: posterior.nc, areas.csv, changes.csv, summary.csv, diagnostics, manifest.

Examples
--------
>>> sorted(OUTPUTS)
['areas.csv', 'changes.csv', 'diagnostics.json', 'posterior.nc', 'summary.csv']

Beside them ``data.csv`` (the tidy data fitted) and, for synthetic data, ``truth.csv``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sesindex.manifest import write_manifest

OUTPUTS = ("posterior.nc", "areas.csv", "changes.csv", "summary.csv", "diagnostics.json")


def summary_table(result) -> pd.DataFrame:
    """Per year: posterior mean of national mu and sigma, expected area-type counts."""
    post = result.posterior
    typing = result.typing
    rows = []
    for y, year in enumerate(post["year"].values):
        a = result.areas[result.areas["year"] == year]
        row = {"year": int(year), "areas": len(a)}
        national = typing is None or bool(typing.national[y])
        if "index" in post:
            ix = post["index"].sel(year=year)
            row["mu"] = float(ix.mean("area").mean()) if national else np.nan
            row["sigma"] = float(ix.std("area", ddof=1).mean()) if national else np.nan
        typed = a["p_type_1"].notna().any()
        for k in range(1, 6):
            row[f"type_{k}"] = int(round(a[f"p_type_{k}"].sum())) if typed else pd.NA
        rows.append(row)
    return pd.DataFrame(rows)


def _write_inputs(result, out: Path, loaded) -> list[Path]:
    """The data the fit used (``data.csv``, tidy: what ``sesindex evaluate`` refits) and,
    for synthetic data, the truth behind them (``truth.csv``)."""
    from sesindex.data.model import to_tidy

    tidy = loaded.tidy if loaded is not None and loaded.tidy is not None else None
    if tidy is None and result.data is not None:
        tidy = to_tidy(result.data)
    paths = []
    if tidy is not None:
        paths.append(out / "data.csv")
        tidy.to_csv(paths[-1], index=False)
    if loaded is not None and loaded.truth is not None:
        paths.append(out / "truth.csv")
        loaded.truth.to_csv(paths[-1], index=False, float_format="%.6g")
        if "programme" in loaded.truth:  # a planted programme: its areas, for evaluate
            started = loaded.truth[loaded.truth["programme"]]
            first = started.groupby("area_code")["year"].min().rename("start_year")
            paths.append(out / "programme.csv")
            first.reset_index().to_csv(paths[-1], index=False)
    return paths


def write_fit(result, out_dir: str | Path, loaded=None) -> list[Path]:
    """Write every output of a fit; the manifest says whether the fit gate passed."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    idata = result.idata
    derived = result.posterior[[v for v in ("eta", "index") if v in result.posterior]]
    derived = derived.astype(np.float32)  # in every thin_derived-th draw (fit derives so)
    post = idata.posterior.sel(draw=derived["draw"].values)
    # the exact binomial model's sampled logits (one per count cell and draw: 320 MB for
    # a national year) are not kept, the true rates they give enter the index draws; the
    # beta-binomial model's sampled eta is kept standardised, as "eta"
    post = post.drop_vars([v for v in ("xi", "eta_latent") if v in post])
    idata.posterior = post.merge(derived, compat="override", join="left")
    idata.posterior.attrs.update(result.posterior.attrs)
    paths = [out / name for name in OUTPUTS]
    idata.to_netcdf(str(paths[0]))
    names = result.inputs.areas
    meta = {}
    if loaded is not None:
        meta = loaded.dataset["area_name"].to_series().to_dict()
    areas = result.areas.copy()
    areas.insert(1, "area_name", areas["area_code"].map(meta))
    if loaded is not None:
        areas.insert(2, "municipality_code", areas["area_code"].map(
            loaded.dataset["municipality_code"].to_series()))
    areas.to_csv(paths[1], index=False, float_format="%.6g")
    (out / "changes.csv").unlink(missing_ok=True)
    if len(result.changes):
        result.changes.to_csv(paths[2], index=False, float_format="%.6g")
    else:  # a single year has no changes: say so rather than write an empty file
        paths.remove(out / "changes.csv")
    summary_table(result).to_csv(out / "summary.csv", index=False, float_format="%.6g")
    paths += _write_inputs(result, out, loaded)
    (out / "diagnostics.json").write_text(json.dumps(result.gate, indent=1, default=str) + "\n")
    status = "ok" if result.gate["passed"] else "failed"
    write_manifest(out, command="fit", spec=result.spec.to_dict(),
                   inputs=loaded.files if loaded else {}, seed=result.spec.sampler.seed,
                   timings=result.timings, data=loaded.name if loaded else "dataset",
                   status=status, fit_ok=bool(result.gate["passed"]), gate=result.gate,
                   areas=int(len(names)), years=[int(y) for y in result.inputs.years],
                   indicators=list(result.inputs.indicators),
                   types_note=getattr(result.typing, "note", ""),
                   types_warnings=getattr(result.typing, "warnings", []),
                   denominators="count indicators: their own denominators (all residents "
                   "for V1, residents aged 20-64 for V2 and V3 in the synthetic data)",
                   outputs=[p.name for p in paths])
    return paths

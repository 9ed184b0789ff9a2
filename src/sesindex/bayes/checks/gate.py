"""The fit gate: R-hat, bulk and tail ESS for every reported quantity, divergences.

Examples
--------
>>> import numpy as np, xarray as xr
>>> rng = np.random.default_rng(0)
>>> post = xr.Dataset({"x": (("chain", "draw", "area"), rng.normal(size=(2, 1000, 5)))})
>>> g = fit_gate(post, divergences=0)
>>> g["passed"], g["worst"]["rhat"]["quantity"].startswith("x")
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from sesindex.bayes.checks.diagnostics import diagnostics


def _worst(stat: xr.Dataset, largest: bool) -> dict:
    best_name, best_val, best_at = None, None, None
    for name, da in stat.data_vars.items():
        vals = np.asarray(da.values, float)
        if vals.size == 0 or np.all(np.isnan(vals)):
            continue
        flat = np.nanargmax(vals) if largest else np.nanargmin(vals)
        val = float(vals.ravel()[flat])
        if best_val is None or (val > best_val if largest else val < best_val):
            idx = np.unravel_index(flat, vals.shape) if vals.ndim else ()
            where = {
                d: str(da[d].values[i]) if d in da.coords else int(i)
                for d, i in zip(da.dims, idx, strict=True)
            }
            best_name, best_val, best_at = name, val, where
    return {"quantity": f"{best_name}{best_at or ''}", "value": best_val}


@dataclass(frozen=True)
class GateSpec:
    """The fit gate: a run that misses it is marked failed everywhere it reports."""

    rhat_max: float = 1.01
    ess_bulk_min: float = 400
    ess_tail_min: float = 400
    divergences_max: int = 0


def fit_gate(
    posterior: xr.Dataset | list[xr.Dataset], divergences: int, gate: GateSpec | None = None
) -> dict:
    """Diagnostics of every variable in ``posterior`` (dims chain, draw, ...) vs the gate.

    ``posterior`` may be a list of datasets whose draws differ (the sampled parameters
    in every draw, derived quantities in every k-th).
    """
    gate = gate or GateSpec()
    parts = posterior if isinstance(posterior, list) else [posterior]
    tables: dict[str, dict] = {"rhat": {}, "ess_bulk": {}, "ess_tail": {}}
    for part in parts:
        for name, da in part.data_vars.items():
            found = diagnostics(da.transpose("chain", "draw", ...).values)
            dims = [d for d in da.dims if d not in ("chain", "draw")]
            coords = {d: da[d] for d in dims if d in da.coords}
            for key in tables:
                tables[key][name] = xr.DataArray(found[key], dims=dims, coords=coords)

    def table(key: str) -> xr.Dataset:
        return xr.Dataset(tables[key])

    rhat, bulk, tail = table("rhat"), table("ess_bulk"), table("ess_tail")
    worst = {
        "rhat": _worst(rhat, True),
        "ess_bulk": _worst(bulk, False),
        "ess_tail": _worst(tail, False),
    }
    checks = {
        "rhat": worst["rhat"]["value"] <= gate.rhat_max,
        "ess_bulk": worst["ess_bulk"]["value"] >= gate.ess_bulk_min,
        "ess_tail": worst["ess_tail"]["value"] >= gate.ess_tail_min,
        "divergences": divergences <= gate.divergences_max,
    }
    per_var = {
        name: {
            "rhat_max": float(np.nanmax(rhat[name].values)),
            "ess_bulk_min": float(np.nanmin(bulk[name].values)),
            "ess_tail_min": float(np.nanmin(tail[name].values)),
        }
        for name in tables["rhat"]
    }
    return {
        "passed": all(checks.values()),
        "checks": checks,
        "divergences": int(divergences),
        "thresholds": {
            "rhat_max": gate.rhat_max,
            "ess_bulk_min": gate.ess_bulk_min,
            "ess_tail_min": gate.ess_tail_min,
            "divergences_max": gate.divergences_max,
        },
        "worst": worst,
        "per_variable": per_var,
    }

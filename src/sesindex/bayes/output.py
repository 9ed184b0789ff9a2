"""Write a fit: posterior.nc, areas.csv, changes.csv, summary.csv, diagnostics, manifest.

The tables come from the fit's run tree (:func:`fit_tree`; their files:
:data:`sesindex.runs.TABLES`).

Examples
--------
>>> from sesindex.runs import table_spec
>>> [table_spec(g)[0] for g in ("areas", "changes", "summary")]
['areas.csv', 'changes.csv', 'summary.csv']

Beside them ``data.csv`` (the tidy data fitted) and, for synthetic data, ``truth.csv``;
a fit aggregated to RegSO (a DeSO fit) adds ``regso_areas.csv`` and ``regso_changes.csv``
and the RegSO index draws (``group_index``) in ``posterior.nc``.

``posterior.nc`` holds every sampled quantity exactly and the derived draws of eta and
the index (what the tables summarise) as float32 rounded to :data:`KEEP_BITS` bits of
mantissa (:func:`bitround`: a relative error of at most :data:`ROUNDING_ERROR`, about
2**-13, 0.006 index points at an index of 50, against posterior sds of tenths of a
point), compressed with the shuffle filter and zlib: the bits a float32 carries beyond
that are sampling noise that does not compress.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from sesindex.manifest import manifest_of, save_manifest

#: Mantissa bits kept of the derived draws in posterior.nc (float32 has 23).
KEEP_BITS = 12

#: The largest relative error of :func:`bitround` on float64 values: float32's own
#: rounding (2**-24) followed by rounding to the nearest of ``KEEP_BITS`` bits (2**-13).
#: The two add: 1 + 2**-13 - 2**-26 becomes 1 + 2**-13 in float32, a tie that rounds up.
ROUNDING_ERROR = 2.0 ** -(KEEP_BITS + 1) + 2.0**-24


def bitround(values, keep_bits: int = KEEP_BITS, chunk: int = 1 << 22) -> np.ndarray:
    """``values`` as float32 with the mantissa rounded to ``keep_bits`` bits (to nearest).

    One float32 copy is made and rounded in place, ``chunk`` values at a time (a national
    panel's draws are 0.56 GB in float32; no further full-size temporaries). NaN and
    infinities pass through.

    Examples
    --------
    >>> x = np.array([50.123456, -0.0123456])
    >>> r = bitround(x)
    >>> bool(np.all(np.abs(r - x) <= np.abs(x) * ROUNDING_ERROR))
    True
    >>> bitround(np.array([np.nan, np.inf, -1.0]), chunk=2).tolist()
    [nan, inf, -1.0]
    """
    out = np.array(values, dtype=np.float32)  # always a copy: the caller's draws stay
    drop = 23 - int(keep_bits)
    if drop <= 0:
        return out
    half = np.uint32(1 << (drop - 1))
    mask = np.uint32((0xFFFFFFFF << drop) & 0xFFFFFFFF)
    flat = out.reshape(-1)
    for start in range(0, flat.size, chunk):
        part = flat[start : start + chunk]
        finite = np.isfinite(part)
        bits = part.view(np.uint32)
        bits[finite] = (bits[finite] + half) & mask
    return out


def _write_posterior(trace: xr.DataTree, path: Path, derived) -> None:
    """The trace (:mod:`sesindex.bayes.sampling.trace`) to ``path``: the posterior group with the
    shuffle filter and zlib, every other group as it is; then each ``derived`` variable
    (:func:`bitround`) appended to the posterior group on its own, so only one rounded
    copy exists at a time (a national panel's eta or index: 0.56 GB in float32).
    """
    from sesindex.bayes.sampling.trace import group, groups, posterior_of

    others = [g for g in groups(trace) if g != "posterior"]
    if others:
        xr.DataTree.from_dict({f"/{g}": group(trace, g) for g in others}).to_netcdf(
            path, engine="h5netcdf"
        )
    compress = {"zlib": True, "complevel": 4, "shuffle": True}
    post = posterior_of(trace)
    post.to_netcdf(
        path,
        mode="a" if others else "w",
        group="posterior",
        engine="h5netcdf",
        encoding={v: compress for v in post.data_vars},
    )
    for name, da in derived.items():
        rounded = xr.Dataset(
            {name: (da.dims, bitround(da.values))},
            coords={d: da[d].values for d in da.dims if d not in post.coords},
        )
        rounded.to_netcdf(
            path, mode="a", group="posterior", engine="h5netcdf", encoding={name: compress}
        )
        del rounded


def summary_table(result) -> pd.DataFrame:
    """Per year: posterior mean of national mu and sigma, expected area-type counts."""
    post = result.posterior
    typing = result.typing
    rows = []
    for y, year in enumerate(post["year"].values):
        a = result.areas[result.areas["year"] == year]
        row: dict[str, float] = {"year": int(year), "areas": len(a)}
        national = typing is None or bool(typing.national[y])
        if "index" in post:
            ix = post["index"].sel(year=year)
            row["mu"] = float(ix.mean("area").mean()) if national else np.nan
            row["sigma"] = float(ix.std("area", ddof=1).mean()) if national else np.nan
        typed = a["p_type_1"].notna().any()
        for k in range(1, 6):
            row[f"type_{k}"] = int(round(a[f"p_type_{k}"].sum())) if typed else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _write_inputs(result, out: Path, loaded) -> list[Path]:
    """The data the fit used (``data.csv``, tidy: what ``sesindex evaluate`` refits) and,
    for synthetic data, the truth behind them (``truth.csv``).
    """
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


def fit_tables(result, loaded=None) -> dict[str, pd.DataFrame]:
    """A fit's tables by run-tree group (:mod:`sesindex.runs`): ``areas`` (with each
    area's name and municipality, from ``loaded`` or else the data fitted), ``changes``,
    ``summary``
    and, for a fit aggregated to larger areas (:mod:`sesindex.bayes.posterior.aggregate`), e.g.
    ``regso_areas`` and ``regso_changes``.
    """
    areas = result.areas.copy()
    ds = loaded.dataset if loaded is not None else result.data
    for k, name in enumerate(("area_name", "municipality_code"), start=1):
        known = ds is not None and name in ds
        areas.insert(k, name, areas["area_code"].map(ds[name].to_series()) if known else np.nan)
    tables = {"areas": areas, "changes": result.changes, "summary": summary_table(result)}
    if result.grouped is not None:
        prefix = "".join(c for c in result.grouped.level.lower() if c.isalpha())
        tables[f"{prefix}_areas"] = result.grouped.areas
        tables[f"{prefix}_changes"] = result.grouped.changes
    return tables


def fit_tree(result, loaded=None) -> xr.DataTree:
    """A fit as one run tree (:func:`sesindex.runs.run_tree`): its tables
    (:func:`fit_tables`), the data fitted (``/data``) and the draws (``/posterior``:
    :func:`posterior_tree`, the groups of ``posterior.nc``); its provenance and gate in
    ``attrs["manifest"]`` (:func:`fit_manifest`). What
    :func:`write_fit` writes and the report and publication read.

    Examples
    --------
    >>> tree = fit_tree(res)  # doctest: +SKIP
    >>> sorted(tree.children)  # doctest: +SKIP
    ['areas', 'changes', 'data', 'posterior', 'summary']
    >>> tree.attrs["manifest"]["fit_ok"]  # doctest: +SKIP
    True
    """
    from sesindex.runs import run_tree

    return run_tree(
        fit_tables(result, loaded),
        data=result.data,
        posterior=posterior_tree(result),
        manifest=fit_manifest(result, loaded),
    )


def _posterior_parts(result) -> tuple[xr.Dataset, xr.Dataset]:
    """The sampled draws kept (at the derived draws) and the derived draws kept (eta,
    the index, a grouped fit's group_index): what ``posterior.nc``'s posterior holds.
    """
    from sesindex.bayes.sampling.trace import posterior_of

    derived = result.posterior[
        [v for v in ("eta", "index", "group_index") if v in result.posterior]
    ]
    # the exact binomial model's sampled logits (one per count cell and draw: 320 MB for
    # a national year) are not kept, the true rates they give enter the index draws
    post = posterior_of(result.idata)
    sampled = post.drop_vars([v for v in ("xi", *derived) if v in post])
    sampled = sampled.sel(draw=derived["draw"].values)
    sampled.attrs.update(result.posterior.attrs)
    return sampled, derived


def posterior_tree(result) -> xr.DataTree:
    """The groups of ``posterior.nc`` in memory: ``posterior`` (the sampled and derived
    draws; unrounded here), ``sample_stats`` and the trace's other groups; what a run's
    ``/posterior`` holds, in memory as read back (:func:`sesindex.runs.read_run`).
    """
    from sesindex.bayes.sampling.trace import with_group

    sampled, derived = _posterior_parts(result)
    return with_group(result.idata.copy(), "posterior", sampled.assign(derived.data_vars))


def fit_manifest(result, loaded=None) -> dict:
    """A fit's provenance (:func:`sesindex.manifest.manifest_of`): spec, inputs (from
    ``loaded``, else the fitted dataset's own, :func:`sesindex.data.io.input_provenance`), seed,
    timings, where the sampled model's code came from
    (:func:`sesindex.bayes.sampling.compiled.compile_origin`), the gate and whether it passed,
    what was fitted, its source and what its intervals are (the publication's "Om data").
    """
    compiled = result.idata.attrs.get(
        "model_compiled", f"compiled by {result.spec.sampler.backend} in this process"
    )
    from sesindex.data.io import input_provenance

    data = loaded.dataset if loaded is not None else result.data
    source = (
        data.attrs.get("source", getattr(loaded, "name", "dataset"))
        if data is not None
        else "dataset"
    )

    return manifest_of(
        command="fit",
        spec=result.spec.to_dict(),
        **input_provenance(loaded if loaded is not None else result.data),
        seed=result.spec.sampler.seed,
        timings=result.timings,
        model_compiled=compiled,
        status="ok" if result.gate["passed"] else "failed",
        fit_ok=bool(result.gate["passed"]),
        gate=result.gate,
        areas=int(len(result.inputs.areas)),
        years=[int(y) for y in result.inputs.years],
        indicators=list(result.inputs.indicators),
        types_note=getattr(result.typing, "note", ""),
        types_warnings=getattr(result.typing, "warnings", []),
        denominators="count indicators: their own denominators (all residents for V1, "
        "residents aged 20-64 for V2 and V3 in the synthetic data)",
        source=source,
        intervals=fit_intervals(result),
    )


def fit_intervals(result) -> str:
    """What a fit's intervals are: the model, the years fitted, the draws and the gate.

    Examples
    --------
    >>> fit_intervals(res)  # doctest: +SKIP
    '90 % credible intervals of the Bayesian latent-factor model (spec default, 2 year(s) ...'
    """
    spec, sampler = result.spec, result.spec.sampler
    gate = "passed" if result.gate["passed"] else "FAILED: do not publish"
    return (
        f"90 % credible intervals of the Bayesian latent-factor model (spec "
        f"{spec.name}, {len(result.inputs.years)} year(s) fitted, {sampler.chains} x "
        f"{sampler.draws} posterior draws, fit gate {gate}); types and ranks in every "
        "draw over that draw's national mean and sd, so their uncertainty is included"
    )


def write_fit(result, out_dir: str | Path, loaded=None, tree=None) -> list[Path]:
    """Write every output of a fit from its tree (:func:`fit_tree`, built here unless
    given): ``posterior.nc`` (every sampled quantity, the derived draws rounded), the
    tables, the inputs, ``diagnostics.json`` and the manifest (last; it says whether the
    fit gate passed, and joins the tree's attrs).
    """
    from sesindex.runs import with_manifest, write_tables

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tree = fit_tree(result, loaded) if tree is None else tree
    from sesindex.bayes.sampling.trace import with_group

    sampled, derived = _posterior_parts(result)
    trace = with_group(result.idata.copy(), "posterior", sampled)
    paths = [out / "posterior.nc"]
    _write_posterior(trace, paths[0], derived)
    paths += write_tables(tree, out)
    paths += _write_inputs(result, out, loaded)
    paths.append(out / "diagnostics.json")
    paths[-1].write_text(json.dumps(result.gate, indent=1, default=str) + "\n")
    manifest = save_manifest(out, tree.attrs["manifest"], outputs=[p.name for p in paths])
    with_manifest(tree, manifest)
    return paths

"""Validation studies of the index: each declared as a TOML spec in ``validation/``.

* :mod:`~sesindex.validate.stability` — ranks and types between years and methods;
* :mod:`~sesindex.validate.bootstrap` — binomial (and other) replicates of index, mu,
  sigma, types and ranks;
* :mod:`~sesindex.validate.sensitivity` — Monte Carlo over method choices, Sobol indices;
* :mod:`~sesindex.validate.agreement` — official method vs alternatives (and SCB's types);
* :mod:`~sesindex.validate.calibration` — interval coverage and type-probability scores
  against synthetic truth;
* :mod:`~sesindex.validate.change` — is a change between two years real?
* :mod:`~sesindex.validate.sbc` — simulation-based calibration of the Bayesian model.

:func:`run_study` runs one spec and writes CSV tables, PNG figures and ``manifest.json``
to its output folder; :func:`run_all` runs every spec of a folder.

Examples
--------
>>> import tempfile
>>> m = run_study({"study": "stability", "n_areas": 60, "years": [2022, 2023]}, tempfile.mkdtemp())
>>> m["study"], m["results"]["churn"]["official_type_changes"], "year_pairs.csv" in m["files"]
('stability', 253, True)
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import time
from pathlib import Path

from sesindex.schemas import STUDIES
from sesindex.validate.inputs import StudyData, load_study_data
from sesindex.validate.outputs import StudyOutput, StudyResult, write_manifest
from sesindex.validate.spec import StudySpec

__all__ = ["STUDIES", "StudySpec", "run_all", "run_study"]


def _as_study_data(data, spec: StudySpec) -> StudyData:
    """Accept StudyData, a synthetic result (``.dataset``/``.truth``) or a dataset."""
    if data is None:
        return load_study_data(spec)
    if isinstance(data, StudyData):
        return data
    ds = getattr(data, "dataset", data)
    truth = getattr(data, "truth", None)
    ds = ds.sel(year=list(spec.years))
    if truth is not None:
        truth = truth[truth["year"].isin(spec.years)].reset_index(drop=True)
    return StudyData(ds, truth, "dataset supplied by the caller")


def run_study(spec_path_or_dict, out_dir, *, data=None, engine=None) -> StudyResult:
    """Run one validation study; returns its manifest (key numbers and files written),
    whose ``.to_tree()`` gives the study's tables as one tree.

    ``data`` replaces the spec's data (a :class:`StudyData`, a synthetic
    ``generate(...)`` result or an ``xarray.Dataset``); it is cut to the spec's years.
    ``engine`` (:class:`sesindex.validate.replicates.Engine`) runs the replicates of a
    study that has them (stress, evaluate, sbc, sensitivity) on a Dask cluster.

    Examples
    --------
    >>> import tempfile
    >>> from sesindex.data.synthetic import generate
    >>> m = run_study(
    ...     {"study": "agreement", "years": [2022]},
    ...     tempfile.mkdtemp(),
    ...     data=generate(n_areas=50, years=(2022,), seed=4),
    ... )
    >>> m["areas"], m["results"]["by_method"]["synthetic_truth"]["spearman"] > 0.9
    (50, True)
    """
    t0 = time.perf_counter()
    spec = StudySpec.load(spec_path_or_dict)
    study = _as_study_data(data, spec)
    t_data = time.perf_counter() - t0
    out = StudyOutput(out_dir, note=f"sesindex validation · {spec.study} · {study.label}")
    module = importlib.import_module(f"sesindex.validate.{spec.study}")
    extra = {}
    if engine is not None and engine.distributed:
        if "engine" not in inspect.signature(module.run).parameters:
            raise ValueError(
                f"the {spec.study} study runs in process only (its replicates "
                "are vectorised); drop --workers/--scheduler"
            )
        extra["engine"] = engine
    results = module.run(spec, study, out, **extra)
    spec_hash = None
    inputs = dict(study.source_files)
    if spec.path:
        spec_hash = "sha256:" + hashlib.sha256(Path(spec.path).read_bytes()).hexdigest()
        inputs[str(spec.path)] = spec_hash
    manifest = write_manifest(
        out,
        command=f"validate {spec.path or spec.study}",
        spec=spec.raw,
        inputs=inputs,
        seed=spec.seed,
        timings={"data": t_data, "total": time.perf_counter() - t0},
        study=spec.study,
        title=spec.title,
        spec_file=spec.path,
        data=study.label,
        years=list(spec.years),
        areas=int(study.dataset.sizes["area"]),
        reference_method=spec.index.to_dict(),
        variants=[v.name for v in spec.variants],
        results=results,
        output_dir=str(Path(out_dir)),
        replicates_ran=(engine.describe() if engine is not None else "in process"),
    )
    return StudyResult(manifest, out.dir)


def run_all(validation_dir="validation", out_root="results/validation") -> dict[str, dict]:
    r"""Run every ``*.toml`` study spec in ``validation_dir`` into ``out_root/<stem>/``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "stability.toml").write_text("n_areas = 40\nyears = [2022, 2023]\n")
    >>> list(run_all(d, d / "out")), (d / "out" / "stability" / "manifest.json").exists()
    (['stability'], True)
    """
    specs = sorted(Path(validation_dir).glob("*.toml"))
    if not specs:
        raise FileNotFoundError(f"no study specs (*.toml) in {validation_dir}")
    return {p.stem: run_study(p, Path(out_root) / p.stem) for p in specs}

"""The front door's functions: load, index, bootstrap, fit, evaluate, save, report, read.

:mod:`sesindex` hands these names on; the command line calls them too. Every result is,
or becomes with ``.to_tree()``, one labelled ``xarray.DataTree`` (:mod:`sesindex.runs`).
"""

from __future__ import annotations

from collections.abc import Mapping

#: ``fit(..., groups=AUTO)``: DeSO 2018 data are aggregated to their RegSO areas.
AUTO = "auto"


def _dataset(data):
    """An ``xarray.Dataset`` from a dataset, a loaded dataset or a source name/path."""
    if isinstance(data, str):
        data = load(data)
    return getattr(data, "dataset", data)


def load(
    source: str,
    *,
    n_areas: int | None = None,
    years: tuple[int, ...] | None = None,
    seed: int | None = None,
    boundary_version: str | None = None,
):
    """Load a packaged dataset by name or a data file, validated.

    Parameters
    ----------
    source : str
        ``"synthetic"`` (the calibrated national panel), ``"synthetic-programme"``,
        ``"synthetic-deso"`` (the same on the 5,984 DeSO areas), ``"sweden-regso-2022"``,
        ``"karlstad-tab6586"``, or a path to a tidy/wide CSV or Parquet file or a
        PxWebApi 2 JSON-stat response.
    n_areas, years, seed : optional
        The synthetic data's size, years and seed (packaged synthetic sources).
    boundary_version : str, optional
        The boundary version the data are on, where the source does not say.

    Returns
    -------
    sesindex.data.io.LoadedData
        ``.dataset`` (the data model), ``.notes``, ``.files`` (hashes), ``.truth``
        (synthetic data) and ``.tidy``.

    Examples
    --------
    >>> load("karlstad-tab6586").dataset.sizes["area"]  # SCB's real TAB6586, Karlstad
    31
    """
    from sesindex.data.io import load_data

    return load_data(
        source, n_areas=n_areas, years=years, seed=seed, boundary_version=boundary_version
    )


def official_index(data, spec: str = "official", *, cutpoints=None):
    """The deterministic index (SCB/Delmos method, or a variant), types and ranks.

    Parameters
    ----------
    data : Dataset, LoadedData or str
        The data (or a source for :func:`load`).
    spec : str or path
        A packaged index spec by name (``official``, ``zscore``, ``pca``, ...) or a file.
    cutpoints : str or dict, optional
        National ``mu,sigma`` (``"2022:9.10,5.47;2023:..."``) for data holding only some
        areas; without them such data get no types.

    Returns
    -------
    xarray.DataTree
        Its root holds ``rate``, ``index``, ``rank``, ``mu``, ``sigma``, ``type`` per area
        and year (``.to_dataset()`` gives them as one ``xarray.Dataset``).

    Examples
    --------
    >>> out = official_index(load("synthetic", years=(2024,)))
    >>> int((out["type"] == 1).sum()) > 100
    True
    """
    from sesindex.index import compute_index, load_spec
    from sesindex.index.cutpoints import parse_cutpoints
    from sesindex.specs import resolve_spec

    if isinstance(cutpoints, str):
        cutpoints = parse_cutpoints(cutpoints)
    import xarray as xr

    out = compute_index(_dataset(data), load_spec(resolve_spec(spec)), cutpoints=cutpoints)
    return xr.DataTree(out, name="index")


def bootstrap(
    data, spec: str = "official", *, years=None, replicates: int = 1000, seed: int = 20240101
):
    """Binomial-noise uncertainty of the deterministic index (parametric bootstrap).

    Parameters
    ----------
    data : Dataset, LoadedData or str
        Data with counts and denominators.
    spec : str or path
        The index spec (default: the official method).
    years : sequence of int, optional
        Years to resample (default: all); the last two also get a change table.
    replicates, seed : int
        Bootstrap replicates and the random seed.

    Returns
    -------
    sesindex.uncertainty.BootstrapResult
        ``areas``: per area and year, index intervals, rank intervals, P(type = k);
        ``changes``: per area, the change between the last two years. It unpacks as
        ``areas, changes``, and ``.to_tree()`` gives both as one labelled tree.

    Examples
    --------
    >>> areas, changes = bootstrap(load("synthetic", n_areas=30, years=(2023, 2024)), replicates=50)
    >>> len(areas), len(changes)
    (60, 30)
    """
    from sesindex.index import load_spec
    from sesindex.specs import resolve_spec
    from sesindex.uncertainty import BootstrapResult, bootstrap_uncertainty

    ds = _dataset(data)
    areas, changes = bootstrap_uncertainty(
        ds, load_spec(resolve_spec(spec)), years=years, replicates=replicates, seed=seed
    )
    return BootstrapResult(areas, changes, ds)


def fit(
    data,
    spec="latent_factor",
    *,
    seed: int | None = None,
    draws: int | None = None,
    tune: int | None = None,
    sampler: Mapping | None = None,
    cutpoints=None,
    programme: Mapping | None = None,
    groups=AUTO,
    progress: bool = False,
):
    """Fit the Bayesian latent-factor model (see :mod:`sesindex.bayes`).

    Parameters
    ----------
    data : Dataset, LoadedData or str
        Data with counts and denominators.
    spec : str, path or ModelSpec
        A packaged model spec by name (``latent_factor``: the 14-year panel,
        ``latent_factor_single_year``, ...), a TOML file, or a ``ModelSpec``.
    seed, draws, tune : int, optional
        The sampler's seed, kept draws and tuning draws per chain (default: the spec's).
    sampler : mapping, optional
        Any other ``[sampler]`` setting of the spec (``{"backend": "advi"}``), checked
        like a spec's.
    cutpoints : str or dict, optional
        National ``mu,sigma`` per year for data holding only some areas.
    programme : mapping, optional
        Area code -> first year of its programme: adds programme effects
        (:mod:`sesindex.evaluation` fits these).
    groups : "auto", mapping or None
        Larger areas to aggregate every draw to (``.grouped``): by default DeSO 2018
        data are aggregated to their RegSO areas; ``None`` aggregates nothing.
    progress : bool
        Show the sampler's progress.

    Returns
    -------
    sesindex.bayes.fit.FitResult
        ``.areas`` and ``.changes`` (tables with intervals), ``.posterior`` (draws of
        eta, ses and the index), ``.gate`` (the fit gate), ``.idata``, ``.grouped``
        (RegSO tables of a DeSO fit).

    Examples
    --------
    >>> res = fit(load("synthetic", n_areas=40, years=(2023, 2024)), draws=200)
    ... # doctest: +SKIP
    >>> res.gate["passed"], res.areas.columns[:3].tolist()  # doctest: +SKIP
    (True, ['area_code', 'year', 'ses_mean'])
    """
    from sesindex.bayes import fit as fit_model
    from sesindex.bayes import load_model_spec
    from sesindex.bayes.spec import ModelSpec
    from sesindex.specs import resolve_spec

    if not isinstance(spec, ModelSpec):
        spec = load_model_spec(resolve_spec(spec))
    ds = _dataset(data)
    if isinstance(groups, str) and groups == AUTO:
        from sesindex.bayes.posterior.aggregate import regso_groups

        groups = regso_groups(ds)
    if isinstance(cutpoints, str):
        from sesindex.index.cutpoints import parse_cutpoints

        cutpoints = parse_cutpoints(cutpoints)
    named = {"seed": seed, "draws": draws, "tune": tune}
    sampler = {**(sampler or {}), **{k: v for k, v in named.items() if v is not None}}
    return fit_model(
        ds,
        spec,
        sampler=sampler,
        cutpoints=cutpoints,
        programme=programme,
        groups=groups,
        progress=progress,
    )


def evaluate(
    fit_result,
    treated,
    *,
    start: int | None = None,
    controls="matched",
    exclude=None,
    outcome: str = "index",
    k: int = 5,
    within: str = "none",
    sampler: dict | None = None,
    allow_failed_fit: bool = False,
    refit_without_flagged: bool = False,
    progress: bool = False,
):
    """Effects of a programme on its treated areas (see :mod:`sesindex.evaluation`).

    Parameters
    ----------
    fit_result : FitResult or path
        A panel fit (:func:`fit`) or a ``sesindex fit`` output directory.
    treated : dict, DataFrame or path
        Area code -> start year, or a CSV with ``area_code`` (and ``start_year``; a
        ``programme`` column evaluates several programmes in one refit, each with its
        own effects).
    start : int, optional
        The programme's first year where ``treated`` gives none.
    controls : "matched", "all" or codes
        The comparison areas: ``k`` matched per treated area (default), all others, or
        these.
    exclude : path, DataFrame or codes, optional
        Areas never to be comparisons (other programmes, known shocks).
    outcome : {"index", "ses", "type"}
        The headline outcome.
    k : int
        Matched comparison areas per treated area.
    within : {"none", "county", "municipality"}
        Match within the treated area's county or municipality.
    sampler : dict, optional
        Overrides of the refit's sampler settings.
    allow_failed_fit : bool
        Evaluate a fit that missed the gate (refused by default).
    refit_without_flagged : bool
        Also refit without comparison areas that look treated.
    progress : bool
        Show the sampler's progress.

    Returns
    -------
    sesindex.evaluation.EvaluationResult
        ``.effects`` (att_index, att_ses, ...), ``.event_study``, ``.controls``,
        ``.balance``.

    Examples
    --------
    >>> ev = evaluate(res, {"0114R001": 2022}, k=3)  # doctest: +SKIP
    >>> ev.effect("att_index")["mean"]  # doctest: +SKIP
    -0.93
    """
    from sesindex.evaluation import evaluate as run_evaluation

    return run_evaluation(
        fit_result,
        treated,
        start=start,
        controls=controls,
        exclude=exclude,
        outcome=outcome,
        k=k,
        within=within,
        sampler=sampler,
        allow_failed_fit=allow_failed_fit,
        refit_without_flagged=refit_without_flagged,
        progress=progress,
    )


def index_run(
    data,
    spec="official",
    *,
    cutpoints=None,
    uncertainty_years: int = 0,
    seed: int | None = None,
    command: str = "index",
    step=None,
):
    """The deterministic index as one run tree: what ``sesindex index`` (and, with
    ``uncertainty_years=2``, ``sesindex demo``) compute.

    Parameters
    ----------
    data : LoadedData or str
        The data (:func:`load`, or a source for it).
    spec : str, path or sesindex.index.IndexSpec
        A packaged index spec by name, a file, or a loaded spec.
    cutpoints : str or dict, optional
        National ``mu,sigma`` per year for data holding only some areas.
    uncertainty_years : int
        Bootstrap the last this many years (intervals, type probabilities, changes).
    seed : int, optional
        The bootstrap's seed.
    command : str
        The command the run is recorded as in its manifest (``"index"`` or ``"demo"``).
    step : callable, optional
        ``step(label)`` gives a context manager around each stage (progress display).

    Returns
    -------
    xarray.DataTree
        ``/areas``, ``/summary``, ``/changes`` (a bootstrap of two or more years),
        ``/data``; provenance in ``attrs["manifest"]``. Write it with :func:`save`.

    Examples
    --------
    >>> tree = index_run("karlstad-tab6586", cutpoints="2022:9.10,5.47")
    >>> int(tree["areas"]["type"].sel(area="1780R001", year=2022)) in range(1, 6)
    True
    """
    from sesindex.index import IndexSpec, load_spec
    from sesindex.index.cutpoints import parse_cutpoints
    from sesindex.reporting.index_run import index_run as run
    from sesindex.specs import resolve_spec

    loaded = load(data) if isinstance(data, str) else data
    if isinstance(cutpoints, str):
        cutpoints = parse_cutpoints(cutpoints)
    if not isinstance(spec, IndexSpec):
        spec = load_spec(resolve_spec(spec))
    stages = {"step": step} if step is not None else {}
    return run(
        loaded,
        spec,
        cutpoints=cutpoints,
        uncertainty_years=uncertainty_years,
        seed=seed,
        command=command,
        **stages,
    )


def save(
    result,
    out,
    *,
    overwrite: bool = False,
    loaded=None,
    publish: bool = False,
    report: bool = True,
    replaces: str | None = None,
    attach: Mapping | None = None,
):
    """Write a result as its run directory, whole or not at all (what the commands write).

    Parameters
    ----------
    result : FitResult, EvaluationResult or xarray.DataTree
        A result of :func:`fit`, :func:`evaluate` or :func:`index_run`.
    out : path
        The run directory.
    overwrite : bool
        Replace an earlier run in ``out`` (refused by default, before anything is
        written: ``sesindex.runs.EarlierRunError``). Only the files the earlier run's
        ``manifest.json`` lists are replaced: a directory holding any other file is
        refused, naming those files, overwrite or not.
    loaded : LoadedData, optional
        The data the result came from: written beside it; names a fit's areas. The
        manifest records the inputs (files and hashes, dataset name and load options)
        with or without it: a result knows the data it was made from.
    publish : bool
        An index run: also the bilingual publication of every area and year.
    report : bool
        Also the reports, ``report.html`` in Swedish and ``report_en.html`` in English
        (an evaluation always writes its pair).
    replaces : str, optional
        The command whose earlier run in ``out`` is replaced without ``overwrite``
        (``"demo"``: a demo replaces the demo before it); any other run is refused.
    attach : mapping of str to path, optional
        Files copied into the run under these names (e.g. the data file it was fitted
        on), listed in its manifest with the outputs.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> save(
    ...     fit(load("synthetic", n_areas=40, years=(2023, 2024))), "results/my_fit"
    ... )  # doctest: +SKIP
    PosixPath('results/my_fit')
    """
    from sesindex.reporting.save import save as write

    return write(
        result,
        out,
        overwrite=overwrite,
        loaded=loaded,
        publish=publish,
        report=report,
        replaces=replaces,
        attach=attach,
    )


def run_study(spec, out, *, data=None, workers: int | None = None, scheduler: str | None = None):
    """Run a validation study (SBC, stress, calibration, ...) from its spec.

    Parameters
    ----------
    spec : path, dict or sesindex.validate.StudySpec
        A study spec (``validation/*.toml``), its contents, or the loaded spec.
    out : path
        The directory the study writes its tables, figures and manifest into
        (``sesindex validate`` uses ``results/validation/<study>``).
    data : optional
        Data to run it on instead of the spec's.
    workers, scheduler : optional
        Run the replicates of a study that has them (stress, evaluate, sbc,
        sensitivity) on a local Dask cluster of ``workers`` processes, or on the
        cluster at ``scheduler`` (``tcp://HOST:PORT``).

    Returns
    -------
    sesindex.validate.outputs.StudyResult
        The study's manifest (a dict: key results, files written; also in its
        ``manifest.json``); ``.to_tree()`` gives its tables as one tree.

    Examples
    --------
    >>> run_study("validation/stability.toml", "results/validation/stability")  # doctest: +SKIP
    """
    from sesindex.validate import run_study as run
    from sesindex.validate.replicates import Engine

    cluster = workers is not None or scheduler is not None
    engine = Engine(workers=workers, scheduler=scheduler) if cluster else None
    return run(spec, out, data=data, engine=engine)


def report(result, path=None, *, boundaries=None, deso_key=None, lang="sv"):
    """Write self-contained HTML reports of a run (demo, index, fit or evaluation).

    Parameters
    ----------
    result : path, xarray.DataTree, FitResult or EvaluationResult
        A run directory, a run's tree (:func:`read_run`, ``.to_tree()``), or a result
        of :func:`fit` or :func:`evaluate` (reported from its tree).
    path : path, optional
        Where to write: the first language's file (the others beside it, e.g.
        ``x_en.html``) or a directory. Default: the run directory (``report.html``,
        ``report_en.html``); required for a result or tree in memory.
    boundaries : path or GeoDataFrame, optional
        The areas' boundaries (GeoPackage, GeoJSON, shapefile) for a map of their types
        (needs the ``maps`` extra); its codes must match the run's areas.
    deso_key : path, optional
        With DeSO boundaries: SCB's DeSO -> RegSO key, to dissolve them into RegSO areas.
    lang : str or sequence of str
        ``"sv"`` (the default), ``"en"``, or several, e.g. ``("sv", "en")``.

    Returns
    -------
    pathlib.Path or list of pathlib.Path
        The report's path; one path per language when ``lang`` is a sequence.

    Examples
    --------
    >>> report("results/demo")  # doctest: +SKIP
    PosixPath('results/demo/report.html')
    >>> report("results/demo", lang=("sv", "en"))  # doctest: +SKIP
    [PosixPath('results/demo/report.html'), PosixPath('results/demo/report_en.html')]
    >>> report(fit(load("synthetic", n_areas=40, years=(2023, 2024))), "fit.html")  # doctest: +SKIP
    PosixPath('fit.html')
    """
    from sesindex.reporting.html import build_reports
    from sesindex.reporting.vocabulary import LANGUAGES

    langs = (lang,) if isinstance(lang, str) else tuple(lang)
    unknown = [code for code in langs if code not in LANGUAGES]
    if unknown or not langs:
        raise ValueError(
            f"lang must be one of {', '.join(LANGUAGES)} (or several), not "
            f"{', '.join(map(repr, unknown)) or 'none'}"
        )
    if boundaries is not None and deso_key is not None:
        from sesindex.reporting.maps import regso_from_deso

        boundaries = regso_from_deso(boundaries, deso_key)
    if hasattr(result, "to_tree"):
        result = result.to_tree()
    paths = build_reports(result, path, boundaries, langs=langs)
    return paths[0] if isinstance(lang, str) else paths


def explorer(result, path=None):
    """Write ``explorer.html`` of a run: every area in a table to search and sort.

    Parameters
    ----------
    result : path, xarray.DataTree or FitResult
        A run directory (demo, index or fit), a run's tree, or a fit.
    path : path, optional
        The file to write (default: ``explorer.html`` in the run directory; required for
        a result or tree in memory).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> explorer("results/demo")  # doctest: +SKIP
    PosixPath('results/demo/explorer.html')
    """
    from sesindex.reporting.explorer import write_explorer

    if hasattr(result, "to_tree"):
        result = result.to_tree()
    return write_explorer(result, path)


def read_run(run_dir, *, groups=None):
    """A run directory (demo, index, fit, evaluate) as one labelled ``xarray.DataTree``.

    Parameters
    ----------
    run_dir : path
        The directory a run wrote.
    groups : iterable of str, optional
        Read only these groups (``sesindex.runs.GROUPS``; ``sesindex.runs.TABLE_GROUPS``
        for the tables alone, as a report reads them). Default: all.

    Returns
    -------
    xarray.DataTree
        Groups ``/areas``, ``/summary``, ``/changes``, ``/data``, ``/posterior`` (a fit),
        ``/effects`` and ``/event_study`` (an evaluation), whichever the run wrote; the
        manifest in ``attrs`` (:mod:`sesindex.runs`). A table group comes back as the rows
        of its file with :func:`sesindex.runs.table_frame`.

    Examples
    --------
    >>> tree = read_run("results/karlstad/fit")  # doctest: +SKIP
    >>> tree["areas"]["index_mean"].sel(area="1780R001", year=2022)  # doctest: +SKIP
    """
    from sesindex.runs import read_run as read

    return read(run_dir, groups=groups)

"""Posterior draws of the index for the studies that compare with them.

Studies that can use posterior draws (agreement, calibration) call :func:`study_posterior`,
which fits the default Bayesian model (:func:`sesindex.bayes.fit`) unless the spec says
``bayes = "off"``, and records either the fit's gate and timings or the reason there are
no draws (a failed fit, or a model without the official three indicators): never guessed
around.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import xarray as xr


@dataclass(frozen=True)
class StudyPosterior:
    """Posterior draws of the index for a study, or the reason there are none."""

    index: np.ndarray | None  # (draw, area, year), read-only
    reason: str = ""
    fit: dict | None = None  # the fit gate's verdict, worst diagnostics and timings


def study_posterior(spec, data, key: dict) -> np.ndarray | None:
    """The spec's Bayesian posterior of the index (draw, area, year), or None.

    Records in ``key`` (the study's results) either ``bayes_skipped`` with the reason or
    ``bayes_fit``: whether the fit passed the gate, its worst diagnostics and timings.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> spec = SimpleNamespace(
    ...     option=lambda name, default=None: "off" if name == "bayes" else default
    ... )
    >>> key = {}
    >>> study_posterior(spec, None, key), key
    (None, {'bayes_skipped': "bayes = 'off' in the spec"})
    """
    if spec.option("bayes", "off") == "off":
        key["bayes_skipped"] = "bayes = 'off' in the spec"
        return None
    post = posterior_index(data.dataset, seed=spec.seed, options=spec.option("bayes_options", {}))
    if post.index is None:
        key["bayes_skipped"] = post.reason
    else:
        key["bayes_fit"] = post.fit
    return post.index


def posterior_index(ds: xr.Dataset, *, seed: int, options: dict | None = None) -> StudyPosterior:
    """Posterior draws of the index aligned with ``ds``, or the reason there are none.

    Studies of the same data, seed and options share one fit (the last one is kept).

    Examples
    --------
    >>> from sesindex.data.synthetic import generate
    >>> post = posterior_index(
    ...     generate(n_areas=20, years=(2022,)).dataset, seed=1, options={"draws": 10}
    ... )  # doctest: +SKIP
    >>> (post.index is None) == (post.reason != "")  # doctest: +SKIP
    True
    """
    key = (dataset_digest(ds), seed, json.dumps(options or {}, sort_keys=True, default=str))
    if key not in _FITTED:
        _FITTED.clear()  # one national panel's draws at a time (about 100 MB)
        _FITTED[key] = _fit_index(ds, seed, options)
    return _FITTED[key]


#: The last posterior of this process: studies of the same data (agreement and
#: calibration run on the same synthetic panel) share one fit instead of two.
_FITTED: dict[tuple, StudyPosterior] = {}


def dataset_digest(ds: xr.Dataset) -> str:
    """A content hash of a dataset's variables and coordinates (the cache key).

    Examples
    --------
    >>> from sesindex.data.synthetic import generate
    >>> ds = generate(n_areas=20, years=(2022,)).dataset
    >>> dataset_digest(ds) == dataset_digest(ds.copy(deep=True))
    True
    """
    digest = hashlib.sha256()
    for name in sorted(map(str, ds.variables)):
        values = np.asarray(ds[name].values)
        digest.update(f"{name}{values.dtype}{values.shape}".encode())
        digest.update(
            values.astype(str).tobytes()
            if values.dtype == object
            else np.ascontiguousarray(values).tobytes()
        )
    return digest.hexdigest()


def _fit_index(ds: xr.Dataset, seed: int, options: dict | None) -> StudyPosterior:
    from sesindex.bayes import ModelSpec, fit  # PyMC loads only when a study asks for draws

    try:  # the model's defaults (a panel of the official three), the study's sampler
        fitted = fit(ds, ModelSpec(), seed=seed, sampler=options)
    except Exception as err:  # a failing model must not take the study down with it
        return StudyPosterior(None, f"sesindex.bayes.fit failed: {type(err).__name__}: {err}")
    if "index" not in fitted.posterior:
        return StudyPosterior(
            None,
            "the fitted model has no posterior 'index' (the official three indicators are needed)",
        )
    index = fitted.posterior["index"].stack(sample=("chain", "draw"))
    index = index.sel(area=ds["area"].values, year=ds["year"].values)
    draws = index.transpose("sample", "area", "year").to_numpy()
    draws.flags.writeable = False  # shared between the studies that ask for it
    gate = fitted.gate
    checked = {
        "fit_ok": bool(gate["passed"]),
        "checks": gate["checks"],
        "worst": gate["worst"],
        "divergences": gate["divergences"],
        "timings_seconds": fitted.timings,
    }
    return StudyPosterior(draws, "", checked)

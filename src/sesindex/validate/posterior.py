"""Bridge to the Bayesian model, when :mod:`sesindex.bayes` provides one.

Studies that can use posterior draws (agreement, calibration) ask :func:`bayes_status`
first and record its reason when they skip. The expected interface is
``sesindex.bayes.fit(dataset, seed=..., **options)`` returning an object whose
``posterior`` (an ``arviz.InferenceData`` group or an ``xarray.Dataset``) holds a variable
``index`` with dims ``(chain, draw, area, year)``. Anything else is skipped, with the
reason recorded, never guessed around.

Example
-------
>>> status = bayes_status()
>>> isinstance(status.available, bool) and (status.available or len(status.reason) > 0)
True
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import numpy as np
import xarray as xr


@dataclass(frozen=True)
class BayesStatus:
    """Whether the Bayesian model can be used, and why not."""

    available: bool
    reason: str = ""
    module: object | None = None


def bayes_status(required: str = "fit") -> BayesStatus:
    """Is ``sesindex.bayes.<required>`` importable? (``reason`` says why not.)

    >>> s = bayes_status("no_such_function")
    >>> s.available, "no_such_function" in s.reason or "cannot be imported" in s.reason
    (False, True)
    """
    try:
        module = importlib.import_module("sesindex.bayes")
    except ImportError as err:
        return BayesStatus(False, f"sesindex.bayes cannot be imported ({err})")
    if not callable(getattr(module, required, None)):
        return BayesStatus(False, f"sesindex.bayes does not provide {required}() yet")
    return BayesStatus(True, "", module)


def posterior_index(ds: xr.Dataset, *, seed: int, options: dict | None = None
                    ) -> tuple[np.ndarray | None, str]:
    """Posterior draws of the index ``(draw, area, year)`` aligned with ``ds``, or a reason.

    >>> from sesindex.data.synthetic import generate
    >>> draws, reason = posterior_index(generate(n_areas=20, years=(2022,)).dataset, seed=1,
    ...                                 options={"draws": 10})
    >>> (draws is None) == (reason != "")
    True
    """
    status = bayes_status()
    if not status.available:
        return None, status.reason
    try:
        fitted = status.module.fit(ds, seed=seed, **(options or {}))
        post = getattr(fitted, "posterior", None)
        if post is None and isinstance(fitted, dict):
            post = fitted.get("posterior")
        if post is None or "index" not in post:
            return None, "sesindex.bayes.fit returned no posterior variable 'index'"
        index = post["index"]
        stacked = index.stack(sample=[d for d in ("chain", "draw") if d in index.dims])
        stacked = stacked.sel(area=ds["area"].values, year=ds["year"].values)
        return stacked.transpose("sample", "area", "year").to_numpy(), ""
    except Exception as err:  # a failing model must not take the study down with it
        return None, f"sesindex.bayes.fit failed: {type(err).__name__}: {err}"

"""Bayesian latent-factor model of area socioeconomic status (PyMC, nutpie).

``fit(dataset, spec)`` returns posterior draws of each area's latent status (``ses``:
higher = higher socioeconomic status), true rates, the official index, types, ranks and
changes, with the fit gate. See :mod:`sesindex.bayes.model` for the model.
"""

from sesindex.bayes.fit import FitResult, fit
from sesindex.bayes.spec import ModelSpec, load_model_spec

__all__ = ["FitResult", "ModelSpec", "fit", "load_model_spec"]

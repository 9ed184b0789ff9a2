"""Bayesian latent-factor model of area socioeconomic status (PyMC, nutpie).

``fit(dataset, spec)`` returns posterior draws of each area's latent status (``ses``:
higher = higher socioeconomic status), true rates, the official index, types, ranks and
changes, with the fit gate. The stages, each in one place: the model's form, inputs,
priors and graph (:mod:`.model`), the marginal likelihood (:mod:`.likelihood`), the
samplers (:mod:`.sampling`), the posterior's products (:mod:`.posterior`) and the
checks (:mod:`.checks`).
"""

from sesindex.bayes.checks.gate import GateSpec
from sesindex.bayes.fit import FitResult, fit
from sesindex.bayes.model.form import ModelForm
from sesindex.bayes.spec import ModelSpec, SamplerSpec, load_model_spec

__all__ = [
    "FitResult",
    "GateSpec",
    "ModelForm",
    "ModelSpec",
    "SamplerSpec",
    "fit",
    "load_model_spec",
]

"""The model: its form, inputs, priors, dispersion, random-walk steps, programme effects
and the PyMC graph (:mod:`.graph`).
"""

from sesindex.bayes.model.form import ModelForm

__all__ = ["ModelForm"]

"""sesindex — the Swedish socioeconomic area index with honest uncertainty.

Deterministic replication of SCB/Delmos' index and area types, alternative composite
indicators, a Bayesian latent-factor model and validation studies, all working on one
data model (:mod:`sesindex.data.model`).
"""

__version__ = "0.1.0"

"""sesindex — the Swedish socioeconomic area index with honest uncertainty.

Deterministic replication of SCB/Delmos' index and area types, alternative composite
indicators, a Bayesian latent-factor model and validation studies, all working on one
data model (:mod:`sesindex.data.model`). The front door, for notebooks and scripts:

* :func:`load` — a packaged dataset or a file, validated;
* :func:`official_index` — the deterministic index, types and ranks;
* :func:`bootstrap` — binomial-noise intervals, type probabilities and changes;
* :func:`fit` — the Bayesian panel: status, index, ranks, types and changes with
  credible intervals;
* :func:`evaluate` — the effect of a programme on its areas;
* :func:`index_run` — what ``sesindex demo`` / ``index`` compute, as one tree;
* :func:`save` — any result as its run directory, whole or not at all (what the
  commands write);
* :func:`report` — self-contained HTML reports of a run or a result, in Swedish and
  English;
* :func:`explorer` — a page to search and sort every area of a run;
* :func:`read_run` — a run directory back as one ``xarray.DataTree``;
* :func:`run_study` — a validation study from its spec (``sesindex validate``).

Every result is, or becomes with ``.to_tree()``, one labelled ``xarray.DataTree``
(``/areas``, ``/summary``, ``/changes``, ``/data``, ``/posterior``, ...;
:mod:`sesindex.runs`): the structure the writers write, the report renders and
:func:`read_run` gives back from disk.

Examples
--------
>>> import sesindex
>>> data = sesindex.load("synthetic", n_areas=40, years=(2023, 2024))
>>> sorted(data.dataset.sizes.items())
[('area', 40), ('indicator', 3), ('year', 2)]
"""

from sesindex.api import (
    bootstrap,
    evaluate,
    explorer,
    fit,
    index_run,
    load,
    official_index,
    read_run,
    report,
    run_study,
    save,
)

__version__ = "0.1.0"
__all__ = [
    "bootstrap",
    "evaluate",
    "explorer",
    "fit",
    "index_run",
    "load",
    "official_index",
    "read_run",
    "report",
    "run_study",
    "save",
]

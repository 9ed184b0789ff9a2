"""The model's form: everything the PyMC graph depends on besides the data.

One frozen value travels from the spec (:attr:`sesindex.bayes.spec.ModelSpec.form`) to
the graph (:func:`sesindex.bayes.model.graph.build_model`), its data
(:func:`~sesindex.bayes.model.graph.model_data`) and the compiled-model cache
(:func:`sesindex.bayes.sampling.compiled.compiled_model`). Its values are checked by the
spec's schema (:class:`sesindex.schemas.ModelTable`), where each option is declared once,
so a form built in code is refused exactly as a spec file would be.

Examples
--------
>>> ModelForm().likelihood, ModelForm().municipality
('gaussian_logit', False)
>>> ModelForm(steps="jumps", municipality=True)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
sesindex.spec_errors.SpecError: model: steps = 'jumps' ... municipality = false
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ModelForm:
    """The form of the latent-factor model (the defaults are the spec's).

    Parameters
    ----------
    likelihood : {"gaussian_logit", "binomial"}
        The Gaussian working likelihood on empirical logits, or the exact binomial
        (every count cell's true logit sampled).
    dispersion : {"sd", "variance"}
        Each indicator's variance beyond the sampling variance: ``sigma_j^2`` with
        ``sigma_j >= 0``, or ``s_j`` itself above minus the smallest sampling variance
        (long panels, :mod:`sesindex.bayes.model.graph`).
    steps : {"normal", "jumps"}
        The random walk's steps in a panel: one normal scale, or that plus at most one
        jump per area (:mod:`sesindex.bayes.model.steps`).
    municipality : bool
        Municipality effects (shrinkage toward municipality means).
    graph : bool
        Build the likelihood from pytensor operations (the reference, differentiable by
        any backend) instead of the compiled kernel (the sampler's ``kernel = false``).
    """

    likelihood: str = "gaussian_logit"
    dispersion: str = "sd"
    steps: str = "normal"
    municipality: bool = False
    graph: bool = False

    def __post_init__(self) -> None:
        from sesindex.schemas import ModelTable, check

        check("model", ModelTable, {k: v for k, v in asdict(self).items() if k != "graph"})
        if self.graph and self.steps == "jumps":
            from sesindex.spec_errors import SpecError

            raise SpecError.one(
                "sampler.kernel",
                "the jump mixture exists only in the compiled kernel (kernel = true)",
                False,
            )

    def key(self, inputs) -> tuple:
        """What a compiled model of this form depends on for ``inputs``: the indicators,
        the number of years (one level per year and indicator), the form, and with the
        binomial likelihood the data's shape (one sampled logit per count cell), with
        programme effects their number of shifts, and in a panel with a boundary break
        the break's wider steps.

        Examples
        --------
        >>> from types import SimpleNamespace
        >>> import numpy as np
        >>> inputs = SimpleNamespace(
        ...     indicators=["V1"], z=np.zeros((5, 2, 1)), design=None, breaks=None
        ... )
        >>> ModelForm().key(inputs)
        (('V1',), 2, 'gaussian_logit', 'sd', 'normal', False, False)
        """
        n_year = inputs.z.shape[1]
        steps = self.steps if n_year > 1 else "normal"
        key: tuple[Any, ...] = (
            tuple(inputs.indicators),
            n_year,
            self.likelihood,
            self.dispersion,
            steps,
            self.municipality,
            self.graph,
        )
        if self.likelihood != "gaussian_logit":
            key += (inputs.z.shape,)
        if inputs.design is not None:  # programme effects: one per relative year
            key += (("programme", int(inputs.design.shape[2])),)
        if inputs.breaks is not None and n_year > 1:
            key += ("breaks",)
        return key

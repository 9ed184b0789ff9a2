"""The marginal log-likelihood as a pytensor ``Op``, with a numba implementation.

:class:`MarginalLoglik` wraps :func:`sesindex.bayes.likelihood.kernel.marginal_pass` (the
log-likelihood and its whole gradient in one compiled pass over the areas) so the PyMC
model (:mod:`sesindex.bayes.model.graph`) uses it as one node: its ``grad`` reads the gradient
outputs of the same node, so the log density and its gradient cost one call. nutpie
compiles the model with numba; the registered numba implementation calls the compiled
pass directly.

Examples
--------
>>> import numpy as np
>>> import pytensor
>>> op = MarginalLoglik(panel=True, municipality=True)
>>> rng = np.random.default_rng(0)
>>> z, v = rng.normal(size=(5, 3, 3)), np.full((5, 3, 3), 0.1)
>>> out = op(
...     z,
...     v,
...     np.array([0, 0, 1, 1, 1]),
...     np.zeros((3, 3)),
...     np.ones(3),
...     np.full(3, 0.05),
...     0.3,
...     0.7,
...     np.zeros((5, 3)),
...     np.full((5, 3), 0.2),
...     np.full(3, 0.3),
... )
>>> bool(np.isfinite(out[0].eval()))
True
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op

from sesindex.bayes.likelihood.kernel import marginal_pass

__all__ = ["MarginalLoglik"]


class MarginalLoglik(Op):
    """pytensor Op: (z, v, municipality, alpha, lam, dispersion, rho, var0, offset,
    tau, kappa, jump_sd, jump_share) -> (log-likelihood, its gradient in alpha, ...,
    jump_share, and in z).

    ``alpha`` is (year, indicator), ``offset`` and ``tau`` (area, year), as in
    :func:`~sesindex.bayes.likelihood.kernel.marginal_pass`;
    ``jump_sd`` and ``jump_share`` are read only with ``jumps`` (the one-jump mixture).
    Its ``grad`` returns the gradient outputs of the same apply node, so the log density
    and its gradient cost one kernel call; second derivatives are not provided.
    """

    __props__ = ("panel", "municipality", "jumps")

    def __init__(self, panel: bool, municipality: bool, jumps: bool = False):
        if jumps and (municipality or not panel):
            raise ValueError("the jump mixture needs a panel without municipality effects")
        self.panel = bool(panel)
        self.municipality = bool(municipality)
        self.jumps = bool(jumps)

    # pytensor's Op.make_node takes *inputs; this Op names its inputs (and defaults two)
    def make_node(  # type: ignore[override]
        self,
        z,
        v,
        muni,
        alpha,
        lam,
        dispersion,
        rho,
        var0,
        offset,
        tau,
        kappa,
        jump_sd=0.0,
        jump_share=0.0,
    ):
        """The Op applied to the model's tensors: the log-likelihood and its gradients."""
        inputs = [pt.as_tensor(a, dtype="float64") for a in (z, v)]
        inputs.append(pt.as_tensor(muni, dtype="int64"))
        inputs += [
            pt.as_tensor(a, dtype="float64")
            for a in (alpha, lam, dispersion, rho, var0, offset, tau, kappa, jump_sd, jump_share)
        ]
        if inputs[3].ndim != 2 or inputs[8].ndim != 2 or inputs[9].ndim != 2:
            raise ValueError(
                "MarginalLoglik takes alpha (year, indicator), offset and tau "
                f"(area, year); got {inputs[3].ndim}, {inputs[8].ndim} and "
                f"{inputs[9].ndim} dimensions"
            )
        outputs = [
            pt.dscalar(),
            pt.dmatrix(),
            pt.dvector(),
            pt.dvector(),
            pt.dscalar(),
            pt.dscalar(),
            pt.dmatrix(),
            pt.dmatrix(),
            pt.dvector(),
            pt.dscalar(),
            pt.dscalar(),
            pt.dtensor3(),
        ]
        return Apply(self, inputs, outputs)

    def perform(self, node, inputs, output_storage):
        """One pass of the compiled kernel over the areas: value and gradients."""
        (
            z,
            v,
            muni,
            alpha,
            lam,
            disp,
            rho,
            var0,
            offset,
            tau,
            kappa,
            jump_sd,
            jump_share,
        ) = inputs
        n_muni = int(muni.max()) + 1 if muni.size else 1
        out = marginal_pass(
            z,
            v,
            muni,
            n_muni,
            alpha,
            lam,
            disp,
            float(rho),
            float(var0),
            offset,
            tau,
            kappa,
            float(jump_sd),
            float(jump_share),
            self.panel,
            self.municipality,
            self.jumps,
        )
        for storage, value in zip(output_storage, out[:-1], strict=True):
            storage[0] = np.asarray(value, dtype=np.float64)

    def L_op(self, inputs, outputs, output_grads):
        """The log-likelihood's gradient times its cotangent: the pass's own gradient
        outputs (z: the last; the parameters: the middle ones); none for the data.
        """
        from pytensor.gradient import grad_undefined

        g = output_grads[0]
        data = [grad_undefined(self, k, inputs[k], "data") for k in range(1, 3)]
        return [g * outputs[-1]] + data + [g * o for o in outputs[1:-1]]

    pullback = L_op  # PyTensor 3's name for the vector-Jacobian product


try:  # nutpie compiles the model with numba: give the Op a numba implementation
    from pytensor.link.numba.dispatch.basic import numba_njit, register_funcify_default_op_cache_key

    @register_funcify_default_op_cache_key(MarginalLoglik)
    def _numba_marginal_loglik(op, node=None, **kwargs):
        panel, municipality, jumps = op.panel, op.municipality, op.jumps

        @numba_njit
        def marginal_loglik(
            z, v, muni, alpha, lam, disp, rho, var0, offset, tau, kappa, jump_sd, jump_share
        ):
            n_muni = muni.max() + 1 if muni.size > 0 else 1
            out = marginal_pass(
                z,
                v,
                muni,
                n_muni,
                alpha,
                lam,
                disp,
                rho.item(),
                var0.item(),
                offset,
                tau,
                kappa,
                jump_sd.item(),
                jump_share.item(),
                panel,
                municipality,
                jumps,
            )
            return (
                np.asarray(out[0]),
                out[1],
                out[2],
                out[3],
                np.asarray(out[4]),
                np.asarray(out[5]),
                out[6],
                out[7],
                out[8],
                np.asarray(out[9]),
                np.asarray(out[10]),
                out[11],
            )

        return marginal_loglik
except ImportError:  # pragma: no cover - an older pytensor: perform() is used
    pass

"""Where the chains start: nutpie's jittered support point, or dispersed about the mode.

nutpie starts each chain at the model's support point with U(-1, 1) jitter on the
unconstrained scale. With thousands of areas the marginal posterior of the model's few
dozen parameters is narrow, and that start lies hundreds of posterior sd away: the
warm-up first travels, and a chain that adapts its step size and mass matrix on the way
can spend a hundred draws near the 1,023-step limit. The wall time of a fit follows that
chain (measurements, and why this start stays opt-in: docs/decisions.md).

``init = "mode"`` (a sampler setting) starts each chain instead from its own jittered
support point, climbs to the mode of the log density on the unconstrained scale
(L-BFGS with the compiled model's exact gradient; a few hundred gradients, seconds at
national size) and starts at a draw from the Laplace approximation there with its
covariance inflated four-fold (twice the sd), so chains start apart, over-dispersed
relative to the posterior as R-hat assumes. Only the start moves: the warm-up and the
kept draws are nutpie's, and the log density is the model's.

Examples
--------
>>> import numpy as np
>>> def logp(x):  # a Gaussian with mean 3 and sd 0.01 in each of 2 coordinates
...     return -0.5 * np.sum((x - 3) ** 2) / 1e-4, -(x - 3) / 1e-4
>>> mode, cov = climb(logp, np.zeros(2))
>>> np.round(mode, 6).tolist(), np.round(np.sqrt(np.diag(cov)), 4).tolist()
([3.0, 3.0], [0.01, 0.01])
"""

from __future__ import annotations

import ctypes
import warnings
from dataclasses import replace

import numpy as np
from scipy import optimize

_DOUBLE_P = ctypes.POINTER(ctypes.c_double)

#: The start's sd in units of the Laplace sd (over-dispersed, as R-hat assumes).
INFLATION = 2.0


def compiled_logp(compiled):
    """The compiled model's log density and gradient on the unconstrained scale, called
    as nutpie calls it (its C callback, or the disk-cached function, with the model's
    data).

    Returns a function ``x -> (logp, grad)``; ``(-inf, nan)`` where the model reports a
    non-finite value.
    """
    if hasattr(compiled, "logp_function"):  # sesindex.bayes.sampling.cache
        inner = compiled.logp_function()

        def cached_logp(x):
            value, grad = inner(np.ascontiguousarray(x, dtype=np.float64))
            if not np.isfinite(value):
                return -np.inf, np.full(compiled.n_dim, np.nan)
            return value, np.asarray(grad, dtype=np.float64)

        return cached_logp
    fn = compiled.compiled_logp_func.ctypes
    user_data = compiled.user_data  # kept alive with the closure
    n = compiled.n_dim

    def c_logp(x):
        x = np.ascontiguousarray(x, dtype=np.float64)
        grad, value = np.empty(n), np.empty(1)
        code = fn(
            n,
            x.ctypes.data_as(_DOUBLE_P),
            grad.ctypes.data_as(_DOUBLE_P),
            value.ctypes.data_as(_DOUBLE_P),
            user_data.ctypes.data,
        )
        if code != 0:
            return -np.inf, np.full(n, np.nan)
        return float(value[0]), grad

    return c_logp


def climb(logp, x0: np.ndarray, max_iter: int = 1000):
    """The mode of ``logp`` from ``x0`` (L-BFGS) and the Laplace covariance there (the
    inverse of the Hessian by central differences of the exact gradient).

    Returns ``(mode, cov)``; ``cov`` is None when the Hessian there is not negative
    definite (a ridge or a boundary: no Laplace approximation).
    """

    def neg(x):
        value, grad = logp(x)
        if not np.isfinite(value):
            return np.inf, np.zeros_like(x)
        return -value, -grad

    res = optimize.minimize(
        neg, np.asarray(x0, dtype=float), jac=True, method="L-BFGS-B", options={"maxiter": max_iter}
    )
    mode = res.x
    n = mode.size
    h = 1e-5 * np.maximum(1.0, np.abs(mode))
    hess = np.empty((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = h[i]
        hess[:, i] = (logp(mode + e)[1] - logp(mode - e)[1]) / (2 * h[i])
    hess = -(hess + hess.T) / 2
    try:
        chol = np.linalg.cholesky(hess)
    except np.linalg.LinAlgError:
        return mode, None
    inv = np.linalg.inv(chol)
    return mode, inv.T @ inv


def start_near_mode(compiled):
    """``compiled`` with each chain's start dispersed about the mode (see the module).

    Each chain climbs from nutpie's own jittered start for its seed, so chains that reach
    different modes stay apart. A chain whose climb ends where the Hessian is not
    negative definite (a ridge, or the climb stopped short) starts at the climbed point
    itself, which is higher than where it began; one whose climb ends at a non-finite
    density starts where nutpie would have started it. Both warn, naming the seed.
    """
    logp = compiled_logp(compiled)
    jittered = compiled.initial_point_func

    def initial_point(seed):
        x0 = np.asarray(jittered(seed), dtype=np.float64)
        mode, cov = climb(logp, x0)
        if not np.isfinite(logp(mode)[0]):
            warnings.warn(
                f"init='mode': the climb from seed {seed} ended at a non-finite "
                "log density; this chain starts at nutpie's jittered support "
                "point",
                RuntimeWarning,
                stacklevel=2,
            )
            return x0
        if cov is None:
            warnings.warn(
                "init='mode': no Laplace approximation at the climbed point "
                f"(seed {seed}: the Hessian there is not negative definite); "
                "this chain starts at the climbed point",
                RuntimeWarning,
                stacklevel=2,
            )
            return np.ascontiguousarray(mode)
        rng = np.random.default_rng(seed)
        start = rng.multivariate_normal(mode, INFLATION**2 * cov)
        return np.ascontiguousarray(start if np.isfinite(logp(start)[0]) else mode)

    if hasattr(compiled, "with_initial_points"):  # sesindex.bayes.sampling.cache
        return compiled.with_initial_points(initial_point)
    return replace(compiled, initial_point_func=initial_point)

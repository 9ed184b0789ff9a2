"""The model's marginal linear algebra: eta, gamma and the municipality effects
integrated out, as numpy or pytensor operations (the ``xp`` argument).

Per area the latent values (eta_t - m, gamma_j) have a posterior precision that is a
tridiagonal random-walk block bordered by J gamma columns: one forward sweep over the
years factorises it (:func:`sweep`), a J x J Schur complement finishes it
(:func:`area_terms`); the municipality effect integrates out in closed form
(:func:`municipality_neg2loglik`). :func:`marginal_neg2loglik` is the pytensor graph of
the whole density, the reference the compiled kernel (:mod:`sesindex.bayes.likelihood.kernel`) is
tested against; :mod:`sesindex.bayes.posterior.states` uses the numpy form for its draws.

Examples
--------
>>> import numpy as np
>>> t = area_terms(
...     np.array([[[1.0]]]), np.array([[[0.5]]]), np.array([1.0]), 0.0, None, 0.5, False, 1, xp=np
... )
>>> round(float(t["c"][0]), 6)
1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytensor
import pytensor.tensor as pt


def area_terms(r, d, lam, tau2, kappa2, rho, panel: bool, n_ind: int, xp=pt, var0=None) -> dict:
    """Per-area pieces of the marginal likelihood, eta and gamma integrated out.

    For one area, theta = (eta_0 - m, ..., eta_(T-1) - m, gamma_1, ..., gamma_J) has prior
    precision Q (tridiagonal random walk for eta, diagonal 1/kappa^2 for gamma) and the
    data ``r`` (area, year, indicator; the observations less alpha) with noise variances
    ``d`` add ``H' D^-1 H``, so its posterior precision is ``A = Q + H' D^-1 H``: a
    tridiagonal eta block bordered by J gamma columns. One forward (Thomas) sweep over
    the years factorises the eta block, elementwise over all areas, and the J x J Schur
    complement ``S`` of gamma finishes it. The municipality effect enters as
    ``r - m lambda``, so every quantity is a quadratic in m: per area
    ``-2 log p(r | m) = c - 2 m b + m^2 a`` (without 2 pi). Returns ``a, b, c`` (area,)
    and, for drawing gamma and m afterwards, ``chol_s`` (area, J, J), the lower Cholesky
    factor of S, and ``h0, h1`` (area, J) with gamma | m ~ N(S^-1 (h0 - m h1), S^-1).
    ``xp`` is ``pytensor.tensor`` in the model and ``numpy`` for posterior draws;
    ``panel`` (random walk over years plus gamma) and ``n_ind`` are static, the numbers of
    areas and years are not; ``var0`` (default ``1 - rho``) is the prior variance of
    eta_first - m (one compiled model serves any panel of the same indicators).

    Examples
    --------
    >>> import numpy as np
    >>> t = area_terms(
    ...     np.array([[[1.0]]]),
    ...     np.array([[[0.5]]]),
    ...     np.array([1.0]),
    ...     0.0,
    ...     None,
    ...     0.5,
    ...     False,
    ...     1,
    ...     xp=np,
    ... )
    >>> round(float(t["c"][0]), 6)  # one N(0, 0.5 + 0.5) observation: log 1 + 1^2 / 1
    1.0
    """
    gamma = panel
    n_year = r.shape[1]
    prec = lam**2 / d  # (area, year, indicator)
    w = prec.sum(axis=-1)  # (area, year): the precision eta gains from the data
    g0 = (lam * r / d).sum(axis=-1)
    # right-hand sides of the eta block: the gamma border (lam_j / d), g0, and g1 (= w)
    cols = [lam[j] / d[:, :, j] for j in range(n_ind)] if gamma else []
    rhs = xp.stack(cols + [g0, w], axis=0)  # (C, area, year)
    rhs, w_t = rhs.transpose(2, 1, 0), w.T  # year first: each year's slice is contiguous
    q0 = 1 / (1 - rho) if var0 is None else 1 / var0  # prior precision of eta_first - m
    # the eta block's diagonal: data precision plus the random walk's prior precision
    t = xp.arange(n_year)
    prior_diag = (q0 * (t < 1))[:, None]  # (t < 1, not t == 0: == is identity on tensors)
    if gamma:
        # precision of each area's step into year t (area, year); column 0 is no step
        inv = 1 / (tau2 * xp.ones_like(w))
        zero = inv[:, :1] * 0.0
        step_in = xp.concatenate([zero, inv[:, 1:]], axis=1).T  # (year, area)
        step_out = xp.concatenate([inv[:, 1:], zero], axis=1).T
        prior_diag = prior_diag + step_in + step_out
        piv, y = sweep(w_t + prior_diag, rhs, -step_in, xp)  # (year, area), (.., C)
    else:  # one year: nothing to sweep
        piv, y = w_t + prior_diag, rhs
    scaled = y / xp.sqrt(piv)[:, :, None]  # G = sum_t y y' / piv
    gram = (scaled[:, :, :, None] * scaled[:, :, None, :]).sum(axis=0)
    logdet_a = xp.log(piv).sum(axis=0)
    logdet_prior = -xp.log(q0) + (
        (xp.log(tau2 * xp.ones_like(w))[:, 1:]).sum(axis=1) + xp.log(kappa2).sum() if gamma else 0.0
    )
    c_rr = (r**2 / d).sum(axis=(1, 2))
    c_r1 = (lam * r / d).sum(axis=(1, 2))
    c_11 = prec.sum(axis=(1, 2))
    k0, k1 = (n_ind, n_ind + 1) if gamma else (0, 1)
    q00, q01, q11 = gram[:, k0, k0], gram[:, k0, k1], gram[:, k1, k1]
    out: dict[str, Any] = {}
    if gamma:
        inv_d = (1 / d).sum(axis=1)  # (area, indicator)
        s_mat = (1 / kappa2 + inv_d)[:, :, None] * np.eye(n_ind) - gram[:, :n_ind, :n_ind]
        h0 = (r / d).sum(axis=1) - gram[:, :n_ind, k0]
        h1 = (lam / d).sum(axis=1) - gram[:, :n_ind, k1]
        chol = cholesky_small(s_mat, n_ind, xp)
        v0, v1 = solve_lower(chol, h0, n_ind, xp), solve_lower(chol, h1, n_ind, xp)
        q00 = q00 + (v0**2).sum(axis=-1)
        q01 = q01 + (v0 * v1).sum(axis=-1)
        q11 = q11 + (v1**2).sum(axis=-1)
        logdet_a = logdet_a + 2 * sum(xp.log(chol[:, j, j]) for j in range(n_ind))
        out.update(chol_s=chol, h0=h0, h1=h1)
    out["c"] = xp.log(d).sum(axis=(1, 2)) + logdet_prior + logdet_a + c_rr - q00
    out["b"] = c_r1 - q01
    out["a"] = c_11 - q11
    return out


def sweep(diag, rhs, off, xp=pt):
    """Forward (Thomas) sweep of a symmetric tridiagonal matrix.

    ``diag`` (year, area), off-diagonal ``off`` (year, area; entry t links years t - 1
    and t, row 0 unused) and right-hand sides ``rhs`` (year, area, C): returns the pivots
    ``piv`` and ``y = L^-1 rhs`` of ``A = L diag(piv) L'``, so ``log|A| = sum log piv``
    and ``u' A^-1 v = sum_t y_u y_v / piv``. In the model the recursion over years is one
    small ``pytensor.scan`` (so numba compiles it once, not once per year).

    Examples
    --------
    >>> import numpy as np
    >>> piv, y = sweep(
    ...     np.array([[2.0], [2.0]]), np.array([[[1.0]], [[1.0]]]), np.array([[0.0], [-1.0]]), xp=np
    ... )
    >>> piv[:, 0].tolist(), y[:, 0, 0].tolist()  # [[2, -1], [-1, 2]]: pivots 2, 3/2
    ([2.0, 1.5], [1.0, 1.5])
    """
    if xp is np:
        piv, y = [diag[0]], [rhs[0]]
        for t in range(1, diag.shape[0]):
            f = off[t] / piv[-1]
            piv.append(diag[t] - off[t] * f)
            y.append(rhs[t] - f[:, None] * y[-1])
        return np.stack(piv), np.stack(y)

    def step(d_t, r_t, off_t, piv_prev, y_prev):
        f = off_t / piv_prev
        return d_t - off_t * f, r_t - f[:, None] * y_prev

    piv, y = pytensor.scan(
        step,
        sequences=[diag[1:], rhs[1:], off[1:]],
        outputs_info=[diag[0], rhs[0]],
        strict=True,
        return_updates=False,
    )
    return (pt.concatenate([diag[:1], piv], axis=0), pt.concatenate([rhs[:1], y], axis=0))


def cholesky_small(s, n: int, xp=pt):
    """Lower Cholesky factors of a stack of small n x n matrices (area, n, n), unrolled.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([[[4.0, 2.0], [2.0, 5.0]]])
    >>> cholesky_small(s, 2, xp=np)[0].tolist()
    [[2.0, 0.0], [1.0, 2.0]]
    """
    low: list[list[Any]] = [[None] * n for _ in range(n)]  # filled below the diagonal
    zero = s[:, 0, 0] * 0.0
    for j in range(n):
        diag = s[:, j, j] - sum((low[j][k] ** 2 for k in range(j)), zero)
        low[j][j] = xp.sqrt(diag)
        for i in range(j + 1, n):
            low[i][j] = (s[:, i, j] - sum((low[i][k] * low[j][k] for k in range(j)), zero)) / low[
                j
            ][j]
    rows = [xp.stack([low[i][j] if j <= i else zero for j in range(n)], axis=-1) for i in range(n)]
    return xp.stack(rows, axis=1)


def solve_lower(chol, h, n: int, xp=pt):
    """Forward substitution ``L v = h`` for stacks (area, n, n) and (area, n), unrolled."""
    v: list[Any] = []
    for i in range(n):
        acc = h[:, i] - sum((chol[:, i, k] * v[k] for k in range(i)), h[:, i] * 0.0)
        v.append(acc / chol[:, i, i])
    return xp.stack(v, axis=-1)


def municipality_neg2loglik(c, a, b, rho, muni, n_muni, xp=pt):
    """-2 log-likelihood with m_k ~ N(0, rho) integrated out, summed over municipalities.

    Per area -2 log p(data | m) = c - 2 m b + m^2 a, so per municipality
    -2 log p = sum c + log(1 + rho A) - rho B^2 / (1 + rho A) with A, B the sums of a, b.

    Examples
    --------
    >>> import numpy as np
    >>> c, a, b = np.array([1.0, 2.0]), np.array([1.0, 1.0]), np.array([0.5, 0.5])
    >>> round(float(municipality_neg2loglik(c, a, b, 0.0, np.array([0, 0]), 1, xp=np)), 6)
    3.0
    """
    big_a, big_b = segment_sum(a, muni, n_muni, xp), segment_sum(b, muni, n_muni, xp)
    one = 1 + rho * big_a
    return xp.sum(c) + xp.sum(xp.log(one) - rho * big_b**2 / one)


def segment_sum(values, index, n, xp=pt):
    """Sums of ``values`` by the integer group ``index`` (0..n-1)."""
    if xp is np:
        return np.bincount(index, weights=values, minlength=n)
    return pt.inc_subtensor(pt.zeros(n)[index], values)


def marginal_neg2loglik(r, d, lam, tau, kappa, rho, muni, *, n_ind: int, var0=None):
    """-2 log p(z | hyperparameters), without the 2 pi constant (pytensor graph).

    ``kappa`` is None for a single year; ``muni`` (the areas' municipality numbers
    0..K-1) is None without municipality effects.
    """
    panel = kappa is not None
    terms = area_terms(r, d, lam, tau**2, kappa**2 if panel else None, rho, panel, n_ind, var0=var0)
    if muni is None:
        return pt.sum(terms["c"])
    return municipality_neg2loglik(terms["c"], terms["a"], terms["b"], rho, muni, pt.max(muni) + 1)

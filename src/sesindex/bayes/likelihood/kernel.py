"""The marginal log-likelihood and its gradient in one compiled pass over the areas.

The model's graph form (:func:`sesindex.bayes.model.graph.marginal_neg2loglik`) is exact but
made of dozens of whole-array operations per evaluation, each a pass over the
area x year x indicator cells: on the national 14-year panel one log density plus
gradient took ~30-50 ms. Here one numba loop visits each area once, keeps its 17 latent
values in registers-sized scratch arrays and returns the log-likelihood and its
gradient together (:func:`marginal_pass`; wrapped as a pytensor ``Op`` with a numba
implementation in :mod:`sesindex.bayes.likelihood.op`, so nutpie's compiled model calls it
directly). The jump mixture's helper stays in this module with the pass that calls it:
numba's on-disk cache is invalidated per source file, so a helper in another file could
be edited without the cached pass noticing.

The gradient uses Fisher's identity: the score of the marginal likelihood is the
posterior expectation of the complete-data score,

    d log p(z | theta) / d theta = E[ d log p(z, m, eta, gamma | theta) / d theta | z ],

and every complete-data term is a Gaussian log density whose derivative needs only the
posterior means, variances and a few covariances of the latent values: per area the
variances of eta_t, the covariances of neighbouring years, of eta_t with gamma_j and of
each with the municipality effect m. Per area they come from the same forward sweep that
gives the likelihood (the random walk's tridiagonal block, its selected inverse by one
backward pass, and the J x J Schur complement of gamma); m's posterior is Gaussian per
municipality and enters by the law of total covariance.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> z, v = rng.normal(size=(5, 3, 3)), np.full((5, 3, 3), 0.1)
>>> muni = np.array([0, 0, 1, 1, 1])
>>> theta = dict(
...     alpha=np.zeros(3),
...     lam=np.ones(3),
...     dispersion=np.full(3, 0.05),
...     rho=0.3,
...     tau=0.2,
...     kappa=np.full(3, 0.3),
... )
>>> logp, grads = loglik_and_grad(z, v, muni, **theta, panel=True, municipality=True)
>>> grads["lam"].shape, bool(np.isfinite(logp))
((3,), True)
"""

from __future__ import annotations

import numba
import numpy as np

GRADIENTS = (
    "alpha",
    "lam",
    "dispersion",
    "rho",
    "var0",
    "offset",
    "tau",
    "kappa",
    "jump_sd",
    "jump_share",
    "z",
)


@numba.njit(cache=True, error_model="numpy")
def _jump_mixture(
    i,
    tau,
    jump_sd,
    share,
    f,
    sd,
    x,
    ws,
    s_inv,
    mu,
    var_x,
    lag_x,
    cov_xg,
    var_g,
    g_tau,
    resp,
    sig,
    lk,
    beta,
    mk,
    w,
    cs,
    dbar,
    moments,
):
    """Area i's mixture over "no jump" and "one jump at step k" (see the module).

    On entry ``mu`` (this area's row: eta_t - m, then gamma_j) and ``var_x``, ``lag_x``,
    ``cov_xg``, ``var_g`` hold the posterior moments without a jump; on return they
    hold the mixture's (so the Fisher gradient of the caller uses them unchanged), and
    ``g_tau[i]`` and ``resp[i]`` (P(no jump), P(jump at step k)) are filled in. Returns
    the log of the mixture's likelihood relative to the no-jump likelihood and this
    area's gradients in the jump sd and the jump share. ``f`` and ``sd`` are the random
    walk's factorisation (``f[t]``: the multiplier of row t - 1 in row t) and the
    diagonal of its inverse; ``w``, ``cs`` and ``dbar`` are scratch. Without ``moments``
    only the likelihood and ``resp`` are computed (the moments and gradients are left
    as they were, and the gradients returned are 0).
    """
    n_year, n_g = sd.shape[0], s_inv.shape[0]
    n = n_year + n_g
    if not moments:  # the likelihood needs only each step's posterior variance
        for k in range(1, n_year):
            cs[k, k] = var_x[i, k] + var_x[i, k - 1] - 2.0 * lag_x[i, k]
    else:
        # the full posterior covariance without a jump. The tridiagonal block's inverse
        # needs only its diagonal: above it, entry (s, c) is -f[s + 1] times entry (s + 1, c).
        # Then the gamma border's W S^-1 W' (W = x[:, :n_g], W S^-1 = ws).
        for c in range(n_year):
            prev = sd[c]
            sig[c, c] = prev
            for s in range(c - 1, -1, -1):
                prev = -f[s + 1] * prev
                sig[s, c] = prev
        for s in range(n_year):
            for t in range(s, n_year):
                acc = sig[s, t]
                for j in range(n_g):
                    acc += ws[s, j] * x[t, j]
                sig[s, t] = acc
                sig[t, s] = acc
            for j in range(n_g):
                sig[s, n_year + j] = -ws[s, j]
                sig[n_year + j, s] = -ws[s, j]
        for j in range(n_g):
            for k in range(n_g):
                sig[n_year + j, n_year + k] = s_inv[j, k]
        # each one-jump component is a rank-one change of the step's prior precision;
        # w[k] = Sigma u_k (u_k: step k = x_k - x_(k-1)) is each latent's covariance with it,
        # and cs[k, t] = Cov(step k, step t)
        for k in range(1, n_year):
            for p in range(n):
                w[k, p] = sig[k, p] - sig[k - 1, p]
            for t in range(1, n_year):
                cs[k, t] = w[k, t] - w[k, t - 1]
    j2 = jump_sd * jump_sd
    log_base = np.log(1.0 - share)
    log_each = np.log(share / (n_year - 1))
    top = log_base
    for k in range(1, n_year):
        s2 = tau[i, k] ** 2
        c = 1.0 / s2 - 1.0 / (s2 + j2)
        g = 1.0 - c * cs[k, k]
        beta[k] = c / g
        mk[k] = mu[k] - mu[k - 1]
        lk[k] = log_each - 0.5 * (np.log((s2 + j2) / s2 * g) - beta[k] * mk[k] ** 2)
        top = max(top, lk[k])
    e0 = np.exp(log_base - top)
    total = e0
    for k in range(1, n_year):
        resp[i, k] = np.exp(lk[k] - top)
        total += resp[i, k]
    log_mix = top + np.log(total)
    r0 = e0 / total
    resp[i, 0] = r0
    for k in range(1, n_year):
        resp[i, k] /= total
    if not moments:
        return log_mix, 0.0, 0.0
    # component k moves the posterior by a rank-one step: mean mu + beta_k m_k w_k,
    # covariance Sigma + beta_k w_k w_k'. Over the mixture: mean mu + dbar, with
    # dbar = sum_k a_k w_k, covariance Sigma + sum_k b_k w_k w_k' - dbar dbar', where
    # a_k = r_k beta_k m_k and b_k = r_k (beta_k + beta_k^2 m_k^2). From here on lk
    # holds a_k, beta holds b_k and mk holds beta_k.
    for k in range(1, n_year):
        beta_k, m_k = beta[k], mk[k]
        lk[k] = resp[i, k] * beta_k * m_k
        beta[k] = resp[i, k] * (beta_k + (beta_k * m_k) ** 2)
        mk[k] = beta_k
    # Fisher's identity over the mixture: the steps' prior (tau, jump sd) and the share.
    # E[step_t^2] outside the jump-at-t component is
    # (1 - r_t)(m_t^2 + var_t) + sum_(k != t) [2 m_t a_k cs_kt + b_k cs_kt^2].
    g_jump, g_share = 0.0, -r0 / (1.0 - share) + (1.0 - r0) / share
    for t in range(1, n_year):
        m_t = mu[t] - mu[t - 1]
        var_t = cs[t, t]
        lin, quad = 0.0, 0.0
        for k in range(1, n_year):
            c_kt = cs[k, t]
            lin += lk[k] * c_kt
            quad += beta[k] * c_kt * c_kt
        r_t = resp[i, t]
        lin -= lk[t] * var_t
        quad -= beta[t] * var_t * var_t
        e_other = (1.0 - r_t) * (m_t * m_t + var_t) + 2.0 * m_t * lin + quad
        s2 = tau[i, t] ** 2
        vt = s2 + j2
        grow = 1.0 + mk[t] * var_t  # E_t[step_t] = m_t grow, Var_t = var_t grow
        e_self = (m_t * grow) ** 2 + var_t * grow
        g_tau[i, t] = (
            (1.0 - r_t) * -1.0 / tau[i, t]
            + e_other / (s2 * tau[i, t])
            + r_t * tau[i, t] * (-1.0 / vt + e_self / (vt * vt))
        )
        g_jump += r_t * jump_sd * (-1.0 / vt + e_self / (vt * vt))
    # the mixture's moments, component by component (rows of w are contiguous; each
    # inner loop is a plain multiply-add over years)
    for p in range(n):
        acc = 0.0
        for k in range(1, n_year):
            acc += lk[k] * w[k, p]
        dbar[p] = acc
    for t in range(n_year):
        var_x[i, t] = sig[t, t] - dbar[t] * dbar[t]
    for t in range(1, n_year):
        lag_x[i, t] = sig[t, t - 1] - dbar[t] * dbar[t - 1]
    for j in range(n_g):
        for t in range(n_year):
            cs[j, t] = sig[t, n_year + j] - dbar[t] * dbar[n_year + j]
        var_g[i, j] = sig[n_year + j, n_year + j] - dbar[n_year + j] ** 2
    for k in range(1, n_year):
        b_k = beta[k]
        for t in range(n_year):
            var_x[i, t] += b_k * w[k, t] * w[k, t]
        for t in range(1, n_year):
            lag_x[i, t] += b_k * w[k, t] * w[k, t - 1]
        for j in range(n_g):
            bg = b_k * w[k, n_year + j]
            for t in range(n_year):
                cs[j, t] += bg * w[k, t]
            var_g[i, j] += bg * w[k, n_year + j]
    for j in range(n_g):  # (cs, no longer needed as step covariances, held Cov(x_t, g_j))
        for t in range(n_year):
            cov_xg[i, t, j] = cs[j, t]
    for p in range(n):
        mu[p] += dbar[p]
    return log_mix, g_jump, g_share


@numba.njit(cache=True, error_model="numpy")  # inf/nan, not exceptions: a divergence
def marginal_pass(
    z,
    v,
    muni,
    n_muni,
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
    panel,
    use_muni,
    jumps,
    gradient=True,
):
    """-0.5 * (-2 log p) as in the graph form, and its gradient (see the module).

    Without ``gradient`` only the log-likelihood and the jump responsibilities are
    computed; the gradient outputs are returned as zeros.

    Cell (i, t, j) has variance ``v + disp[j]`` around the model's mean. ``alpha``
    (year, indicator) holds each indicator's level in each year.
    ``rho`` is the variance of the municipality effects, ``var0`` that of the
    areas' first-year deviation from them, ``offset`` (area, year) a known shift of each
    area's eta (programme effects; zeros
    without one). ``tau`` (area, year) is the
    sd of each area's random-walk step into year t (column 0 unused), so every area and
    year may have its own volatility. The last gradient is that
    of the observations ``z`` themselves (the exact binomial model samples them).
    """
    n_area, n_year, n_ind = z.shape
    n_g = n_ind if panel else 0
    n_c = n_g + 2
    q0 = 1.0 / var0
    logdet_base = -np.log(q0)
    if panel:
        for j in range(n_ind):
            logdet_base += np.log(kappa[j] ** 2)
    # per-area results kept for the second pass
    c_area, a_area, b_area = np.empty(n_area), np.empty(n_area), np.empty(n_area)
    mu0 = np.empty((n_area, n_year + n_g))
    mu1 = np.empty((n_area, n_year + n_g))
    var_x = np.empty((n_area, n_year))
    lag_x = np.zeros((n_area, n_year))
    cov_xg = np.empty((n_area, n_year, n_g))
    var_g = np.empty((n_area, n_g))
    # scratch
    d = np.empty((n_year, n_ind))
    rhs = np.empty((n_year, n_c))
    piv = np.empty(n_year)
    f = np.zeros(n_year)
    y = np.empty((n_year, n_c))
    x = np.empty((n_year, n_c))
    sd = np.empty(n_year)
    sl = np.zeros(n_year)
    s_mat = np.empty((n_g, n_g))
    chol = np.zeros((n_g, n_g))
    s_inv = np.empty((n_g, n_g))
    g0g, g1g, h0, h1 = np.empty(n_g), np.empty(n_g), np.empty(n_g), np.empty(n_g)
    sg0, sg1 = np.empty(n_g), np.empty(n_g)
    ws = np.empty((n_year, n_g))
    tmp = np.empty(n_g)
    # the jump mixture's per-area scratch and results
    g_tau = np.zeros((n_area, n_year))
    resp = np.zeros((n_area, n_year))
    mix_ll = 0.0
    g_jump, g_share = 0.0, 0.0
    sig = np.empty((n_year + n_g, n_year + n_g))
    column = np.empty(n_year + n_g)
    lk, beta, mk = np.zeros(n_year), np.zeros(n_year), np.zeros(n_year)
    w_steps = np.zeros((n_year, n_year + n_g))
    cs_steps = np.zeros((max(n_year, n_g), n_year))  # also Cov(x_t, g_j) by row j
    for i in range(n_area):
        log_d, c_rr, c_r1, c_11 = 0.0, 0.0, 0.0, 0.0
        logdet_prior = logdet_base
        if panel:
            for t in range(1, n_year):
                logdet_prior += 2.0 * np.log(tau[i, t])
        for j in range(n_g):
            g0g[j] = 0.0
            g1g[j] = 0.0
        for t in range(n_year):
            g0, w = 0.0, 0.0
            for j in range(n_ind):
                dd = v[i, t, j] + disp[j]
                d[t, j] = dd
                r = z[i, t, j] - alpha[t, j] - lam[j] * offset[i, t]
                log_d += np.log(dd)
                c_rr += r * r / dd
                c_r1 += lam[j] * r / dd
                c_11 += lam[j] * lam[j] / dd
                g0 += lam[j] * r / dd
                w += lam[j] * lam[j] / dd
                if panel:
                    rhs[t, j] = lam[j] / dd
                    g0g[j] += r / dd
                    g1g[j] += lam[j] / dd
            rhs[t, n_g] = g0
            rhs[t, n_g + 1] = w
            diag = w + (q0 if t == 0 else 0.0)
            if panel:  # the random walk's precision: steps into t and out of t
                if t > 0:
                    diag += 1.0 / tau[i, t] ** 2
                if t < n_year - 1:
                    diag += 1.0 / tau[i, t + 1] ** 2
            # forward sweep: A = L diag(piv) L', y = L^-1 rhs
            if t == 0:
                piv[0] = diag
                for k in range(n_c):
                    y[0, k] = rhs[0, k]
            else:
                off = -1.0 / tau[i, t] ** 2 if panel else 0.0
                f[t] = off / piv[t - 1]
                piv[t] = diag - off * f[t]
                for k in range(n_c):
                    y[t, k] = rhs[t, k] - f[t] * y[t - 1, k]
        # back substitution x = T^-1 rhs, and the selected inverse of T (diag, lag one)
        last = n_year - 1
        for k in range(n_c):
            x[last, k] = y[last, k] / piv[last]
        sd[last] = 1.0 / piv[last]
        for t in range(last - 1, -1, -1):
            for k in range(n_c):
                x[t, k] = y[t, k] / piv[t] - f[t + 1] * x[t + 1, k]
            sl[t + 1] = -f[t + 1] * sd[t + 1]
            sd[t] = 1.0 / piv[t] - f[t + 1] * sl[t + 1]
        logdet_a = 0.0
        for t in range(n_year):
            logdet_a += np.log(piv[t])
        # gamma: Schur complement S = G - B' T^-1 B, its Cholesky and inverse
        for j in range(n_g):
            diag_g = 1.0 / kappa[j] ** 2
            for t in range(n_year):
                diag_g += 1.0 / d[t, j]
            for k in range(n_g):
                acc = 0.0
                for t in range(n_year):
                    acc += rhs[t, j] * x[t, k]
                s_mat[j, k] = (diag_g if j == k else 0.0) - acc
            a0, a1 = 0.0, 0.0
            for t in range(n_year):
                a0 += rhs[t, j] * x[t, n_g]
                a1 += rhs[t, j] * x[t, n_g + 1]
            h0[j] = g0g[j] - a0
            h1[j] = g1g[j] - a1
        for j in range(n_g):
            acc = s_mat[j, j]
            for k in range(j):
                acc -= chol[j, k] ** 2
            chol[j, j] = np.sqrt(acc)
            logdet_a += 2.0 * np.log(chol[j, j])
            for m in range(j + 1, n_g):
                acc = s_mat[m, j]
                for k in range(j):
                    acc -= chol[m, k] * chol[j, k]
                chol[m, j] = acc / chol[j, j]
        for col in range(n_g):  # S^-1, column by column
            for m in range(n_g):
                acc = 1.0 if m == col else 0.0
                for k in range(m):
                    acc -= chol[m, k] * tmp[k]
                tmp[m] = acc / chol[m, m]
            for m in range(n_g - 1, -1, -1):
                acc = tmp[m]
                for k in range(m + 1, n_g):
                    acc -= chol[k, m] * s_inv[k, col]
                s_inv[m, col] = acc / chol[m, m]
        for j in range(n_g):
            a0, a1 = 0.0, 0.0
            for k in range(n_g):
                a0 += s_inv[j, k] * h0[k]
                a1 += s_inv[j, k] * h1[k]
            sg0[j], sg1[j] = a0, a1
        # conditional means given m: mu0 - m mu1, over (eta_t - m, gamma_j)
        q00, q01, q11 = 0.0, 0.0, 0.0
        for t in range(n_year):
            m0, m1 = x[t, n_g], x[t, n_g + 1]
            for j in range(n_g):
                m0 -= x[t, j] * sg0[j]
                m1 -= x[t, j] * sg1[j]
            mu0[i, t], mu1[i, t] = m0, m1
            q00 += rhs[t, n_g] * m0
            q01 += rhs[t, n_g] * m1
            q11 += rhs[t, n_g + 1] * m1
        for j in range(n_g):
            mu0[i, n_year + j], mu1[i, n_year + j] = sg0[j], sg1[j]
            q00 += g0g[j] * sg0[j]
            q01 += g0g[j] * sg1[j]
            q11 += g1g[j] * sg1[j]
        c_area[i] = log_d + logdet_prior + logdet_a + c_rr - q00
        b_area[i] = c_r1 - q01
        a_area[i] = c_11 - q11
        # conditional covariances: Cov(x) = T^-1 + W S^-1 W', Cov(x, g) = -W S^-1
        for t in range(n_year):
            for j in range(n_g):
                acc = 0.0
                for k in range(n_g):
                    acc += x[t, k] * s_inv[k, j]
                ws[t, j] = acc
                cov_xg[i, t, j] = -acc
            acc = sd[t]
            for j in range(n_g):
                acc += ws[t, j] * x[t, j]
            var_x[i, t] = acc
            if t > 0:
                acc = sl[t]
                for j in range(n_g):
                    acc += ws[t, j] * x[t - 1, j]
                lag_x[i, t] = acc
        for j in range(n_g):
            var_g[i, j] = s_inv[j, j]
        if jumps:
            out = _jump_mixture(
                i,
                tau,
                jump_sd,
                jump_share,
                f,
                sd,
                x,
                ws,
                s_inv,
                mu0[i],
                var_x,
                lag_x,
                cov_xg,
                var_g,
                g_tau,
                resp,
                sig,
                lk,
                beta,
                mk,
                w_steps,
                cs_steps,
                column,
                gradient,
            )
            mix_ll += out[0]
            g_jump += out[1]
            g_share += out[2]
    # municipality effects m_k | z ~ N(mm, vm)
    big_a, big_b = np.zeros(n_muni), np.zeros(n_muni)
    for i in range(n_area):
        big_a[muni[i]] += a_area[i]
        big_b[muni[i]] += b_area[i]
    neg2 = 0.0
    for i in range(n_area):
        neg2 += c_area[i]
    g_alpha, g_lam, g_disp = np.zeros((n_year, n_ind)), np.zeros(n_ind), np.zeros(n_ind)
    g_kappa = np.zeros(n_ind)
    g_rho, g_var0 = 0.0, 0.0
    g_offset = np.zeros((n_area, n_year))
    g_z = np.zeros((n_area, n_year, n_ind))
    mm, vm = np.zeros(n_muni), np.zeros(n_muni)
    if use_muni:
        for k in range(n_muni):
            one = 1.0 + rho * big_a[k]
            neg2 += np.log(one) - rho * big_b[k] ** 2 / one
            mm[k] = rho * big_b[k] / one
            vm[k] = rho / one
            if gradient:
                g_rho += -0.5 / rho + 0.5 * (mm[k] ** 2 + vm[k]) / rho**2
    # Fisher's identity, area by area
    for i in range(n_area if gradient else 0):
        k = muni[i]
        em, vmk = mm[k], vm[k]
        for t in range(n_year):
            ex = mu0[i, t] - em * mu1[i, t]
            vx = var_x[i, t] + vmk * mu1[i, t] ** 2
            c_mx = -vmk * mu1[i, t]
            e_eta = em + ex
            v_eta = vmk + vx + 2.0 * c_mx
            if t == 0:
                e_u2 = ex * ex + vx
                g_var0 += -0.5 * q0 + 0.5 * e_u2 * q0 * q0
            elif panel and not jumps:  # (the jump mixture filled in g_tau already)
                ex_prev = mu0[i, t - 1] - em * mu1[i, t - 1]
                vx_prev = var_x[i, t - 1] + vmk * mu1[i, t - 1] ** 2
                lag = lag_x[i, t] + vmk * mu1[i, t] * mu1[i, t - 1]
                e_step2 = (ex - ex_prev) ** 2 + vx + vx_prev - 2.0 * lag
                g_tau[i, t] = -1.0 / tau[i, t] + e_step2 / tau[i, t] ** 3
            for j in range(n_ind):
                dd = v[i, t, j] + disp[j]
                r = z[i, t, j] - alpha[t, j] - lam[j] * offset[i, t]
                e_lin = lam[j] * e_eta
                v_lin = lam[j] ** 2 * v_eta
                c_lin_eta = lam[j] * v_eta
                if panel:
                    eg = mu0[i, n_year + j] - em * mu1[i, n_year + j]
                    vg = var_g[i, j] + vmk * mu1[i, n_year + j] ** 2
                    c_mg = -vmk * mu1[i, n_year + j]
                    c_xg = cov_xg[i, t, j] + vmk * mu1[i, t] * mu1[i, n_year + j]
                    c_eta_g = c_mg + c_xg
                    e_lin += eg
                    v_lin += vg + 2.0 * lam[j] * c_eta_g
                    c_lin_eta += c_eta_g
                e_res = r - e_lin
                g_alpha[t, j] += e_res / dd
                g_lam[j] += (e_res * (e_eta + offset[i, t]) - c_lin_eta) / dd
                g_offset[i, t] += lam[j] * e_res / dd
                g_disp[j] += -0.5 / dd + 0.5 * (e_res * e_res + v_lin) / (dd * dd)
                g_z[i, t, j] = -e_res / dd
        if panel:
            for j in range(n_ind):
                eg = mu0[i, n_year + j] - em * mu1[i, n_year + j]
                vg = var_g[i, j] + vmk * mu1[i, n_year + j] ** 2
                g_kappa[j] += -1.0 / kappa[j] + (eg * eg + vg) / kappa[j] ** 3
    return (
        -0.5 * neg2 + mix_ll,
        g_alpha,
        g_lam,
        g_disp,
        g_rho,
        g_var0,
        g_offset,
        g_tau,
        g_kappa,
        g_jump,
        g_share,
        g_z,
        resp,
    )


def loglik_and_grad(
    z,
    v,
    muni,
    alpha,
    lam,
    dispersion,
    rho,
    tau,
    kappa,
    *,
    panel: bool,
    municipality: bool,
    var0: float | None = None,
    offset=None,
    jump_sd: float | None = None,
    jump_share: float = 0.0,
    gradient: bool = True,
) -> tuple[float, dict]:
    """Log p(z | theta) (without 2 pi) and its gradient, from numpy (see the module).

    Without municipality effects pass ``rho = 0`` (any ``muni``); in a single year pass
    any ``tau`` and ``kappa`` (they are not used). ``alpha`` is one level per indicator
    (the same in every year) or one per year and indicator; ``tau`` a scalar or one sd
    per area and year (the step into that year; column 0 unused). The gradients of
    ``alpha`` and ``tau`` have their full shapes, (year, indicator) and (area, year).
    ``var0`` defaults to ``1 - rho`` and
    ``offset`` to zeros (no known shifts); ``grads["rho"]`` is then the derivative
    through the municipality effects alone (the total is ``rho - var0``). ``jump_sd``
    (with ``jump_share``) adds the one-jump mixture (panels without municipality
    effects); the
    posterior jump probabilities per area and step are ``grads["responsibility"]``.
    Without ``gradient`` only the log-likelihood and the responsibilities are computed
    (every other entry of ``grads`` is 0), at a fraction of the cost.
    """
    jumps = jump_sd is not None
    if jumps and (municipality or not panel):
        raise ValueError("the jump mixture needs a panel without municipality effects")
    z = np.ascontiguousarray(z, float)
    n_area, n_year, n_ind = z.shape
    muni = np.asarray(muni, np.int64)
    offset = np.zeros(n_area) if offset is None else np.asarray(offset, float)
    if offset.ndim == 1:  # one shift per area, the same in every year
        offset = offset[:, None]
    offset = np.ascontiguousarray(np.broadcast_to(offset, (n_area, n_year)))
    alpha = np.ascontiguousarray(np.broadcast_to(np.asarray(alpha, float), (n_year, n_ind)))
    tau = np.ascontiguousarray(np.broadcast_to(np.asarray(tau, float), (n_area, n_year)))
    out = marginal_pass(
        z,
        np.ascontiguousarray(v, float),
        muni,
        int(muni.max()) + 1,
        alpha,
        np.asarray(lam, float),
        np.asarray(dispersion, float),
        float(rho),
        float(1 - rho if var0 is None else var0),
        offset,
        tau,
        np.asarray(kappa, float),
        float(jump_sd or 0.0),
        float(jump_share),
        panel,
        municipality,
        jumps,
        gradient,
    )
    grads = {name: np.asarray(g) for name, g in zip(GRADIENTS, out[1:-1], strict=True)}
    grads["responsibility"] = out[-1]
    return float(out[0]), grads

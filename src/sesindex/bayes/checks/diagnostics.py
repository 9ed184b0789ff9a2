"""Convergence diagnostics for many quantities at once: rank R-hat, bulk and tail ESS.

The same estimators as ArviZ (``az.rhat(method="rank")``, ``az.ess(method="bulk")``,
``az.ess(method="tail")``; Vehtari et al. 2021), vectorised over quantities. ArviZ loops
over quantities in Python, which takes about a minute for the 13,000 per-area quantities
of a national 2-year panel and several minutes for 14 years; here every step (split
chains, rank normalisation, FFT autocovariance, Geyer's initial positive and monotone
sequences) runs on the whole ``(chain, draw, quantity)`` array. ``tests/bayes/test_diagnostics.py``
checks equality with ArviZ.

Examples
--------
>>> import numpy as np
>>> x = np.random.default_rng(0).normal(size=(2, 500, 3))
>>> d = diagnostics(x)
>>> bool(np.all(d["rhat"] < 1.01)), bool(np.all(d["ess_bulk"] > 600))
(True, True)
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import fft, special, stats

TAIL_PROBS = (0.05, 0.95)


def diagnostics(draws: np.ndarray, *, block: int = 256) -> dict[str, np.ndarray]:
    """``rhat``, ``ess_bulk`` and ``ess_tail`` of ``draws`` (chain, draw, quantity...).

    Quantities are processed in blocks of ``block`` on a thread per core (the sorts and
    FFTs release the GIL).
    """
    x = np.asarray(draws, dtype=float)
    shape = x.shape[2:]
    if x.shape[1] < 4:  # as ArviZ: too few draws for any of them
        return {k: np.full(shape, np.nan) for k in ("rhat", "ess_bulk", "ess_tail")}
    flat = x.reshape(x.shape[0], x.shape[1], -1)
    starts = range(0, flat.shape[2], block)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        parts = list(pool.map(lambda i: _block(flat[:, :, i : i + block]), starts))
    out = {
        k: np.concatenate([p[k] for p in parts]) if parts else np.empty(0)
        for k in ("rhat", "ess_bulk", "ess_tail")
    }
    return {k: v.reshape(shape) for k, v in out.items()}


def _block(x: np.ndarray) -> dict[str, np.ndarray]:
    split = split_chains(x)
    z = z_scale(split)  # shared by the bulk R-hat and the bulk ESS
    return {"rhat": rhat(x, z), "ess_bulk": ess(z), "ess_tail": ess_tail(x)}


def split_chains(x: np.ndarray) -> np.ndarray:
    """Each chain's first and last halves as two chains (the middle draw of odd lengths
    is dropped): (chain, draw, k) -> (2 chain, draw // 2, k).
    """
    half = x.shape[1] // 2
    return np.concatenate([x[:, :half], x[:, x.shape[1] - half :]], axis=0)


def z_scale(x: np.ndarray) -> np.ndarray:
    """Rank-normalise each quantity over all its chains and draws (Blom's offset 3/8)."""
    pooled = _by_quantity(x)
    ranks = stats.rankdata(pooled, method="average", axis=1)
    z = special.ndtri((ranks - 0.375) / (pooled.shape[1] + 0.25))
    return z.T.reshape(x.shape)


def _by_quantity(x: np.ndarray) -> np.ndarray:
    """(chain, draw, k) -> contiguous (k, chain * draw): sorting along rows is fast."""
    return np.ascontiguousarray(x.reshape(-1, x.shape[2]).T)


def _rhat_basic(x: np.ndarray) -> np.ndarray:
    n = x.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return _rhat_ratio(x, n)


def _rhat_ratio(x: np.ndarray, n: int) -> np.ndarray:
    between = n * np.var(x.mean(axis=1), axis=0, ddof=1)
    within = np.var(x, axis=1, ddof=1).mean(axis=0)
    return np.sqrt((between / within + n - 1) / n)


def rhat(x: np.ndarray, z_split: np.ndarray | None = None) -> np.ndarray:
    """Rank-normalised split R-hat: the larger of the bulk and the folded (tail) R-hat.

    ``z_split`` is ``z_scale(split_chains(x))`` when already computed. Not defined (NaN,
    as in ArviZ) for a single chain.
    """
    if x.shape[0] < 2:
        return np.full(x.shape[2], np.nan)
    split = split_chains(x)
    z_split = z_scale(split) if z_split is None else z_split
    folded = np.abs(split - np.median(_by_quantity(split), axis=1))
    out = np.maximum(_rhat_basic(z_split), _rhat_basic(z_scale(folded)))
    return np.where(np.isnan(x).any(axis=(0, 1)), np.nan, out)


def ess(x: np.ndarray) -> np.ndarray:
    """Effective sample size of each quantity of (chain, draw, k), Geyer's truncation."""
    n_chain, n_draw, k = x.shape
    centred = x - x.mean(axis=1, keepdims=True)
    m = fft.next_fast_len(2 * n_draw)
    spec = fft.rfft(centred, n=m, axis=1)
    acov = fft.irfft(spec * np.conjugate(spec), n=m, axis=1)[:, :n_draw] / n_draw
    mean_var = acov[:, 0].mean(axis=0) * n_draw / (n_draw - 1.0)
    var_plus = mean_var * (n_draw - 1.0) / n_draw
    if n_chain > 1:
        var_plus = var_plus + np.var(x.mean(axis=1), axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = 1.0 - (mean_var - acov.mean(axis=0)) / var_plus  # (lag, k)
    rho[0] = 1.0
    n_pairs = (n_draw - 1) // 2  # pairs (2p, 2p + 1) the sequential rule can reach
    pair_sum = rho[0 : 2 * n_pairs : 2] + rho[1 : 2 * n_pairs : 2]  # (pair, k)
    # the sequence continues into pair p while every earlier pair sum is positive; it
    # stops at the first pair whose sum is not positive (or at the last reachable pair)
    positive = np.cumprod(pair_sum > 0, axis=0).astype(bool)
    last = np.minimum(positive.sum(axis=0), n_pairs - 1)  # the last pair looked at
    cols = np.arange(k)
    summed = np.where(
        np.arange(n_pairs)[:, None] < last, np.minimum.accumulate(pair_sum, axis=0), 0.0
    ).sum(axis=0)
    even = rho[2 * last, cols]
    extra = np.where((pair_sum[last, cols] >= 0) | (even > 0) | (last == 0), even, 0.0)
    size = n_chain * n_draw
    tau = np.maximum(-1.0 + 2.0 * summed + extra, 1.0 / np.log10(size))
    out = size / tau
    constant = (x.max(axis=(0, 1)) - x.min(axis=(0, 1))) < np.finfo(float).resolution
    out = np.where(constant, size, out)
    return np.where(np.isnan(rho).any(axis=0) & ~constant, np.nan, out)


def ess_bulk(x: np.ndarray) -> np.ndarray:
    """Bulk ESS: the ESS of the rank-normalised split chains."""
    return ess(z_scale(split_chains(x)))


def ess_tail(x: np.ndarray) -> np.ndarray:
    """Tail ESS: the smaller ESS of the indicators of the 5 % and 95 % quantiles."""
    pooled = _by_quantity(x)
    out = []
    for prob in TAIL_PROBS:
        q = np.quantile(pooled, prob, axis=1)
        out.append(ess(split_chains((x <= q).astype(float))))
    return np.minimum(*out)

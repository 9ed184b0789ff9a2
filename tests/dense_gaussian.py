"""The model's Gaussian density of all cells at once, built entry by entry: the
reference that the marginalised likelihood is tested against.
"""

import numpy as np


def dense_neg2loglik(r, d, lam, tau, kappa, rho, muni):
    """-2 log N(r; 0, Sigma) (without 2 pi), Sigma built entry by entry from the model."""
    n_area, n_year, n_ind = r.shape
    idx = [(i, t, j) for i in range(n_area) for t in range(n_year) for j in range(n_ind)]
    cov = np.zeros((len(idx), len(idx)))
    for a, (i, t, j) in enumerate(idx):
        for b, (i2, t2, j2) in enumerate(idx):
            eta = rho * (muni[i] == muni[i2])
            if i == i2:
                eta += 1 - rho + tau**2 * min(t, t2)
            cov[a, b] = lam[j] * lam[j2] * eta
            if i == i2 and j == j2:
                cov[a, b] += kappa[j] ** 2 if n_year > 1 else 0.0
                cov[a, b] += d[i, t, j] if t == t2 else 0.0
    x = r.reshape(-1)
    return np.linalg.slogdet(cov)[1] + x @ np.linalg.solve(cov, x)

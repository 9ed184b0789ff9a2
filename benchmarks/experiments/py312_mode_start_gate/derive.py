"""P(a fit of the test misses the R-hat gate) as a function of kept draws per chain D.

Rank-normalised split R-hat with M = 4 split chains of N = D/2 draws: with W ~ sigma^2 and
each split chain's mean having variance sigma^2 * M / ESS (ESS the bulk ESS of all draws),
R^2 = (N-1)/N + B/(N W) ~ 1 - 1/N + M chi2_{M-1} / ((M-1) ESS), so
R > 1.01  <=>  chi2_3 > 3 ESS (1.01^2 - 1 + 1/N) / 4.
ESS = 2 D e, e the bulk ESS per kept draw of the slowest quantity (0.19-0.31 measured: README).
"""

from scipy import stats

K = 18  # slow sampled quantities (alpha, lam, sigma, dispersion, loading_scale/angle: 3 each), union bound
for e in (0.19, 0.25, 0.29):
    for D in (1000, 2000, 3000, 4000):
        ess = 2 * D * e
        N = D / 2
        thr = 3 * ess * (1.01**2 - 1 + 1 / N) / 4
        p = stats.chi2.sf(thr, 3)
        print(
            f"e={e:.3f} D={D}: ESS={ess:5.0f} (gate 400), P(one quantity R>1.01)={p:.1e}, "
            f"P(test fails: 2 fits x {K} quantities, union bound)<={min(1, 2 * K * p):.1e}"
        )

"""The vectorised diagnostics equal ArviZ's rank R-hat, bulk ESS and tail ESS."""

import arviz as az
import numpy as np
import pytest
import xarray as xr

from sesindex.bayes.checks.diagnostics import diagnostics


def _arviz(x: np.ndarray) -> dict[str, np.ndarray]:
    # tail ESS at the 5 % and 95 % quantiles (Vehtari et al. 2021; ArviZ 0.x's default,
    # ArviZ 1.x's default is its 94 % interval: 3 % and 97 %), so named for both
    ds = xr.Dataset({"q": (("chain", "draw", "k"), x)})
    return {
        "rhat": az.rhat(ds)["q"].values,
        "ess_bulk": az.ess(ds, method="bulk")["q"].values,
        "ess_tail": az.ess(ds, method="tail", prob=(0.05, 0.95))["q"].values,
    }


def _chains(rng, n_chain, n_draw, k, phi):
    """AR(1) chains with autocorrelation phi per quantity, some with shifted chains."""
    x = np.empty((n_chain, n_draw, k))
    x[:, 0] = rng.normal(size=(n_chain, k))
    for t in range(1, n_draw):
        x[:, t] = phi * x[:, t - 1] + rng.normal(size=(n_chain, k))
    return x + rng.normal(scale=0.3, size=(n_chain, 1, k)) * (rng.random(k) < 0.3)


@pytest.mark.parametrize("n_chain,n_draw", [(2, 1000), (4, 301), (1, 200), (2, 9)])
def test_equals_arviz(n_chain, n_draw):
    rng = np.random.default_rng(n_draw)
    phi = np.concatenate([np.linspace(-0.6, 0.97, 30), [0.0, 0.5]])
    x = _chains(rng, n_chain, n_draw, phi.size, phi)
    x[..., -1] = np.round(x[..., -1])  # ties: ranks are averaged
    ours, ref = diagnostics(x), _arviz(x)
    for key in ("ess_bulk", "ess_tail"):
        np.testing.assert_allclose(ours[key], ref[key], rtol=1e-9, err_msg=key)
    np.testing.assert_allclose(ours["rhat"], ref["rhat"], rtol=1e-9)  # NaN for 1 chain


def test_constant_and_stuck_quantities():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 400, 3))
    x[..., 0] = 1.5  # constant: ArviZ reports the number of draws
    x[1, :, 2] += 5.0  # chains disagree: R-hat far above 1
    ours, ref = diagnostics(x), _arviz(x)
    np.testing.assert_allclose(ours["ess_bulk"], ref["ess_bulk"], rtol=1e-9)
    np.testing.assert_allclose(ours["ess_tail"], ref["ess_tail"], rtol=1e-9)
    np.testing.assert_allclose(ours["rhat"], ref["rhat"], rtol=1e-9)  # NaN when constant
    assert ours["rhat"][2] > 1.5


def test_keeps_the_quantity_shape():
    x = np.random.default_rng(1).normal(size=(2, 100, 4, 3))
    out = diagnostics(x)
    assert {k: v.shape for k, v in out.items()} == {k: (4, 3) for k in out}


def test_blocks_do_not_change_the_answer():
    x = _chains(np.random.default_rng(5), 2, 300, 23, np.full(23, 0.4))
    one, many = diagnostics(x), diagnostics(x, block=7)
    for key in one:
        np.testing.assert_array_equal(one[key], many[key])

"""The latent-factor model, with latent status and municipality effects integrated out.

Working likelihood (:mod:`sesindex.bayes.model.inputs`): for area i, year t, indicator j,

    z_itj = alpha_j + lambda_j * eta_it + gamma_ij + e_itj,   e_itj ~ N(0, v_itj + s_j)

where ``z`` is the empirical logit of a count (``v`` its binomial sampling variance) or a
standardised transformed continuous value (``v = 0``), ``lambda_j > 0``, and ``s_j`` (the
``dispersion``) is indicator j's variance beyond the sampling variance: the cell
residual's variance when positive; when negative (down to ``-min v_j``, so every cell
keeps a positive variance) the counts vary less than binomially. Why a variance that
may be negative (``dispersion = "variance"`` in the spec) and not an sd ``sigma_j >= 0``
(``"sd"``, the default): over 14 national years V3's extra-binomial variance is too
small for the data to resolve, so ``sigma_j``'s posterior piles up at its boundary 0 and
NUTS mixes badly, while ``s_j``'s posterior is an ordinary bell around ~0; in short
panels, where ``sigma_j`` is resolved, the ``"variance"`` form can stall a chain, so
``"sd"`` stays the default and ``models/latent_factor.toml`` (14 years) asks for
``"variance"`` (measurements: docs/decisions.md).
Latent disadvantage (higher = lower status):

    eta_i,first = m_k(i) + u_i,   m_k ~ N(0, rho),   u_i ~ N(0, 1 - rho)
    eta_it - eta_i,t-1 ~ N(0, tau^2)                               (random walk)
    gamma_ij ~ N(0, kappa_j^2)      (panels: a persistent area x indicator deviation)

so eta has unit variance in the first year, split between municipalities (rho) and areas
within them. Given the hyperparameters everything is Gaussian, so NUTS samples only the
~14 hyperparameters (alpha, lambda, dispersion, rho and in panels tau, kappa):

* per area, (eta_i - m_k, gamma_i) is integrated out in precision form
  (:func:`area_terms`): its posterior precision is a tridiagonal random-walk block
  bordered by the J gamma columns, factorised by one forward sweep over the years
  (a handful of elementwise operations on all areas at once) and a J x J Cholesky;
* the municipality effect m_k enters every observation of area i as ``lambda_j m_k``, so
  per area the -2 log likelihood is a quadratic ``c_i - 2 m b_i + m^2 a_i`` in it, and
  m_k ~ N(0, rho) integrates out in closed form over the areas of each municipality
  (:func:`municipality_neg2loglik`).

In the sampled model all of this is one compiled kernel that returns the
log-likelihood and its gradient in a single pass over the areas
(:mod:`sesindex.bayes.likelihood.kernel`); the pytensor form below (:func:`marginal_neg2loglik`)
is the same density as a graph, kept as the reference.

eta, m, gamma and the true rates are drawn afterwards from their exact conditional
Gaussians (:mod:`sesindex.bayes.posterior.states`). The data ``z`` and ``v`` are ``pm.Data``
containers, so one compiled model serves new data of the same shape
(``nutpie.compile_pymc_model(model).with_data(z=..., v=...)``).

Examples
--------
>>> from sesindex.data.synthetic import generate
>>> from sesindex.bayes.model.inputs import model_inputs
>>> m = model_inputs(generate(n_areas=30, years=(2022, 2023), seed=1).dataset, ["V1", "V2", "V3"])
>>> model = build_model(m, ModelForm(municipality=True))
>>> sorted(v.name for v in model.free_RVs)
['alpha', 'kappa', 'lam', 'rho', 'sigma', 'tau']
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from sesindex.bayes.likelihood.op import MarginalLoglik
from sesindex.bayes.likelihood.reference import marginal_neg2loglik
from sesindex.bayes.model.dispersion import dispersion_floor, dispersion_prior, polar_loadings
from sesindex.bayes.model.form import ModelForm
from sesindex.bayes.model.inputs import ModelInputs
from sesindex.bayes.model.priors import PRIOR
from sesindex.bayes.model.steps import walk_steps


def model_data(inputs: ModelInputs, form: ModelForm = ModelForm()) -> dict[str, np.ndarray]:
    """The model's ``pm.Data`` values for ``inputs``: what a compiled model of the same
    form takes through ``with_data`` (:mod:`sesindex.bayes.sampling.compiled`).

    Examples
    --------
    >>> from sesindex.data.synthetic import generate
    >>> from sesindex.bayes.model.inputs import model_inputs
    >>> m = model_inputs(generate(n_areas=20, years=(2022,), seed=1).dataset, ["V1"])
    >>> sorted(model_data(m, ModelForm(likelihood="binomial", municipality=True)))
    ['count', 'denominator', 'municipality', 'v', 'z']
    """
    data = {"z": inputs.z, "v": inputs.v}
    if form.dispersion == "variance":  # the binomial model's kernel sees no sampling variance
        floor = dispersion_floor(inputs.v)
        data["v_min"] = floor * 0.0 if form.likelihood == "binomial" else floor
    if form.likelihood == "binomial":
        rate = inputs.rate_indicators
        data["count"] = inputs.count[..., rate]
        data["denominator"] = inputs.denominator[..., rate]
    if form.municipality:
        data["municipality"] = np.asarray(inputs.municipality)
    if inputs.design is not None:
        data["programme_design"] = np.asarray(inputs.design, float)
    if inputs.breaks is not None and inputs.z.shape[1] > 1:
        data["boundary_break"] = np.asarray(inputs.breaks, float)
    return data


def _binomial_logits(inputs: ModelInputs, z, v, data: dict):
    """The exact binomial model's sampled true logits, in the kernel's (area, year,
    indicator) layout with the continuous indicators' observations left in place.

    Each count cell's true logit is ``theta = z + sqrt(v) * xi`` with ``xi`` flat (a
    constant Jacobian: a flat prior on theta), so ``xi`` starts at 0, the empirical logit,
    and has a posterior scale of about one in every cell whatever its denominator; the
    binomial log-likelihood ``y theta - n log(1 + e^theta)`` is added here.
    """
    rate = inputs.rate_indicators
    y, n = pm.Data("count", data["count"]), pm.Data("denominator", data["denominator"])
    xi = pm.Flat("xi", shape=data["count"].shape)
    theta = z[..., rate] + pt.sqrt(v[..., rate]) * xi
    pm.Potential("binomial", pt.sum(y * theta - n * pt.softplus(theta)))
    return pt.set_subtensor(z[..., rate], theta)


def build_model(inputs: ModelInputs, form: ModelForm = ModelForm()) -> pm.Model:
    """The PyMC model of ``form`` with eta, gamma and m marginalised (a ``pm.Potential``).

    ``z``, ``v``, ``v_min`` (each indicator's smallest ``v``: the dispersion's floor) and
    (with municipality effects) the areas' municipality numbers are ``pm.Data``; nothing
    in the graph depends on the numbers of areas, years or municipalities, so a compiled
    model takes any data of the same indicators and form
    (:mod:`sesindex.bayes.sampling.compiled`). The likelihood is one call of the compiled
    kernel :class:`sesindex.bayes.likelihood.op.MarginalLoglik` (value and gradient in one
    pass over the areas); ``form.graph`` builds it from pytensor operations instead
    (:func:`marginal_neg2loglik`: the same density, the reference in tests and
    benchmarks, and differentiable by any pytensor backend, e.g. JAX).

    ``form.dispersion``: ``"sd"`` samples sigma_j ~ HalfNormal(0.5) and s_j = sigma_j^2
    >= 0 (in single years with the loadings in polar form,
    :func:`sesindex.bayes.model.dispersion.polar_loadings`); ``"variance"`` samples s_j
    itself, N(0, 0.5^2) truncated at -min v_j (the module docstring says when which is
    better).

    ``form.likelihood``: ``"gaussian_logit"`` is the Gaussian working likelihood on the
    empirical logits described in the module. ``"binomial"`` is exact: every count
    cell's true logit theta_itj is sampled (:func:`_binomial_logits`), y ~ Binomial(n,
    expit(theta)), and theta ~ N(alpha_j + lambda_j eta_it + gamma_ij, s_j) with eta,
    gamma and m integrated out by the same kernel (theta in place of ``z``, no sampling
    variance, the kernel's gradient in ``z`` carrying on to theta). It samples one
    parameter per count cell, so its compiled form is tied to the data's shape.
    """
    n_year, n_ind = inputs.z.shape[1:]
    jumps = n_year > 1 and form.steps == "jumps"
    coords = {"indicator": list(inputs.indicators), "year": [int(y) for y in inputs.years]}
    data = model_data(inputs, form)
    with pm.Model(coords=coords) as model:
        z = pm.Data("z", inputs.z)
        v = pm.Data("v", inputs.v)
        # each indicator's level in each year: national trends live here, unshrunk
        alpha = pm.Normal("alpha", 0.0, PRIOR["alpha_sd"], dims=("year", "indicator"))
        polar = form.dispersion == "sd" and n_year == 1
        lam, extra = (
            polar_loadings()
            if polar
            else (pm.HalfNormal("lam", PRIOR["lam_sd"], dims="indicator"), None)
        )
        if form.likelihood == "binomial":  # the kernel sees the true logits, no sampling noise
            z, v = _binomial_logits(inputs, z, v, data), pt.zeros_like(z)
        if not polar:
            extra = dispersion_prior(form.dispersion, data)
        rho = pm.Beta("rho", *PRIOR["rho_ab"]) if form.municipality else pt.as_tensor(0.0)
        muni = pm.Data("municipality", data["municipality"]) if form.municipality else None
        walk, kappa = _walk_and_kappa(form.steps, z, n_year, n_ind, data)
        var0, offset = 1.0 - rho, _status_shifts(inputs, data, z)
        if form.graph:
            neg2 = marginal_neg2loglik(
                z - alpha - lam * offset[:, :, None],
                v + extra,
                lam,
                walk["tau"],
                kappa if n_year > 1 else None,
                rho,
                muni,
                n_ind=n_ind,
                var0=var0,
            )
            pm.Potential("likelihood", -0.5 * neg2)
        else:
            op = MarginalLoglik(panel=n_year > 1, municipality=muni is not None, jumps=jumps)
            areas_muni = muni if muni is not None else pt.zeros(z.shape[0], dtype="int64")
            outputs = op(
                z,
                v,
                areas_muni,
                alpha,
                lam,
                extra,
                rho,
                var0,
                offset,
                walk["tau"],
                kappa,
                walk.get("jump_sd", 0.0),
                walk.get("jump_share", 0.0),
            )
            # the Op has several outputs (value, gradients), so pytensor returns a list
            pm.Potential("likelihood", cast(list, outputs)[0])
    return model


def _walk_and_kappa(steps: str, z, n_year: int, n_ind: int, data: dict):
    """A panel's random-walk steps (:func:`sesindex.bayes.model.steps.walk_steps`: ``tau`` and,
    for jumps, their scale and share) and the persistent deviations' sds ``kappa``; in a
    single year placeholders the likelihood does not use.
    """
    if n_year == 1:
        return {"tau": pt.ones((z.shape[0], 1))}, pt.ones(n_ind)
    breaks = pm.Data("boundary_break", data["boundary_break"]) if "boundary_break" in data else None
    walk = walk_steps(steps, z.shape[0], n_year, breaks)
    return walk, pm.HalfNormal("kappa", PRIOR["kappa_sd"], dims="indicator")


def _status_shifts(inputs: ModelInputs, data: dict, z):
    """The known shifts of each area's latent status per (area, year), as model
    variables: programme effects (:mod:`sesindex.evaluation`), else zeros.
    """
    shifts = pt.zeros((z.shape[0], inputs.z.shape[1]))
    if inputs.design is not None:
        shifts = shifts + _programme_effects(data["programme_design"])
    return shifts


def _programme_effects(design: np.ndarray):
    """Programme (event-study) effects on eta: ``design`` (area, year, E) holds 0/1
    indicators of each area-year's year relative to its programme's start (E relative
    years; the reference year before the start is left out), so area i in year t is
    shifted by ``sum_e D_ite beta_e``; beta_e ~ N(0, 1) (one sd of the latent status).
    """
    data = pm.Data("programme_design", design)
    beta = pm.Normal("programme_effect", 0.0, 1.0, shape=(int(design.shape[2]),))
    return pt.tensordot(data, beta, axes=[[2], [0]])

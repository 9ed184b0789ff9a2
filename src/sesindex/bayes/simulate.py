"""Draws from the prior predictive of the latent-factor model (for SBC and tests).

:func:`simulate_prior` simulates exactly the model's generative form (the "working
model" of :mod:`sesindex.bayes.model.graph`), for area i in municipality k(i), year t and
indicator j:

    alpha_tj ~ N(0, 3^2) (a level per year and indicator),  lambda_j ~ HalfNormal(1),
    dispersion s_j = sigma_j^2, sigma_j ~ HalfNormal(0.5)          (dispersion="sd")
          or s_j ~ N(0, 0.5^2) truncated below at -min_it v_itj  (dispersion="variance")
    rho ~ Beta(2, 2)
    panels only (T > 1): tau ~ HalfNormal(0.2), kappa_j ~ HalfNormal(0.3),
                         gamma_ij ~ N(0, kappa_j^2)
    m_k ~ N(0, rho) iid over municipalities            (rho is a variance)
    eta_i0 ~ N(m_k(i), 1 - rho),  eta_it = eta_i,t-1 + N(0, tau^2)
    steps = "jumps": jump_sd ~ LogNormal(log 0.5, 0.5), jump_share ~ Beta(1, 9); each area jumps
        with probability jump_share, in a uniform year, by N(0, jump_sd^2) more
    theta_itj ~ N(alpha_tj + lambda_j eta_it + gamma_ij, max(s_j, 0))   (true logit)
    z_itj ~ N(theta_itj, v_itj + min(s_j, 0))

given the template's known sampling variances ``v`` and municipality structure. The
true cell logit (variance max(s_j, 0) around that mean) is integrated out, as in the
model. So eta_i0 has variance exactly 1 a priori. With ``likelihood="binomial"`` (the
exact model) the true cell logit is drawn, theta_itj ~ N(alpha_j + lambda_j eta_it +
gamma_ij, s_j), and then counts y_itj ~ Binomial(n_itj, expit(theta_itj)) on the
template's denominators; ``z`` and ``v`` are the counts' empirical logits and variances.

:func:`template_inputs` builds a small :class:`~sesindex.bayes.model.inputs.ModelInputs` with
realistic ``v`` (binomial variances of the synthetic panel's counts) and areas spread
over a chosen number of municipalities.

Examples
--------
>>> import numpy as np
>>> tpl = template_inputs(40, 8, (2022, 2023, 2024), seed=1)
>>> sim, truth = simulate_prior(
...     tpl, np.random.default_rng(0), ModelForm(municipality=True), panel=True
... )
>>> sim.z.shape, truth["eta"].shape, truth["m"].shape, truth["gamma"].shape
((40, 3, 3), (40, 3), (8,), (40, 3))
>>> bool(np.array_equal(sim.v, tpl.v)), sorted(truth)
(True, ['alpha', 'dispersion', 'eta', 'gamma', 'index', 'kappa', 'lam', 'm', 'rho', 'sigma', 'tau'])
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.special import expit

from sesindex.bayes.model.dispersion import dispersion_floor, split_dispersion
from sesindex.bayes.model.form import ModelForm
from sesindex.bayes.model.inputs import ModelInputs, empirical_logit
from sesindex.bayes.model.priors import PRIOR


def simulate_prior(
    template: ModelInputs,
    rng: np.random.Generator,
    form: ModelForm,
    *,
    panel: bool,
    prior: dict | None = None,
) -> tuple[ModelInputs, dict]:
    """One draw of all parameters from the prior and of ``z`` given them.

    ``template`` supplies the shape (area, year, indicator), the known sampling
    variances ``v`` and each area's municipality; ``panel`` must say whether it has more
    than one year (panels add tau, kappa and gamma). ``prior`` overrides entries of
    :data:`PRIOR` (used to build deliberately wrong simulators in tests). Returns the
    simulated inputs (``z`` replaced, ``count`` NaN: no counts lie behind a simulated
    ``z``) and the truth: alpha (year, indicator), lam, dispersion (indicator), rho, m
    (municipality), eta and the true official index (area, year) and, in panels, tau,
    kappa (indicator) and gamma (area, indicator). ``form`` is the model's form
    (:class:`~sesindex.bayes.model.form.ModelForm`): its likelihood and dispersion;
    ``steps = "jumps"`` adds the jump mixture (jump_sd, jump_share); without
    municipality effects no rho and m are drawn.

    Examples
    --------
    >>> import numpy as np
    >>> tpl = template_inputs(400, 20, (2022,), seed=2)
    >>> form = ModelForm(municipality=True)
    >>> sim, truth = simulate_prior(tpl, np.random.default_rng(5), form, panel=False)
    >>> "tau" in truth, truth["eta"].shape, bool(np.isnan(sim.count).all())
    (False, (400, 1), True)
    >>> simulate_prior(tpl, np.random.default_rng(5), form, panel=True)
    Traceback (most recent call last):
    ...
    ValueError: panel=True needs more than one year (the template has 1)
    """
    p = {**PRIOR, **(prior or {})}
    n_year = template.z.shape[1]
    if panel != (n_year > 1):
        raise ValueError(
            f"panel={panel} needs {'more than one year' if panel else 'one year'}"
            f" (the template has {n_year})"
        )
    truth = _draw_parameters(template, rng, p, panel, form)
    truth["eta"] = _draw_status(template, rng, p, truth, panel and form.steps == "jumps")
    return _observe(template, rng, truth, form.likelihood), truth


def _draw_parameters(template: ModelInputs, rng, p: dict, panel: bool, form: ModelForm) -> dict:
    """The truth's parameters in the simulator's fixed order of draws: alpha, lam, the
    dispersion, rho and, in panels, tau, kappa and gamma.
    """
    n_area, n_year, n_ind = template.z.shape
    truth: dict = {}
    truth["alpha"] = rng.normal(0.0, p["alpha_sd"], (n_year, n_ind))
    truth["lam"] = np.abs(rng.normal(0.0, p["lam_sd"], n_ind))
    if form.dispersion == "sd":
        truth["sigma"] = np.abs(rng.normal(0.0, p["sigma_sd"], n_ind))
        truth["dispersion"] = truth["sigma"] ** 2
    else:
        floor = 0.0 * template.v if form.likelihood == "binomial" else template.v  # as the model
        truth["dispersion"] = truncated_normal(p["dispersion_sd"], -dispersion_floor(floor), rng)
    if form.municipality:  # without municipality effects eta_i0 ~ N(0, 1)
        truth["rho"] = float(rng.beta(*p["rho_ab"]))
    if panel:
        truth["tau"] = float(abs(rng.normal(0.0, p["tau_sd"])))
        truth["kappa"] = np.abs(rng.normal(0.0, p["kappa_sd"], n_ind))
        truth["gamma"] = truth["kappa"] * rng.standard_normal((n_area, n_ind))
    return truth


def _draw_status(template: ModelInputs, rng, p: dict, truth: dict, jumps: bool):
    """Eta (area, year): the municipality effects ``m`` (into ``truth``), each area's
    first year about them, then the random walk (with the jump mixture's jumps).
    """
    n_area, n_year, _ = template.z.shape
    rho, tau = truth.get("rho", 0.0), truth.get("tau", 0.0)
    m = np.sqrt(rho) * rng.standard_normal(len(template.municipalities))
    if "rho" in truth:
        truth["m"] = m
    step_sd = np.full((n_area, n_year), float(np.hypot(tau, p["tau_min"])))
    if jumps:
        truth["jump_sd"] = float(p["jump_sd"] * np.exp(p["jump_sd_log_sd"] * rng.standard_normal()))
        truth["jump_share"] = float(rng.beta(*p["jump_share_ab"]))
        jumped = np.flatnonzero(rng.uniform(size=n_area) < truth["jump_share"])
        year = rng.integers(1, n_year, size=len(jumped))
        step_sd[jumped, year] = np.hypot(step_sd[jumped, year], truth["jump_sd"])
    walk = step_sd * rng.standard_normal((n_area, n_year))
    walk[:, 0] = m[np.asarray(template.municipality)] + np.sqrt(1.0 - rho) * rng.standard_normal(
        n_area
    )
    return np.cumsum(walk, axis=1)


def _observe(template: ModelInputs, rng, truth: dict, likelihood: str) -> ModelInputs:
    """The simulated inputs: each cell's true logit about the model's mean (its
    residual: the positive part of the dispersion), then the observation about it (the
    sampling variance less any under-dispersion; binomial counts for ``"binomial"``).
    Adds the true official index to ``truth``.
    """
    gamma = truth.get("gamma", np.zeros((template.z.shape[0], template.z.shape[2])))
    mean = truth["alpha"] + truth["lam"] * truth["eta"][:, :, None] + gamma[:, None, :]
    sampling, residual = split_dispersion(truth["dispersion"], template.v)
    if likelihood == "binomial":
        sampling, residual = 0.0 * template.v, truth["dispersion"] + 0.0 * template.v
    theta = mean + np.sqrt(residual) * rng.standard_normal(mean.shape)
    truth["index"] = true_index(theta, template)
    if likelihood == "binomial":
        n = template.denominator
        y = rng.binomial(n.astype(np.int64), expit(theta)).astype(float)
        z, v = empirical_logit(y, n)
        return replace(template, z=z, v=v, count=y, scale={})
    z = theta + np.sqrt(sampling) * rng.standard_normal(mean.shape)
    return replace(template, z=z, count=np.full(z.shape, np.nan), scale={})


def true_index(theta: np.ndarray, template: ModelInputs) -> np.ndarray | None:
    """The official index (area, year) of true logits ``theta``, when the template holds
    the official three indicators as rates (else None).

    Examples
    --------
    >>> import numpy as np
    >>> t = template_inputs(4, 2, (2022,), seed=1)
    >>> true_index(np.zeros(t.z.shape), t)[0].tolist()  # every rate 50 %
    [50.0]
    """
    from sesindex.indicators import official_positions

    official = official_positions(template.indicators)
    if len(official) != 3 or any(template.kinds[k] == "continuous" for k in official):
        return None
    return 100 * expit(theta[..., official]).mean(axis=-1)


def truncated_normal(sd: float, lower: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draws of N(0, sd^2) truncated below at each ``lower`` (by inverting the cdf).

    Examples
    --------
    >>> import numpy as np
    >>> x = truncated_normal(0.5, np.full(20000, -0.1), np.random.default_rng(1))
    >>> bool(x.min() > -0.1), round(float(np.mean(x < 0)), 2)  # P(x<0) = 0.0793/0.5793
    (True, 0.14)
    """
    from scipy.special import ndtr, ndtri

    lo = ndtr(np.asarray(lower, float) / sd)
    return sd * ndtri(lo + (1 - lo) * rng.uniform(size=np.shape(lower)))


def template_inputs(
    n_areas: int,
    n_municipalities: int,
    years: tuple[int, ...],
    seed: int,
    indicators: tuple[str, ...] = ("V1", "V2", "V3"),
) -> ModelInputs:
    """Small model inputs with realistic sampling variances, for prior simulation.

    ``v`` comes from the synthetic panel's counts (:func:`sesindex.data.synthetic.generate`
    with ``n_areas`` random real areas); the areas are then dealt at random to
    ``n_municipalities`` municipalities, each receiving at least one area, so the
    municipality structure is under control (a random subset of real areas would
    scatter over nearly as many real municipalities as areas).

    Examples
    --------
    >>> t = template_inputs(20, 4, (2022,), seed=3)
    >>> t.v.shape, t.municipalities.tolist(), sorted(set(t.municipality.tolist()))
    ((20, 1, 3), ['M01', 'M02', 'M03', 'M04'], [0, 1, 2, 3])
    >>> bool((t.v > 0).all() and (t.v < 1).all())
    True
    """
    from sesindex.bayes.model.inputs import model_inputs
    from sesindex.data.synthetic import generate

    ds = generate(n_areas=n_areas, years=tuple(years), seed=seed).dataset
    return assign_municipalities(model_inputs(ds, list(indicators)), n_municipalities, seed)


def assign_municipalities(inputs: ModelInputs, n_municipalities: int, seed: int) -> ModelInputs:
    """``inputs`` with its areas dealt at random to ``n_municipalities`` (each gets one).

    Examples
    --------
    >>> import numpy as np
    >>> t = assign_municipalities(template_inputs(10, 10, (2022,), seed=1), 3, seed=2)
    >>> bool(np.bincount(t.municipality).min() >= 1), len(t.municipalities)
    (True, 3)
    """
    n_areas = inputs.z.shape[0]
    if not 1 <= n_municipalities <= n_areas:
        raise ValueError(
            f"n_municipalities must be in 1..{n_areas} (the areas), got {n_municipalities}"
        )
    rng = np.random.default_rng([seed, 17])
    muni = np.concatenate(
        [np.arange(n_municipalities), rng.integers(0, n_municipalities, n_areas - n_municipalities)]
    )
    names = np.array([f"M{k + 1:02d}" for k in range(n_municipalities)])
    return replace(inputs, municipality=rng.permutation(muni), municipalities=names)

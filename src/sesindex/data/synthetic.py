"""Calibrated synthetic national data with known truth — the embedded default dataset.

The areas are SCB's real 3,363 RegSO 2020 areas (codes, names, 290 municipalities, real
populations 672-22,895 and adults aged 20-64 from the packaged bundle). Each area has a
true latent status that is persistent (seeded from the real education share, so the
synthetic map resembles Sweden) plus a slow random-walk drift over years. True indicator
rates follow a logit-linear factor model; observed counts are binomial on the real
denominators (all residents for V1, residents aged 20-64 for V2 and V3). The parameters
are calibrated so the official index reproduces SCB's published facts: national mean
about 9.1 and standard deviation about 5.5 percentage points, area-type shares about
4.8 / 8.6 / 25.4 / 52.6 / 8.6 %, and 7-8 % of areas changing type between consecutive
years (``tests/data/test_synthetic_calibration.py`` asserts these).

Truth (``SyntheticData.truth``): per area and year the latent disadvantage ``eta_true``
(higher = lower status), ``ses_true = -eta_true``, true rates of V1-V3 (percent), the
true index and its type over the true national mu and sigma.

Boundaries: with ``boundary_break=True`` (what ``--data synthetic`` serves) the data follow
SCB: rows from 2024 are on RegSO 2025 (``boundary_version``), and the 286 areas whose
boundaries changed (:mod:`sesindex.data.boundary_change`) gained or lost parts in 2024:
their population is scaled by ``exp(N(0, 0.15^2))`` and their latent status shifted by
``N(0, 0.3^2)`` from 2024 on (truth column ``boundary_changed``). Those draws come from
their own random stream, so every other cell is the same as without the break. SCB's
ended area ``2584R001`` stays in the panel (flagged as changed); its new area
``2523R011`` is not simulated. ``generate`` defaults to ``boundary_break=False``
(boundaries held at RegSO 2020), which the validation studies use to isolate what they
test; the dataset's attrs say which.

Examples
--------
>>> d = generate(n_areas=50, years=(2021, 2022), seed=3)
>>> d.dataset["count"].shape, list(d.truth.columns[:4])
((50, 2, 3), ['area_code', 'year', 'eta_true', 'ses_true'])
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import xarray as xr
from scipy.special import expit
from scipy.stats import norm, rankdata

from sesindex.data.boundary_change import BREAK_YEAR, VERSIONS
from sesindex.data.model import from_tidy
from sesindex.data.planted import (
    break_boundaries,
    event_years,
    index_of,
    plant_decline,
    plant_jumps,
    plant_programme,
    student_t,
)
from sesindex.data.real_bundle import ATTRIBUTION, load_areas, load_deso_areas

YEARS = tuple(range(2011, 2025))
INDICATORS = ("V1", "V2", "V3")
#: SCB's published range of RegSO 2020 populations.
POPULATION_RANGE = (663, 22622)
#: The divisions a panel can be generated on: boundary version, the packaged area table
#: and the population range its areas stay in (RegSO: SCB's published range; DeSO, None:
#: the packaged DeSO 2018 counts' own range).
DIVISIONS = {
    "regso": ("RegSO2020", load_areas, POPULATION_RANGE),
    "deso": ("DeSO2018", load_deso_areas, None),
}


@dataclass(frozen=True)
class SyntheticConfig:
    """Parameters of the generator (defaults calibrated to SCB's published facts)."""

    alpha: tuple[float, float, float] = (-1.935, -2.435, -3.635)  # logit baseline per indicator
    loading: tuple[float, float, float] = (0.622, 0.531, 0.824)  # lambda_j on the latent status
    real_weight: float = 0.85  # correlation of the latent status with the real education rank
    skew: float = 0.032  # quadratic skew of the latent status
    indicator_sd: float = 0.18  # persistent area x indicator residual (logit)
    cell_sd: float = 0.012  # yearly area x indicator x year residual (logit)
    drift_sd: float = 0.012  # yearly random-walk innovation of the latent status
    trend: tuple[float, float, float] = (0.0, -0.01, 0.0)  # yearly change of alpha_j
    adult_share_v1: float = 1.0  # V1 denominator: all residents
    pop_growth_sd: float = 0.006  # sd of areas' yearly log population growth
    pop_growth: float = 0.005  # mean yearly log population growth
    # scenarios outside the fitted model's assumptions (:data:`SCENARIOS`)
    common_drift: float = 0.0  # yearly change of every area's latent status (eta units)
    jump_share: float = 0.0  # share of areas whose status jumps once, in a random year
    jump_index: float = 2.0  # size of that jump in index points (sign random)
    second_factor_share: float = 0.0  # share of areas where a second factor moves V1 only
    second_factor_logit: float = 0.5  # its step in V1's logit, in a random year
    gamma_df: float | None = None  # Student-t degrees of freedom of the persistent
    # area x indicator residual (None: normal)
    decline_share: float = 0.0  # share of areas whose status worsens every year
    decline_index: float = 0.4  # by what moves each one's index this many points a year
    # a programme planted for evaluation studies: these areas' status shifts from the
    # start year on, by what moves each one's index by programme_index points that year
    programme_areas: tuple[str, ...] = ()
    programme_start: int | None = None
    programme_index: float = 0.0


#: Named scenarios: overrides of :class:`SyntheticConfig`. ``baseline`` is the default
#: calibrated panel (a mild V2 trend, small random-walk drift); the others break one of
#: the fitted model's assumptions each, or remove every change (``static``).
SCENARIOS: dict[str, dict] = {
    "baseline": {},
    "trends": {"trend": (0.03, -0.06, 0.02), "common_drift": -0.02},
    "jumps": {"jump_share": 0.05, "jump_index": 2.0},
    "second_factor": {"second_factor_share": 0.05, "second_factor_logit": 0.5},
    "heavy_tails": {"gamma_df": 3.0},
    "static": {
        "drift_sd": 0.0,
        "cell_sd": 0.0,
        "trend": (0.0, 0.0, 0.0),
        "pop_growth_sd": 0.0,
        "pop_growth": 0.0,
    },
}


def scenario_config(name: str, **overrides) -> SyntheticConfig:
    """The generator's configuration of a named scenario (:data:`SCENARIOS`).

    Examples
    --------
    >>> scenario_config("jumps").jump_share
    0.05
    >>> scenario_config("drought")
    Traceback (most recent call last):
    ...
    ValueError: unknown scenario 'drought': choose one of baseline, trends, jumps, second_factor,
    heavy_tails, static
    """
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}: choose one of {', '.join(SCENARIOS)}")
    return SyntheticConfig(**{**SCENARIOS[name], **overrides})


@dataclass
class SyntheticData:
    """Generated data: the data-model dataset, its tidy frame and the truth."""

    dataset: xr.Dataset
    tidy: pd.DataFrame
    truth: pd.DataFrame
    config: SyntheticConfig
    seed: int


def _true_types(index: np.ndarray) -> np.ndarray:
    from sesindex.area_types import area_types

    mu = index.mean(axis=0)
    sd = index.std(axis=0, ddof=1)
    return area_types(index, mu, sd)


def generate(
    n_areas: int | None = None,
    years: tuple[int, ...] = YEARS,
    seed: int = 20240101,
    config: SyntheticConfig | None = None,
    *,
    boundary_break: bool = False,
    division: str = "regso",
) -> SyntheticData:
    """Generate the synthetic panel; ``n_areas`` draws a random subset of the real areas.

    ``boundary_break``: rows from 2024 on RegSO 2025, with the changed areas moved as the
    module docstring says (``--data synthetic`` uses it). ``division``: ``"regso"`` (the
    3,363 RegSO 2020 areas) or ``"deso"`` (the 5,984 DeSO 2018 areas of
    :func:`sesindex.data.real_bundle.load_deso_areas`, the same generator on their real
    populations and education; truth gains each DeSO's ``regso_code``). DeSO boundaries
    are held at DeSO 2018 for every year (no boundary break is modelled for them).

    Examples
    --------
    >>> d = generate(n_areas=30, years=(2023, 2024), seed=2, division="deso")
    >>> d.dataset.sizes["area"], set(d.tidy["boundary_version"]), "regso_code" in d.truth
    (30, {'DeSO2018'}, True)
    """
    if division not in DIVISIONS:
        raise ValueError(f"division {division!r} is not one of {sorted(DIVISIONS)}")
    if boundary_break and division != "regso":
        raise ValueError(
            "the 2024 boundary break is modelled for RegSO only; a DeSO panel "
            "is held at DeSO 2018 boundaries (boundary_break=False)"
        )
    cfg = config or SyntheticConfig()
    rng = np.random.default_rng(seed)
    areas, version, population_range = _division_areas(rng, division, n_areas)
    n, years = len(areas), tuple(int(y) for y in years)
    t = len(years)
    eta = _latent_status(rng, areas, t, cfg)
    alpha = (
        np.asarray(cfg.alpha)[None, None, :]
        + np.outer(np.arange(t) - (t - 1) / 2, cfg.trend)[None, :, :]
    )
    lam = np.asarray(cfg.loading)[None, None, :]
    persistent = (
        rng.normal(0, cfg.indicator_sd, size=(n, 1, 3))
        if cfg.gamma_df is None
        else student_t(rng, cfg.gamma_df, cfg.indicator_sd, (n, 1, 3))
    )
    eps = persistent + rng.normal(0, cfg.cell_sd, size=(n, t, 3))
    jump_year = np.full(n, -1)
    factor_year = np.full(n, -1)
    if t > 1 and cfg.jump_share > 0:
        eta, jump_year = plant_jumps(rng, eta, alpha, lam, eps, cfg)
    declining = np.zeros(n, bool)
    if t > 1 and cfg.decline_share > 0:
        eta, declining = plant_decline(rng, eta, alpha, lam, eps, cfg)
    without_programme = None
    if cfg.programme_areas:
        without_programme = eta
        eta = plant_programme(eta, alpha, lam, eps, areas["area_code"].to_numpy(), years, cfg)
    if t > 1 and cfg.second_factor_share > 0:
        factor_year = event_years(rng, n, t, cfg.second_factor_share)
        hit = factor_year >= 0
        after = np.arange(t)[None, :] >= factor_year[:, None]
        eps[:, :, 0] += cfg.second_factor_logit * (hit[:, None] & after)
    p = expit(alpha + lam * eta[:, :, None] + eps)
    pop, denom = _populations(rng, areas, years, cfg, population_range)
    count = rng.binomial(denom.astype(np.int64), p).astype(float)

    codes = areas["area_code"].to_numpy()
    broken = np.zeros((n, t), bool)
    if boundary_break:
        unbroken = eta
        eta, p, pop, denom, count, broken = break_boundaries(
            seed, codes, years, eta, alpha, lam, eps, pop, denom, count
        )
        if without_programme is not None:  # the counterfactual moves with the boundary
            without_programme = without_programme + (eta - unbroken)
    tidy = _tidy_counts(areas, years, count, denom, version, boundary_break)
    truth = _truth_table(areas, years, eta, p, pop, jump_year, factor_year, broken)
    if declining.any():  # the areas in steady decline, every year
        truth["declining"] = np.repeat(declining, t)
    if without_programme is not None:  # the planted programme's truth
        started = np.isin(codes, cfg.programme_areas)[:, None] & (
            np.asarray(years)[None, :] >= cfg.programme_start
        )
        truth["programme"] = started.ravel()
        truth["index_counterfactual_true"] = index_of(alpha, lam, without_programme, eps).ravel()
    boundaries = (
        f"RegSO 2020 boundaries to {BREAK_YEAR - 1}, RegSO 2025 from {BREAK_YEAR} "
        f"({int(broken.any(axis=1).sum())} areas' boundaries changed)"
        if boundary_break
        else f"{version} boundaries held fixed for every year"
    )
    attrs = {
        "source": f"sesindex synthetic generator (seed {seed}); areas, names and "
        f"populations from the packaged {version} bundle ({ATTRIBUTION})",
        "boundary_note": boundaries,
        "seed": seed,
        "config": str(asdict(cfg)),
    }
    return SyntheticData(from_tidy(tidy, attrs=attrs), tidy, truth, cfg, seed)


def _division_areas(rng, division: str, n_areas: int | None):
    """The division's packaged areas (a random subset of ``n_areas``, drawn first from
    ``rng``), its boundary version and the population range the generator scales to.
    """
    version, load_division, population_range = DIVISIONS[division]
    areas = load_division()
    population_range = population_range or (areas["population"].min(), areas["population"].max())
    if n_areas is not None:
        keep = np.sort(rng.choice(len(areas), size=n_areas, replace=False))
        areas = areas.iloc[keep].reset_index(drop=True)
    return areas, version, population_range


def _latent_status(rng, areas: pd.DataFrame, t: int, cfg: SyntheticConfig) -> np.ndarray:
    """Each area's latent disadvantage eta per year (area, year): its real education
    share's normal score mixed with noise, right-skewed, then a random walk (each year's
    drift centred) and the common drift.
    """
    n = len(areas)
    edu_share = (areas["edu_forgymnasial"] + areas["edu_missing"]) / areas[
        ["edu_forgymnasial", "edu_gymnasial", "edu_postgym_lt3y", "edu_postgym_ge3y", "edu_missing"]
    ].sum(axis=1)
    real_score = norm.ppf((rankdata(edu_share) - 0.5) / n)
    u = cfg.real_weight * real_score + np.sqrt(1 - cfg.real_weight**2) * rng.standard_normal(n)
    u = u + cfg.skew * (u**2 - 1)  # right skew: a long tail of disadvantaged areas
    steps = rng.normal(0.0, cfg.drift_sd, size=(n, t))
    steps[:, 0] = 0.0
    eta = u[:, None] + np.cumsum(steps, axis=1)  # (area, year)
    # centre each year's drift so the latent scale stays comparable across years
    eta = eta - (eta.mean(axis=0) - u.mean())
    return eta + cfg.common_drift * (np.arange(t) - (t - 1) / 2)


def _populations(
    rng, areas: pd.DataFrame, years: tuple[int, ...], cfg: SyntheticConfig, population_range
) -> tuple[np.ndarray, np.ndarray]:
    """Population (area, year) and the three indicators' denominators (area, year, 3):
    each area's real population grown at its own rate, kept in the division's range.
    """
    year_offset = np.asarray(years) - 2022
    growth = rng.normal(cfg.pop_growth, cfg.pop_growth_sd, size=(len(areas), 1))
    scale = np.exp(growth * year_offset[None, :])
    raw = areas["population"].to_numpy()[:, None] * scale
    scale *= np.clip(raw, *population_range) / raw  # stay in the division's range
    pop = np.rint(areas["population"].to_numpy()[:, None] * scale)
    adults = np.maximum(np.rint(areas["pop_20_64"].to_numpy()[:, None] * scale), 1)
    return pop, np.stack([np.rint(pop * cfg.adult_share_v1), adults, adults], axis=-1)


def _tidy_counts(
    areas: pd.DataFrame,
    years: tuple[int, ...],
    count: np.ndarray,
    denom: np.ndarray,
    version: str,
    boundary_break: bool,
) -> pd.DataFrame:
    """The counts as the tidy table (area, year, indicator) with each area's name,
    municipality and boundary version.
    """
    grid = pd.MultiIndex.from_product(
        [areas["area_code"].to_numpy(), years, INDICATORS], names=["area_code", "year", "indicator"]
    )
    tidy = grid.to_frame(index=False)
    tidy["count"] = count.ravel()
    tidy["denominator"] = denom.ravel()
    tidy["value"] = np.nan
    meta = areas.set_index("area_code")
    tidy["area_name"] = tidy["area_code"].map(meta["area_name"])
    tidy["municipality_code"] = tidy["area_code"].map(meta["municipality_code"])
    tidy["boundary_version"] = version
    if boundary_break:
        tidy.loc[tidy["year"] >= BREAK_YEAR, "boundary_version"] = VERSIONS[1]
    return tidy


def _truth_table(
    areas: pd.DataFrame,
    years: tuple[int, ...],
    eta: np.ndarray,
    p: np.ndarray,
    pop: np.ndarray,
    jump_year: np.ndarray,
    factor_year: np.ndarray,
    broken: np.ndarray,
) -> pd.DataFrame:
    """The truth behind the counts per area and year: eta, true rates, index and type,
    population and the planted events.
    """
    codes, t = areas["area_code"].to_numpy(), len(years)
    true_rates = 100 * p
    true_index = true_rates.mean(axis=2)
    truth = pd.DataFrame(
        {
            "area_code": np.repeat(codes, t),
            "year": np.tile(years, len(codes)),
            "eta_true": eta.ravel(),
            "ses_true": -eta.ravel(),
            **{f"rate_{j}_true": true_rates[:, :, k].ravel() for k, j in enumerate(INDICATORS)},
            "index_true": true_index.ravel(),
            "type_true": _true_types(true_index).ravel(),
            "population": pop.ravel(),
            # the planted events: the year an area's status jumps / its V1 alone moves
            "jump": (jump_year[:, None] == np.arange(t)[None, :]).ravel(),
            "second_factor": (factor_year[:, None] == np.arange(t)[None, :]).ravel(),
            "boundary_changed": broken.ravel(),  # on changed RegSO 2025 boundaries
        }
    )
    if "regso_code" in areas:  # a DeSO panel: the RegSO each area lies in
        truth.insert(1, "regso_code", np.repeat(areas["regso_code"].to_numpy(), t))
    return truth


#: The planted programme of ``--data synthetic-programme``: the worse-off areas it picks,
#: the year it starts and its effect on each area's index in that year (points).
PROGRAMME_DEMO = {"areas": 40, "start": 2018, "index": -1.0}


def generate_programme(
    n_areas: int | None = None,
    years: tuple[int, ...] = YEARS,
    seed: int = 20240101,
    areas: int = int(PROGRAMME_DEMO["areas"]),
    start: int = int(PROGRAMME_DEMO["start"]),
    effect: float = PROGRAMME_DEMO["index"],
    *,
    boundary_break: bool = False,
) -> SyntheticData:
    """The default panel with a programme planted for evaluation walk-throughs.

    ``areas`` areas drawn at random among the worst quarter of the true index in the year
    before ``start`` improve by ``effect`` index points from ``start`` on (each area's
    status shifts by what moves its index that much in the start year). The truth holds
    ``programme`` (treated and started) and ``index_counterfactual_true``.

    Examples
    --------
    >>> d = generate_programme(n_areas=80, years=(2016, 2017, 2018, 2019), areas=5)
    >>> int(d.truth.groupby("area_code")["programme"].any().sum())
    5
    >>> generate_programme(n_areas=40, years=(2019, 2020), start=2020, areas=20)
    Traceback (most recent call last):
    ...
    ValueError: a programme of 20 areas is drawn from the worst quarter of the index in 2019, which
    holds 10 of the 40 areas: ask for fewer programme areas or more areas (n_areas >= 80)
    """
    base = generate(n_areas=n_areas, years=years, seed=seed, boundary_break=boundary_break)
    before = base.truth[base.truth["year"] == start - 1]
    worst = before[before["index_true"] >= before["index_true"].quantile(0.75)]
    if len(worst) < areas:
        raise ValueError(
            f"a programme of {areas} areas is drawn from the worst quarter of "
            f"the index in {start - 1}, which holds {len(worst)} of the "
            f"{before['area_code'].nunique()} areas: ask for fewer programme "
            f"areas or more areas (n_areas >= {4 * areas})"
        )
    rng = np.random.default_rng([seed, 18])
    picked = tuple(sorted(rng.choice(worst["area_code"].to_numpy(), areas, replace=False)))
    return generate(
        n_areas=n_areas,
        years=years,
        seed=seed,
        config=SyntheticConfig(
            programme_areas=picked, programme_start=start, programme_index=effect
        ),
        boundary_break=boundary_break,
    )

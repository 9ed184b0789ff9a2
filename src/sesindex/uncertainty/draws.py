"""Index, types, ranks and changes over *draws*: posterior draws or bootstrap replicates.

Everything the deterministic index computes once, computed per draw, so that the
uncertainty of each area's own rates *and* of the national mean and standard deviation
reaches its type, rank and change. Input is an ``xarray.DataArray`` of index values with a
``draw`` dimension (plus ``area`` and ``year``).

Examples
--------
>>> import numpy as np, xarray as xr
>>> rng = np.random.default_rng(0)
>>> ix = xr.DataArray(
...     rng.normal([[5.0], [9.0], [30.0]], 0.5, size=(400, 3, 1)),
...     dims=("draw", "area", "year"),
...     coords={"area": ["a", "b", "c"], "year": [2022]},
... )
>>> s = summarise_index_draws(ix)
>>> [round(float(v), 2) for v in s["p_type_1"].sel(year=2022).values]
[0.0, 0.0, 0.0]
>>> int(s["rank_lo90"].sel(area="c", year=2022)), int(s["rank_hi90"].sel(area="c", year=2022))
(1, 1)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from sesindex.index.area_type import area_types
from sesindex.index.ranks import rank_array

LEVELS = (0.50, 0.90, 0.95)


@dataclass(frozen=True)
class VerdictRule:
    """The verdict on each observed type change: the probability column it reads, its two
    thresholds and its three labels (at or above ``high``, between, below ``low``).

    One rule per family of draws, used everywhere (console, changes.csv, report):
    :data:`POSTERIOR_VERDICT` for a fit's posterior draws, :data:`BOOTSTRAP_VERDICT` for
    bootstrap replicates around the observed index.

    Examples
    --------
    >>> rule = VerdictRule("p", 0.9, 0.5, ("high", "middle", "low"), "P(something)")
    >>> rule(np.array([0.95, 0.7, 0.3, np.nan])).tolist()
    ['high', 'middle', 'low', '']
    >>> rule.text
    'high: P(something) >= 0.9; low: < 0.5; otherwise middle'
    """

    column: str
    high: float
    low: float
    labels: tuple[str, str, str]
    measures: str
    note: str = ""

    def __call__(self, p) -> np.ndarray:
        """The verdict on each probability; "" where the type did not change (NaN)."""
        p = np.asarray(p, float)
        above, between, below = self.labels
        return np.where(
            np.isnan(p), "", np.where(p >= self.high, above, np.where(p < self.low, below, between))
        )

    @property
    def text(self) -> str:
        """The rule in words, with its thresholds (and what it is not, for the bootstrap)."""
        above, between, below = self.labels
        return (
            f"{above}: {self.measures} >= {self.high}; {below}: < {self.low}; "
            f"otherwise {between}{self.note}"
        )


#: What each verdict's probability measures, in Swedish and English (by its column).
MEASURES = {
    "p_type_change_as_observed": (
        "P(typen flyttade verkligen som observerat)",
        "P(the type truly moved as observed)",
    ),
    "p_survives_noise": (
        "andel bootstrapreplikat där det observerade typbytet består",
        "share of bootstrap replicates in which the observed type change persists",
    ),
}
#: A fit's verdict: the posterior probability that the type truly moved as observed,
#: calibrated on synthetic truth (benchmarks/verdict_precision.py; docs/validation.md).
POSTERIOR_VERDICT = VerdictRule(
    "p_type_change_as_observed",
    0.9,
    0.5,
    ("probably real", "uncertain", "probably noise"),
    MEASURES["p_type_change_as_observed"][1],
)
#: The bootstrap's verdict: replicates are drawn around the *observed* index, so their
#: share says whether an observed change stands out from binomial noise, not how likely
#: the true type changed (true changes are rare; docs/validation.md measures it).
BOOTSTRAP_VERDICT = VerdictRule(
    "p_survives_noise",
    0.9,
    0.5,
    ("survives noise", "unclear", "within noise"),
    MEASURES["p_survives_noise"][1],
    note="; this is not P(the type truly changed), which needs the model: sesindex fit",
)


def verdict_rule(changes) -> VerdictRule:
    """The rule that judged a changes table: the bootstrap's when it has its column,
    else the posterior's.

    Examples
    --------
    >>> verdict_rule({"p_survives_noise": []}).labels[0]
    'survives noise'
    """
    return BOOTSTRAP_VERDICT if BOOTSTRAP_VERDICT.column in changes else POSTERIOR_VERDICT


def interval_names(level: float) -> tuple[str, str]:
    """Column suffixes of a central interval: 0.9 -> ('lo90', 'hi90')."""
    pct = int(round(level * 100))
    return f"lo{pct}", f"hi{pct}"


def summarise(draws: xr.DataArray, name: str, levels=LEVELS, dim: str = "draw") -> xr.Dataset:
    """Posterior mean and central intervals of ``draws`` as ``<name>_mean``, ``_lo90`` ..."""
    out = {f"{name}_mean": draws.mean(dim), f"{name}_sd": draws.std(dim)}
    qs = sorted({q for lv in levels for q in ((1 - lv) / 2, (1 + lv) / 2)})
    quant = draws.quantile(qs, dim=dim, skipna=False)  # vectorised; a NaN draw shows as NaN
    for lv in levels:
        lo, hi = interval_names(lv)
        out[f"{name}_{lo}"] = quant.sel(quantile=(1 - lv) / 2, drop=True)
        out[f"{name}_{hi}"] = quant.sel(quantile=(1 + lv) / 2, drop=True)
    return xr.Dataset(out)


def joint_rank_set(rank: np.ndarray, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Simultaneous rank intervals: every area's rank lies in its interval in at least
    ``level`` of the draws *jointly* (rank: draw x area).

    Marginal 90 % intervals hold each area's rank 90 % of the time, but across 3,363
    areas nearly every draw puts some rank outside its interval; a publisher who says
    "these are the areas' ranks" needs the joint set. The intervals are the marginal
    quantiles at a common level q, widened (q lowered) by bisection until the share of
    draws with all ranks inside reaches ``level``.

    Examples
    --------
    >>> import numpy as np
    >>> r = (
    ...     np.argsort(
    ...         np.argsort(
    ...             np.random.default_rng(0).normal(np.arange(50.0) / 5, 1, (2000, 50)), axis=1
    ...         ),
    ...         axis=1,
    ...     )
    ...     + 1
    ... )
    >>> lo, hi = joint_rank_set(r, 0.9)
    >>> inside = ((r >= lo) & (r <= hi)).all(axis=1).mean()
    >>> marginal = np.quantile(r, 0.95, 0) - np.quantile(r, 0.05, 0)
    >>> bool(inside >= 0.9), bool((hi - lo).mean() > marginal.mean())
    (True, True)
    """
    rank = np.asarray(rank)
    if len(rank) < 2:
        return rank.min(axis=0), rank.max(axis=0)
    srt = np.sort(rank, axis=0)
    n = len(rank)

    def bounds(q: float):
        k = int(np.floor(q * (n - 1)))
        return srt[k], srt[n - 1 - k]

    def covered(q: float) -> float:
        lo, hi = bounds(q)
        return float(((rank >= lo) & (rank <= hi)).all(axis=1).mean())

    low, high = 0.0, (1 - level) / 2  # q = 0: min..max holds every draw
    for _ in range(30):
        mid = (low + high) / 2
        low, high = (mid, high) if covered(mid) >= level else (low, mid)
    return bounds(low)


def rank_cutoffs(rank: np.ndarray, n_type1: float | None = None) -> dict[str, np.ndarray]:
    """P(rank <= k) per area for the cut-offs publishers use: the worst 5 % and 10 % of
    the areas, and (``n_type1``) as many areas as are in type 1 (rank 1 = highest
    index = lowest status).

    Examples
    --------
    >>> import numpy as np
    >>> p = rank_cutoffs(np.array([[1, 2, 3, 4], [2, 1, 3, 4]] * 10), n_type1=1)
    >>> p["p_rank_worst_type1"].tolist()
    [0.5, 0.5, 0.0, 0.0]
    """
    n = rank.shape[1]
    out = {f"p_rank_worst{p}pct": (rank <= int(np.ceil(p / 100 * n))).mean(axis=0) for p in (5, 10)}
    if n_type1 is not None:
        out["p_rank_worst_type1"] = (rank <= int(round(n_type1))).mean(axis=0)
    return out


def _per_year(typing, values, index: xr.DataArray) -> xr.DataArray:
    """One of ``typing``'s per-year arrays for the years of ``index``, by year label (a
    slice of the years gets its own years' values).
    """
    position = {int(y): k for k, y in enumerate(typing.years)}
    values = np.asarray(values)[[position[int(y)] for y in index["year"].values]]
    return xr.DataArray(values, dims="year", coords={"year": index["year"]})


def types_per_draw(
    index: xr.DataArray, ddof: int = 1, dim: str = "area", typing=None
) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    """National mu, sigma and the area type in every draw (mu, sigma vary by draw).

    ``typing`` (:class:`sesindex.index.cutpoints.Typing`) applies the typing rule: years
    with supplied cut points are typed from them, years that get no types have type 0.
    """
    mu, sigma = index.mean(dim), index.std(dim, ddof=ddof)
    if typing is None:
        return mu, sigma, area_types(index, mu, sigma)
    supplied = _per_year(typing, typing.supplied, index)
    mu = mu.where(~supplied, _per_year(typing, typing.mu, index))
    sigma = sigma.where(~supplied, _per_year(typing, typing.sigma, index))
    types = area_types(index, mu, sigma).where(_per_year(typing, typing.typed, index), 0)
    return mu, sigma, types


def summarise_index_draws(
    index: xr.DataArray, observed_type: xr.DataArray | None = None, ddof: int = 1, typing=None
) -> xr.Dataset:
    """Per area and year: index mean/intervals, rank intervals, P(type = k), P(type differs).

    ``observed_type`` (area, year), when given, adds ``p_type_differs``: the probability
    that the area's type differs from the observed (plug-in or published) type.
    ``typing`` (:class:`sesindex.index.cutpoints.Typing`): years without types get NaN
    type probabilities, years whose data do not hold the whole division (the typing
    rule's ``ranked``) get no ranks, and years not typed from the data's own moments (its
    ``national``) no national mu and sigma.
    """
    mu, sigma, types = types_per_draw(index, ddof, typing=typing)
    out = summarise(index, "index")
    rank = xr.apply_ufunc(
        rank_array, index, input_core_dims=[["area"]], output_core_dims=[["area"]]
    ).transpose(*index.dims)
    rq = rank.quantile([0.05, 0.5, 0.95], dim="draw", skipna=False)
    out["rank_median"] = rq.sel(quantile=0.5, drop=True)
    out["rank_lo90"] = rq.sel(quantile=0.05, drop=True)
    out["rank_hi90"] = rq.sel(quantile=0.95, drop=True)
    joint = [
        joint_rank_set(rank.sel(year=y).transpose("draw", "area").values)
        for y in index["year"].values
    ]
    for k, name in enumerate(("rank_lo90_joint", "rank_hi90_joint")):
        out[name] = xr.DataArray(
            np.stack([j[k] for j in joint], axis=-1),
            dims=("area", "year"),
            coords=out["rank_lo90"].coords,
        )
    n_type1 = (types == 1).sum("area").mean("draw")
    for y in index["year"].values:
        cut = rank_cutoffs(
            rank.sel(year=y).transpose("draw", "area").values, float(n_type1.sel(year=y))
        )
        for name, values in cut.items():
            if name not in out:
                out[name] = xr.full_like(out["rank_lo90"], np.nan, dtype=float)
            out[name].loc[{"year": y}] = values
    for k in range(1, 6):
        out[f"p_type_{k}"] = (types == k).mean("draw")
    out["type_mode"] = xr.concat([out[f"p_type_{k}"] for k in range(1, 6)], "k").argmax("k") + 1
    if observed_type is not None:
        out["p_type_differs"] = (types != observed_type).mean("draw")
    out = out.merge(summarise(mu, "mu")).merge(summarise(sigma, "sigma"))
    if typing is not None:
        typed = _per_year(typing, typing.typed, index)
        national = _per_year(typing, typing.national, index)
        ranked = _per_year(typing, typing.ranked, index)
        for var in map(str, out.data_vars):
            if var.startswith(("p_type", "type_mode")):
                out[var] = out[var].where(typed, 0 if var == "type_mode" else np.nan)
            elif var.startswith(("rank_", "p_rank_")):
                out[var] = out[var].where(ranked)
            elif var.startswith(("mu_", "sigma_")):
                out[var] = out[var].where(national)
    return out


def change_draws(
    index: xr.DataArray,
    year_from: int,
    year_to: int,
    ddof: int = 1,
    delta: float = 1.0,
    typing=None,
) -> xr.Dataset:
    """Per area, what changed between two years and why, over draws.

    * ``dI_*``: the index change; ``p_abs_change_gt_delta``: P(|dI| > delta points);
    * ``p_type_change``: P(type in ``year_to`` differs from type in ``year_from``);
    * ``p_own_change``: P(type changes when the cut points are held at ``year_from``'s
      mu and sigma) — the area's own movement;
    * ``p_cut_change``: P(the area's ``year_to`` index gets a different type from the
      ``year_to`` cut points than from ``year_from``'s) — movement of mu and sigma alone.
    """
    mu, sigma, types = types_per_draw(index, ddof, typing=typing)
    i0, i1 = index.sel(year=year_from, drop=True), index.sel(year=year_to, drop=True)
    t0, t1 = types.sel(year=year_from, drop=True), types.sel(year=year_to, drop=True)
    m0, s0 = mu.sel(year=year_from, drop=True), sigma.sel(year=year_from, drop=True)
    held = area_types(i1, m0, s0)
    d = i1 - i0
    out = summarise(d, "dI")
    out["p_abs_change_gt_delta"] = (abs(d) > delta).mean("draw")
    out["p_increase"] = (d > 0).mean("draw")
    out["p_type_change"] = (t1 != t0).mean("draw")
    out["p_own_change"] = (held != t0).mean("draw")
    out["p_cut_change"] = (t1 != held).mean("draw")
    out["p_type_improves"] = (t1 > t0).mean("draw")
    out["p_type_worsens"] = (t1 < t0).mean("draw")
    if typing is not None:
        both = bool(
            typing.typed[typing.years.index(int(year_from))]
            and typing.typed[typing.years.index(int(year_to))]
        )
        for name in (
            "p_type_change",
            "p_own_change",
            "p_cut_change",
            "p_type_improves",
            "p_type_worsens",
        ):
            out[name] = out[name].where(both)
    out.attrs.update(year_from=year_from, year_to=year_to, delta=delta)
    return out

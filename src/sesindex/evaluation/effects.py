"""Programme effects per posterior draw, and their summaries.

The counterfactual is the model's own: in every draw each treated area's true rates are
drawn with the programme's shift of its latent status (the fit with programme effects,
:mod:`sesindex.bayes.model.programme`) and, from the same draw, without it (the same true
logits less ``lambda_j`` times the shift). Their difference is the effect on that area's
index in that year, on the index's own scale: an area with high rates moves more for the
same shift in status (the logit is steeper there), which a difference of observed
indices against all other areas would mistake for a programme effect or hide. The
comparison areas (matched, all, or given) enter the same fit: they pin down the years'
levels and the random walk's behaviour, which is what the counterfactual trajectory
rests on.

Estimands, each with a draw per posterior draw: ``att_index`` (mean effect on the index
over the treated areas' post-programme years, points; negative = lower index = better),
``att_ses`` (the same on the latent status in sds of the reference year; positive =
better), ``att_share_type_1_2`` (the change in the share of treated area-years in types
1-2, by the national cut points of each year), ``att_index_cohort_<year>`` per start
year, and the event study: the effect on the index in each year relative to the start
(years before it are placebo checks; the year before is the reference, 0).

Examples
--------
>>> import numpy as np
>>> d = np.random.default_rng(0).normal(-1.0, 0.2, 4000)
>>> row = summarise_draws(d, "att_index")
>>> row["estimand"], round(row["mean"], 1), row["p_negative"] > 0.99
('att_index', -1.0, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sesindex.bayes.model.programme import event_times
from sesindex.bayes.sampling.trace import group
from sesindex.index.area_type import area_types

#: Labels of the estimands for published tables.
LABELS = {
    "att_index": (
        "Genomsnittlig effekt på index (procentenheter)",
        "Average effect on the index (percentage points)",
    ),
    "att_ses": (
        "Genomsnittlig effekt på socioekonomisk status (standardavvikelser)",
        "Average effect on socioeconomic status (standard deviations)",
    ),
    "att_share_type_1_2": (
        "Effekt på andelen i områdestyp 1-2 (procentenheter)",
        "Effect on the share in area types 1-2 (percentage points)",
    ),
}
#: The evaluation's sentences in Swedish and English (the English ones go into its
#: results and manifest; the reports say them in their language).
NOTES = {
    "ev_pre_period_caution": (
        "Varning: {n} av {pre} 95 %-intervall före starten utesluter 0 (händelsetider "
        "{times}): jämförelsen kanske inte håller",
        "Caution: {n} of {pre} pre-period 95 % intervals exclude 0 (event times {times}): "
        "the comparison may not hold",
    ),
    "ev_counterfactual": (
        "modellens eget: varje behandlat områdes index i varje dragning utan programmets "
        "förskjutning av den latenta statusen, ur en panel skattad på de behandlade "
        "områdena och jämförelseområdena",
        "the model's own: each treated area's index in each draw without its programme's "
        "shift of the latent status, from a panel fitted on the treated and comparison "
        "areas",
    ),
    "ev_not_asked": ("inte begärd (refit_without_flagged)", "not asked (refit_without_flagged)"),
    "ev_nothing_flagged": ("inget område flaggat", "nothing flagged"),
    "ev_not_refitted": (
        "inte omskattad: {n} jämförelseområden kvar, färre än {least}",
        "not refitted: {n} comparison areas left, fewer than {least}",
    ),
    "ev_refitted": (
        "omskattad på {n} jämförelseområden (anpassningskontroll {gate})",
        "refitted on {n} comparison areas (fit gate {gate})",
    ),
    "ev_gate_passed": ("godkänd", "passed"),
    "ev_gate_failed": ("EJ GODKÄND", "FAILED"),
}


def note(key: str, **values) -> str:
    """The evaluation's sentence ``key`` (:data:`NOTES`) in English, ``values`` filled in.

    Examples
    --------
    >>> note("ev_not_refitted", n=4, least=5)
    'not refitted: 4 comparison areas left, fewer than 5'
    """
    return NOTES[key][1].format(**values)


def summarise_draws(draws: np.ndarray, estimand: str) -> dict:
    """Mean, sd, 90/95 % central intervals and P(> 0), P(< 0) of one estimand's draws."""
    d = np.asarray(draws, float)
    q = np.quantile(d, [0.05, 0.95, 0.025, 0.975])
    sv, en = LABELS.get(estimand, ("", ""))
    return {
        "estimand": estimand,
        "mean": float(d.mean()),
        "sd": float(d.std(ddof=1)),
        "lo90": float(q[0]),
        "hi90": float(q[1]),
        "lo95": float(q[2]),
        "hi95": float(q[3]),
        "p_positive": float((d > 0).mean()),
        "p_negative": float((d < 0).mean()),
        "label_sv": sv,
        "label_en": en,
    }


def _flat(da) -> np.ndarray:
    values = np.asarray(da.transpose("chain", "draw", ...).values)
    return values.reshape(-1, *values.shape[2:])


def effect_draws(result, starts: dict[str, int], cutpoints: dict | None = None) -> dict:
    """Every estimand's draws from a fit with programme effects (:func:`fit` with
    ``programme``): a dict name -> array (draw,), and ``event_study`` -> (draw, time).

    ``cutpoints``: year -> (mu, sigma), the national cut points of the share in types
    1-2 (without them that estimand is left out).
    """
    post = result.posterior
    areas = [str(a) for a in result.inputs.areas]
    years = np.asarray(result.inputs.years, int)
    index, cf = _flat(post["index"]), _flat(post["index_counterfactual"])
    effect = index - cf  # (draw, area, year); 0 outside the treated areas
    start = np.array([starts.get(a, 10**6) for a in areas])
    post_years = years[None, :] >= start[:, None]  # (area, year): treated and started
    out = {"att_index": effect[:, post_years].mean(axis=1)}
    sampled = group(result.idata, "posterior")
    if sampled is None:
        raise ValueError("the evaluation fit holds no posterior draws")
    beta = _flat(sampled["programme_effect"].sel(draw=post["draw"]))
    shift = np.einsum("ate,se->sat", result.inputs.design, beta)
    scale = _flat(post["eta_scale"])[:, None]
    out["att_ses"] = -(shift[:, post_years] / scale).mean(axis=1)
    if cutpoints:
        mu = np.array([cutpoints[int(y)][0] for y in years])
        sigma = np.array([cutpoints[int(y)][1] for y in years])
        low = area_types(index, mu, sigma) <= 2
        low_cf = area_types(cf, mu, sigma) <= 2
        out["att_share_type_1_2"] = 100 * (
            low[:, post_years].mean(axis=1) - low_cf[:, post_years].mean(axis=1)
        )
    for cohort in sorted(set(starts.values())):
        mask = post_years & (start == cohort)[:, None]
        out[f"att_index_cohort_{cohort}"] = effect[:, mask].mean(axis=1)
    times = event_times(years.tolist(), starts)  # this programme's (a fit may hold several)
    rel = years[None, :] - start[:, None]
    treated = np.isin(areas, list(starts))[:, None]
    times = sorted(times + [-1])  # the reference year: 0 by construction
    study = [
        np.zeros(len(effect)) if e == -1 else effect[:, (rel == e) & treated].mean(axis=1)
        for e in times
    ]
    out["event_study"] = (times, np.stack(study, axis=1))
    return out


def trajectories(result, starts: dict[str, int], controls: list[str]) -> pd.DataFrame:
    """Per year: the mean index of the treated areas, of their counterfactual and of the
    comparison areas, with 90 % intervals (what the trajectory figure draws).
    """
    post = result.posterior
    areas = np.asarray([str(a) for a in result.inputs.areas])
    index, cf = _flat(post["index"]), _flat(post["index_counterfactual"])
    groups = {
        "treated": (index, np.isin(areas, list(starts))),
        "treated_without_programme": (cf, np.isin(areas, list(starts))),
        "comparison": (index, np.isin(areas, controls)),
    }
    rows = []
    for name, (draws, mask) in groups.items():
        mean = draws[:, mask, :].mean(axis=1)  # (draw, year)
        lo, hi = np.quantile(mean, [0.05, 0.95], axis=0)
        for t, year in enumerate(result.inputs.years):
            rows.append(
                {
                    "group": name,
                    "year": int(year),
                    "mean": float(mean[:, t].mean()),
                    "lo90": float(lo[t]),
                    "hi90": float(hi[t]),
                    "areas": int(mask.sum()),
                }
            )
    return pd.DataFrame(rows)


def effects_table(draws: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``effects`` (one row per estimand) and ``event_study`` (one row per event time)."""
    rows = [summarise_draws(v, k) for k, v in draws.items() if k != "event_study"]
    times, study = draws["event_study"]
    events = pd.DataFrame(
        [
            {
                "event_time": e,
                "period": "reference" if e == -1 else ("pre" if e < -1 else "post"),
                **summarise_draws(study[:, k], "event_index"),
            }
            for k, e in enumerate(times)
        ]
    )
    return pd.DataFrame(rows), events


def pre_period_check(event_study: pd.DataFrame) -> dict:
    """Whether the event study's pre-period sits near 0, as an evaluation's headline says.

    The years before the start (``period == "pre"``; the year before, the reference, is 0
    by construction and not counted) are placebo checks: a treated group that already
    moved away from its comparison then is a sign that the comparison may not hold for
    the years after. Every pre-period 95 % interval that excludes 0 is counted.

    Parameters
    ----------
    event_study : DataFrame
        The event study (:func:`effects_table`): ``event_time``, ``period``, ``lo95``,
        ``hi95``.

    Returns
    -------
    dict
        ``pre_periods`` (how many), ``excluding_0`` (the event times whose 95 % interval
        excludes 0) and ``caution``: the sentence the headline carries, or None when
        every pre-period interval includes 0.

    Examples
    --------
    >>> ev = pd.DataFrame(
    ...     {
    ...         "event_time": [-3, -2, -1, 0],
    ...         "period": ["pre", "pre", "reference", "post"],
    ...         "lo95": [-0.9, -0.2, 0.0, -1.5],
    ...         "hi95": [-0.1, 0.3, 0.0, -0.5],
    ...     }
    ... )
    >>> pre_period_check(ev)["caution"]
    'Caution: 1 of 2 pre-period 95 % intervals exclude 0 (event times -3): the comparison may not
    hold'
    """
    missing = {"event_time", "period", "lo95", "hi95"} - set(event_study.columns)
    if missing:
        raise ValueError(f"the event study has no column(s) {sorted(missing)}")
    pre = event_study[event_study["period"] == "pre"]
    off = pre[(pre["lo95"] > 0) | (pre["hi95"] < 0)]
    times = [int(e) for e in off["event_time"]]
    caution = None
    if times:
        caution = note(
            "ev_pre_period_caution", n=len(times), pre=len(pre), times=", ".join(map(str, times))
        )
    return {"pre_periods": len(pre), "excluding_0": times, "caution": caution}

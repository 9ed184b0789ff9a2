"""Programme effects per posterior draw, and their summaries.

The counterfactual is the model's own: in every draw each treated area's true rates are
drawn with the programme's shift of its latent status (the fit with programme effects,
:mod:`sesindex.bayes.programme`) and, from the same draw, without it (the same true
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
year, and the event study by year relative to the start: from the start on, the effect on
the index (``period == "post"``); before it, the **pre-trend check** (``"pre"``): the
treated areas' index in that year less their index in the year before the start, less
the same difference of their comparison areas — near 0 when the comparison areas were on
the treated areas' path before the programme (the year before the start is the
``"reference"``, 0).

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

from sesindex.index.area_type import area_types

#: Labels of the estimands for published tables.
LABELS = {
    "att_index": ("Genomsnittlig effekt på index (procentenheter)",
                  "Average effect on the index (percentage points)"),
    "att_ses": ("Genomsnittlig effekt på socioekonomisk status (standardavvikelser)",
                "Average effect on socioeconomic status (standard deviations)"),
    "att_share_type_1_2": ("Effekt på andelen i områdestyp 1-2 (procentenheter)",
                           "Effect on the share in area types 1-2 (percentage points)"),
}


def summarise_draws(draws: np.ndarray, estimand: str) -> dict:
    """Mean, sd, 90/95 % central intervals and P(> 0), P(< 0) of one estimand's draws."""
    d = np.asarray(draws, float)
    q = np.quantile(d, [0.05, 0.95, 0.025, 0.975])
    sv, en = LABELS.get(estimand, ("", ""))
    return {"estimand": estimand, "mean": float(d.mean()), "sd": float(d.std(ddof=1)),
            "lo90": float(q[0]), "hi90": float(q[1]), "lo95": float(q[2]),
            "hi95": float(q[3]), "p_positive": float((d > 0).mean()),
            "p_negative": float((d < 0).mean()), "label_sv": sv, "label_en": en}


def _flat(da) -> np.ndarray:
    values = np.asarray(da.transpose("chain", "draw", ...).values)
    return values.reshape(-1, *values.shape[2:])


def effect_draws(result, starts: dict[str, int], comparison: list[str],
                 cutpoints: dict | None = None) -> dict:
    """Every estimand's draws from a fit with programme effects (:func:`fit` with
    ``programme``): a dict name -> array (draw,), and ``event_study`` -> (event times,
    array (draw, time)).

    ``comparison``: the comparison areas of the pre-trend check; ``cutpoints``: year ->
    (mu, sigma), the national cut points of the share in types 1-2 (without them that
    estimand is left out).
    """
    post = result.posterior
    areas = [str(a) for a in result.inputs.areas]
    years = np.asarray(result.inputs.years, int)
    index, cf = _flat(post["index"]), _flat(post["index_counterfactual"])
    effect = index - cf  # (draw, area, year); 0 outside the treated areas
    start = np.array([starts.get(a, 10**6) for a in areas])
    post_years = years[None, :] >= start[:, None]  # (area, year): treated and started
    out = {"att_index": effect[:, post_years].mean(axis=1)}
    beta = _flat(result.idata.posterior["programme_effect"].sel(draw=post["draw"]))
    shift = np.einsum("ate,se->sat", result.inputs.design, beta)
    scale = _flat(post["eta_scale"])[:, None]
    out["att_ses"] = -(shift[:, post_years] / scale).mean(axis=1)
    if cutpoints:
        mu = np.array([cutpoints[int(y)][0] for y in years])
        sigma = np.array([cutpoints[int(y)][1] for y in years])
        low = area_types(index, mu, sigma) <= 2
        low_cf = area_types(cf, mu, sigma) <= 2
        out["att_share_type_1_2"] = 100 * (low[:, post_years].mean(axis=1)
                                           - low_cf[:, post_years].mean(axis=1))
    for cohort in sorted(set(starts.values())):
        mask = post_years & (start == cohort)[:, None]
        out[f"att_index_cohort_{cohort}"] = effect[:, mask].mean(axis=1)
    rel = years[None, :] - start[:, None]
    treated = np.isin(areas, list(starts))[:, None]
    study = {e: effect[:, (rel == e) & treated].mean(axis=1)
             for e in result.inputs.event_times}
    study.update(pre_trends(index, areas, years, starts, comparison))
    times = sorted(study)
    out["event_study"] = (times, np.stack([study[e] for e in times], axis=1))
    return out


def pre_trends(index: np.ndarray, areas: list[str], years: np.ndarray,
               starts: dict[str, int], comparison: list[str]) -> dict[int, np.ndarray]:
    """The pre-trend check per event time e < 0, per draw: each treated area's index in
    year s + e less its index in s - 1 (s its start), less the same difference of the
    comparison areas' mean index, averaged over the treated areas (e = -1: 0, the
    reference).

    Examples
    --------
    >>> index = np.array([[[3.0, 2.0, 1.0], [1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]])
    >>> got = pre_trends(index, ["T", "C", "D"], np.array([2019, 2020, 2021]), {"T": 2021},
    ...                  ["C", "D"])
    >>> {e: float(v[0]) for e, v in got.items()}  # T's index fell a point a year, C's and D's flat
    {-2: 1.0, -1: 0.0}
    """
    col = {int(y): t for t, y in enumerate(years)}
    row = {a: i for i, a in enumerate(areas)}
    control = index[:, [row[a] for a in comparison], :].mean(axis=1)  # (draw, year)
    sums: dict[int, np.ndarray] = {}
    counts: dict[int, int] = {}
    for area, s in starts.items():
        if s - 1 not in col:
            continue
        ref = col[s - 1]
        own = index[:, row[area], :] - index[:, row[area], ref][:, None]
        gap = own - (control - control[:, ref][:, None])  # (draw, year)
        for year, t in col.items():
            e = year - s
            if e < 0:
                sums[e] = sums.get(e, 0.0) + gap[:, t]
                counts[e] = counts.get(e, 0) + 1
    return {e: sums[e] / counts[e] for e in sorted(sums)}


def trajectories(result, starts: dict[str, int], controls: list[str]) -> pd.DataFrame:
    """Per year: the mean index of the treated areas, of their counterfactual and of the
    comparison areas, with 90 % intervals (what the trajectory figure draws)."""
    post = result.posterior
    areas = np.asarray([str(a) for a in result.inputs.areas])
    index, cf = _flat(post["index"]), _flat(post["index_counterfactual"])
    groups = {"treated": (index, np.isin(areas, list(starts))),
              "treated_without_programme": (cf, np.isin(areas, list(starts))),
              "comparison": (index, np.isin(areas, controls))}
    rows = []
    for name, (draws, mask) in groups.items():
        mean = draws[:, mask, :].mean(axis=1)  # (draw, year)
        lo, hi = np.quantile(mean, [0.05, 0.95], axis=0)
        for t, year in enumerate(result.inputs.years):
            rows.append({"group": name, "year": int(year), "mean": float(mean[:, t].mean()),
                         "lo90": float(lo[t]), "hi90": float(hi[t]), "areas": int(mask.sum())})
    return pd.DataFrame(rows)


def effects_table(draws: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``effects`` (one row per estimand) and ``event_study`` (one row per event time)."""
    rows = [summarise_draws(v, k) for k, v in draws.items() if k != "event_study"]
    times, study = draws["event_study"]
    events = pd.DataFrame([{"event_time": e, "period": "reference" if e == -1 else
                            ("pre" if e < -1 else "post"),
                            **summarise_draws(study[:, k], "pre_trend" if e < 0
                                              else "event_index")}
                           for k, e in enumerate(times)])
    return pd.DataFrame(rows), events

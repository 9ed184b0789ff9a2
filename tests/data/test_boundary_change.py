"""SCB's 2024 boundary break: flagged in the data, a series break in the panel model,
``boundary_changed`` in every change table.
"""

from __future__ import annotations

import numpy as np
import pytest

from sesindex.bayes.spec import ModelSpec, SamplerSpec
from sesindex.data.boundary_change import (
    BOUNDARY_VERDICT,
    boundary_breaks,
    changed_areas,
    mark_boundary_changes,
)
from sesindex.data.synthetic import generate

YEARS = (2021, 2022, 2023, 2024)


def test_the_synthetic_default_follows_scb_across_2024_and_nothing_else_moves():
    plain = generate(n_areas=300, years=YEARS, seed=2)
    broken = generate(n_areas=300, years=YEARS, seed=2, boundary_break=True)
    version = broken.dataset["boundary_version"].to_series().unstack("year")
    assert set(version[2024]) == {"RegSO2025"} and set(version[2023]) == {"RegSO2020"}
    changed = np.isin(broken.dataset["area"].values, changed_areas()["area_code"])
    assert 10 < changed.sum() < 60  # about 287 of 3,363 areas
    a, b = plain.dataset["count"].values, broken.dataset["count"].values
    np.testing.assert_array_equal(a[~changed], b[~changed])  # unchanged areas: same data
    np.testing.assert_array_equal(a[:, :3], b[:, :3])  # and every area before 2024
    moved = (
        broken.dataset["denominator"].values[changed, 3]
        != plain.dataset["denominator"].values[changed, 3]
    )
    assert moved.mean() > 0.9  # the changed areas gained or lost population
    truth = broken.truth.set_index(["area_code", "year"])["boundary_changed"]
    assert truth.xs(2024, level="year").sum() == changed.sum()
    assert not truth.xs(2023, level="year").any()


def test_breaks_need_a_version_change_and_a_changed_area():
    ds = generate(n_areas=300, years=YEARS, seed=2, boundary_break=True).dataset
    breaks = boundary_breaks(ds)
    changed = np.isin(ds["area"].values, changed_areas()["area_code"])
    np.testing.assert_array_equal(breaks.sel(year=2024).values, changed)
    assert not breaks.sel(year=[2021, 2022, 2023]).any()
    # the same areas on one boundary version all through: no break
    assert not boundary_breaks(generate(n_areas=300, years=YEARS, seed=2).dataset).any()
    # years 2022 and 2024 only: the break lies between them
    assert boundary_breaks(ds.sel(year=[2022, 2024])).sel(year=2024).values.sum() == changed.sum()


def test_comparisons_across_a_break_are_never_an_areas_own_movement():
    import pandas as pd

    ds = generate(n_areas=300, years=YEARS, seed=2, boundary_break=True).dataset
    areas = ds["area"].values
    rows = pd.DataFrame(
        {
            "area_code": np.repeat(areas, 3),
            "year_from": np.tile([2022, 2023, 2021], len(areas)),
            "year_to": np.tile([2023, 2024, 2024], len(areas)),
            "verdict": "probably real",
        }
    )
    out = mark_boundary_changes(rows, boundary_breaks(ds))
    changed = np.isin(out["area_code"], changed_areas()["area_code"])
    crosses = out["year_to"] == 2024
    np.testing.assert_array_equal(out["boundary_changed"], changed & crosses)
    assert (out.loc[changed & crosses, "verdict"] == BOUNDARY_VERDICT).all()
    assert (out.loc[~(changed & crosses), "verdict"] == "probably real").all()


def test_the_model_density_with_breaks_is_the_kernel_and_the_graph_alike():
    from sesindex.bayes.model.form import ModelForm
    from sesindex.bayes.model.graph import build_model
    from sesindex.bayes.model.inputs import model_inputs

    inputs = model_inputs(
        generate(n_areas=120, years=(2022, 2023, 2024), seed=3, boundary_break=True).dataset,
        ["V1", "V2", "V3"],
    )
    assert inputs.breaks is not None and inputs.breaks[:, 2].sum() > 0
    kernel = build_model(inputs, ModelForm(municipality=True))
    graph = build_model(inputs, ModelForm(municipality=True, graph=True))
    point = {k: x + 0.1 for k, x in kernel.initial_point().items()}
    assert kernel.compile_logp()(point) == pytest.approx(graph.compile_logp()(point), rel=1e-12)
    # and the break matters: without it the density differs
    plain = build_model(
        type(inputs)(**{**inputs.__dict__, "breaks": None}), ModelForm(municipality=True)
    )
    assert plain.compile_logp()(point) != pytest.approx(kernel.compile_logp()(point), rel=1e-6)


@pytest.mark.slow
def test_a_changed_area_moves_freely_across_the_break_and_its_change_is_flagged():
    # 400 areas x 4 years; the changed areas' status shifts by N(0, 0.3^2) in 2024. With
    # the series break the posterior change 2023 -> 2024 of those areas follows the true
    # one; fitted as one unbroken series (boundary versions removed) the random walk's
    # small steps shrink it towards 0
    from sesindex.bayes import fit

    data = generate(n_areas=400, years=YEARS, seed=6, boundary_break=True)
    spec = ModelSpec(municipality=False, sampler=SamplerSpec(tune=300, draws=300, seed=2))
    truth = data.truth.pivot(index="area_code", columns="year", values="index_true")
    results = {}
    for label, ds in (
        ("break", data.dataset),
        (
            "one series",
            data.dataset.assign_coords(
                boundary_version=data.dataset["boundary_version"] * 0 + "RegSO2020"
            ),
        ),
    ):
        res = fit(ds, spec)
        ch = res.changes[
            (res.changes["year_from"] == 2023) & (res.changes["year_to"] == 2024)
        ].set_index("area_code")
        results[label] = ch
    ch = results["break"]
    changed = ch.index[ch["boundary_changed"]]
    assert len(changed) == int(data.truth.query("year == 2024")["boundary_changed"].sum())
    assert not results["one series"]["boundary_changed"].any()
    true = (truth[2024] - truth[2023]).loc[changed]
    est = {k: r.loc[changed, "dI_mean"] for k, r in results.items()}
    # the break lets the shift through (regression slope near 1), one series shrinks it
    slope = {k: float(np.polyfit(true, e, 1)[0]) for k, e in est.items()}
    assert slope["break"] > 0.8 and slope["one series"] < 0.6 * slope["break"]
    cover = (ch.loc[changed, "dI_lo90"] <= true) & (true <= ch.loc[changed, "dI_hi90"])
    # 90 % intervals: a binomial count at 0.9 falls below 0.7 with probability < 1e-3
    assert cover.mean() >= 0.7

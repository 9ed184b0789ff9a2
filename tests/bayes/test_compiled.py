"""One compiled model serves any data of the same form (indicators, number of years,
municipality).
"""

from __future__ import annotations

import numpy as np
import pytest

from sesindex.bayes.model.form import ModelForm
from sesindex.bayes.model.graph import build_model
from sesindex.bayes.model.inputs import model_inputs
from sesindex.bayes.sampling.compiled import compiled_model
from sesindex.data.synthetic import generate


def _inputs(n_areas, years, seed):
    return model_inputs(
        generate(n_areas=n_areas, years=years, seed=seed).dataset, ["V1", "V2", "V3"]
    )


@pytest.mark.parametrize(
    "years_a,years_b", [((2023,), (2024,)), ((2022, 2023, 2024), (2019, 2020, 2021))]
)
def test_swapped_data_give_the_density_of_a_model_built_for_them(years_a, years_b):
    # the property with_data relies on: no number of areas or municipalities of the first
    # data is baked into the graph (the number of years is: one level per year)
    a, b = _inputs(30, years_a, 1), _inputs(45, years_b, 2)
    assert len(a.municipalities) != len(b.municipalities) or a.z.shape != b.z.shape
    form = ModelForm(municipality=True)
    model_a, model_b = build_model(a, form), build_model(b, form)
    point = model_b.initial_point()
    logp_b = model_b.compile_logp(mode="FAST_COMPILE")(point)
    model_a["z"].set_value(b.z)
    model_a["v"].set_value(b.v)
    muni = model_a["municipality"]
    muni.set_value(np.asarray(b.municipality, dtype=muni.type.dtype))
    logp_a = model_a.compile_logp(mode="FAST_COMPILE")(point)
    assert logp_a == pytest.approx(logp_b, rel=1e-12)


@pytest.mark.parametrize("compile", ["disk", pytest.param("process", marks=pytest.mark.slow)])
def test_one_compilation_per_form(monkeypatch, compile):
    import nutpie

    import sesindex.bayes.sampling.cache as compile_cache

    owner, name = (
        (compile_cache, "disk_cached_model")
        if compile == "disk"
        else (nutpie, "compile_pymc_model")
    )
    calls = []
    real = getattr(owner, name)
    monkeypatch.setattr(owner, name, lambda model, **kw: calls.append(1) or real(model, **kw))
    a, b = _inputs(30, (2023,), 1), _inputs(45, (2024,), 2)
    form = ModelForm(municipality=True)
    assert form.key(a) == form.key(b)
    origins = [{}, {}]
    first = compiled_model(a, form, compile=compile, origin=origins[0])
    second = compiled_model(b, form, compile=compile, origin=origins[1])
    assert len(calls) <= 1  # 0 when an earlier test compiled this form already
    # what a fit's manifest records: where the code came from, and the second reuses it
    made = {
        "disk": ("loaded from PyTensor's disk cache", "compiled in this process"),
        "process": ("compiled by nutpie in this process",),
    }[compile]
    assert origins[1]["model_compiled"].removesuffix(", reused") in made
    assert origins[1]["model_compiled"].endswith(", reused")
    assert origins[0]["model_compiled"].endswith(", reused") == (len(calls) == 0)
    # each holds its own data (nutpie keys shared data by name or, newer, by id)
    assert any(np.array_equal(np.asarray(v), b.z) for v in second.shared_data.values())
    assert any(np.array_equal(np.asarray(v), a.z) for v in first.shared_data.values())
    trace = nutpie.sample(second, draws=100, tune=100, chains=1, seed=1, progress_bar=False)
    assert np.isfinite(trace.posterior["lam"].values).all()

"""Compile once per machine (``sampler.compile = "disk"``, :mod:`sesindex.bayes.sampling.cache`):
the same log density as nutpie's own compilation, kept on disk for the next process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pymc as pm
import pytest

from sesindex.bayes.model.form import ModelForm
from sesindex.bayes.model.inputs import model_inputs
from sesindex.bayes.sampling.compiled import compiled_model
from sesindex.bayes.sampling.start import compiled_logp
from sesindex.data.synthetic import generate


def _inputs(n_areas=40, years=(2022, 2023, 2024), seed=3):
    return model_inputs(
        generate(n_areas=n_areas, years=years, seed=seed).dataset, ["V1", "V2", "V3"]
    )


# the packaged 14-year spec's form: variance dispersion (a truncated normal), jumps
PANEL = ModelForm(municipality=False, dispersion="variance", steps="jumps")


@pytest.mark.slow
def test_the_disk_cached_density_is_nutpies_density():
    inputs = _inputs()
    disk = compiled_model(inputs, PANEL, compile="disk")
    process = compiled_model(inputs, PANEL, compile="process")
    assert disk.n_dim == process.n_dim
    ours, theirs = compiled_logp(disk), compiled_logp(process)
    rng = np.random.default_rng(0)
    start = np.asarray(process.initial_point_func(1))
    np.testing.assert_array_equal(np.asarray(disk.initial_point_func(1)), start)
    for _ in range(3):
        x = start + rng.uniform(-0.5, 0.5, start.size)
        (a, ga), (b, gb) = ours(x), theirs(x)
        # one PyTensor graph compiled by numba either way; fastmath may reorder sums
        assert a == pytest.approx(b, rel=1e-12)
        np.testing.assert_allclose(ga, gb, rtol=1e-9, atol=1e-9 * np.abs(gb).max())


def test_the_packaged_panel_form_is_cached_on_disk():
    # PyTensor cannot cache erfcx (pm.TruncatedNormal's normaliser): the model avoids it
    assert compiled_model(_inputs(), PANEL, compile="disk").cached_on_disk


def test_the_variance_prior_is_pymcs_truncated_normal():
    from sesindex.bayes.model.dispersion import variance_prior
    from sesindex.bayes.model.priors import PRIOR

    v_min = np.array([0.004, 0.02, 0.0007])
    coords = {"indicator": ["V1", "V2", "V3"]}
    with pm.Model(coords=coords) as ours:
        variance_prior(-pm.Data("v_min", v_min))
    with pm.Model(coords=coords) as reference:
        pm.TruncatedNormal(
            "dispersion",
            0.0,
            PRIOR["dispersion_sd"],
            lower=-pm.Data("v_min", v_min),
            dims="indicator",
        )
    np.testing.assert_array_equal(
        ours.initial_point()["dispersion_interval__"],
        reference.initial_point()["dispersion_interval__"],
    )
    for x in ([-1.0, 0.2, 2.0], [-9.0, -3.0, 0.0]):  # log(s + v_min)
        point = {"dispersion_interval__": np.array(x)}
        assert ours.compile_logp()(point) == pytest.approx(
            reference.compile_logp()(point), rel=1e-13
        )
        np.testing.assert_allclose(
            ours.compile_dlogp()(point), reference.compile_dlogp()(point), rtol=1e-13
        )


def test_with_data_casts_and_names_what_it_does_not_know():
    compiled = compiled_model(_inputs(), PANEL, compile="disk")
    z = compiled.shared_data["z"]
    swapped = compiled.with_data(z=z.astype(np.float32))
    assert swapped.shared_data["z"].dtype == z.dtype
    with pytest.raises(ValueError, match="zz"):
        compiled.with_data(zz=z)


CHILD = """
import json, numpy as np, pymc as pm
from sesindex.bayes.sampling.cache import disk_cached_model
with pm.Model() as model:
    mu = pm.Normal("mu", 0.0, 1.0)
    sd = pm.HalfNormal("sd", 1.0)
    pm.Normal("y", mu, sd, observed=np.array([0.5, 1.5, 0.7]))
m = disk_cached_model(model)
print(json.dumps({"cached": m.cached_on_disk, "loaded": m.loaded_from_disk,
                  "logp": m.logp_function()(np.array([0.3, -0.2]))[0]}))
"""


@pytest.mark.slow
def test_a_second_process_loads_the_density_from_disk(tmp_path):
    env = dict(
        os.environ,
        NUMBA_CACHE_DIR=str(tmp_path / "numba"),
        PYTENSOR_FLAGS=f"base_compiledir={tmp_path / 'pytensor'}",
    )
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", CHILD], env=env, check=True, capture_output=True, text=True
            ).stdout.splitlines()[-1]
        )
        for _ in range(2)
    ]
    assert [r["loaded"] for r in runs] == [False, True]
    assert runs[0]["cached"] and runs[1]["cached"]
    assert runs[0]["logp"] == runs[1]["logp"]


@pytest.mark.slow
def test_processes_compiling_at_once_leave_a_cache_the_next_one_loads(tmp_path):
    env = dict(
        os.environ,
        NUMBA_CACHE_DIR=str(tmp_path / "numba"),
        PYTENSOR_FLAGS=f"base_compiledir={tmp_path / 'pytensor'}",
    )
    at_once = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    first = [json.loads(p.communicate()[0].splitlines()[-1]) for p in at_once]
    assert all(p.returncode == 0 for p in at_once)
    then = json.loads(
        subprocess.run(
            [sys.executable, "-c", CHILD], env=env, check=True, capture_output=True, text=True
        ).stdout.splitlines()[-1]
    )
    assert then["loaded"]
    assert {r["logp"] for r in first} == {then["logp"]}

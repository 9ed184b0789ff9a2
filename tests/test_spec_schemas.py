"""Specs are checked against their schemas before any work, with the key named."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sesindex.bayes.spec import ModelSpec
from sesindex.index.spec import IndexSpec
from sesindex.validate.spec import StudySpec


@pytest.mark.parametrize(
    ("build", "named"),
    [
        (lambda: IndexSpec.from_dict({"index": {"normalisation": "zscor"}}), "index.normalisation"),
        (lambda: IndexSpec.from_dict({"index": {"weights": [1, 2]}}), "weights has 2 entries"),
        (lambda: IndexSpec.from_dict({"types": {"moments": "weighted"}}), "types.moments"),
        (lambda: ModelSpec.from_dict({"sampler": {"chains": "two"}}), "sampler.chains"),
        (lambda: ModelSpec.from_dict({"sampler": {"draws": -5}}), "sampler.draws"),
        (
            lambda: ModelSpec.from_dict({"sampler": {"backend": "pymc", "init": "mode"}}),
            "sampler.init: a setting of nutpie only",
        ),
        (
            lambda: ModelSpec.from_dict({"sampler": {"advi_iterations": 10}}),
            "sampler.advi_iterations: a setting of advi only",
        ),
        (
            lambda: ModelSpec.from_dict({"model": {"steps": "jumps", "municipality": True}}),
            "goes with municipality = false",
        ),
        (lambda: ModelSpec.from_dict({"sampler": {"maxdepth": 0}}), "sampler.maxdepth"),
        (
            lambda: ModelSpec.from_dict({"sampler": {"backend": "advi", "maxdepth": 8}}),
            "sampler.maxdepth: a setting of nutpie only",
        ),
        (lambda: ModelSpec.from_dict({"model": {"steps": "t"}}), "model.steps"),
        (lambda: ModelSpec.from_dict({"gate": {"rhat": 1.01}}), "gate.rhat"),
        (
            lambda: StudySpec.from_dict({"study": "bootstrap", "bootstrap": {"replicate": 10}}),
            "bootstrap.replicate: unknown key",
        ),
        (
            lambda: StudySpec.from_dict({"study": "stress", "stress": {"scenarios": ["drought"]}}),
            "stress.scenarios.0",
        ),
        (
            lambda: StudySpec.from_dict(
                {"study": "stress", "stress": {"sampler": {"init": "mod"}}}
            ),
            "stress.sampler.init",
        ),
        (
            lambda: StudySpec.from_dict(
                {"study": "evaluate", "evaluate": {"sampler": {"drawz": 9}}}
            ),
            "evaluate.sampler.drawz: unknown key",
        ),
        (
            lambda: StudySpec.from_dict({"study": "agreement", "agreement": {"bayes": "yes"}}),
            "agreement.bayes",
        ),
    ],
)
def test_bad_specs_are_refused_with_the_key_named(build, named):
    with pytest.raises(ValueError, match=named.replace("(", r"\(")):
        build()


def test_the_bayes_option_means_what_its_schema_says(monkeypatch):
    """Left out, a study runs without the posterior, as the schema's default states;
    "on" and its older spelling "auto" ask for it.
    """
    from types import SimpleNamespace

    from sesindex.schemas import AgreementOptions
    from sesindex.validate import posterior
    from sesindex.validate.posterior import study_posterior

    fitted = []
    monkeypatch.setattr(
        posterior,
        "posterior_index",
        lambda ds, **kw: (
            fitted.append(ds) or SimpleNamespace(index=None, reason="not fitted in this test")
        ),
    )

    key = {}
    omitted = StudySpec.from_dict({"study": "agreement"})
    assert AgreementOptions().bayes == "off"
    assert study_posterior(omitted, None, key) is None
    assert key == {"bayes_skipped": "bayes = 'off' in the spec"}
    for word in ("on", "auto"):
        spec = StudySpec.from_dict({"study": "agreement", "agreement": {"bayes": word}})
        assert study_posterior(spec, SimpleNamespace(dataset=word), {}) is None
    assert fitted == ["on", "auto"]


def test_validate_check_checks_every_spec_without_running(tmp_path):
    from sesindex.cli import app

    (tmp_path / "good.toml").write_text('study = "stability"\nyears = [2022, 2023]\n')
    (tmp_path / "bad.toml").write_text('study = "bootstrap"\n[bootstrap]\nreplicate = 10\n')
    got = CliRunner().invoke(app, ["validate", "--check", "--specs-dir", str(tmp_path)])
    assert got.exit_code == 2
    assert "bad.toml:3: bootstrap.replicate: unknown key" in " ".join(got.output.split())
    assert "latent_factor.toml" in got.output  # the packaged specs are checked too


def test_validate_check_of_one_spec_checks_that_spec(tmp_path):
    from sesindex.cli import app

    bad = tmp_path / "stress.toml"
    bad.write_text('study = "stress"\n[stress]\nsampler = { init = "mod" }\n')
    got = CliRunner().invoke(app, ["validate", str(bad), "--check"])
    assert got.exit_code == 2
    assert "stress.sampler.init" in " ".join(got.output.split())
    assert "latent_factor.toml" not in got.output  # only the spec given
    missing = CliRunner().invoke(app, ["validate", str(tmp_path / "none.toml"), "--check"])
    assert missing.exit_code == 2 and "none.toml" in " ".join(missing.output.split())


def test_a_specs_nutpie_settings_reach_nutpies_keywords():
    from sesindex.bayes.sampling.samplers import nutpie_options

    spec = ModelSpec.from_dict({"sampler": {"target_accept": 0.95, "maxdepth": 8}})
    assert nutpie_options(spec.sampler) == {"target_accept": 0.95, "maxdepth": 8}
    assert nutpie_options(ModelSpec().sampler) == {}  # nutpie's own defaults


def test_sampler_overrides_are_checked_like_the_spec():
    from sesindex.bayes import fit
    from sesindex.cli import app

    with pytest.raises(ValueError, match="sampler.draws"):
        fit(None, ModelSpec(), sampler={"draws": -5})  # refused before the data are read
    with pytest.raises(ValueError, match="sampler.init: a setting of nutpie only"):
        fit(None, ModelSpec(), sampler={"backend": "pymc", "init": "mode"})
    got = CliRunner().invoke(app, ["fit", "--init", "middle", "--out", "unused"])
    assert got.exit_code == 2
    assert "sampler.init" in " ".join(got.output.split())
    with pytest.raises(ValueError, match="sampler.compile: a setting of nutpie only"):
        fit(None, ModelSpec(), sampler={"backend": "pymc", "compile": "process"})
    got = CliRunner().invoke(app, ["fit", "--compile", "cached", "--out", "unused"])
    assert got.exit_code == 2
    assert "sampler.compile" in " ".join(got.output.split())
    for args in (["--maxdepth", "0"], ["--maxdepth", "8", "--backend", "pymc"]):
        got = CliRunner().invoke(app, ["fit", *args, "--out", "unused"])
        assert got.exit_code == 2
        assert "sampler.maxdepth" in " ".join(got.output.split()), got.output


def test_another_backend_drops_the_specs_nutpie_tuning_but_keeps_the_rest():
    from dataclasses import replace

    from sesindex.bayes import load_model_spec
    from sesindex.bayes.spec import override_sampler
    from sesindex.cli.app import spec_file

    packaged = load_model_spec(spec_file("latent_factor")).sampler
    tuned = replace(packaged, maxdepth=8, init="mode", compile="process")
    for backend in ("pymc", "advi"):
        moved = override_sampler(tuned, {"backend": backend, "draws": 7})
        assert (moved.backend, moved.draws) == (backend, 7)
        assert (moved.maxdepth, moved.init, moved.compile) == (
            None,
            "jitter",
            "disk",
        )  # nutpie's tuning does not travel
        assert (moved.target_accept, moved.tune, moved.chains, moved.seed) == (
            packaged.target_accept,
            packaged.tune,
            packaged.chains,
            packaged.seed,
        )
    kept = override_sampler(tuned, {"draws": 7})  # still nutpie: its tuning stays
    assert (kept.maxdepth, kept.init, kept.compile) == (8, "mode", "process")
    with pytest.raises(ValueError, match="sampler.init: a setting of nutpie only"):
        override_sampler(tuned, {"backend": "pymc", "init": "mode"})  # named: refused

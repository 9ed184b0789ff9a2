"""``--seed`` on fit and evaluate: a second sampler seed from the command line."""

from __future__ import annotations

from typer.testing import CliRunner


def test_fit_seed_overrides_the_specs_sampler_seed():
    from sesindex.cli.fit_commands import model_spec_from_options

    given = {
        "draws": None,
        "tune": None,
        "seed": 7,
        "backend": None,
        "init": None,
        "maxdepth": None,
        "compile": None,
    }
    spec = model_spec_from_options("latent_factor", years=None, compare=None, sampler=given)
    assert spec.sampler.seed == 7 and spec.sampler.draws == 1500  # the rest: the spec's


def test_evaluate_seed_reaches_the_refit(tmp_path, monkeypatch):
    import sesindex.evaluation as evaluation
    from sesindex.cli import app

    asked = {}

    def refuse(*args, **kwargs):
        asked.update(kwargs)
        raise evaluation.EvaluationInputError("stopped before the refit")

    monkeypatch.setattr(evaluation, "evaluate", refuse)
    treated = tmp_path / "treated.csv"
    treated.write_text("area_code,start_year\n0114R001,2018\n")
    base = [
        "evaluate",
        "--run",
        str(tmp_path),
        "--treated",
        str(treated),
        "--out",
        str(tmp_path / "ev"),
    ]
    got = CliRunner().invoke(app, [*base, "--seed", "11", "--draws", "900"])
    assert got.exit_code == 2 and asked["sampler"] == {"draws": 900, "seed": 11}
    CliRunner().invoke(app, base)
    assert asked["sampler"] is None  # nothing given: the run's own settings

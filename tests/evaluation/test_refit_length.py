"""An evaluation refit of few areas samples longer, under the same fit gate."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sesindex.bayes import ModelSpec
from sesindex.bayes.spec import SamplerSpec
from sesindex.evaluation import FEW_AREAS, FEW_AREAS_LENGTH, _refit


class _Data:
    def sel(self, area):
        return SimpleNamespace(areas=area)


@pytest.fixture
def refit_spec(monkeypatch):
    """The spec each refit would sample with (the sampler is not run)."""
    import sesindex.bayes as bayes

    asked = {}
    monkeypatch.setattr(bayes, "fit", lambda data, spec, **kw: asked.update(spec=spec))
    run = SimpleNamespace(data=_Data(), spec=ModelSpec(sampler=SamplerSpec(tune=500, draws=1500)))

    def spec(areas: int, sampler=None):
        keep = [f"a{i}" for i in range(areas)]
        _refit(run, keep, [2017, 2018], {"a0": 2018}, sampler, False)
        return asked["spec"]

    return spec


def test_few_areas_tune_and_draw_longer_and_the_gate_is_unchanged(refit_spec):
    few = refit_spec(38)
    assert few.sampler.tune == 500 * FEW_AREAS_LENGTH["tune"] > 500
    assert few.sampler.draws == 1500 * FEW_AREAS_LENGTH["draws"] > 1500
    assert few.gate == ModelSpec().gate
    enough = refit_spec(FEW_AREAS).sampler  # enough areas: the run's length
    assert (enough.tune, enough.draws) == (500, 1500)


def test_a_length_given_to_the_refit_wins(refit_spec):
    given = refit_spec(38, {"draws": 500, "tune": 200, "seed": 3})
    assert (given.sampler.tune, given.sampler.draws, given.sampler.seed) == (200, 500, 3)

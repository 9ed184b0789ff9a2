"""An evaluation refit of few areas samples longer, under the same fit gate."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sesindex.bayes import ModelSpec
from sesindex.bayes.spec import SamplerSpec
from sesindex.evaluation import FEW_AREAS, FEW_AREAS_LENGTH, LONGER, _refit


class _Data:
    def sel(self, area):
        return SimpleNamespace(areas=area)


PASSED = {"rhat": True, "ess_bulk": True, "ess_tail": True, "divergences": True}


def _fake_fit(monkeypatch, gates: list[dict]) -> list:
    """Replace the sampler by one that returns ``gates`` in turn; the specs asked for."""
    import sesindex.bayes as bayes

    asked = []

    def fit(data, spec, **kw):
        checks = gates[min(len(asked), len(gates) - 1)]
        asked.append(spec)
        return SimpleNamespace(spec=spec, gate={"passed": all(checks.values()), "checks": checks})

    monkeypatch.setattr(bayes, "fit", fit)
    return asked


RUN = SimpleNamespace(data=_Data(), spec=ModelSpec(sampler=SamplerSpec(tune=500, draws=1500)))


def _refit_of(areas: int, sampler=None):
    keep = [f"a{i}" for i in range(areas)]
    return _refit(RUN, keep, [2017, 2018], {"a0": 2018}, sampler, False)


@pytest.fixture
def refit_spec(monkeypatch):
    """The spec each refit would sample with (the sampler is not run)."""
    asked = _fake_fit(monkeypatch, [PASSED])

    def spec(areas: int, sampler=None):
        _refit_of(areas, sampler)
        return asked[-1]

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


def test_a_refit_short_of_its_gate_is_sampled_once_more_longer(monkeypatch):
    asked = _fake_fit(monkeypatch, [{**PASSED, "ess_tail": False}] * 3)
    result = _refit_of(38)
    assert len(asked) == 2  # once more, not until it passes
    first, second = (s.sampler for s in asked)
    assert (second.tune, second.draws) == (first.tune * LONGER, first.draws * LONGER)
    assert result.spec is asked[-1] and result.spec.gate == ModelSpec().gate


def test_divergences_or_a_given_length_are_not_resampled(monkeypatch):
    asked = _fake_fit(monkeypatch, [{**PASSED, "ess_tail": False, "divergences": False}])
    _refit_of(38)
    assert len(asked) == 1  # longer chains do not mend divergences
    asked = _fake_fit(monkeypatch, [{**PASSED, "rhat": False}])
    _refit_of(38, {"draws": 200})
    assert len(asked) == 1  # the length asked for is the length sampled
    asked = _fake_fit(monkeypatch, [{**PASSED, "rhat": False}, PASSED])
    _refit_of(38, {"seed": 7})
    assert len(asked) == 2 and asked[1].sampler.seed == 7

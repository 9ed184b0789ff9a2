"""The deterministic index: hand-computed examples, exact cut points, ties, alternatives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from sesindex.data import from_tidy
from sesindex.index import IndexSpec, area_types, composite_index, compute_index, load_spec
from sesindex.index.area_type import national_moments
from sesindex.index.composite import normalise
from sesindex.index.ranks import rank_array

MODELS = __import__("pathlib").Path(__file__).parents[2] / "models"


def rates(values, indicators=("V1", "V2", "V3")):
    a = np.asarray(values, float)[:, None, :]
    return xr.DataArray(
        a,
        dims=("area", "year", "indicator"),
        coords={
            "indicator": list(indicators),
            "year": [2022],
            "area": [f"0114R{i + 1:03d}" for i in range(a.shape[0])],
        },
    )


def test_official_index_is_plain_mean_of_percentages():
    r = rates([[12.0, 6.0, 3.0], [30.0, 21.0, 9.0]])
    assert composite_index(r).values.ravel().tolist() == [7.0, 20.0]


def test_types_on_exact_cut_points_use_closed_lower_ends():
    # mu = 10, sigma = 4 exactly representable: cuts at 6, 10, 14, 18
    index = np.array([18.0, 17.999, 14.0, 13.999, 10.0, 9.999, 6.0, 5.999])
    assert area_types(index, 10.0, 4.0).tolist() == [1, 2, 2, 3, 3, 4, 4, 5]


def test_types_from_hand_computed_mean_and_sd():
    # index 1..9 and 30: mean 7.5, sample sd = sqrt(sum((x-7.5)^2)/9)
    ix = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 30], float)
    mu, sd = ix.mean(), ix.std(ddof=1)
    assert mu == 7.5 and sd == pytest.approx(np.sqrt(622.5 / 9))
    # cuts: -0.817, 7.5, 15.817, 24.133 -> 30 is type 1, 8 and 9 type 3, 1..7 type 4
    assert area_types(ix, mu, sd).tolist() == [4, 4, 4, 4, 4, 4, 4, 3, 3, 1]


def test_nan_index_gets_no_type():
    assert area_types(np.array([np.nan, 0.5]), 0.0, 1.0).tolist() == [0, 3]


def test_ranks_one_is_highest_index_and_ties_share_best_rank():
    assert rank_array(np.array([5.0, 9.0, 5.0, 1.0])).tolist() == [2, 1, 2, 4]
    assert rank_array(np.array([np.nan, 2.0])).tolist() == [0, 1]


def test_population_weighted_moments_by_hand():
    ix = xr.DataArray([2.0, 4.0], dims="area")
    w = xr.DataArray([3.0, 1.0], dims="area")
    mu, sd = national_moments(ix, w, ddof=0)
    assert float(mu) == 2.5  # (3*2 + 1*4) / 4
    assert float(sd) == pytest.approx(np.sqrt((3 * 0.25 + 1 * 2.25) / 4))
    mu1, sd1 = national_moments(ix, w, ddof=1)
    assert float(sd1) == pytest.approx(np.sqrt(3.0 / 3))


def test_zscore_minmax_rank_normalisation_by_hand():
    r = rates([[10.0, 1.0, 0.0], [20.0, 3.0, 5.0], [30.0, 5.0, 10.0]])
    z = normalise(r, "zscore").values[:, 0, 0]
    assert z.tolist() == pytest.approx([-1.0, 0.0, 1.0])
    assert normalise(r, "minmax").values[:, 0, 1].tolist() == [0.0, 0.5, 1.0]
    assert normalise(r, "rank").values[:, 0, 2].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])


def test_direction_turns_income_around():
    r = rates([[100.0], [200.0], [300.0]], indicators=("median_income",))
    assert normalise(r, "minmax").values.ravel().tolist() == [1.0, 0.5, 0.0]
    with pytest.raises(ValueError, match="higher = better"):
        normalise(r, "none")


def test_custom_weights_and_geometric_mean():
    r = rates([[10.0, 40.0, 1.0]])
    assert composite_index(r, weights=[1, 1, 2]).item() == pytest.approx((10 + 40 + 2) / 4)
    assert composite_index(r, aggregation="geometric").item() == pytest.approx(400 ** (1 / 3))
    with pytest.raises(ValueError, match="3 non-negative"):
        composite_index(r, weights=[1, 1])


def test_geometric_refuses_zscores_and_zero_rates():
    r = rates([[10.0, 40.0, 0.0], [1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="positive"):
        composite_index(r, normalisation="zscore", aggregation="geometric")
    with pytest.raises(ValueError, match="> 0"):
        composite_index(r, aggregation="geometric")


def test_pca_first_component_agrees_with_mean_when_indicators_agree():
    rng = np.random.default_rng(0)
    base = rng.normal(size=200)
    r = rates(np.column_stack([10 + 3 * base + rng.normal(0, 0.3, 200) for _ in range(3)]))
    pca = composite_index(r, aggregation="pca").values.ravel()
    mean = composite_index(r).values.ravel()
    assert np.corrcoef(pca, mean)[0, 1] > 0.99


def tidy_for(index_values):
    """Counts whose three rates all equal the wanted index (denominator 1000)."""
    rows = []
    for i, v in enumerate(index_values):
        for ind in ("V1", "V2", "V3"):
            rows.append(
                {
                    "area_code": f"0114R{i + 1:03d}",
                    "year": 2022,
                    "indicator": ind,
                    "count": v * 10,
                    "denominator": 1000,
                }
            )
    return pd.DataFrame(rows)


def test_compute_index_end_to_end_with_ties():
    ds = from_tidy(tidy_for([1, 2, 3, 4, 5, 6, 7, 8, 9, 30, 30]))
    out = compute_index(ds, IndexSpec(types_over="given_areas"))
    ix = out["index"].values.ravel()
    assert ix.tolist() == pytest.approx([1, 2, 3, 4, 5, 6, 7, 8, 9, 30, 30])
    assert out["rank"].values.ravel().tolist()[-2:] == [1, 1]
    assert out["rank"].values.ravel()[0] == 11
    mu, sd = ix.mean(), ix.std(ddof=1)
    assert out["mu"].item() == pytest.approx(mu) and out["sigma"].item() == pytest.approx(sd)
    assert out["type"].values.ravel().tolist() == area_types(ix, mu, sd).tolist()


def test_partial_coverage_gives_no_national_types():
    out = compute_index(from_tidy(tidy_for([1, 2, 3])))
    assert (out["type"] == 0).all()
    assert "3 of 3363" in out.attrs["types_note"]


def test_supplied_cutpoints_type_partial_data():
    out = compute_index(from_tidy(tidy_for([1, 10, 30])), cutpoints=(9.1, 5.47))
    assert out["type"].values.ravel().tolist() == [5, 3, 1]


def test_population_weighted_spec_needs_denominators():
    df = tidy_for([1, 2, 3]).assign(
        value=lambda d: d["count"] / 10, count=np.nan, denominator=np.nan
    )
    with pytest.raises(ValueError, match="population"):
        compute_index(from_tidy(df), IndexSpec(moments="population"))


def test_missing_indicator_named():
    df = tidy_for([1, 2])
    with pytest.raises(ValueError, match="V3"):
        compute_index(from_tidy(df[df["indicator"] != "V3"]))


@pytest.mark.parametrize("path", sorted(MODELS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_packaged_spec_loads(path):
    import tomllib

    from sesindex.bayes import load_model_spec

    kind = load_model_spec if "model" in tomllib.loads(path.read_text()) else load_spec
    assert kind(path).name == path.stem


def test_unknown_spec_key_is_rejected():
    with pytest.raises(ValueError, match="normalization"):
        IndexSpec.from_dict({"index": {"normalization": "zscore"}})


def test_national_synthetic_run_types_every_area():
    from sesindex.data.synthetic import generate

    out = compute_index(generate(years=(2022,)).dataset)
    assert out.attrs["types_note"] == "" and (out["type"] > 0).all()
    assert int(out["rank"].max()) <= 3363


def test_percentile_rank_composites_that_tie_exactly_are_equal_bits():
    """Equal in exact arithmetic, equal in floating point: rank composites tie where the
    integer sums of their doubled ranks tie, and nowhere else (summed as fractions r / n
    they split by the last bit: 3,042 values instead of 2,873 here).
    """
    from scipy.stats import rankdata

    from sesindex.index.arrays import composite

    rates = np.random.default_rng(1).integers(0, 50, size=(3363, 3)).astype(float)
    doubled = (2 * rankdata(rates, axis=0)).astype(np.int64)
    for weights, whole in ((None, (1, 1, 1)), ((0.5, 0.25, 0.25), (2, 1, 1))):
        got = composite(rates, IndexSpec(normalisation="rank", weights=weights), ["V1", "V2", "V3"])
        exact = doubled @ np.array(whole)
        assert np.unique(got).size == np.unique(exact).size
        assert np.array_equal(np.argsort(got, kind="stable"), np.argsort(exact, kind="stable"))
    # weights that cannot be made whole: the usual sum, equal within rounding
    approx = composite(
        rates, IndexSpec(normalisation="rank", weights=(0.3, 0.3, 0.3)), ["V1", "V2", "V3"]
    )
    assert np.allclose(
        approx, (doubled.sum(axis=1) / (6 * 3363)), rtol=0, atol=4 * np.finfo(float).eps
    )


def test_a_year_lacking_an_area_says_which_in_the_index_and_the_fit():
    # an area absent from one year (a dataset built in Python: files are refused by
    # validation) leaves that year without national types; the note names the area
    from sesindex.bayes.posterior.tables import typing_of
    from sesindex.bayes.spec import ModelSpec
    from sesindex.data.synthetic import generate
    from sesindex.index import IndexSpec, compute_index

    ds = generate(years=(2022, 2023), seed=1).dataset
    ds["count"].loc[{"area": "0180R042", "year": 2023}] = np.nan
    out = compute_index(ds, IndexSpec())
    note = out.attrs["types_note"]
    assert "3362 of 3363 RegSO2020 areas in 2023" in note and "0180R042" in note
    assert (out["type"].sel(year=2022) > 0).all() and (out["type"].sel(year=2023) == 0).all()
    fit_note = typing_of(ds, [2022, 2023], ModelSpec()).note
    assert "no area types and no ranks for 2023" in fit_note and "0180R042" in fit_note


def test_cutpoints_with_decimal_commas_are_read_when_unambiguous_else_refused():
    from sesindex.index.cutpoints import parse_cutpoints

    assert parse_cutpoints("9,10;5,47") == {None: (9.10, 5.47)}  # mu;sigma, Swedish
    assert parse_cutpoints("9.10,5.47") == {None: (9.10, 5.47)}
    for given in ("9,10,5,47", "2022:9,10;5,47;2023:9,20;5,50"):
        with pytest.raises(ValueError) as refused:
            parse_cutpoints(given)
        message = str(refused.value)
        assert repr(given) in message and "decimal commas" in message
        assert "'9.10,5.47'" in message and "'2022:9.10,5.47;2023:9.20,5.50'" in message
    with pytest.raises(ValueError, match="'9.1,5.4;9.2,5.5'.*given twice.*'9.10,5.47'"):
        parse_cutpoints("9.1,5.4;9.2,5.5")


def test_a_partial_file_gets_no_ranks_as_a_fit_of_it_gets_none():
    # ranks among some areas are not national ranks: withheld (0) and said, with or
    # without national cut points (which give types only); the fit's rule is the same
    from sesindex.bayes.posterior.tables import typing_of
    from sesindex.bayes.spec import ModelSpec

    ds = from_tidy(tidy_for([1, 10, 30]))
    for cuts, types in ((None, [0, 0, 0]), ((9.1, 5.47), [5, 3, 1])):
        out = compute_index(ds, cutpoints=cuts)
        assert out["rank"].values.ravel().tolist() == [0, 0, 0]
        assert out["type"].values.ravel().tolist() == types
        assert "no ranks" in out.attrs["types_note"], out.attrs["types_note"]
        fit_rule = typing_of(ds, [2022], ModelSpec(), {None: cuts} if cuts else None)
        assert not fit_rule.national.any() and "no ranks" in fit_rule.note
    # the whole division with cut points supplied: typed from them, ranked as national
    from sesindex.data.synthetic import generate

    national = generate(years=(2022,), seed=1).dataset
    out = compute_index(national, cutpoints=(9.1, 5.47))
    assert int(out["rank"].min()) == 1 and "no ranks" not in out.attrs["types_note"]
    assert typing_of(national, [2022], ModelSpec(), {None: (9.1, 5.47)}).ranked.all()
    # asked for explicitly: types and ranks relative to the areas given
    given = compute_index(ds, IndexSpec(types_over="given_areas"))
    assert given["rank"].values.ravel().tolist() == [3, 2, 1]
    assert "types and ranks relative to the areas given" in given.attrs["types_note"]

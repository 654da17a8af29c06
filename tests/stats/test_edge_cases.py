"""Edge cases give a defined result or a clear Vietnamese error, never a silent NaN."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from khaosat.stats import calibration as cal
from khaosat.stats import estimators as est
from khaosat.stats.compare import wave_difference
from khaosat.stats.crosstab import crosstab
from khaosat.stats.design import Design
from khaosat.stats.errors import StatsError
from khaosat.stats.index import composite_index
from khaosat.stats.waves import NO_TREND, trend

from .conftest import sim_design


def no_nan(obj) -> None:
    json.dumps(obj.to_dict(), allow_nan=False, default=str)


@pytest.fixture()
def small() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "h": [1, 1, 1, 1, 2, 2, 2, 2],
            "psu": ["a", "a", "b", "b", "c", "c", "d", "d"],
            "w": [10.0, 10, 12, 12, 8, 8, 9, 9],
            "y": [1.0, 2, np.nan, 4, 5, np.nan, 7, 8],
            "g": ["x", "x", "x", "y", "y", "y", "z", "z"],
            "cat": [1, 2, 2, 1, None, 2, 1, 1],
        }
    )


def test_missing_answers_are_a_domain(small):
    d = Design(small, strata="h", psu="psu", weight="w")
    e = est.mean(d, "y")[0]
    ok = small.y.notna()
    assert e.n == int(ok.sum())
    assert e.value == pytest.approx(np.average(small.y[ok], weights=small.w[ok]))
    no_nan(est.proportions(d, "cat"))


def test_empty_domain_is_reported_not_nan(small):
    df = small.assign(y=np.where(small.g == "z", np.nan, small.y))
    t = est.mean(Design(df, strata="h", psu="psu", weight="w"), "y", by="g")
    z = t.get(domain="z")
    assert z.value is None and z.se is None and z.n == 0
    assert "không có người trả lời" in z.note
    no_nan(t)
    assert "–" in t.summary()


def test_domain_with_one_respondent(small):
    t = est.mean(Design(small, strata="h", psu="psu", weight="w"), "y", by="g")
    y = t.get(domain="y")  # rows 4 (y=4), 5 (y=5), 6 (missing) -> two answers
    assert y.n == 2
    df = small.assign(g=["x"] * 7 + ["solo"])
    s = est.mean(Design(df, strata="h", psu="psu", weight="w"), "y", by="g").get(domain="solo")
    assert s.value == 8.0 and s.n == 1 and s.deff is None
    assert "một người trả lời" in s.note
    assert s.se is not None and np.isfinite(s.se)


def test_zero_weights_do_not_count(small):
    base = Design(small, strata="h", psu="psu", weight="w")
    extra = pd.concat([small, small.iloc[[0]].assign(w=0.0, y=1000.0)], ignore_index=True)
    d = Design(extra, strata="h", psu="psu", weight="w")
    a, b = est.mean(base, "y")[0], est.mean(d, "y")[0]
    assert b.value == pytest.approx(a.value) and b.se == pytest.approx(a.se)
    assert b.n == a.n
    with pytest.raises(StatsError, match="Tổng trọng số bằng 0"):
        Design(small.assign(w=0.0), weight="w")


def test_constant_variable(small):
    d = Design(small.assign(k=3.0, b=1), strata="h", psu="psu", weight="w")
    e = est.mean(d, "k")[0]
    assert e.value == 3.0 and e.se == 0.0 and e.deff is None
    p = est.proportions(d, "b", ci="logit")[0]
    assert p.value == 1.0 and p.ci_high == 1.0 and 0 < p.ci_low < 1
    assert "Clopper" in p.note
    no_nan(est.proportions(d, "b", ci="beta"))


@pytest.mark.parametrize("rule", ["certainty", "remove", "adjust", "average"])
def test_lonely_psu_rules_give_numbers(small, rule):
    df = small[small.psu != "d"]
    e = est.mean(Design(df, strata="h", psu="psu", weight="w", lonely_psu=rule), "y")[0]
    assert np.isfinite(e.se) and e.se >= 0


def test_lonely_psu_rules_differ_as_documented(small):
    df = small[small.psu != "d"]
    se = {
        r: est.mean(Design(df, strata="h", psu="psu", weight="w", lonely_psu=r), "y")[0].se
        for r in ("certainty", "remove", "adjust", "average")
    }
    assert se["certainty"] == se["remove"]
    assert se["adjust"] > se["certainty"]
    assert se["average"] > se["certainty"]  # averages in the other stratum's variance


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"strata": "nope"}, "Không tìm thấy cột 'nope'"),
        ({"weight": "g"}, "Trọng số phải là số"),
        ({"lonely_psu": "ignore"}, "không hợp lệ"),
        ({"ssu": "psu"}, "chưa khai báo PSU"),
    ],
)
def test_bad_design_input_is_a_vietnamese_error(small, kwargs, message):
    with pytest.raises(StatsError, match=message):
        Design(small, **kwargs)


def test_other_input_errors(small):
    d = Design(small, strata="h", psu="psu", weight="w")
    with pytest.raises(StatsError, match="không phải số"):
        est.mean(d, "g")
    with pytest.raises(StatsError, match="Phân vị"):
        est.quantile(d, "y", 1.5)
    with pytest.raises(StatsError, match="thiếu giá trị"):
        Design(small.assign(h=[1, None, 1, 1, 2, 2, 2, 2]), strata="h")
    with pytest.raises(StatsError, match="trộn lẫn"):
        Design(small.assign(f=[0.5, 0.5, 0.5, 0.5, 3, 3, 3, 3]), strata="h", fpc="f")
    with pytest.raises(StatsError, match="một giá trị"):
        crosstab(Design(small.assign(one=1)), "one", "g")
    with pytest.raises(StatsError, match="logit, beta, wald, likelihood hoặc asin"):
        est.proportions(d, "cat", ci="wilson")


def test_quantile_at_the_edge_is_defined(sim):
    d = sim_design(sim, "one")
    t = est.quantile(d, "diem", [0.0, 0.01, 0.99, 1.0])
    for e in t:
        assert e.value is not None and e.ci_low is not None and e.ci_high is not None
        assert e.ci_low <= e.value <= e.ci_high
    no_nan(t)


def test_calibration_errors_and_notes(dclus1):
    with pytest.raises(StatsError, match="thiếu trong số liệu tổng thể"):
        cal.post_stratify(dclus1, "stype", {"E": 4421, "H": 755})
    with pytest.raises(StatsError, match="không có phiếu nào trong mẫu"):
        cal.post_stratify(dclus1, "stype", {"E": 4421, "H": 755, "M": 1018, "X": 5})
    rk = cal.rake(
        dclus1,
        {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch.wide": {"No": 1072, "Yes": 5122}},
        maxit=1,
        epsilon=1e-12,
    )
    assert rk.raking_converged is False and "chưa hội tụ" in rk.notes[-1]


def test_raking_hits_margins_and_trimming_bounds_weights(dclus1):
    pops = {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch.wide": {"No": 1072, "Yes": 5122}}
    rk = cal.rake(dclus1, pops, maxit=50, epsilon=1e-10)
    for var, pop in pops.items():
        for lev, tot in pop.items():
            assert rk.weights[dclus1.data[var].to_numpy() == lev].sum() == pytest.approx(tot)
    tr = cal.rake(dclus1, pops, trim=(20.0, 60.0))
    assert tr.weights.sum() == pytest.approx(6194)
    assert any("cắt" in n for n in tr.notes)


def test_index_treats_9_as_missing(sim):
    d = sim_design(sim, "one")
    r = composite_index(d, ["e1_1", "e1_2"], min_items=2)
    x = sim[["e1_1", "e1_2"]].replace(9, np.nan)
    ok = x.notna().all(axis=1)
    expect = np.average((x[ok].mean(axis=1) - 1) / 4 * 100, weights=sim.weight[ok])
    assert r.table[0].value == pytest.approx(expect)
    assert 0 <= r.table[0].ci_low <= r.table[0].ci_high <= 100
    assert "Cronbach" in r.summary()


def test_waves_need_three_for_a_projection(sim):
    d = sim_design(sim, "one")
    two = trend({"2025": d, "2026": d}, "b2", category=1)
    assert two.projection is None and two.message == NO_TREND
    assert not two.changes[0].significant
    shifted = sim_design(sim.assign(b2=np.where(sim.index % 3 == 0, 1, sim.b2)), "one")
    three = trend({"2024": d, "2025": d, "2026": shifted}, "b2", category=1)
    assert three.changes[1].significant and three.changes[1].value > 0
    p = three.projection
    assert p is not None and 0 < p.pi_low < p.value < p.pi_high < 1
    assert "tham khảo" in p.note
    no_nan(three)


def test_wave_difference_of_identical_estimates(sim):
    e = est.mean(sim_design(sim, "one"), "diem")[0]
    diff = wave_difference(e, e)
    assert diff.value == 0 and diff.p_value == pytest.approx(1.0)


def test_multiple_choice_options(sim):
    df = sim.assign(
        a5_1=np.where(sim.index % 7 == 0, np.nan, (sim.d1 == 1).astype(float)),
        a5_2=np.where(sim.index % 7 == 0, np.nan, (sim.b2 == 2).astype(float)),
    )
    t = est.multi_proportions(sim_design(df, "one"), "a5")
    assert [e.category for e in t] == ["a5_1", "a5_2"]
    ok = df.a5_1.notna()
    assert t[0].value == pytest.approx(np.average(df.a5_1[ok], weights=df.weight[ok]))
    assert t[0].n == int(ok.sum())


def test_infinite_fpc_everywhere_means_with_replacement():
    import numpy as np
    import pandas as pd

    from khaosat.stats import Design, proportions

    df = pd.DataFrame(
        {
            "s": ["a"] * 40,
            "p": np.repeat(["u1", "u2", "u3", "u4"], 10),
            "y": np.tile([1, 2, 3, 4, 1], 8),
        }
    )
    with_inf = proportions(Design(df.assign(f=np.inf), strata="s", psu="p", fpc="f"), "y")
    without = proportions(Design(df, strata="s", psu="p"), "y")
    assert [e.se for e in with_inf.estimates] == [e.se for e in without.estimates]


# ---------------------------------------------------------------- huge weights (issue 17)
@pytest.mark.parametrize("factor", [1e150, 2.0**600, 1e-150])
def test_huge_weights_give_scaled_totals_without_overflow(sim, factor):
    """Weights x 1e150: totals and SEs are the ordinary ones x 1e150 (R's answer scaled), the
    df is the design's, no misleading note and no numpy overflow warning."""
    import warnings

    from khaosat.stats.crosstab import crosstab as xt

    from .conftest import sim_design

    base = sim_design(sim, "one")
    big = sim_design(sim.assign(weight=sim.weight * factor), "one")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t0, t1 = est.total(base, "d1")[0], est.total(big, "d1")[0]
        m0, m1 = est.mean(big, "diem")[0], est.mean(base, "diem")[0]
        p1 = est.proportions(big, "b2", by="nhom")
        r1 = est.ratio(big, "d1", "diem")[0]
        x1 = xt(big, "b2", "nhom")
    assert t1.se is not None and t1.note is None and t1.df == t0.df == base.degf()
    np.testing.assert_allclose(
        [t1.value, t1.se, t1.ci_low, t1.ci_high],
        np.array([t0.value, t0.se, t0.ci_low, t0.ci_high]) * factor,
        rtol=1e-12,
    )
    assert t1.deff is not None or factor < 1  # deff's fpc uses N = sum of weights: it moves
    np.testing.assert_allclose([m1.value, m1.se], [m0.value, m0.se], rtol=1e-12)
    p0 = est.proportions(base, "b2", by="nhom")
    np.testing.assert_allclose([e.se for e in p1], [e.se for e in p0], rtol=1e-12)
    r0 = est.ratio(base, "d1", "diem")[0]
    np.testing.assert_allclose([r1.value, r1.se], [r0.value, r0.se], rtol=1e-12)
    x0 = xt(base, "b2", "nhom")
    np.testing.assert_allclose([x1.F, x1.p, x1.wald_p], [x0.F, x0.p, x0.wald_p], rtol=1e-10)


def test_weights_beyond_floating_point_are_a_clear_error(sim):
    from .conftest import sim_design

    with pytest.raises(StatsError, match="Trọng số quá lớn"):
        sim_design(sim.assign(weight=sim.weight * 1e299), "one")


def _sparse_by_unit(seed: int) -> Design:
    """22 units × 5 answers where the rarest answers leave many cells empty (a table by unit)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"u": rng.integers(0, 22, 1000)})
    df["w"] = 1.0
    df["y"] = rng.choice(5, len(df), p=[0.6, 0.3, 0.06, 0.035, 0.005])
    return Design(df, psu="u", weight="w")


def test_a_table_whose_empty_cells_make_the_test_singular_gives_no_p_value():
    # R's svychisq stops here ("system is computationally singular"); a p computed anyway
    # depended on rounding (0,96 or 0,45 for the same table by the BLAS thread count).
    from khaosat.stats.crosstab import rao_scott

    d = _sparse_by_unit(3)
    with pytest.raises(StatsError, match="ô trống nên không tính được kiểm định Rao–Scott"):
        rao_scott(d, "y", "u")
    ct = crosstab(d, "y", "u")
    assert np.isnan(ct.p) and np.isnan(ct.F)
    assert any("không tính được kiểm định Rao–Scott" in n for n in ct.notes)
    assert ct.counts.sum() == 1000  # the table itself is still there
    assert "không kiểm định được" in ct.summary() and "p = –" in ct.summary()


def test_a_table_with_a_few_empty_cells_is_still_tested():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"psu": rng.integers(0, 20, 400), "w": rng.uniform(1, 3, 400)})
    df["g"] = df.psu % 4
    df["y"] = rng.integers(1, 4, 400)
    df.loc[df.g == 0, "y"] = 1  # one column has a single non-empty cell
    ct = crosstab(Design(df, psu="psu", weight="w"), "y", "g")
    assert 0 <= ct.p < 0.05

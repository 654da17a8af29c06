"""Golden tests of issue 17 against R `survey` (fixtures from make_reference.R): df =
degf(design) with PSUs that have no answer, svyvar, calibrate(calfun = "raking" / "logit" /
bounded "linear"), and the tests and intervals added beside them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from khaosat.stats import calibration as cal
from khaosat.stats import estimators as est
from khaosat.stats.crosstab import crosstab
from khaosat.stats.design import Design

from .conftest import close, sim_design
from .test_golden_r import POP_TYPES, check, check_by, check_chisq, check_props, check_quant


def test_reference_records_r_and_survey_versions(ref):
    assert ref["meta"]["survey"] == "4.1.1"
    assert ref["meta"]["R"].startswith("R version 4.")


# ---------------------------------------------------------------- df with empty PSUs
def test_df_is_the_designs_when_psus_have_no_answer(apiclus2, ref):
    """2 of apiclus2's 40 PSUs have no enroll answer: R uses degf(design) = 39, not 37."""
    r = ref["df_empty_psu"]
    assert (r["design_df"], r["psu_total"], r["psu_with_answer"]) == (39, 40, 38)
    d = Design(apiclus2, psu="dnum", ssu="snum", fpc="fpc1", fpc2="fpc2")
    e = est.mean(d, "enroll")[0]
    assert e.df == 39
    close([e.ci_low, e.ci_high], r["mean_t"])
    close([e.ci_low_normal, e.ci_high_normal], r["mean_normal"])
    t = est.total(d, "enroll")[0]
    assert t.df == 39
    check(t, ref["clus2_total_enroll_narm"])
    # svyquantile(na.rm = TRUE) subsets the design first: there R's df is the answered rows'
    check_quant(est.quantile(d, "enroll", 0.5), r["quant_enroll"])
    assert r["quant_enroll"]["df"] == 37


def test_df_of_proportions_with_empty_psus(apiclus2, ref):
    r = ref["df_empty_psu"]
    df = apiclus2.assign(
        big=np.where(apiclus2.enroll.isna(), None, np.where(apiclus2.enroll > 500, "yes", "no"))
    )
    d = Design(df, psu="dnum", ssu="snum", fpc="fpc1", fpc2="fpc2")
    check_props(d, "big", r["props_big"])
    for dom in ("E", "H", "M"):
        check_props(d, "big", r["props_big_by_stype"][dom], by="stype", domain=dom)
    assert {e.df for e in est.proportions(d, "big")} == {39}


# ---------------------------------------------------------------- svyvar
def test_svyvar(dstrat, dclus1, dclus2, sim, ref):
    r = ref["svyvar"]
    check(est.variance(dstrat, "api00")[0], r["strat_api00"], deff=False)
    check(est.variance(dclus1, "api00")[0], r["clus1_api00"], deff=False)
    check_by(est.variance(dclus1, "api00", by="stype"), r["clus1_api00_by_stype"])
    check(est.variance(dclus2, "enroll")[0], r["clus2_enroll"], deff=False)
    check(est.variance(sim_design(sim, "one"), "diem")[0], r["sim_one_diem"], deff=False)
    check(est.variance(sim_design(sim, "two"), "c1")[0], r["sim_two_c1"], deff=False)
    rk = cal.rake(dclus1, {"stype": POP_TYPES, "sch.wide": {"No": 1072, "Yes": 5122}})
    check(est.variance(rk, "api00")[0], r["clus1_rake_api00"], deff=False)


# ---------------------------------------------------------------- calibrate(calfun = ...)
def check_cal(cd, r) -> None:
    close(cd.weights_in_input_order(), r["weights"])
    check(est.mean(cd, "api00")[0], r["mean_api00"])
    check(est.total(cd, "enroll")[0], r["total_enroll"])
    check_by(est.mean(cd, "api00", by="awards"), r["mean_api00_by_awards"])
    check_props(cd, "awards", r["props_awards"])


NUM = {"api99": 3914069}


def test_calibrate_raking(dclus1, ref):
    check_cal(
        cal.calibrate(dclus1, 6194, {"stype": POP_TYPES}, NUM, calfun="raking"), ref["cal_raking"]
    )
    cd = cal.calibrate(
        dclus1, 6194, {"stype": POP_TYPES, "sch.wide": {"Yes": 5122}}, calfun="raking"
    )
    check_cal(cd, ref["cal_raking_cat"])


def test_calibrate_logit_with_bounds(dclus1, ref):
    cd = cal.calibrate(dclus1, 6194, {"stype": POP_TYPES}, NUM, calfun="logit", bounds=(0.7, 1.7))
    check_cal(cd, ref["cal_logit"])
    g = cd.weights / dclus1.weights
    assert g.min() >= 0.7 - 1e-9 and g.max() <= 1.7 + 1e-9


def test_calibrate_linear_with_bounds(dclus1, ref):
    cd = cal.calibrate(dclus1, 6194, {"stype": POP_TYPES}, NUM, calfun="linear", bounds=(0.7, 1.7))
    check_cal(cd, ref["cal_linear_bounded"])


@pytest.mark.parametrize("stages", ["one", "two"])
def test_calibrate_raking_hungyen(sim, ref, stages):
    r = ref["sim_cal_raking"][stages]
    d = sim_design(sim, stages)
    cd = cal.calibrate(
        d,
        1000000,
        {"gioi": {1: 480000, 2: 520000}, "tuoi": {2: 300000, 3: 250000, 4: 200000}},
        calfun="raking",
    )
    close(cd.weights_in_input_order(), r["weights"])
    check(est.mean(cd, "d1")[0], r["mean_d1"])
    check_chisq(crosstab(cd, "b2", "nhom"), r["chisq_b2_nhom"])


def test_calibration_errors_are_clear(dclus1):
    from khaosat.stats.errors import StatsError

    with pytest.raises(StatsError, match="cận dưới và cận trên hữu hạn"):
        cal.calibrate(dclus1, 6194, {"stype": POP_TYPES}, calfun="logit")
    with pytest.raises(StatsError, match="linear, raking hoặc logit"):
        cal.calibrate(dclus1, 6194, {"stype": POP_TYPES}, calfun="cubic")
    with pytest.raises(StatsError, match="không hội tụ"):
        cal.calibrate(
            dclus1,
            6194,
            {"stype": {"E": 100, "H": 5000, "M": 1094}},
            calfun="logit",
            bounds=(0.9, 1.1),
        )


def test_uncorrected_pearson_is_not_the_rao_scott(dstrat, ref):
    x = crosstab(dstrat, "sch.wide", "comp.imp")
    assert x.pearson_p < x.p  # the design effect > 1 makes the naive test too optimistic
    close(x.pearson_p, ref["strat_chisq"]["pearson_p"])
    d = x.to_dict()
    assert d["pearson_uncorrected"]["p"] == x.pearson_p
    assert d["wald"]["F"] == x.wald_F and d["saddlepoint"]["p"] == x.saddlepoint_p


def test_normal_and_t_intervals_differ_by_the_quantile(dclus1):
    e = est.mean(dclus1, "api00")[0]
    from scipy import stats as sps

    assert (e.ci_high - e.value) / (e.ci_high_normal - e.value) == pytest.approx(
        sps.t.ppf(0.975, e.df) / sps.norm.ppf(0.975), rel=1e-12
    )
    assert pd.Series(e.to_dict())[["ci_low_normal", "ci_high_normal"]].notna().all()

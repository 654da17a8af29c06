"""Golden tests: khaosat.stats against R's survey package (fixtures from make_reference.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from khaosat.stats import calibration as cal
from khaosat.stats import estimators as est
from khaosat.stats.compare import domain_difference
from khaosat.stats.crosstab import crosstab, rao_scott
from khaosat.stats.design import Design
from khaosat.stats.drivers import logistic
from khaosat.stats.errors import StatsError
from khaosat.stats.index import composite_index

from .conftest import close, sim_design

POP_TYPES = {"E": 4421, "H": 755, "M": 1018}
POP_SCHWIDE = {"No": 1072, "Yes": 5122}
POP_GIOI = {1: 480000, 2: 520000}
POP_TUOI = {1: 250000, 2: 300000, 3: 250000, 4: 200000}


def check(e, r, deff: bool = True) -> None:
    """Compare one Estimate with one R `st()` record."""
    close(e.value, r["value"])
    close(e.se, r["se"])
    close(e.ci_low, r["ci_low"])
    close(e.ci_high, r["ci_high"])
    assert e.df == r["df"]
    if "ci_low_normal" in r:  # R's confint() default (df = Inf) beside confint(df = degf)
        close(e.ci_low_normal, r["ci_low_normal"])
        close(e.ci_high_normal, r["ci_high_normal"])
    if deff and r.get("deff") is not None:
        close(e.deff, r["deff"])


def check_by(tab, rby: dict) -> None:
    assert len(tab) == len(rby)
    for e in tab:
        check(e, rby[str(e.domain)])


PROP_METHODS = (
    ("logit", "logit"),
    ("beta", "beta"),
    ("wald", "mean"),
    ("likelihood", "likelihood"),
    ("asin", "asin"),
)


def check_props(design, var, rp: dict, by=None, domain=None) -> None:
    """Every svyciprop method, with df = degf(design) (t) and df = Inf (normal)."""
    for method, key in PROP_METHODS:
        tab = est.proportions(design, var, ci=method, by=by)
        for e in tab:
            if domain is not None and e.domain != domain:
                continue
            if str(e.category) not in rp:  # category absent from this domain in R
                assert e.value == 0 and e.ci_low == 0
                continue
            r = rp[str(e.category)]
            close(e.value, r["value"])
            close(e.se, r["se"])
            close(e.deff, r["deff"])
            assert e.df == r["df"]
            if 0 < e.value < 1:
                if key in r:
                    close([e.ci_low, e.ci_high], r[key])
                if key + "_normal" in r:
                    close([e.ci_low_normal, e.ci_high_normal], r[key + "_normal"])
            else:  # R gives no usable interval; we give Clopper–Pearson on n
                assert e.ci_low is not None and e.ci_high is not None
                assert e.ci_low <= e.value <= e.ci_high


def check_chisq(x, r) -> None:
    close([x.F, x.ndf, x.ddf, x.p], [r["F"], r["ndf"], r["ddf"], r["p"]])
    close([x.chisq, x.chisq_p], [r["X2"], r["chisq_p"]])
    assert x.chisq_df == r["chisq_df"]
    close(x.pearson_p, r["pearson_p"])  # uncorrected Pearson
    close([x.wald_F, x.wald_ndf, x.wald_ddf, x.wald_p], [r[k] for k in WALD])
    close([x.adjwald_F, x.adjwald_ndf, x.adjwald_ddf, x.adjwald_p], [r["adj" + k] for k in WALD])
    close(x.saddlepoint_p, r["saddlepoint_p"])


WALD = ("wald_F", "wald_ndf", "wald_ddf", "wald_p")


def check_quant(tab, r) -> None:
    close([e.value for e in tab], r["value"])
    close([e.ci_low for e in tab], r["ci_low"])
    close([e.ci_high for e in tab], r["ci_high"])
    close([e.se for e in tab], r["se"])
    assert all(e.df == r["df"] for e in tab)


# ---------------------------------------------------------------- apistrat
def test_stratified_mean_total_ratio(dstrat, ref):
    check(est.mean(dstrat, "api00")[0], ref["strat_mean_api00"])
    check(est.total(dstrat, "enroll")[0], ref["strat_total_enroll"])
    check(est.ratio(dstrat, "api.stu", "enroll")[0], ref["strat_ratio"])


def test_stratified_domains(dstrat, ref):
    check_by(est.mean(dstrat, "api00", by="awards"), ref["strat_mean_api00_by_awards"])
    check_by(est.total(dstrat, "enroll", by="awards"), ref["strat_total_enroll_by_awards"])


def test_stratified_proportions_and_cis(dstrat, ref):
    check_props(dstrat, "sch.wide", ref["strat_props_schwide"])
    for dom in ("No", "Yes"):
        check_props(
            dstrat, "sch.wide", ref["strat_props_schwide_by_awards"][dom], by="awards", domain=dom
        )


def test_stratified_quantiles(dstrat, ref):
    check_quant(est.quantile(dstrat, "api00", [0.25, 0.5, 0.9]), ref["strat_quant_api00"])


def test_stratified_rao_scott(dstrat, ref):
    check_chisq(crosstab(dstrat, "sch.wide", "comp.imp"), ref["strat_chisq"])


def test_domain_contrasts(dstrat, ref):
    d = domain_difference(dstrat, "api00", "awards", "No", "Yes")
    close(
        [d.value, d.se], [ref["strat_contrast_awards"]["value"], ref["strat_contrast_awards"]["se"]]
    )
    d = domain_difference(dstrat, "sch.wide", "awards", "No", "Yes", category="Yes")
    close([d.value, d.se], [ref["strat_contrast_prop"]["value"], ref["strat_contrast_prop"]["se"]])
    assert d.p_value is not None and d.p_value < 0.001


def check_glm(res, r) -> None:
    close([t.coef for t in res.terms], r["coef"])
    close([t.se for t in res.terms], r["se"])
    close([t.ci_low for t in res.terms], r["ci_low"])
    close([t.ci_high for t in res.terms], r["ci_high"])
    assert res.df == r["df"]


def test_stratified_logistic(apistrat, ref):
    df = apistrat.assign(hi=(apistrat.api00 > 700).astype(int))
    d = Design(df, strata="stype", weight="pw", fpc="fpc")
    res = logistic(d, "hi", ["ell", "meals", "mobility"])
    check_glm(res, ref["strat_glm"])
    close([t.odds_ratio for t in res.terms], np.exp(ref["strat_glm"]["coef"]))
    assert "nhân quả" in res.note


def test_fpc_as_fraction_and_with_replacement(apistrat, ref):
    df = apistrat.assign(frac=apistrat.groupby("stype").pw.transform("size") / apistrat.fpc)
    check(
        est.mean(Design(df, strata="stype", weight="pw", fpc="frac"), "api00")[0],
        ref["strat_frac_mean_api00"],
    )
    check(est.mean(Design(df, strata="stype", weight="pw"), "api00")[0], ref["strat_wr_mean_api00"])


# ---------------------------------------------------------------- apiclus1
def test_one_stage_cluster(dclus1, ref):
    check(est.mean(dclus1, "api00")[0], ref["clus1_mean_api00"])
    check(est.total(dclus1, "enroll")[0], ref["clus1_total_enroll"])
    check_by(est.mean(dclus1, "api00", by="stype"), ref["clus1_mean_api00_by_stype"])
    check_props(dclus1, "stype", ref["clus1_props_stype"])
    check_quant(est.quantile(dclus1, "api00", [0.1, 0.5, 0.75]), ref["clus1_quant_api00"])
    check_chisq(crosstab(dclus1, "sch.wide", "stype"), ref["clus1_chisq"])


def test_post_stratification(dclus1, ref):
    ps = cal.post_stratify(dclus1, "stype", POP_TYPES)
    close(ps.weights_in_input_order(), ref["clus1_ps_weights"])
    check(est.mean(ps, "api00")[0], ref["clus1_ps_mean_api00"])
    check(est.total(ps, "enroll")[0], ref["clus1_ps_total_enroll"])


def test_raking(dclus1, ref):
    rk = cal.rake(dclus1, {"stype": POP_TYPES, "sch.wide": POP_SCHWIDE})
    close(rk.weights_in_input_order(), ref["clus1_rake_weights"])
    check(est.mean(rk, "api00")[0], ref["clus1_rake_mean_api00"])
    check(est.total(rk, "enroll")[0], ref["clus1_rake_total_enroll"])


def test_linear_calibration(dclus1, ref):
    g = cal.calibrate(dclus1, 6194, {"stype": POP_TYPES}, {"api99": 3914069})
    close(g.weights_in_input_order(), ref["clus1_greg_weights"])
    check(est.mean(g, "api00")[0], ref["clus1_greg_mean_api00"])
    check(est.total(g, "enroll")[0], ref["clus1_greg_total_enroll"])


# ---------------------------------------------------------------- apiclus2 (two-stage)
def test_two_stage(dclus2, ref):
    close(dclus2.weights_in_input_order(), ref["clus2_weights"])
    check(est.mean(dclus2, "api00")[0], ref["clus2_mean_api00"])
    check(est.mean(dclus2, "enroll")[0], ref["clus2_mean_enroll_narm"])
    check(est.total(dclus2, "enroll")[0], ref["clus2_total_enroll_narm"])
    check_by(est.mean(dclus2, "api00", by="stype"), ref["clus2_mean_api00_by_stype"])
    check_props(dclus2, "awards", ref["clus2_props_awards"])
    check_chisq(crosstab(dclus2, "sch.wide", "stype"), ref["clus2_chisq"])
    check_quant(est.quantile(dclus2, "api00", 0.5), ref["clus2_quant_api00"])


# ---------------------------------------------------------------- Hưng Yên-shaped design
@pytest.mark.parametrize("stages", ["one", "two"])
def test_hungyen_estimates(sim, ref, stages):
    r = ref[f"sim_{stages}"]
    d = sim_design(sim, stages)
    check(est.mean(d, "c1")[0], r["mean_c1"])
    check(est.mean(d, "diem")[0], r["mean_diem"])
    check(est.total(d, "d1")[0], r["total_d1"])
    check_by(est.mean(d, "c1", by="nhom"), r["mean_c1_by_nhom"])
    check_props(d, "b2", r["props_b2"])
    for dom in (1, 2):
        check_props(d, "d1", r["props_d1_by_nhom"][str(dom)], by="nhom", domain=dom)
    check_quant(est.quantile(d, "diem", [0.25, 0.5]), r["quant_diem"])
    dd = domain_difference(d, "d1", "nhom", 1, 2)
    close([dd.value, dd.se], [r["contrast_d1_nhom"]["value"], r["contrast_d1_nhom"]["se"]])


@pytest.mark.parametrize("stages", ["one", "two"])
def test_hungyen_rao_scott(sim, ref, stages):
    r = ref[f"sim_{stages}"]
    d = sim_design(sim, stages)
    check_chisq(crosstab(d, "b2", "nhom"), r["chisq_b2_nhom"])
    check_chisq(crosstab(d, "b2", "gioi"), r["chisq_b2_gioi"])


@pytest.mark.parametrize("stages", ["one", "two"])
def test_rao_scott_alone_equals_r_and_crosstab(sim, ref, stages, dclus1):
    # The F test the report and the dashboard ask for, without the rest of crosstab().
    r = ref[f"sim_{stages}"]
    d = sim_design(sim, stages)
    rk = cal.rake(dclus1, {"stype": POP_TYPES, "sch.wide": POP_SCHWIDE})
    for design, rows, cols, rr in (
        (d, "b2", "nhom", r["chisq_b2_nhom"]),
        (d, "b2", "gioi", r["chisq_b2_gioi"]),
        (rk, "sch.wide", "awards", ref["clus1_rake_chisq"]),
    ):
        x = rao_scott(design, rows, cols)
        close([x.F, x.ndf, x.ddf, x.p], [rr["F"], rr["ndf"], rr["ddf"], rr["p"]])
        full = crosstab(design, rows, cols)
        assert (x.F, x.ndf, x.ddf, x.p) == (full.F, full.ndf, full.ddf, full.p)


@pytest.mark.parametrize("stages", ["one", "two"])
def test_hungyen_calibration_and_drivers(sim, ref, stages):
    r = ref[f"sim_{stages}"]
    d = sim_design(sim, stages)
    check(est.mean(cal.post_stratify(d, "gioi", POP_GIOI), "d1")[0], r["ps_mean_d1"])
    rk = cal.rake(d, {"gioi": POP_GIOI, "tuoi": POP_TUOI})
    close(rk.weights_in_input_order(), r["rake_weights"])
    check(est.mean(rk, "d1")[0], r["rake_mean_d1"])
    props = est.proportions(rk, "b2", ci="wald")
    rr = r["rake_props_b2"]
    close([e.value for e in props], rr["value"])
    close([e.se for e in props], rr["se"])
    close([e.deff for e in props], rr["deff"])
    close([e.ci_low for e in props], rr["ci_low"])
    check_glm(logistic(d, "d1", ["diem", "gioi"], categorical=["gioi"]), r["glm"])


def test_hungyen_index_and_alpha(sim, ref):
    d = sim_design(sim, "one")
    items = [f"e1_{i}" for i in range(1, 6)]
    res = composite_index(d, items, name="e1")
    check(res.table[0], ref["sim_index"])
    close(res.alpha, ref["sim_alpha"])
    check_by(composite_index(d, items, by="nhom").table, ref["sim_index_by_nhom"])


def _lonely_data(sim: pd.DataFrame) -> pd.DataFrame:
    s4 = sorted(sim.loc[sim.stratum == "S4", "unit"].astype(str).unique())
    keep = ~((sim.stratum == "S4") & (sim.unit.astype(str) != s4[0]))
    return sim[keep].reset_index(drop=True)


@pytest.mark.parametrize("rule", ["certainty", "remove", "adjust", "average"])
def test_lonely_psu_rules(sim, ref, rule):
    lon = _lonely_data(sim)
    r = ref[f"lonely_{rule}"]
    dfpc = Design(
        lon,
        strata="stratum",
        psu="unit",
        weight="weight",
        fpc="fpc1",
        fpc2="fpc2",
        certainty="cert",
        lonely_psu=rule,
    )
    dwr = Design(
        lon, strata="stratum", psu="unit", weight="weight", certainty="cert", lonely_psu=rule
    )
    check(est.mean(dfpc, "diem")[0], r["fpc_mean_diem"], deff=False)
    check(est.mean(dwr, "diem")[0], r["wr_mean_diem"], deff=False)
    check(est.total(dwr, "d1")[0], r["wr_total_d1"], deff=False)
    check(est.mean(dwr, "diem", by="nhom").get(domain=2), r["wr_mean_diem_nhom2"], deff=False)


def test_lonely_psu_fail_is_a_clear_error(sim):
    d = Design(_lonely_data(sim), strata="stratum", psu="unit", weight="weight", certainty="cert")
    with pytest.raises(StatsError, match="chỉ có một đơn vị mẫu cấp 1"):
        est.mean(d, "diem")


def test_domains_and_tests_on_a_raked_design(dclus1, ref):
    rk = cal.rake(dclus1, {"stype": POP_TYPES, "sch.wide": POP_SCHWIDE})
    check_by(est.mean(rk, "api00", by="awards"), ref["clus1_rake_mean_api00_by_awards"])
    check_props(rk, "awards", ref["clus1_rake_props_awards"])
    check_chisq(crosstab(rk, "sch.wide", "awards"), ref["clus1_rake_chisq"])

"""The claim rules, the base suppression rule over report/XLSX/dashboard, and the variance design
(ultimate cluster, errors naming rows, weights from frame sizes)."""

from __future__ import annotations

import json
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from khaosat.report import narrative, vn
from khaosat.report.builder import build_report
from khaosat.report.errors import ReportError
from khaosat.report.model import Comparison, Estimate, TestResult
from khaosat.report.narrative import RankedItem, Ranking

from .conftest import make_data, make_questionnaire

NO_CHARTS = {"chart": {"enabled": False}}


def _e(value, lo, hi, n=400):
    return Estimate(value=value, se=(hi - lo) / 3.92, ci_low=lo, ci_high=hi, n=n)


def test_majority_words_need_the_ci_lower_bound_above_half():
    # The case: 51,4% ± 2,7% is not "đa số".
    planted = _e(0.514, 0.487, 0.541)
    text = narrative.quantified_sentence(planted, "chọn “đồng tình”")
    assert not any(w in text.lower() for w in narrative.MAJORITY_WORDS)
    assert "khoảng một nửa" in text.lower()
    sure = _e(0.62, 0.57, 0.67)
    assert narrative.amount_word(sure) == "đa số"
    assert narrative.amount_word(_e(0.83, 0.79, 0.87)) == "đa số"  # lower bound below 80%
    assert narrative.amount_word(_e(0.90, 0.86, 0.94)) == "tuyệt đại đa số"


def test_a_difference_is_called_one_only_when_the_rao_scott_test_rejects():
    # The case: 48,5% vs 62,7% with p = 0,059 is not "no difference", and not a difference.
    comp = Comparison(
        "đồng tình",
        "nơi ở",
        ["người ở xã", "người ở phường"],
        [_e(0.485, 0.44, 0.53), _e(0.627, 0.50, 0.75, n=60)],
        TestResult(p_value=0.059, method="Rao–Scott (F)"),
    )
    text = narrative.comparison_sentence(comp, 0.05)
    assert "chưa đủ cơ sở để kết luận có khác biệt" in text
    assert "48,5%" in text and "62,7%" in text and "Rao–Scott" in text
    assert "không có khác biệt" not in text and "cao hơn" not in text
    rejected = Comparison(
        comp.subject, comp.group_title, comp.groups, comp.estimates, TestResult(p_value=0.01)
    )
    assert "khác biệt có ý nghĩa thống kê" in narrative.comparison_sentence(rejected, 0.05)


def test_highest_and_lowest_only_when_the_item_differs_from_the_others():
    items = [
        RankedItem(k, k, _e(v, v - 0.03, v + 0.03))
        for k, v in (("a", 0.6), ("b", 0.59), ("c", 0.3))
    ]
    r = Ranking(
        items,
        top_tests={1: TestResult(p_value=0.4), 2: TestResult(p_value=0.001)},
        bottom_tests={0: TestResult(p_value=0.001), 1: TestResult(p_value=0.002)},
    )
    top = narrative.ranking_sentence(r, "hài lòng")
    assert "ngang nhau" in top and "a:" in top and "b:" in top and "c:" not in top
    low = narrative.ranking_sentence(r, "hài lòng", lowest=True)
    assert "thấp nhất là c" in low and "ngang nhau" not in low
    assert r.weakest().key == "c"


@pytest.fixture(scope="module")
def built():
    return build_report(make_questionnaire(), make_data(n=500, seed=3), settings=NO_CHARTS)


PCT = re.compile(r"(?<![±\d,])(\d{1,3},\d)%")


def test_every_percentage_in_the_narrative_has_a_margin_or_a_base(built):
    checked = 0
    for b in built.doc.blocks:
        texts = (
            [b.text]
            if b.kind == "paragraph"
            else list(b.items or [])
            if b.kind == "bullets"
            else []
        )
        for text in texts:
            if text.startswith("“"):
                continue  # a quoted open answer
            for m in PCT.finditer(text):
                after = text[m.end() : m.end() + 30]
                assert "sai số ±" in after or "n = " in after, text
                checked += 1
    assert checked > 20


def test_no_majority_word_with_a_lower_bound_at_or_below_half(built):
    ctx = built.context
    for ind in ctx.indicators + [i for m in ctx.matrix_items.values() for i in m]:
        word = narrative.amount_word(ind.estimate, ctx.quant)
        if word in narrative.MAJORITY_WORDS:
            assert ind.estimate.ci_low > 0.5


def test_summary_results_and_recommendations_name_the_same_weakest_item(built):
    ctx = built.context
    weakest = ctx.rankings["chung"].bottom_group()
    rec = " ".join(
        t
        for _, texts in __import__(
            "khaosat.report.sections.recommendations", fromlist=["items"]
        ).items(ctx)
        for t in texts
    )
    assert all(it.label.lower()[:20] in rec.lower() for it in weakest[:3])


def test_suppression_follows_the_base_rule_in_report_xlsx_and_dashboard(tmp_path):
    from khaosat.report.dashboard import dashboard_data

    q = make_questionnaire()
    df = make_data(n=400, seed=5)
    # Plant a group of 7 (hidden), one of 20 (flagged) and a small cell in a large base.
    df["a6"] = 1
    df.loc[df.index[:7], "a6"] = 2
    groups = [("a6", [(1, "Xã"), (2, "Phường")])]
    built = build_report(q, df, settings=NO_CHARTS)
    paths = built.write(tmp_path, formats=("xlsx",))
    dash = dashboard_data(q, df, settings=built.settings, by="a6", by_levels=groups[0][1])
    b3 = next(i for i in dash["items"] if i["variable"] == "b3")
    # Dashboard: the Phường column (base 7) is all "–", Chung and Xã all shown.
    for row in b3["rows"][1:-3]:
        assert row[3] == "–" and row[1] != "–" and row[2] != "–"
    # Report: the same table through the same function.
    t = next(t for t in built.workbook_sheets() if t[0] == "B3")[1]
    by_a6 = next(x for x in t if x.group_variable == "a6")
    assert by_a6.suppressed_cols == {2} and not (
        by_a6.suppressed - {(r, 2) for r in range(len(by_a6.row_labels))}
    )
    # XLSX: the B3 sheet has no number in the hidden column's cells and all others filled.
    wb = openpyxl.load_workbook(paths["xlsx"])
    text = json.dumps(
        [[c.value for c in r] for r in wb["B3"].iter_rows()], default=str, ensure_ascii=False
    )
    assert "–" in text
    # A small cell (count < 10) inside a large base is shown in all three.
    overall = next(x for x in t if x.group_variable is None)
    small = [r for r in range(len(overall.row_labels)) if 0 < (overall.cells[r][0].count or 0) < 10]
    for r in small:
        assert overall.cell(r) is not None


def test_a_blank_weight_is_an_error_naming_the_rows():
    df = make_data(n=200, seed=4)
    df["serial"] = [f"12427-{i:04d}" for i in range(len(df))]
    df.loc[df.index[[3, 8]], "weight"] = np.nan
    with pytest.raises(ReportError) as exc:
        build_report(make_questionnaire(), df, settings=NO_CHARTS)
    msg = exc.value.message
    assert "weight" in msg and "12427-0003" in msg and "12427-0008" in msg


def test_the_margins_equal_khaosat_estimate_with_the_named_design(built, tmp_path):
    from typer.testing import CliRunner

    from khaosat.cli import app

    ctx = built.context
    cmd = ctx.design_info["command"]
    assert "--fpc" not in cmd  # no second stage: ultimate cluster
    data = built.data.assign(_b3=built.data["b3"])
    path = tmp_path / "d.csv"
    data.to_csv(path, index=False)
    args = cmd.replace("khaosat ", "").replace("DỮ_LIỆU", str(path)).split()
    res = CliRunner().invoke(app, [*args, "--prop", "b3", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    t = built.tables["b3"][0]
    by_code = {str(e["category"]): e for e in out["estimates"]}
    for code, est in zip(t.row_codes, t.column(0), strict=True):
        ref = by_code[str(code)] if str(code) in by_code else by_code[f"{float(code)}"]
        assert est.moe == pytest.approx((ref["ci_high"] - ref["ci_low"]) / 2, abs=1e-9)


def test_the_demo_design_gives_deff_at_least_one_and_weights_from_frame_sizes(tmp_path):
    from khaosat.report.demo import simulated_survey_data
    from khaosat.report.stats_adapter import StatsEstimator
    from khaosat.sampling import design_columns, load_survey_inputs, select
    from khaosat.sampling.weights import apply_base_weights

    q, df, plan = simulated_survey_data("surveys/hung-yen-2026", n=1000, seed=1, with_plan=True)
    from khaosat.report.survey import SurveyInfo

    info = SurveyInfo(weight_rule=plan["weight_rule"])
    built = build_report(q, df, survey=info, settings=NO_CHARTS)
    assert built.context.design_info["median_deff"] >= 1
    # The stage-1 fpc alone (the old design) understates every margin.
    old = StatsEstimator()
    old_design = old._build_design
    from khaosat.stats.design import Design

    old._build_design = lambda d: Design(
        d, strata="stratum", psu="psu", weight="weight", fpc="fpc", deff="srswr"
    )
    assert old_design is not None
    y = df["b3"].where(df["b3"].notna())
    new_moe = built.tables["b3"][0].column(0)[0].moe
    old_moe = old.proportions(df, y, [1, 2, 3, 4, 5, 9])[0].moe
    assert new_moe > old_moe
    assert any("quy mô" in w for w in built.log)  # no sizes: the build warns
    # A frame with sizes: base weights follow them (each unit's weight total = its size / π).
    frame, design = load_survey_inputs("surveys/hung-yen-2026")
    rng = np.random.default_rng(1)
    for row in frame.rows:
        row["population"] = float(rng.integers(3000, 30000))
    design.certainty[0].size, design.certainty[1].size = 4000.0, 9000.0
    plan = apply_base_weights(select(frame, design, 7))
    units = [u.code for u in plan.units for _ in range(u.quota)]
    cols = design_columns(plan, units)
    totals = cols.groupby("unit")["weight"].sum()
    share = (totals["T01"] + totals["T02"]) / totals.sum()
    assert share == pytest.approx(
        13000 / (sum(r["population"] for r in frame.rows) + 13000), rel=0.02
    )
    frame_df = pd.DataFrame(frame.rows)
    assert totals.sum() == pytest.approx(frame_df["population"].sum() + 13000, rel=0.02)


def test_dta_with_certainty_units_writes_an_infinite_fpc_as_missing(tmp_path):
    import pyreadstat

    from khaosat.report.demo import simulated_survey_data

    q, df = simulated_survey_data("surveys/hung-yen-2026", n=150, seed=3)
    assert np.isinf(df["fpc"]).any()
    built = build_report(q, df, settings=NO_CHARTS)
    path = built.write(tmp_path, formats=("dta",))["dta"]
    back, _ = pyreadstat.read_dta(str(path))
    assert len(back) == len(df) and back["fpc"].isna().sum() == np.isinf(df["fpc"]).sum()


def test_a_breakdown_in_one_stats_call_equals_one_call_per_group():
    from khaosat.report.stats_adapter import StatsEstimator
    from khaosat.report.tables import describe_questionnaire, frequency_table

    q, df = make_questionnaire(), make_data(n=300, seed=8)
    infos = {i.name: i for i in describe_questionnaire(q)}
    levels = [(1, "Cán bộ, đảng viên"), (2, "Nhân dân")]
    est = StatsEstimator()

    class PerGroup:  # the same estimator without the one-call breakdown
        proportions = est.proportions
        crosstab_test = est.crosstab_test

    for name in ("b3", "b2"):
        fast = frequency_table(infos[name], df, est, by="nhom", by_levels=levels)
        slow = frequency_table(infos[name], df, PerGroup(), by="nhom", by_levels=levels)
        assert fast.bases == slow.bases
        for ra, rb in zip(fast.cells, slow.cells, strict=True):
            for a, b in zip(ra, rb, strict=True):
                assert (a.n, a.count) == (b.n, b.count)
                assert a.value == pytest.approx(b.value, nan_ok=True)
                assert a.moe == pytest.approx(b.moe, nan_ok=True)


def test_calibration_rakes_the_weights_to_the_province_margins():
    df = make_data(n=300, seed=11)
    cfg = {**NO_CHARTS, "calibration": {"margins": {"a1": {"1": 600.0, "2": 400.0}}}}
    built = build_report(make_questionnaire(), df, settings=cfg)
    a1 = built.tables["a1"][0]
    by_code = dict(zip(a1.row_codes, a1.column(0), strict=True))
    assert by_code[1].value == pytest.approx(0.6, abs=1e-6)
    assert by_code[2].value == pytest.approx(0.4, abs=1e-6)
    text = " ".join(b.text for b in built.doc.blocks if b.kind == "paragraph")
    assert "cân chỉnh" in text


def test_the_dashboard_shows_the_numbers_of_the_calibrated_report():
    """One estimator for one set of settings: with [calibration] margins the dashboard rakes as
    the report does (it used to show the uncalibrated shares beside a raked report)."""
    from khaosat.report.dashboard import dashboard_data
    from khaosat.report.settings import load_settings, merge_settings

    df = make_data(n=300, seed=11)
    q = make_questionnaire()
    cfg = merge_settings(
        load_settings(None),
        {**NO_CHARTS, "calibration": {"margins": {"a1": {"1": 600.0, "2": 400.0}}}},
    )
    built = build_report(q, df, settings=cfg)
    shown = {i["variable"]: i for i in dashboard_data(q, df, settings=cfg)["items"]}
    plain = {i["variable"]: i for i in dashboard_data(q, df)["items"]}
    a1 = shown["a1"]["rows"]
    assert a1[1][1].startswith("60,0") and a1[2][1].startswith("40,0")
    assert plain["a1"]["rows"][1][1] != a1[1][1]  # raking changed what is shown
    b3 = built.tables["b3"][0]
    for r, cell in enumerate(b3.column(0)):
        assert shown["b3"]["rows"][1 + r][1].startswith(vn.fmt_num(cell.value * 100, 1))

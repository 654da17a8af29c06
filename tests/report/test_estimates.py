"""Numbers come only from khaosat.stats (through the adapter); failures are stated, not replaced."""

import math

import numpy as np
import pytest

from khaosat.report import backend, stats_adapter
from khaosat.report.builder import _binary, build_report
from khaosat.report.settings import load_settings
from khaosat.stats.compare import wave_difference
from khaosat.stats.design import Design

from .conftest import make_data, make_questionnaire

NO_CHARTS = {"chart": {"enabled": False}}


def test_there_is_no_estimator_besides_the_stats_area():
    assert not hasattr(backend, "FallbackEstimator")
    assert isinstance(backend.get_estimator(), stats_adapter.StatsEstimator)


def test_one_stats_design_serves_the_whole_report(monkeypatch):
    built_designs = []
    real = stats_adapter.Design.__init__

    def counting(self, data, *a, **kw):
        built_designs.append(len(data))
        real(self, data, *a, **kw)

    monkeypatch.setattr(stats_adapter.Design, "__init__", counting)
    df = make_data(n=300, seed=2)
    build_report(make_questionnaire(), df, settings=NO_CHARTS)
    # One for the data frame; one more per key-driver model (its factors added as columns).
    models = len(load_settings()["drivers"]["model"])
    assert len(built_designs) <= 1 + models
    assert built_designs[0] == len(df)


def test_a_crosstab_the_stats_area_cannot_compute_is_reported_as_such(monkeypatch):
    def singular(*a, **kw):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(stats_adapter, "rao_scott", singular)
    monkeypatch.setattr(stats_adapter, "domain_difference", singular)
    built = build_report(make_questionnaire(), make_data(n=300, seed=2), settings=NO_CHARTS)
    paragraphs = [b.text for b in built.doc.blocks if b.kind == "paragraph"]
    notes = [b.text for b in built.doc.blocks if b.kind == "note"]
    comparisons = [p for p in paragraphs if p.startswith("Tỷ lệ") and " theo " in p]
    assert comparisons
    for p in comparisons:
        assert "không tính được kiểm định thống kê cho bảng này" in p
        assert "có ý nghĩa thống kê (p" not in p
    assert any(n.startswith("Không tính được kiểm định khác biệt theo") for n in notes)
    sheets = dict(built.workbook_sheets())
    by_group = [t for t in sheets["B3"] if t.group_variable is not None]
    assert by_group and all(t.test.failed for t in by_group)
    assert all(any("Không tính được kiểm định Rao–Scott" in n for n in t.notes) for t in by_group)


def test_a_group_comparison_is_a_domain_test_on_the_whole_design():
    df = make_data(n=400, seed=4)
    est = backend.get_estimator()
    y = _binary(df, "b3", (4, 5))
    grp = df["a6"].where(df["a6"].isin([1, 2]))
    got = est.difference_test(df, y, grp)
    from khaosat.stats.compare import domain_difference

    design = Design(df, strata="stratum", psu="psu", weight="weight", lonely_psu="adjust")
    ref = domain_difference(design, y.to_numpy(float), grp.to_numpy(object), 1, 2)
    assert got.p_value == pytest.approx(ref.p_value)


def test_wave_changes_use_the_stats_wave_difference():
    est = backend.get_estimator()
    a_df, b_df = make_data(n=300, seed=1), make_data(n=300, seed=9)
    a = est.proportions(a_df, _binary(a_df, "b3", (4, 5)), [1])[0]
    b = est.proportions(b_df, _binary(b_df, "b3", (4, 5)), [1])[0]
    got = est.wave_test(a, b)
    from khaosat.stats.results import Estimate as S

    def conv(e):
        return S("proportion", "x", e.value, e.se, e.ci_low, e.ci_high, int(e.df), e.deff, e.n)

    ref = wave_difference(conv(a), conv(b))
    assert math.isfinite(got.p_value) and got.p_value == pytest.approx(ref.p_value)


def _counting(est, monkeypatch):
    calls = {"proportions": 0, "proportions_by": 0, "crosstab_test": 0}
    for name in calls:
        real = getattr(est, name)

        def counted(*a, _real=real, _name=name, **kw):
            calls[_name] += 1
            return _real(*a, **kw)

        monkeypatch.setattr(est, name, counted)
    return calls


def test_a_table_by_group_is_computed_once_and_its_chung_column_is_the_overall_table(monkeypatch):
    from khaosat.report.tables import describe_questionnaire, frequency_table

    df = make_data(n=300, seed=3)
    est = backend.get_estimator()
    info = next(i for i in describe_questionnaire(make_questionnaire()) if i.name == "b3")
    calls = _counting(est, monkeypatch)
    overall = frequency_table(info, df, est)
    assert calls["proportions"] == 1
    report = frequency_table(info, df, est, by="a6", by_levels=[(1, "nam"), (2, "nữ")])
    assert calls == {"proportions": 1, "proportions_by": 1, "crosstab_test": 1}
    assert [r[0] for r in report.cells] == [r[0] for r in overall.cells]
    assert report.bases[0] == overall.bases[0]
    # The XLSX annex asks for the same table with its own labels: nothing is computed again.
    annex = frequency_table(info, df, est, by="a6", by_levels=[(1, "Nam"), (2, "Nữ")], title="T")
    assert calls == {"proportions": 1, "proportions_by": 1, "crosstab_test": 1}
    assert annex.col_labels == ["Chung", "Nam", "Nữ"] and annex.title == "T"
    assert annex.cells == report.cells and annex.test == report.test
    # A caller changing its own table never changes the next caller's.
    annex.cells[0][1] = None
    annex.notes.append("x")
    again = frequency_table(info, df, est, by="a6", by_levels=[(1, "Nam"), (2, "Nữ")])
    assert again.cells[0][1] is not None and "x" not in again.notes
    # Another data frame (a new data version) is computed afresh.
    frequency_table(info, df.copy(), est, by="a6", by_levels=[(1, "Nam"), (2, "Nữ")])
    assert calls["proportions_by"] == 2


def test_group_masks_match_equality_with_the_level():
    import pandas as pd

    from khaosat.report.tables import _level_masks

    df = pd.DataFrame({"g": pd.Series([1.0, 2, None, "1", 2.0], dtype=object)})
    masks = _level_masks(df, "g", [1, 2, 3])
    assert [m.tolist() for m in masks] == [
        (df["g"] == lv).fillna(False).tolist() for lv in (1, 2, 3)
    ]
    assert masks[1].tolist() == [False, True, False, False, True]

"""Flat data set and codebook per docs/data-contract.md."""

from __future__ import annotations

import math

import pytest

from khaosat.questionnaire.codebook import codebook, value_labels
from khaosat.questionnaire.dataset import DatasetError, data_columns, to_dataframe
from khaosat.questionnaire.model import Question, Questionnaire


def test_select_multiple_becomes_one_0_1_column_per_option(anket):
    df = to_dataframe(anket, [{"b2": [1, 3]}, {"b2": "6"}, {}])
    kenh = [c.code for c in anket.choices("kenh")]
    cols = [f"b2_{c}" for c in kenh]
    assert set(cols) <= set(df.columns) and "b2" not in df.columns
    assert df.loc[0, cols].tolist() == [1 if c in (1, 3) else 0 for c in kenh]
    assert df.loc[1, "b2_6"] == 1 and df.loc[1, "b2_1"] == 0
    assert df.loc[2, cols].isna().all()


def test_columns_follow_form_order_and_skip_notes(anket):
    cols = data_columns(anket)
    assert cols.index("a1") < cols.index("nhom") < cols.index("b1") < cols.index("c7_1")
    assert "gioi_thieu" not in cols and "cam_on" not in cols


def test_codes_stay_codes_and_absent_answers_are_missing(anket):
    df = to_dataframe(anket, [{"a1": "2", "b1": 9, "g1": "Tốt"}, {"a1": 1}])
    assert df["a1"].tolist() == [2, 1]
    assert str(df["a1"].dtype) == "Int64"
    assert df.loc[0, "b1"] == 9
    assert df["c1"].isna().all()
    assert df.loc[0, "g1"] == "Tốt" and (df.loc[1, "g1"] is None or math.isnan(df.loc[1, "g1"]))


def test_extra_keys_are_kept_after_the_form_columns(anket):
    df = to_dataframe(anket, [{"a1": 1, "_simulated": 1}])
    assert df.columns[-1] == "_simulated"


def test_bad_value_names_response_and_variable():
    q = Questionnaire(items=[Question("tuoi", "integer"), Question("ngay", "date")])
    with pytest.raises(DatasetError) as exc:
        to_dataframe(q, [{"tuoi": 30}, {"tuoi": "ba mươi"}])
    assert "Phiếu thứ 2" in exc.value.message and "tuoi" in exc.value.message
    lenient = to_dataframe(q, [{"tuoi": "ba mươi", "ngay": "01/02/2026"}], strict=False)
    assert lenient["tuoi"].isna().all() and lenient.loc[0, "ngay"] == "2026-02-01"


def test_codebook_value_labels_and_dont_know_codes(anket):
    entries = {e.variable: e for e in codebook(anket)}
    assert entries["c7_1"].value_labels[5] == "Rất hài lòng"
    assert entries["c7_1"].missing_codes == [9]
    assert entries["c7_1"].measure == "ordinal"
    assert entries["nhom"].value_labels == {1: "Cán bộ, đảng viên", 2: "Nhân dân"}
    assert entries["e3_1"].value_labels == {0: "Không chọn", 1: "Có chọn"}
    assert value_labels(anket, "en")["a1"] == {1: "Male", 2: "Female"}

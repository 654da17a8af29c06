"""The form checker: corpus verdicts, placed messages, each kind of error and warning."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from khaosat.questionnaire.check import check_questionnaire, check_source
from khaosat.questionnaire.model import Choice, ChoiceList, Group, Question, Questionnaire
from tests.questionnaire.conftest import ANKET, corpus

PLACE = re.compile(r"^[^!]+!([A-Z]+)(\d+)$")


@pytest.mark.parametrize("path", corpus("valid"), ids=lambda p: p.name)
def test_valid_corpus_has_no_error(path):
    q, issues = check_source(path)
    assert q is not None
    assert not [str(i) for i in issues if i.is_error]


# Where each invalid form is at fault: (sheet, row, column) as Excel shows it.
INVALID_PLACES = {
    "calculate_without_calculation.xls": ("survey", 34, None),
    "duplicate_columns.xlsx": ("survey", 1, "E"),
    "group_name_test.xls": ("survey", 3, "B"),
    "unknown_question_type.xls": ("survey", None, None),
}


@pytest.mark.parametrize("path", corpus("invalid"), ids=lambda p: p.name)
def test_invalid_corpus_is_rejected_with_sheet_row_and_column(path):
    q, issues = check_source(path)
    errors = [i for i in issues if i.is_error]
    assert errors, "pyxform rejects this form; so must we"
    for e in errors:
        assert e.place is not None and e.place.row is not None and e.place.column
        assert PLACE.match(str(e.place)), str(e.place)
    sheet, row, column = INVALID_PLACES[path.name]
    assert any(
        e.place.sheet == sheet
        and (row is None or e.place.row == row)
        and (column is None or e.place.column == column)
        for e in errors
    ), [str(e) for e in errors]


def test_unknown_type_is_named_at_its_type_cell():
    path = next(p for p in corpus("invalid") if p.name == "unknown_question_type.xls")
    _, issues = check_source(path)
    unknown = [i for i in issues if i.is_error and "«unknown»" in i.message]
    assert [str(i.place) for i in unknown] == ["survey!A52"]


@pytest.mark.parametrize("path", corpus("questionable"), ids=lambda p: p.name)
def test_questionable_corpus_names_a_fault_with_its_place(path):
    q, issues = check_source(path)
    assert q is not None
    placed = [i for i in issues if i.place is not None and i.place.row is not None]
    # ict_survey_fails: only unused lists and settings are at fault; still placed
    assert placed or any(i.place for i in issues)


def test_bad_calculation_is_an_error_at_the_calculation_cell():
    path = next(p for p in corpus("questionable") if p.name == "bad_calc.xlsx")
    _, issues = check_source(path)
    assert any(i.is_error and str(i.place) == "survey!D2" for i in issues)


def test_data_in_a_headerless_column_is_pointed_out():
    path = next(p for p in corpus("questionable") if p.name == "ODKValidateWarnings.xlsx")
    _, issues = check_source(path)
    assert "survey!D3" in {str(i.place) for i in issues}


def test_anket_has_neither_error_nor_warning():
    q, issues = check_source(ANKET)
    assert q is not None
    assert [str(i) for i in issues] == []


# -- model-level checks ------------------------------------------------------------------
def form(*items, lists=None, **kw):
    return Questionnaire(
        form_id="t",
        version="1",
        items=list(items),
        choice_lists=lists or {},
        languages=kw.pop("languages", ["default"]),
        **kw,
    )


def yn():
    return {
        "yn": ChoiceList("yn", [Choice("1", {"default": "Có"}), Choice("2", {"default": "Không"})])
    }


def messages(q, level="error"):
    return [i.message for i in check_questionnaire(q) if i.level == level]


def test_reference_to_an_unknown_field_is_an_error():
    q = form(Question("a", "integer", labels={"default": "A"}, relevant="${b} > 1"))
    (msg,) = messages(q)
    assert "${b}" in msg


def test_duplicate_names_are_errors():
    q = form(Question("a", "integer"), Group("g", children=[Question("a", "text")]))
    assert any("bị trùng" in m for m in messages(q))


def test_missing_choice_list_is_an_error():
    q = form(Question("a", "select_one", list_name="nope", labels={"default": "A"}))
    assert any("nope" in m for m in messages(q))


def test_cycle_among_calculations_is_an_error():
    q = form(
        Question("x", "calculate", calculation="${y} + 1"),
        Question("y", "calculate", calculation="${z} * 2"),
        Question("z", "calculate", calculation="${x}"),
    )
    (msg,) = [m for m in messages(q) if "vòng tròn" in m]
    assert all(n in msg for n in "xyz")


def test_self_relevance_is_an_error():
    q = form(Question("a", "integer", relevant="${a} > 1"))
    assert any("chính nó" in m for m in messages(q))


def test_invalid_expression_is_an_error():
    q = form(Question("a", "integer", constraint=". > (3"))
    assert any("không hợp lệ" in m for m in messages(q))


def test_unknown_type_and_missing_name():
    q = form(Question("a", "integr"), Question("", "text", labels={"default": "B"}))
    msgs = messages(q)
    assert any("«integr»" in m for m in msgs) and any("Thiếu tên" in m for m in msgs)


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("hoten", "Xin cho biết tên"),
        ("q1", "Họ và tên người trả lời"),
        ("q2", "SỐ ĐIỆN THOẠI LIÊN HỆ"),
        ("q3", "Số CCCD"),
        ("q4", "Địa chỉ nơi ở (số nhà, đường)"),
        ("q5", "What is your phone number?"),
        ("cmnd", "Giấy tờ"),
        ("q6", "Ho va ten"),
    ],
)
def test_personal_identifier_questions_are_warned(name, label):
    q = form(Question(name, "text", labels={"default": label}))
    warnings = messages(q, "warning")
    assert any("định danh cá nhân" in m for m in warnings), warnings
    assert not messages(q)


@pytest.mark.parametrize(
    "label", ["Nhóm tuổi của Ông/Bà", "Ông/Bà sống ở xã hay phường?", "Tên gọi mô hình mới"]
)
def test_ordinary_questions_are_not_taken_for_identifiers(label):
    q = form(Question("a1", "text", labels={"default": label}))
    assert not [m for m in messages(q, "warning") if "định danh" in m]


def test_anonymity_note_does_not_trigger_the_identifier_warning():
    q = form(Question("n", "note", labels={"default": "Phiếu không ghi họ tên, số điện thoại."}))
    assert not [m for m in messages(q, "warning") if "định danh" in m]


def test_duplicate_choice_codes_are_warned():
    lists = {"l": ChoiceList("l", [Choice("1", {"default": "A"}), Choice("1", {"default": "B"})])}
    q = form(Question("a", "select_one", list_name="l", labels={"default": "A"}), lists=lists)
    assert any("lặp lại" in m for m in messages(q, "warning"))


def test_label_missing_in_a_declared_language_is_warned():
    langs = ["Tiếng Việt (vi)", "English (en)"]
    q = form(Question("a", "integer", labels={"Tiếng Việt (vi)": "Tuổi"}), languages=langs)
    assert any("English (en)" in m for m in messages(q, "warning"))


def _xlsx(rows, choices=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for r in rows:
        ws.append(r)
    if choices:
        wc = wb.create_sheet("choices")
        for r in choices:
            wc.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_places_use_the_designers_column_letters():
    data = _xlsx(
        [
            ["type", "name", "label", "hint", "relevant"],
            ["integer", "age", "Tuổi", "", ""],
            ["text", "ghi_chu", "Ghi chú", "", "${tuoi} > 18"],
        ]
    )
    _, issues = check_source(data, "f.xlsx")
    (err,) = [i for i in issues if i.is_error]
    assert str(err.place) == "survey!E3"


def test_duplicate_columns_are_an_error_at_the_header_cell():
    data = _xlsx([["type", "name", "label", "name"], ["integer", "a", "A", "b"]])
    _, issues = check_source(data, "f.xlsx")
    assert "survey!D1" in {str(i.place) for i in issues if i.is_error}


def test_unreadable_source_returns_an_error_not_an_exception():
    q, issues = check_source(b"PK\x03\x04garbage", "f.xlsx")
    assert q is None and issues[0].is_error


def test_pyxform_refusal_becomes_a_placed_error():
    # duplicate choice codes: our checker only warns, pyxform refuses the form
    data = _xlsx(
        [["type", "name", "label"], ["select_one yn", "a", "A"]],
        [["list_name", "name", "label"], ["yn", "1", "Có"], ["yn", "1", "Có nữa"]],
    )
    _, issues = check_source(data, "f.xlsx")
    errors = [i for i in issues if i.is_error]
    assert errors and all(i.place is not None for i in errors)

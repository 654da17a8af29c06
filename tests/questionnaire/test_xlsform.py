"""XLSForm reading and writing: corpus round trips, formats, bad files, generated forms."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khaosat.questionnaire.errors import XLSFormReadError
from khaosat.questionnaire.model import Choice, ChoiceList, Group, Question, Questionnaire
from khaosat.questionnaire.xlsform import (
    load_xlsform,
    parse_type,
    read_xlsform,
    to_xform,
    to_xlsx_bytes,
    xform_issues,
)
from tests.questionnaire.conftest import ANKET, corpus

VALID = corpus("valid")


@pytest.mark.parametrize("path", [*VALID, ANKET], ids=lambda p: p.name)
def test_round_trip_gives_an_equal_model_that_pyxform_converts(path):
    q, issues = load_xlsform(path)
    assert not [i for i in issues if i.is_error]
    again, _ = load_xlsform(to_xlsx_bytes(q), "again.xlsx")
    assert again == q
    assert Questionnaire.from_dict(again.to_dict()) == q
    xml, problems = xform_issues(again)
    assert xml is not None, [str(p) for p in problems]
    assert "<h:html" in xml


def test_round_trip_keeps_the_designers_sheet_and_column_names():
    path = next(p for p in VALID if p.name == "case_insensitivity.xls")
    q = read_xlsform(path)
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(q)))
    assert wb.sheetnames[0] == q.sheet_names["survey"]
    header = [c.value for c in next(wb[q.sheet_names["survey"]].iter_rows(max_row=1))]
    assert [h or "" for h in header][: len(q.columns["survey"])] == q.columns["survey"]


def test_headers_and_sheet_names_are_case_insensitive_like_pyxform():
    q = read_xlsform(next(p for p in VALID if p.name == "case_insensitivity.xls"))
    assert any(it.labels for it in q.iter_questions())
    assert q.choice_lists


def test_language_columns_become_label_dicts(anket):
    a1 = anket.question("a1")
    assert set(a1.labels) == {"Tiếng Việt (vi)", "English (en)"}
    assert a1.label("en").startswith("A1.")
    assert anket.resolve_language("vi") == "Tiếng Việt (vi)"


def test_markdown_and_csv_forms_are_read_with_row_numbers():
    md = (
        "| survey |\n| | type | name | label |\n| | integer | age | Tuổi |\n"
        "| | select_one yn | ok | Đồng ý? |\n| choices |\n| | list_name | name | label |\n"
        "| | yn | 1 | Có |\n| | yn | 2 | Không |\n"
    )
    q = read_xlsform(md.encode(), "form.md")
    assert [x.name for x in q.iter_questions()] == ["age", "ok"]
    assert q.question("ok").source == ("survey", 4)
    csv_text = "survey,type,name,label\n,text,note1,Xin chào\nchoices,list_name,name,label\n"
    q2 = read_xlsform(csv_text.encode(), "form.csv")
    assert q2.question("note1").type == "text"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("select_one yes_no", ("select_one", "yes_no", False)),
        ("select one from yes_no or specify other", ("select_one", "yes_no", True)),
        ("select_multiple l1 or_other", ("select_multiple", "l1", True)),
        ("int", ("integer", None, False)),
        ("string", ("text", None, False)),
        ("get start time", ("start", None, False)),
    ],
)
def test_type_aliases_resolve_like_pyxform(text, expected):
    p = parse_type(text)
    assert (p.type, p.list_name, p.or_other) == expected


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "a.xlsx", "rỗng"),
        (b"this is not a spreadsheet at all", "a.xlsx", "hỏng"),
        (b"\x00\x01\x02binary", "a.bin", "không phải"),
    ],
)
def test_unreadable_files_give_a_vietnamese_message(data, name, words):
    with pytest.raises(XLSFormReadError) as exc:
        load_xlsform(data, name)
    assert words in exc.value.message


def test_truncated_xlsx_is_reported_not_raised_as_a_traceback():
    data = ANKET.read_bytes()
    with pytest.raises(XLSFormReadError) as exc:
        load_xlsform(data[: len(data) // 2], "anket.xlsx")
    assert "không trọn vẹn" in exc.value.message


def test_missing_survey_sheet_names_the_sheets_found():
    data = _xlsx({"Surveyy": [["type", "name"]], "choices": [["list_name", "name"]]})
    with pytest.raises(XLSFormReadError) as exc:
        load_xlsform(data, "x.xlsx")
    assert "survey" in exc.value.message and "Surveyy" in exc.value.message


def test_unclosed_group_is_an_error_at_its_begin_row():
    data = _xlsx(
        {"survey": [["type", "name", "label"], ["begin_group", "g", "G"], ["text", "t", "T"]]}
    )
    _, issues = load_xlsform(data, "x.xlsx")
    (err,) = [i for i in issues if i.is_error]
    assert str(err.place) == "survey!A2"


def test_model_write_adds_columns_for_values_without_one():
    q = Questionnaire(
        form_id="f",
        items=[Question(name="x", type="integer", labels={"default": "X"}, relevant="1 = 1")],
    )
    again = read_xlsform(to_xlsx_bytes(q), "f.xlsx")
    assert again.question("x").relevant == "1 = 1"
    assert "<h:html" in to_xform(again)


# -- hypothesis: generated small forms round-trip ----------------------------------------
NAME = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
TEXT = (
    st.text(
        alphabet=st.characters(codec="utf-8", categories=("L", "M", "N", "Zs", "P", "Sm", "Sc")),
        min_size=1,
        max_size=20,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
LANGS = st.sampled_from([["default"], ["Tiếng Việt (vi)", "English (en)"]])


@st.composite
def forms(draw):
    langs = draw(LANGS)
    names = draw(st.lists(NAME, min_size=1, max_size=6, unique=True))
    lists = {}
    for i in range(draw(st.integers(0, 2))):
        codes = draw(st.lists(st.integers(1, 99), min_size=1, max_size=4, unique=True))
        lists[f"l{i}"] = ChoiceList(
            f"l{i}", [Choice(str(c), {lg: draw(TEXT) for lg in langs}) for c in codes]
        )
    items = []
    for n in names:
        kind = draw(st.sampled_from(["text", "integer", "decimal", "date", "select", "note"]))
        q = Question(name=n, type=kind, labels={lg: draw(TEXT) for lg in langs})
        if kind == "select" and lists:
            q.type = draw(st.sampled_from(["select_one", "select_multiple"]))
            q.list_name = draw(st.sampled_from(sorted(lists)))
        elif kind == "select":
            q.type = "text"
        q.required = draw(st.booleans())
        if draw(st.booleans()) and items:
            q.relevant = f"${{{items[0].name}}} != ''"
        if draw(st.booleans()):
            q.hints = {lg: draw(TEXT) for lg in langs}
        items.append(q)
    if draw(st.booleans()) and len(items) > 1:
        items = [
            items[0],
            Group(name="grp_x", labels={lg: "G" for lg in langs}, children=items[1:]),
        ]
    return Questionnaire(
        form_id="gen",
        version="1",
        default_language=langs[0] if langs[0] != "default" else "",
        languages=langs,
        items=items,
        choice_lists=lists,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(forms())
def test_generated_forms_round_trip(q):
    once = read_xlsform(to_xlsx_bytes(q), "gen.xlsx")
    twice = read_xlsform(to_xlsx_bytes(once), "gen.xlsx")
    assert twice == once
    assert [x.name for x in once.iter_questions()] == [x.name for x in q.iter_questions()]
    for a, b in zip(once.iter_questions(), q.iter_questions(), strict=True):
        assert (a.type, a.list_name, a.labels, a.relevant, a.required) == (
            b.type,
            b.list_name,
            b.labels,
            b.relevant,
            b.required,
        )
    assert once.choice_lists == q.choice_lists


def test_xlsx_written_is_a_valid_zip(anket):
    data = to_xlsx_bytes(anket)
    assert zipfile.is_zipfile(io.BytesIO(data))
    assert re.search(rb"xl/worksheets/sheet1.xml", data)


def test_text_that_looks_like_a_formula_stays_text():
    q = Questionnaire(
        items=[Question(name="n", type="note", labels={"default": "=== PHẦN A ==="})],
    )
    again = read_xlsform(to_xlsx_bytes(q), "f.xlsx")
    assert again.question("n").labels == {"default": "=== PHẦN A ==="}

"""The comparison of two questionnaire versions speaks as the designer does: questions by their
printed number and label, lists by the questions that use them, conditions in words — never a
variable name, `${…}`, a Python dict or an XLSForm expression."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from khaosat.questionnaire.diff import diff
from khaosat.questionnaire.model import Choice, Questionnaire
from khaosat.questionnaire.xlsform import read_xlsform

ANKET = Path(__file__).resolve().parents[2] / "surveys" / "hung-yen-2026" / "anket.xlsx"
VI = "Tiếng Việt (vi)"


@pytest.fixture(scope="module")
def old() -> Questionnaire:
    return read_xlsform(ANKET)


def _edit(old: Questionnaire) -> Questionnaire:
    new = copy.deepcopy(old)
    new.question("b3").labels[VI] = (
        "B3. Ông/Bà đồng tình thế nào với việc sắp xếp đơn vị hành chính?"
    )
    new.question("c2").relevant = "${c1} = 1 and ${a5} = 1"
    new.question("f1").constraint = "count-selected(.) <= 2"
    new.question("c7_1").labels[VI] = "Cơ sở vật chất, chỗ ngồi chờ"
    new.choice_lists["kenh"].choices.append(Choice(name="8", labels={VI: "Mạng xã hội Zalo"}))

    def drop(items):
        return [i for i in items if getattr(i, "name", "") != "g3"]

    new.items = drop(new.items)
    for it in new.items:
        if hasattr(it, "children"):
            it.children = drop(it.children)
    return new


@pytest.fixture(scope="module")
def changes(old):
    return diff(old, _edit(old))


def _by(changes, item, field=""):
    return next(c for c in changes if c.item == item and c.field == field)


def test_each_edit_is_found_once(changes):
    found = {(c.kind, c.item, c.field) for c in changes}
    assert found == {
        ("changed", "b3", "labels"),
        ("changed", "c2", "relevant"),
        ("changed", "f1", "constraint"),
        ("changed", "c7_1", "labels"),
        ("added", "choices:kenh", "8"),
        ("removed", "g3", ""),
    }
    assert len(changes) == len(found)


def test_questions_are_named_by_printed_number_and_label(changes):
    assert _by(changes, "b3", "labels").message.startswith("Câu B3 «Ông/Bà đồng tình")
    assert _by(changes, "b3", "labels").message.endswith(": đổi nội dung câu hỏi.")
    # a row of a table by its table's number and the row's words (as the review queue says it)
    assert _by(changes, "c7_1", "labels").message == (
        "Câu C7 (Cơ sở vật chất, chỗ ngồi chờ): đổi nội dung câu hỏi."
    )
    assert _by(changes, "g3").message.startswith("Bỏ câu G3 «Ông/Bà có kiến nghị")


def test_a_choice_list_is_named_by_the_questions_that_use_it(changes):
    c = _by(changes, "choices:kenh", "8")
    assert c.message == "Danh sách phương án của câu B2, B5: thêm phương án mã 8."
    assert c.new_text == "Mạng xã hội Zalo"


def test_conditions_are_said_in_words(changes):
    c = _by(changes, "c2", "relevant")
    assert c.old_text == "câu C1 chọn «Có»"
    assert c.new_text == "câu C1 chọn «Có» và câu A5 chọn «Có»"
    f = _by(changes, "f1", "constraint")
    assert (f.old_text, f.new_text) == (
        "Chỉ được chọn tối đa 3 phương án",
        "Chỉ được chọn tối đa 2 phương án",
    )


def test_no_programmer_notation_reaches_the_page(old, changes):
    names = {q.name for q in old.iter_questions()} | set(old.choice_lists)
    for c in changes:
        for text in (c.message, c.old_text, c.new_text):
            assert "${" not in text and "{'" not in text and "count-selected" not in text, text
            words = set(re.findall(r"[\w]+", text))
            assert not (words & names), (text, words & names)


def test_an_unusual_constraint_reads_as_a_condition_on_the_answer(old):
    new = copy.deepcopy(old)
    new.question("d2").constraint = "not(selected(., '6') and count-selected(.) > 2)"
    (c,) = diff(old, new)
    assert "${" not in c.new_text and "câu trả lời" in c.new_text


def test_identical_versions_have_no_difference(old):
    assert diff(old, copy.deepcopy(old)) == []


def test_a_list_used_by_the_rows_of_a_table_names_the_table(old):
    new = copy.deepcopy(old)
    new.choice_lists["hai_long"].choices[0].labels[VI] = "Hết sức không hài lòng"
    (c,) = diff(old, new)
    assert c.message == "Danh sách phương án của câu C7, C9: phương án mã 1 đổi nhãn."

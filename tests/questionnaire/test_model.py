"""The model: answer coercion per docs/data-contract.md, JSON, navigation."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khaosat.questionnaire.errors import CoercionError
from khaosat.questionnaire.model import Question, Questionnaire, code_value


@pytest.mark.parametrize(
    ("raw", "code"), [("1", 1), (2, 2), (3.0, 3), (" 4 ", 4), ("01", "01"), ("yes", "yes")]
)
def test_codes_are_ints_when_integer_literals(raw, code):
    assert code_value(raw) == code


@given(st.integers(-(10**12), 10**12))
def test_code_value_round_trips_integers_through_text(n):
    assert code_value(str(n)) == n


def test_coercion_per_type():
    assert Question("a", "integer").coerce("12") == 12
    assert Question("a", "decimal").coerce("1,5") == 1.5
    assert Question("a", "date").coerce("31/12/2025") == "2025-12-31"
    assert Question("a", "text").coerce(12) == "12"
    assert Question("a", "calculate").coerce("2") == 2
    assert Question("a", "select_one").coerce("3") == 3
    assert Question("a", "select_multiple").coerce("3 1", [1, 2, 3]) == [1, 3]
    assert Question("a", "select_multiple").coerce([2, "2"], [1, 2]) == [2]
    assert Question("a", "integer").coerce("") is None
    assert Question("a", "note").coerce("x") is None


@pytest.mark.parametrize(("type_", "raw"), [("integer", "1.5"), ("integer", "abc"), ("date", "x")])
def test_bad_values_raise_a_vietnamese_coercion_error(type_, raw):
    with pytest.raises(CoercionError) as exc:
        Question("cau_a", type_).coerce(raw)
    assert "cau_a" in exc.value.message


def test_json_round_trip_and_navigation(anket):
    data = json.loads(json.dumps(anket.to_dict(), ensure_ascii=False))
    again = Questionnaire.from_dict(data)
    assert again == anket
    assert [g.name for g in again.ancestors("c7_3")] == ["c", "c7"]
    assert again.coerce("b2", "6 1") == [1, 6]
    assert again.choices("kenh")[0].label("en").startswith("Newspapers")


def test_labels_stay_in_the_default_language_when_stored_keys_come_back_sorted(anket):
    # PostgreSQL's jsonb gives keys back sorted: "English (en)" comes before "Tiếng Việt (vi)".
    stored = json.loads(json.dumps(anket.to_dict(), sort_keys=True))
    group_a = next(it for it in stored["items"] if it["name"] == "a")
    a2 = next(it for it in group_a["children"] if it["name"] == "a2")
    assert list(a2["labels"]) == ["English (en)", "Tiếng Việt (vi)"]  # as jsonb gives it back
    q = Questionnaire.from_dict(stored)
    age = q.question("a2")
    assert age.label() == "A2. Ông/Bà thuộc nhóm tuổi nào?"
    first = q.choices_of(age)[0]
    assert first.label() == "Từ 18 đến 30 tuổi"
    assert list(first.labels) == ["Tiếng Việt (vi)", "English (en)"]
    assert age.label("en") == "A2. Your age group"

"""Validation of one response, relevance in form order, calculations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khaosat.questionnaire.model import Choice, ChoiceList, Group, Question, Questionnaire
from khaosat.questionnaire.validate import (
    compile_logic,
    compute_calculations,
    logic_json,
    relevance,
    relevant_questions,
    validate,
)
from tests.questionnaire.simforms import mini_anket, valid_answers

TODAY = "2026-07-01"


def codes(problems):
    return {(p.variable, p.code) for p in problems}


def test_a_valid_response_has_no_problem():
    assert validate(mini_anket(), valid_answers(), TODAY) == []


def test_it_reports_a_wrong_code():
    a = valid_answers() | {"a1": 7}
    assert codes(validate(mini_anket(), a, TODAY)) == {("a1", "unknown_code")}


def test_it_reports_a_wrong_code_inside_a_multiple_choice():
    a = valid_answers() | {"b2": [1, 8]}
    problems = validate(mini_anket(), a, TODAY)
    assert codes(problems) == {("b2", "unknown_code")}
    assert "8" in problems[0].message_vi


def test_it_reports_a_missing_required_answer():
    a = valid_answers()
    del a["a2"]
    problems = validate(mini_anket(), a, TODAY)
    assert codes(problems) == {("a2", "required")}
    assert "a2" in problems[0].message_vi and "bắt buộc" in problems[0].message_vi


def test_required_given_as_an_expression():
    a = valid_answers()
    del a["c9"]
    assert codes(validate(mini_anket(), a, TODAY)) == {("c9", "required")}
    # c9 is required only when c2 is answered
    del a["c2"], a["c2x"]
    assert validate(mini_anket(), a, TODAY) == []


def test_it_reports_an_answer_to_a_question_that_is_not_relevant():
    a = valid_answers() | {"b5": [2]}  # b4 = 2, so b5 is skipped
    problems = validate(mini_anket(), a, TODAY)
    assert codes(problems) == {("b5", "not_relevant")}
    # in words: the question that decided the skip and its answer by label, no ${b4}
    assert problems[0].message_vi.startswith("Câu B4 chọn «")
    assert "nên không trả lời câu B5" in problems[0].message_vi
    assert "${" not in problems[0].message_vi


def test_a_whole_skipped_group_reports_each_answer():
    a = valid_answers() | {"c1": 2}
    got = codes(validate(mini_anket(), a, TODAY))
    expected = {(n, "not_relevant") for n in ("c2", "c2x", "c7_1", "c7_2", "c7_3", "c7_4", "c9")}
    assert got == expected


def test_it_reports_a_constraint_break():
    a = valid_answers() | {"d2": [1, 6]}
    problems = validate(mini_anket(), a, TODAY)
    assert codes(problems) == {("d2", "constraint")}
    assert "Không gặp khó khăn" in problems[0].message_vi


def test_max_selections_through_a_constraint():
    assert codes(validate(mini_anket(), valid_answers() | {"b2": [1, 2, 3, 4]}, TODAY)) == {
        ("b2", "constraint")
    }
    assert validate(mini_anket(), valid_answers() | {"b2": [1, 2, 3]}, TODAY) == []


def test_numeric_constraint_uses_the_current_value():
    assert codes(validate(mini_anket(), valid_answers() | {"nam_sinh": 1900}, TODAY)) == {
        ("nam_sinh", "constraint")
    }


def test_it_reports_wrong_types():
    a = valid_answers() | {"nam_sinh": "1970", "b2": 3, "c7_1": "4", "g1": 5, "a6": [1]}
    assert codes(validate(mini_anket(), a, TODAY)) == {
        ("nam_sinh", "type"),
        ("b2", "type"),
        ("c7_1", "type"),
        ("g1", "type"),
        ("a6", "type"),
    }


def test_an_empty_value_is_not_an_absent_key():
    a = valid_answers() | {"g1": "", "b2": []}
    assert codes(validate(mini_anket(), a, TODAY)) == {("g1", "type"), ("b2", "type")}


def test_it_reports_unknown_variables():
    a = valid_answers() | {"zz9": 1, "ghi_chu": "x"}
    assert codes(validate(mini_anket(), a, TODAY)) == {
        ("zz9", "unknown_variable"),
        ("ghi_chu", "unknown_variable"),
    }


def test_calculations_are_recomputed_and_compared():
    a = valid_answers() | {"nhom": 2}
    problems = validate(mini_anket(), a, TODAY)
    assert codes(problems) == {("nhom", "calculation")}
    assert "phải là «1»" in problems[0].message_vi
    a = valid_answers()
    del a["nhom"]
    assert codes(validate(mini_anket(), a, TODAY)) == {("nhom", "calculation")}
    assert validate(mini_anket(), a, TODAY, check_calculations=False) == []


def test_choice_filter_restricts_codes():
    a = valid_answers() | {"c2x": 2}  # c2 = [1, 3]: only 1 and 3 are offered
    problems = validate(mini_anket(), a, TODAY)
    assert codes(problems) == {("c2x", "unknown_code")}
    assert "choice_filter" in problems[0].message_vi


def test_every_planted_problem_is_reported_not_only_the_first():
    a = valid_answers() | {"a1": 5, "b5": [1], "d2": [2, 6], "nhom": 2, "extra": 1}
    del a["a4"]
    got = codes(validate(mini_anket(), a, TODAY))
    assert {
        ("a1", "unknown_code"),
        ("a4", "required"),
        ("b5", "not_relevant"),
        ("d2", "constraint"),
        ("extra", "unknown_variable"),
    } <= got
    # nhom follows from a5 = 1 whatever a4 is, so it is still 1: reported as wrong
    assert ("nhom", "calculation") in got


def test_compute_calculations():
    q = mini_anket()
    assert compute_calculations(q, {"a4": 1, "a5": 2}) == {"nhom": 1}
    assert compute_calculations(q, {"a4": 4, "a5": 2}) == {"nhom": 2}
    assert compute_calculations(q, {"a4": 4, "a5": 1}) == {"nhom": 1}


def test_relevant_questions_follow_the_answers():
    q = mini_anket()
    names = relevant_questions(q, valid_answers() | {"c1": 2, "d1": 2})
    assert "c1" in names and "c2" not in names and "c7_1" not in names and "d2" not in names
    assert names.index("a1") < names.index("f2")
    rel = relevance(q, {"c1": 1})
    assert rel["c"] is True and rel["c7"] is True and rel["b5"] is False


def _chain_form() -> Questionnaire:
    yn = ChoiceList("yn", [Choice("1", {"default": "Có"}), Choice("2", {"default": "Không"})])
    return Questionnaire(
        form_id="chain",
        items=[
            Question("q1", "select_one", "yn"),
            Group("g", relevant="${q1} = 1", children=[Question("q2", "select_one", "yn")]),
            Question("q3", "select_one", "yn", relevant="${q2} = 1"),
            Question("q4", "text", or_other=False, required=True, relevant="${q3} = 1"),
        ],
        choice_lists={"yn": yn},
    )


def test_relevance_is_order_aware():
    # q2 is skipped (q1 = 2) so its stale answer must not make q3 relevant
    answers = {"q1": 2, "q2": 1, "q3": 1}
    rel = relevance(_chain_form(), answers)
    assert rel["q2"] is False and rel["q3"] is False and rel["q4"] is False
    assert codes(validate(_chain_form(), answers)) == {
        ("q2", "not_relevant"),
        ("q3", "not_relevant"),
    }
    assert codes(validate(_chain_form(), {"q1": 1, "q2": 1, "q3": 1})) == {("q4", "required")}


def test_or_other_adds_the_other_code_and_its_text():
    yn = ChoiceList("yn", [Choice("1", {"default": "Có"}), Choice("2", {"default": "Không"})])
    q = Questionnaire(
        items=[Question("s", "select_one", "yn", or_other=True)], choice_lists={"yn": yn}
    )
    assert validate(q, {"s": "other", "s_other": "gì đó"}) == []
    assert codes(validate(q, {"s": "other"})) == {("s_other", "required")}
    assert codes(validate(q, {"s": 1, "s_other": "x"})) == {("s_other", "not_relevant")}


def test_a_broken_expression_in_the_form_is_a_problem_not_a_crash():
    q = mini_anket()
    q.question("f3").relevant = "${f2} = = 1"
    assert validate(q, valid_answers(), TODAY) == []
    problems = validate(q, valid_answers(), TODAY, include_form_problems=True)
    assert ("f3", "expression") in codes(problems)
    assert [p.variable for p in compile_logic(q).problems] == ["f3"]


def test_checks_sheet_rows_are_cross_checks():
    q = mini_anket()
    q.checks = [{"name": "tuoi_dang", "constraint": "not(${a2} = 1 and ${nam_sinh} < 1960)",
                 "message": "Tuổi và năm sinh không khớp"}]  # fmt: skip
    assert validate(q, valid_answers(), TODAY) == []
    bad = valid_answers() | {"a2": 1, "nam_sinh": 1950}
    problems = validate(q, bad, TODAY)
    assert codes(problems) == {("tuoi_dang", "check")}
    assert "không khớp" in problems[0].message_vi


def test_logic_json_is_plain_json():
    data = logic_json(mini_anket())
    assert json.loads(json.dumps(data)) == data
    by = {it["name"]: it for it in data["items"]}
    assert by["c"]["relevant"] == ["bin", "=", ["ref", "c1"], ["num", 1.0]]
    assert by["c7_1"]["groups"] == ["c", "c7"]
    assert by["nhom"]["calculation"][0] == "fn"


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.lists(st.one_of(st.integers(0, 9), st.text(max_size=3)), max_size=4),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)
_keys = st.sampled_from(
    [
        "a1",
        "a2",
        "a4",
        "a5",
        "nhom",
        "b2",
        "b5",
        "c1",
        "c2",
        "c2x",
        "c7_1",
        "d2",
        "g1",
        "nam_sinh",
        "x",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=10))
def test_validate_never_crashes_and_names_real_variables(answers):
    logic = compile_logic(mini_anket())
    problems = validate(logic, answers, TODAY)
    known = set(logic.by_name) | set(answers)
    assert all(p.variable in known and p.message_vi for p in problems)
    # the same response always gives the same list
    assert problems == validate(logic, answers, TODAY)


def test_references_to_unknown_fields_are_form_problems():
    q = mini_anket()
    q.question("f3").relevant = "${f2x} = 1"
    logic = compile_logic(q)
    assert [(p.variable, p.code) for p in logic.problems] == [("f3", "unknown_reference")]
    assert "f2x" in logic.problems[0].message_vi
    # an unknown field reads as unanswered, so f3 is skipped and its answer is reported
    assert codes(validate(logic, valid_answers(), TODAY)) == {("f3", "not_relevant")}
    with_form = validate(logic, valid_answers(), TODAY, include_form_problems=True)
    assert ("f3", "unknown_reference") in codes(with_form)


ANKET = Path(__file__).parents[2] / "surveys" / "hung-yen-2026" / "anket.xlsx"


@pytest.mark.skipif(not ANKET.exists(), reason="the Anket XLSForm is not there yet")
def test_planted_problems_in_anket_responses_are_all_reported():
    from khaosat.questionnaire.simulate import simulate
    from khaosat.questionnaire.xlsform import read_xlsform

    logic = compile_logic(read_xlsform(ANKET))
    responses = [r.answers for r in simulate(logic, 400, seed=12)]
    base = next(a for a in responses if a.get("b4") == 2 and a.get("a4") != 1 and "f2" in a)
    assert validate(logic, base, TODAY) == []
    bad = dict(base)
    bad["f2"] = 7  # wrong code
    del bad["a1"]  # required
    bad["b5"] = [1]  # b4 = 2: not relevant
    bad["e3"] = [1, 2]  # a4 != 1: not relevant
    bad["f1"] = [1, 2, 3, 4]  # more than 3
    bad["nhom"] = 3 - base["nhom"]  # wrong calculation
    bad["zz"] = 1
    got = codes(validate(logic, bad, TODAY))
    assert got == {
        ("f2", "unknown_code"),
        ("a1", "required"),
        ("b5", "not_relevant"),
        ("e3", "not_relevant"),
        ("f1", "constraint"),
        ("nhom", "calculation"),
        ("zz", "unknown_variable"),
    }


def test_a_row_of_a_table_answered_when_skipped_is_named_as_printed():
    """«… nên không trả lời câu C7 (Cơ sở vật chất, nơi ngồi chờ)», never the variable c7_1."""
    from khaosat.questionnaire.simulate import simulate
    from khaosat.questionnaire.xlsform import read_xlsform

    q = read_xlsform(Path(__file__).resolve().parents[2] / "surveys/hung-yen-2026/anket.xlsx")
    base = next(s.answers for s in simulate(q, 40, seed=3) if s.answers.get("c1") == 2)
    problems = validate(q, {**base, "c7_1": 4})
    (msg,) = [p.message_vi for p in problems if p.variable == "c7_1"]
    assert "câu C7 (Cơ sở vật chất, nơi ngồi chờ)" in msg and "c7_1" not in msg
    assert msg.startswith("Câu C1 chọn «Không» nên không trả lời")

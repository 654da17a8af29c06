"""The capture view of a questionnaire: fields, the browser spec, and prepare (the questionnaire
area's logic, which capture does not duplicate)."""

from __future__ import annotations

from pathlib import Path

from khaosat.capture.rules import FormRules
from khaosat.questionnaire import expr as X
from khaosat.questionnaire.validate import logic_json, prepare
from tests.capture.mini import GOOD, mini_questionnaire

RULES = FormRules(mini_questionnaire())


def test_spec_lists_answerable_fields_in_form_order_with_ast():
    spec = RULES.spec()
    names = [f["name"] for f in spec["fields"]]
    assert names == ["a1", "a2", "a3", "a4", "a5", "a6", "c7_1", "c7_2", "nhom", "g1"]
    assert spec["fields"][5]["width"] == 2  # codes 1..12 need up to two keys
    # the logic is the questionnaire area's, as JSON for xlsexpr.js
    assert spec["logic"] == logic_json(RULES.logic)
    a4 = next(it for it in spec["logic"]["items"] if it["name"] == "a4")
    assert X.from_json(a4["relevant"]) == X.parse("${a3} = 1")


def test_prepare_coerces_text_codes_and_computes_the_calculate():
    raw = {k: (" ".join(map(str, v)) if isinstance(v, list) else str(v)) for k, v in GOOD.items()}
    answers, problems = RULES.prepare(raw)
    assert problems == []
    assert answers == {**GOOD, "nhom": 1}


def test_prepare_reports_a_skipped_question_that_was_answered():
    _, problems = RULES.prepare({**GOOD, "a3": 2})
    assert [(p.variable, p.code) for p in problems] == [("a4", "not_relevant")]


def test_prepare_is_the_questionnaire_areas_prepare():
    bad = {**GOOD, "a1": 7, "a2": 12, "a5": None}
    bad = {k: v for k, v in bad.items() if v is not None}
    answers, problems = RULES.prepare(bad)
    assert (answers, problems) == prepare(mini_questionnaire(), bad)
    assert {p.variable for p in problems} == {"a1", "a2", "a5"}


def test_a_value_of_the_wrong_type_is_one_problem_named_by_its_question():
    _, problems = RULES.prepare({**GOOD, "a2": "bốn mươi"})
    assert [(p.variable, p.code) for p in problems] == [("a2", "type")]


def test_capture_keeps_no_form_logic_of_its_own():
    import khaosat.capture.rules as R

    assert not hasattr(RULES, "check") and not hasattr(RULES, "calculate")
    assert "evaluate" not in Path(R.__file__).read_text("utf-8")

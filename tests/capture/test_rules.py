"""The capture view of a questionnaire: fields, combined skip logic, the browser spec."""

from __future__ import annotations

from khaosat.capture.checks import prepare
from khaosat.capture.rules import FormRules
from khaosat.questionnaire import expr as X
from tests.capture.mini import GOOD, mini_questionnaire

RULES = FormRules(mini_questionnaire())


def test_spec_lists_answerable_fields_in_form_order_with_ast():
    spec = RULES.spec()
    names = [f["name"] for f in spec["fields"]]
    assert names == ["a1", "a2", "a3", "a4", "a5", "a6", "c7_1", "c7_2", "nhom", "g1"]
    a4 = spec["fields"][3]
    assert X.from_json(a4["relevant"]) == X.parse("${a3} = 1")
    assert spec["fields"][5]["width"] == 2  # codes 1..12 need up to two keys


def test_prepare_coerces_text_codes_and_computes_the_calculate():
    raw = {k: (" ".join(map(str, v)) if isinstance(v, list) else str(v)) for k, v in GOOD.items()}
    answers, problems = prepare(RULES, raw)
    assert problems == []
    assert answers == {**GOOD, "nhom": 1}


def test_prepare_reports_a_skipped_question_that_was_answered():
    _, problems = prepare(RULES, {**GOOD, "a3": 2})
    assert [(p.variable, p.code) for p in problems] == [("a4", "not_relevant")]


def test_fallback_check_agrees_with_questionnaire_validate_on_the_codes():
    bad = {**GOOD, "a1": 7, "a2": 12, "a5": None}
    bad = {k: v for k, v in bad.items() if v is not None}
    _, problems = prepare(RULES, bad)
    own = RULES.check(RULES.calculate(RULES.coerce(bad)[0]))
    assert {p.variable for p in problems} == {p.variable for p in own} == {"a1", "a2", "a5"}

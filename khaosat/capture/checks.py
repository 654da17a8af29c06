"""One place that decides whether an answer set is acceptable: the questionnaire area's
`validate` (khaosat.questionnaire.validate) with the form logic compiled once per rules object;
the capture rules' own check only when that module is not installed."""

from __future__ import annotations

from typing import Any

from khaosat.capture.rules import FormRules, Problem


def _validate_module():
    try:
        from khaosat.questionnaire import validate as V
    except ImportError:  # pragma: no cover - the questionnaire area ships it
        return None
    return V


def prepare(rules: FormRules, raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Coerce raw answers, compute calculations, validate: (answers, problems)."""
    answers, problems = rules.coerce(raw)
    V = _validate_module()
    if V is None:
        answers = rules.calculate(answers)
        return answers, problems + rules.check(answers)
    logic = rules.__dict__.get("_logic")
    if logic is None:
        logic = rules.__dict__["_logic"] = V.compile_logic(rules.questionnaire)
    calc_names = {f.name for f in rules.fields if f.type == "calculate"}
    answers = {k: v for k, v in answers.items() if k not in calc_names}
    answers.update(
        {k: v for k, v in V.compute_calculations(logic, answers).items() if v is not None}
    )
    found = V.validate(logic, answers)
    bad_vars = {p.variable for p in problems}
    problems += [
        Problem(p.variable, p.code, p.message_vi) for p in found if p.variable not in bad_vars
    ]
    return answers, problems

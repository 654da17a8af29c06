"""Skip logic for paper: evaluate `relevant`, derive skip instructions in words, read limits.

Expressions are evaluated by the questionnaire area's evaluator (khaosat.questionnaire.expr),
the one evaluator of form logic in Python.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from khaosat.questionnaire import expr as X

_REF_RE = re.compile(r"\$\{([A-Za-z_][\w.-]*)\}")


def references(expression: str) -> set[str]:
    """Variable names an expression refers to (`${name}`)."""
    return set(_REF_RE.findall(expression or ""))


def _str(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def evaluate(expression: str, answers: Mapping[str, Any], current: Any = "") -> bool:
    """Truth of an XLSForm expression given answers (missing answers are empty); an expression
    that cannot be evaluated counts as true (the question stays on the form)."""
    if not expression or not expression.strip():
        return True
    try:
        return X.evaluate_bool(expression, dict(answers), current=current)
    except (X.ExprSyntaxError, X.ExprEvalError):
        return True


_MAX_RE = re.compile(r"count-selected\(\s*\.\s*\)\s*<=\s*(\d+)")
_MAX_LT_RE = re.compile(r"count-selected\(\s*\.\s*\)\s*<\s*(\d+)")


def max_choices(constraint: str) -> int | None:
    """The maximum number of choices a select_multiple constraint allows, if it says one."""
    m = _MAX_RE.search(constraint or "")
    if m:
        return int(m.group(1))
    m = _MAX_LT_RE.search(constraint or "")
    return int(m.group(1)) - 1 if m else None


def constraint_ok(constraint: str, value: Any, answers: Mapping[str, Any]) -> bool:
    """Whether a value passes its constraint (True when the constraint cannot be judged)."""
    if not constraint:
        return True
    current = " ".join(_str(v) for v in value) if isinstance(value, list) else value
    return evaluate(constraint, answers, current)

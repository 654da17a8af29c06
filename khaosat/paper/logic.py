"""Skip logic for paper: evaluate `relevant`, derive skip instructions in words, read limits.

Uses khaosat.questionnaire.expr when it is available; otherwise a small evaluator for the
XLSForm subset paper forms need (${x}, comparisons, and/or/not, selected, count-selected).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_REF_RE = re.compile(r"\$\{([A-Za-z_][\w.-]*)\}")
_TOKEN_RE = re.compile(
    r"\s*(?:(\$\{[A-Za-z_][\w.-]*\})|(\d+(?:\.\d+)?)|('[^']*'|\"[^\"]*\")|"
    r"(!=|<=|>=|=|<|>|\(|\)|,|\+|-|\.)|([A-Za-z_][\w:-]*))"
)


def references(expression: str) -> set[str]:
    """Variable names an expression refers to (`${name}`)."""
    return set(_REF_RE.findall(expression or ""))


class _Parser:
    def __init__(self, text: str, answers: Mapping[str, Any], current: Any) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = _TOKEN_RE.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError(f"cannot parse {text!r} at {pos}")
            pos = m.end()
            ref, num, string, op, word = m.groups()
            if ref:
                self.tokens.append(("ref", ref[2:-1]))
            elif num:
                self.tokens.append(("num", num))
            elif string:
                self.tokens.append(("str", string[1:-1]))
            elif op:
                self.tokens.append(("op", op))
            elif word:
                self.tokens.append(("word", word))
        self.i = 0
        self.answers = answers
        self.current = current

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        tok = self.take()
        if tok[1] != value:
            raise ValueError(f"expected {value!r}, got {tok[1]!r}")

    def parse(self) -> Any:
        value = self.or_()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()}")
        return value

    def or_(self) -> Any:
        left = self.and_()
        while self.peek() == ("word", "or"):
            self.take()
            right = self.and_()
            left = _truth(left) or _truth(right)
        return left

    def and_(self) -> Any:
        left = self.cmp()
        while self.peek() == ("word", "and"):
            self.take()
            right = self.cmp()
            left = _truth(left) and _truth(right)
        return left

    def cmp(self) -> Any:
        left = self.add()
        tok = self.peek()
        if tok and tok[0] == "op" and tok[1] in ("=", "!=", "<", "<=", ">", ">="):
            self.take()
            return _compare(left, tok[1], self.add())
        return left

    def add(self) -> Any:
        left = self.unary()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            right = self.unary()
            a, b = _num(left), _num(right)
            left = a + b if op == "+" else a - b
        return left

    def unary(self) -> Any:
        if self.peek() == ("op", "-"):
            self.take()
            return -_num(self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, value = self.take()
        if kind == "ref":
            return self.answers.get(value, "")
        if kind == "num":
            return float(value)
        if kind == "str":
            return value
        if kind == "op" and value == "(":
            inner = self.or_()
            self.expect(")")
            return inner
        if kind == "op" and value == ".":
            return self.current
        if kind == "word":
            self.expect("(")
            args: list[Any] = []
            if self.peek() != ("op", ")"):
                args.append(self.or_())
                while self.peek() == ("op", ","):
                    self.take()
                    args.append(self.or_())
            self.expect(")")
            return _call(value, args)
        raise ValueError(f"unexpected token {value!r}")


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [_str(v) for v in value]
    return str(value).split() if isinstance(value, str) else [_str(value)]


def _str(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _truth(value: Any) -> bool:
    if isinstance(value, str):
        return value != ""
    if isinstance(value, list):
        return bool(value)
    return bool(value) and value == value


def _compare(a: Any, op: str, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        a, b = _truth(a), _truth(b)
    elif isinstance(a, int | float) or isinstance(b, int | float):
        a, b = _num(a), _num(b)
    else:
        a, b = _str(a), _str(b)
    return {
        "=": lambda: a == b,
        "!=": lambda: a != b,
        "<": lambda: a < b,
        "<=": lambda: a <= b,
        ">": lambda: a > b,
        ">=": lambda: a >= b,
    }[op]()


def _call(name: str, args: list[Any]) -> Any:
    if name == "not":
        return not _truth(args[0])
    if name == "selected":
        return _str(args[1]) in _as_list(args[0])
    if name == "count-selected":
        return float(len(_as_list(args[0])))
    if name == "string-length":
        return float(len(_str(args[0]) if args[0] != "" else ""))
    if name == "true":
        return True
    if name == "false":
        return False
    raise ValueError(f"unsupported function {name}")


def _fallback_evaluate(expression: str, answers: Mapping[str, Any], current: Any = "") -> bool:
    return _truth(_Parser(expression, answers, current).parse())


def _pick_evaluator() -> Callable[[str, Mapping[str, Any], Any], bool]:
    try:
        from khaosat.questionnaire import expr  # type: ignore[attr-defined]
    except ImportError:
        return _fallback_evaluate
    fn = getattr(expr, "evaluate_bool", None) or getattr(expr, "is_true", None)
    if fn is None:
        return _fallback_evaluate

    def run(expression: str, answers: Mapping[str, Any], current: Any = "") -> bool:
        try:
            return bool(fn(expression, dict(answers), current=current))
        except TypeError:
            return bool(fn(expression, dict(answers)))

    return run


def evaluate(expression: str, answers: Mapping[str, Any], current: Any = "") -> bool:
    """Truth of an XLSForm expression given answers (missing answers are empty)."""
    if not expression or not expression.strip():
        return True
    try:
        return _pick_evaluator()(expression, answers, current)
    except Exception:  # noqa: BLE001 - an expression paper cannot judge counts as relevant
        return _fallback_evaluate(expression, answers, current)


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
    try:
        return evaluate(constraint, answers, current)
    except Exception:  # noqa: BLE001
        return True

"""The XLSForm expression language (`relevant`, `constraint`, `calculation`, `choice_filter`).

A tokenizer and a recursive-descent parser build an immutable AST (never `eval`); the AST
evaluates in Python with the XPath 1.0 rules as ODK's JavaRosa applies them, and serialises to
JSON (`to_json`) so that the browser evaluator `khaosat/web/static/khaosat/xlsexpr.js` walks
the very same tree with the very same rules. Both sides are checked against one case table
(tests/questionnaire/expr_cases.json).

Semantic rules (JavaRosa, org.javarosa.xpath.expr.XPathFuncExpr / XPathEqExpr / XPathCmpExpr):

* Values are boolean, number (float) or string. A field value: unanswered -> "" ; integer
  and decimal -> number; select_one -> its code as a string in ODK (callers that know the form
  pass codes as strings, see validate.xpath_values); select_multiple -> codes joined by one
  space; date -> "YYYY-MM-DD" string.
* string(number): NaN -> "NaN", +-Infinity, |x| < 1e-12 -> "0", within 1e-12 of an integer
  -> that integer, else plain decimal digits (shortest round-trip digits, never an exponent:
  JavaRosa would print Java's 1.0E-5 here; we print 0.00001 on both sides).
* number(string): ',' read as '.', ASCII blanks trimmed, only [-.0-9] allowed, else NaN
  ("" -> NaN). Deviation: a "YYYY-MM-DD" string converts to days since 1970-01-01, which is
  what JavaRosa does for date *values*, so `${d} < today()` works on our string dates.
* boolean(number): |x| > 1e-12 and not NaN; boolean(string): non-empty.
* `=`/`!=`: if either side is boolean compare booleans; else if either is a number compare
  numbers (equal when |a-b| < 1e-12); else compare strings.
* `<`, `<=`, `>`, `>=`: both sides to numbers (so '' or text compare false).
* `div` by 0 gives +-Infinity or NaN; `mod` is the truncating remainder (Java %).
* and/or short-circuit; if() evaluates only the branch taken; coalesce(a, b) is b when a is ""
  or NaN.
* selected(list, code): code trimmed, looked up among the space-separated tokens (JavaRosa
  insists on a quoted code; we also accept a number). count-selected / selected-at split on
  spaces ignoring empties; selected-at out of range -> "".
* regex(s, re) matches the *whole* string (Java Pattern.matches); keep patterns to the
  common subset of Java, Python and JavaScript regular expressions.
* string-length counts UTF-16 code units (Java and JavaScript `length`).
* round(x, n=0): on the shortest decimal form of x, halves go towards +Infinity
  (BigDecimal HALF_UP for x >= 0, HALF_DOWN for x < 0); int(x) truncates towards zero.
* min()/max() ignore NaN arguments; NaN when all are NaN.
* Transcendental functions (sin, log, exp ...) use each platform's maths library; the last
  binary digit may differ between browser and server (sqrt, floor, ceiling, pow of small
  integers are exact on both).
* Typographic quotes ‘…’ “…” (Excel/Word autocorrect) are read as string quotes.
* Not supported (ExprSyntaxError "Hàm ... chưa được hỗ trợ"): XPath paths (/data/x, ..),
  repeat and node-set functions (count, sum, indexed-repeat, position), pulldata(),
  jr:choice-name(), random(), uuid(), once(), now(), format-date() and date arithmetic
  helpers. `choice_filter` may name choice-sheet columns bare (parse(..., allow_names=True)).

Errors: ExprSyntaxError(message_vi, position) from parse(); ExprEvalError(message_vi) from
evaluation (only an invalid regex pattern can cause one).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Context, Decimal
from functools import lru_cache
from numbers import Real
from typing import Any

__all__ = [
    "FUNCTIONS",
    "BinOp",
    "Call",
    "Current",
    "Expr",
    "ExprEvalError",
    "ExprSyntaxError",
    "Name",
    "Neg",
    "Num",
    "Ref",
    "Str",
    "evaluate",
    "evaluate_bool",
    "from_json",
    "number_to_string",
    "parse",
    "to_boolean",
    "to_json",
    "to_number",
    "to_string",
    "unparse",
    "xpath_value",
]

Value = bool | float | str

MAX_DEPTH = 120  # deeper trees are refused: evaluation is recursive on both sides
MAX_NESTING = 40  # nested parentheses, calls and unary minus while parsing


class ExprSyntaxError(ValueError):
    """An expression that cannot be parsed; `message_vi` says why, `position` is 0-based."""

    def __init__(self, message_vi: str, position: int = 0) -> None:
        self.message_vi = message_vi
        self.position = position
        super().__init__(f"{message_vi} (ký tự thứ {position + 1})")


class ExprEvalError(ValueError):
    """An expression that parsed but cannot be evaluated (e.g. an invalid regex pattern)."""

    def __init__(self, message_vi: str) -> None:
        self.message_vi = message_vi
        super().__init__(message_vi)


# --------------------------------------------------------------------------------------
# Conversions (XPath 1.0 as JavaRosa applies them)
# --------------------------------------------------------------------------------------

_NUM_CHARS_RE = re.compile(r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)$")
_SPACES_RE = re.compile(r"[ \t\n\x0b\f\r]+")
_DATE_RE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()


def _trim(s: str) -> str:
    # Java String.trim(): strips every char <= U+0020 (JS side does the same, not \s).
    start, end = 0, len(s)
    while start < end and s[start] <= " ":
        start += 1
    while end > start and s[end - 1] <= " ":
        end -= 1
    return s[start:end]


def _plain_decimal(x: float) -> str:
    """Shortest round-trip digits of a finite float, written without an exponent."""
    out = format(Decimal(repr(abs(x))), "f")
    if "." in out:
        out = out.rstrip("0").rstrip(".")
    return ("-" if x < 0 and out != "0" else "") + out


def _num_literal(x: float) -> str:
    """Exact literal text of a non-negative number (for unparse)."""
    if x.is_integer() and abs(x) < 2**53:
        return str(int(x))
    return _plain_decimal(x)


def number_to_string(x: float) -> str:
    """XPath string() of a number (see the module docstring for the exact rule)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if abs(x) < 1e-12:
        return "0"
    if abs(x) < 2**53:
        t = math.trunc(x)
        if abs(x - t) < 1e-12:
            return str(t)
    return _plain_decimal(x)


def _date_days(s: str) -> float | None:
    m = _DATE_RE.match(s)
    if not m:
        return None
    try:
        d = _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return float(d.toordinal() - _EPOCH_ORDINAL)


def to_number(v: Value) -> float:
    """XPath number()."""
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, float):
        return v
    s = _trim(v.replace(",", "."))
    if _NUM_CHARS_RE.match(s):
        return float(s)
    days = _date_days(s)
    return days if days is not None else math.nan


def to_string(v: Value) -> str:
    """XPath string()."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return number_to_string(v)
    return v


def to_boolean(v: Value) -> bool:
    """XPath boolean()."""
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        return abs(v) > 1e-12 and not math.isnan(v)
    return len(v) > 0


def _code_text(c: Any) -> str:
    if isinstance(c, bool):
        return "1" if c else "0"
    if isinstance(c, Real):
        return number_to_string(float(c))
    return str(c)


def xpath_value(raw: Any) -> Value:
    """An answer value as the expression language sees it (None/absent -> "")."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        return raw
    if isinstance(raw, Real):
        return float(raw)
    if isinstance(raw, list | tuple):
        return " ".join(_code_text(c) for c in raw)
    if isinstance(raw, _dt.datetime):
        return raw.date().isoformat()
    if isinstance(raw, _dt.date):
        return raw.isoformat()
    return str(raw)


def _utf16_len(s: str) -> int:
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


_WIDE = Context(prec=1000)


def _round(x: float, places: float) -> float:
    if math.isnan(x) or math.isinf(x):
        return x
    n = 0 if math.isnan(places) else int(places)
    if n > 30 or n < -30:
        return math.nan
    if x == 0:
        return x
    mode = ROUND_HALF_DOWN if x < 0 else ROUND_HALF_UP
    d = Decimal(_plain_decimal(x))
    q = d.scaleb(n, _WIDE).quantize(Decimal(1), rounding=mode, context=_WIDE).scaleb(-n, _WIDE)
    return float(q)


def _int(x: float) -> float:
    if math.isnan(x) or math.isinf(x):
        return x
    return float(math.trunc(x))


def _tokens(s: str) -> list[str]:
    return [t for t in s.split(" ") if t]


_regex_cache: dict[str, re.Pattern[str]] = {}


def _regex(s: str, pattern: str) -> bool:
    rx = _regex_cache.get(pattern)
    if rx is None:
        try:
            rx = re.compile(pattern)
        except re.error as exc:
            raise ExprEvalError(
                f"Mẫu regex «{pattern}» không hợp lệ ({exc.msg}); hãy sửa biểu thức regex()."
            ) from None
        _regex_cache[pattern] = rx
    return rx.fullmatch(s) is not None


def _substr(s: str, start: float, end: float | None) -> str:
    n = len(s)
    a = 0 if math.isnan(start) else int(start)
    b = n if end is None else (0 if math.isnan(end) else int(end))
    if a < 0:
        a = n + a
    if b < 0:
        b = n + b
    b = min(max(0, b), n)
    a = min(max(0, a), n)
    return s[a:b] if a <= b else ""


def _minmax(values: list[float], pick: Callable[..., float]) -> float:
    nums = [v for v in values if not math.isnan(v)]
    return pick(nums) if nums else math.nan


# --------------------------------------------------------------------------------------
# AST
# --------------------------------------------------------------------------------------


class _Ctx:
    __slots__ = ("values", "current", "today", "choice")

    def __init__(
        self,
        values: Mapping[str, Any],
        current: Any,
        today: str,
        choice: Mapping[str, Any] | None,
    ) -> None:
        self.values = values
        self.current = current
        self.today = today
        self.choice = choice


class Expr:
    """Base class of AST nodes; nodes are frozen dataclasses compared by value."""

    __slots__ = ()

    def children(self) -> tuple[Expr, ...]:
        """Direct sub-expressions."""
        return ()

    def walk(self) -> Iterator[Expr]:
        """This node and all nodes below it, depth first."""
        stack: list[Expr] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children()))

    def references(self) -> set[str]:
        """Names of the fields referenced as ${name}."""
        return {n.name for n in self.walk() if isinstance(n, Ref)}

    def functions(self) -> set[str]:
        """Names of the functions called."""
        return {n.name for n in self.walk() if isinstance(n, Call)}

    def uses_current(self) -> bool:
        """True when the expression reads `.` (the current value)."""
        return any(isinstance(n, Current) for n in self.walk())

    def to_json(self) -> list[Any]:
        """The JSON AST walked by xlsexpr.js."""
        raise NotImplementedError

    def __str__(self) -> str:
        return unparse(self)

    def _ev(self, ctx: _Ctx) -> Value:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Num(Expr):
    """A number literal (never negative: `-1` is Neg(Num(1)))."""

    value: float

    def to_json(self) -> list[Any]:
        return ["num", self.value]

    def _ev(self, ctx: _Ctx) -> Value:
        return self.value


@dataclass(frozen=True, slots=True)
class Str(Expr):
    """A string literal."""

    value: str

    def to_json(self) -> list[Any]:
        return ["str", self.value]

    def _ev(self, ctx: _Ctx) -> Value:
        return self.value


@dataclass(frozen=True, slots=True)
class Ref(Expr):
    """`${name}`: the value of another field."""

    name: str

    def to_json(self) -> list[Any]:
        return ["ref", self.name]

    def _ev(self, ctx: _Ctx) -> Value:
        return xpath_value(ctx.values.get(self.name))


@dataclass(frozen=True, slots=True)
class Current(Expr):
    """`.`: the value of the question being checked."""

    def to_json(self) -> list[Any]:
        return ["cur"]

    def _ev(self, ctx: _Ctx) -> Value:
        return xpath_value(ctx.current)


@dataclass(frozen=True, slots=True)
class Name(Expr):
    """A bare name: a column of the choice row (only in choice_filter)."""

    name: str

    def to_json(self) -> list[Any]:
        return ["name", self.name]

    def _ev(self, ctx: _Ctx) -> Value:
        if ctx.choice is None:
            return ""
        return xpath_value(ctx.choice.get(self.name))


@dataclass(frozen=True, slots=True)
class Neg(Expr):
    """Unary minus."""

    operand: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.operand,)

    def to_json(self) -> list[Any]:
        return ["neg", self.operand.to_json()]

    def _ev(self, ctx: _Ctx) -> Value:
        return -to_number(self.operand._ev(ctx))


def _eq(a: Value, b: Value) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return to_boolean(a) == to_boolean(b)
    if isinstance(a, float) or isinstance(b, float):
        x, y = to_number(a), to_number(b)
        if x == y:  # also equal infinities
            return True
        return abs(x - y) < 1e-12
    return a == b


def _div(a: float, b: float) -> float:
    if b == 0:
        if math.isnan(a) or a == 0:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _mod(a: float, b: float) -> float:
    if b == 0 or math.isinf(a) or math.isnan(a) or math.isnan(b):
        return math.nan
    if math.isinf(b):
        return a
    return math.fmod(a, b)


_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "div": _div,
    "mod": _mod,
}
_CMP: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
BINARY_OPS = ("or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod")
PRECEDENCE = {
    "or": 1,
    "and": 2,
    "=": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "div": 6,
    "mod": 6,
}


@dataclass(frozen=True, slots=True)
class BinOp(Expr):
    """A binary operator: or and = != < <= > >= + - * div mod."""

    op: str
    left: Expr
    right: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)

    def to_json(self) -> list[Any]:
        return ["bin", self.op, self.left.to_json(), self.right.to_json()]

    def _ev(self, ctx: _Ctx) -> Value:
        op = self.op
        if op == "and":
            return to_boolean(self.left._ev(ctx)) and to_boolean(self.right._ev(ctx))
        if op == "or":
            return to_boolean(self.left._ev(ctx)) or to_boolean(self.right._ev(ctx))
        a = self.left._ev(ctx)
        b = self.right._ev(ctx)
        if op == "=":
            return _eq(a, b)
        if op == "!=":
            return not _eq(a, b)
        cmp = _CMP.get(op)
        if cmp is not None:
            return cmp(to_number(a), to_number(b))
        return _ARITH[op](to_number(a), to_number(b))


# name -> (min args, max args or None for any)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "true": (0, 0),
    "false": (0, 0),
    "not": (1, 1),
    "boolean": (1, 1),
    "number": (1, 1),
    "string": (1, 1),
    "int": (1, 1),
    "round": (1, 2),
    "abs": (1, 1),
    "pow": (2, 2),
    "min": (1, None),
    "max": (1, None),
    "if": (3, 3),
    "coalesce": (2, 2),
    "selected": (2, 2),
    "count-selected": (1, 1),
    "selected-at": (2, 2),
    "string-length": (0, 1),
    "normalize-space": (0, 1),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "ends-with": (2, 2),
    "substr": (2, 3),
    "substring-before": (2, 2),
    "substring-after": (2, 2),
    "concat": (0, None),
    "join": (1, None),
    "regex": (2, 2),
    "today": (0, 0),
    "floor": (1, 1),
    "ceiling": (1, 1),
    "sqrt": (1, 1),
    "exp": (1, 1),
    "exp10": (1, 1),
    "log": (1, 1),
    "log10": (1, 1),
    "sin": (1, 1),
    "cos": (1, 1),
    "tan": (1, 1),
    "asin": (1, 1),
    "acos": (1, 1),
    "atan": (1, 1),
    "atan2": (2, 2),
    "pi": (0, 0),
    "boolean-from-string": (1, 1),
    "translate": (3, 3),
}


def _call(name: str, args: tuple[Expr, ...], ctx: _Ctx) -> Value:
    # Lazy functions first.
    if name == "if":
        return args[1]._ev(ctx) if to_boolean(args[0]._ev(ctx)) else args[2]._ev(ctx)
    if name == "coalesce":
        a = args[0]._ev(ctx)
        if a == "" or (isinstance(a, float) and math.isnan(a)):
            return args[1]._ev(ctx)
        return a
    v = [a._ev(ctx) for a in args]
    if name == "true":
        return True
    if name == "false":
        return False
    if name == "not":
        return not to_boolean(v[0])
    if name == "boolean":
        return to_boolean(v[0])
    if name == "number":
        return to_number(v[0])
    if name == "string":
        return to_string(v[0])
    if name == "int":
        return _int(to_number(v[0]))
    if name == "round":
        return _round(to_number(v[0]), to_number(v[1]) if len(v) > 1 else 0.0)
    if name == "abs":
        return abs(to_number(v[0]))
    if name == "pow":
        return _pow(to_number(v[0]), to_number(v[1]))
    if name == "min":
        return _minmax([to_number(x) for x in v], min)
    if name == "max":
        return _minmax([to_number(x) for x in v], max)
    if name == "selected":
        return _trim(to_string(v[1])) in _tokens(to_string(v[0]))
    if name == "count-selected":
        return float(len(_tokens(to_string(v[0]))))
    if name == "selected-at":
        toks = _tokens(to_string(v[0]))
        i = _int(to_number(v[1]))
        if math.isnan(i) or i < 0 or i >= len(toks):
            return ""
        return toks[int(i)]
    if name == "string-length":
        s = to_string(v[0]) if v else to_string(xpath_value(ctx.current))
        return float(_utf16_len(s))
    if name == "normalize-space":
        s = to_string(v[0]) if v else to_string(xpath_value(ctx.current))
        return _SPACES_RE.sub(" ", _trim(s))
    if name == "contains":
        return to_string(v[1]) in to_string(v[0])
    if name == "starts-with":
        return to_string(v[0]).startswith(to_string(v[1]))
    if name == "ends-with":
        return to_string(v[0]).endswith(to_string(v[1]))
    if name == "substr":
        return _substr(to_string(v[0]), to_number(v[1]), to_number(v[2]) if len(v) > 2 else None)
    if name == "substring-before":
        s, t = to_string(v[0]), to_string(v[1])
        i = s.find(t)
        return s[:i] if i >= 0 else ""
    if name == "substring-after":
        s, t = to_string(v[0]), to_string(v[1])
        i = s.find(t)
        return s[i + len(t) :] if i >= 0 else ""
    if name == "concat":
        return "".join(to_string(x) for x in v)
    if name == "join":
        return to_string(v[0]).join(to_string(x) for x in v[1:])
    if name == "regex":
        return _regex(to_string(v[0]), to_string(v[1]))
    if name == "today":
        return ctx.today
    if name in _MATH1:
        return _MATH1[name](to_number(v[0]))
    if name == "atan2":
        return math.atan2(to_number(v[0]), to_number(v[1]))
    if name == "pi":
        return math.pi
    if name == "boolean-from-string":
        s = to_string(v[0])
        return s.lower() == "true" or s == "1"
    if name == "translate":
        s, src, dst = to_string(v[0]), to_string(v[1]), to_string(v[2])
        out = []
        for ch in s:
            i = src.find(ch)
            if i < 0:
                out.append(ch)
            elif i < len(dst):
                out.append(dst[i])
        return "".join(out)
    raise ExprEvalError(f"Hàm {name}() chưa được hỗ trợ.")  # pragma: no cover


def _safe(f: Callable[[float], float]) -> Callable[[float], float]:
    # Python raises where Java/JavaScript return NaN or an infinity.
    def g(x: float) -> float:
        try:
            return f(x)
        except (ValueError, OverflowError):
            if f is math.exp and x > 0:
                return math.inf
            if f in (math.log, math.log10) and x == 0:
                return -math.inf
            return math.nan

    return g


def _ceil(x: float) -> float:
    return x if math.isnan(x) or math.isinf(x) else float(math.ceil(x))


def _floor(x: float) -> float:
    return x if math.isnan(x) or math.isinf(x) else float(math.floor(x))


# Transcendental functions come from the platform's maths library on each side; the browser
# and the server may differ in the last binary digit for them (sqrt is exact on both).
_MATH1: dict[str, Callable[[float], float]] = {
    "floor": _floor,
    "ceiling": _ceil,
    "sqrt": _safe(math.sqrt),
    "exp": _safe(math.exp),
    "exp10": lambda x: _pow(10.0, x),
    "log": _safe(math.log),
    "log10": _safe(math.log10),
    "sin": _safe(math.sin),
    "cos": _safe(math.cos),
    "tan": _safe(math.tan),
    "asin": _safe(math.asin),
    "acos": _safe(math.acos),
    "atan": _safe(math.atan),
}


def _pow(a: float, b: float) -> float:
    # JavaScript / Java Math.pow semantics where Python's differs or raises.
    if math.isnan(b) or (abs(a) == 1 and math.isinf(b)):
        return math.nan
    try:
        return math.pow(a, b)
    except ValueError:  # 0 ** negative, negative ** fraction
        if a == 0:
            odd = float(b).is_integer() and int(b) % 2 == 1
            return -math.inf if odd and math.copysign(1.0, a) < 0 else math.inf
        return math.nan
    except OverflowError:
        odd = float(b).is_integer() and int(b) % 2 == 1
        return -math.inf if a < 0 and odd else math.inf


@dataclass(frozen=True, slots=True)
class Call(Expr):
    """A function call."""

    name: str
    args: tuple[Expr, ...] = ()

    def children(self) -> tuple[Expr, ...]:
        return self.args

    def to_json(self) -> list[Any]:
        return ["fn", self.name, *[a.to_json() for a in self.args]]

    def _ev(self, ctx: _Ctx) -> Value:
        return _call(self.name, self.args, ctx)


# --------------------------------------------------------------------------------------
# Tokenizer and parser
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # num str ref dot name op ( ) , end
    text: str
    pos: int


_OPS2 = ("!=", "<=", ">=")
_OPS1 = "=<>+-*"


def _is_name_start(ch: str) -> bool:
    return ch == "_" or ch.isalpha()


def _is_name_char(ch: str) -> bool:
    return ch in "_-." or ch.isalnum()


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n\u00a0":
            i += 1
            continue
        start = i
        if ch == "$":
            if i + 1 >= n or text[i + 1] != "{":
                raise ExprSyntaxError("Dấu $ phải đi với {tên_câu}, ví dụ ${a1}.", i)
            j = text.find("}", i + 2)
            if j < 0:
                raise ExprSyntaxError("Thiếu dấu } đóng tham chiếu ${...}.", i)
            name = text[i + 2 : j].strip()
            if not name or not _is_name_start(name[0]) or not all(_is_name_char(c) for c in name):
                raise ExprSyntaxError(
                    f"Tên câu hỏi «{name}» trong ${{...}} không hợp lệ: chỉ dùng chữ, số, "
                    "dấu gạch dưới, gạch ngang, dấu chấm và bắt đầu bằng chữ.",
                    i,
                )
            toks.append(_Tok("ref", name, start))
            i = j + 1
        elif ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            j = i
            while j < n and text[j].isdigit():
                j += 1
            if j < n and text[j] == ".":
                j += 1
                while j < n and text[j].isdigit():
                    j += 1
            if j < n and (_is_name_start(text[j]) or text[j] == "."):
                raise ExprSyntaxError(
                    f"Số «{text[i : j + 1]}» viết sai (sau số không được có chữ hoặc dấu chấm).",
                    i,
                )
            if not all(c.isascii() for c in text[i:j]):
                raise ExprSyntaxError("Số phải viết bằng chữ số 0-9.", i)
            toks.append(_Tok("num", text[i:j], start))
            i = j
        elif ch == ".":
            if i + 1 < n and text[i + 1] == ".":
                raise ExprSyntaxError(
                    "Đường dẫn «..» không được hỗ trợ; hãy tham chiếu câu hỏi bằng ${tên}.", i
                )
            toks.append(_Tok("dot", ".", start))
            i += 1
        elif ch in "'\"\u2018\u201c":
            # typographic quotes ‘…’ “…” (Excel/Word autocorrect) are read as plain quotes
            close = {"\u2018": "\u2019", "\u201c": "\u201d"}.get(ch, ch)
            j = text.find(close, i + 1)
            if j < 0:
                raise ExprSyntaxError(f"Chuỗi bắt đầu bằng {ch} chưa được đóng.", i)
            toks.append(_Tok("str", text[i + 1 : j], start))
            i = j + 1
        elif text.startswith("==", i):
            raise ExprSyntaxError("So sánh bằng viết một dấu = (không phải ==).", i)
        elif text.startswith(_OPS2, i):
            toks.append(_Tok("op", text[i : i + 2], start))
            i += 2
        elif ch in _OPS1:
            toks.append(_Tok("op", ch, start))
            i += 1
        elif ch in "(),":
            toks.append(_Tok(ch, ch, start))
            i += 1
        elif _is_name_start(ch):
            j = i + 1
            while j < n and (_is_name_char(text[j]) or text[j] == ":"):
                j += 1
            toks.append(_Tok("name", text[i:j], start))
            i = j
        elif ch == "!":
            raise ExprSyntaxError("Dấu ! chỉ dùng trong != ; phủ định viết là not(...).", i)
        elif ch in "/[]@|":
            raise ExprSyntaxError(
                f"Ký tự «{ch}» (đường dẫn XPath) không được hỗ trợ; hãy tham chiếu câu hỏi "
                "bằng ${tên}.",
                i,
            )
        elif ch in "&|":
            raise ExprSyntaxError(f"Ký tự «{ch}» không hợp lệ; dùng and / or.", i)
        else:
            raise ExprSyntaxError(f"Ký tự «{ch}» không hợp lệ trong biểu thức.", i)
    toks.append(_Tok("end", "", n))
    return toks


_KEYWORD_OPS = ("and", "or", "div", "mod")


class _Parser:
    def __init__(self, text: str, allow_names: bool) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0
        self.allow_names = allow_names
        self.depth = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def next(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def at_op(self, *ops: str) -> bool:
        t = self.peek()
        if t.kind == "op" and t.text in ops:
            return True
        return t.kind == "name" and t.text in ops and t.text in _KEYWORD_OPS

    def parse(self) -> Expr:
        if self.peek().kind == "end":
            raise ExprSyntaxError("Biểu thức rỗng.", 0)
        e = self.binary(1)
        t = self.peek()
        if t.kind != "end":
            raise ExprSyntaxError(self._unexpected(t, "sau một biểu thức đã đủ"), t.pos)
        return e

    def _unexpected(self, t: _Tok, where: str) -> str:
        if t.kind == "end":
            return f"Biểu thức kết thúc đột ngột ({where})."
        if t.kind == "name" and t.text not in _KEYWORD_OPS:
            return (
                f"Không hiểu «{t.text}» {where}: thiếu toán tử (and, or, =, +...) "
                "hoặc thiếu dấu ngoặc?"
            )
        return f"Không mong đợi «{t.text}» {where}."

    def binary(self, level: int) -> Expr:
        if level > 6:
            return self.unary()
        ops = [op for op, p in PRECEDENCE.items() if p == level]
        left = self.binary(level + 1)
        while self.at_op(*ops):
            op = self.next().text
            right = self.binary(level + 1)
            left = BinOp(op, left, right)
        return left

    def unary(self) -> Expr:
        t = self.peek()
        if t.kind == "op" and t.text == "-":
            self.next()
            self._enter(t)
            operand = self.unary()
            self.depth -= 1
            return Neg(operand)
        return self.primary()

    def _enter(self, t: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExprSyntaxError("Biểu thức lồng nhau quá sâu; hãy viết đơn giản hơn.", t.pos)

    def primary(self) -> Expr:
        t = self.next()
        if t.kind == "num":
            return Num(float(t.text))
        if t.kind == "str":
            return Str(t.text)
        if t.kind == "ref":
            return Ref(t.text)
        if t.kind == "dot":
            return Current()
        if t.kind == "(":
            self._enter(t)
            e = self.binary(1)
            close = self.next()
            if close.kind != ")":
                raise ExprSyntaxError(f"Thiếu dấu ) đóng ngoặc mở ở ký tự {t.pos + 1}.", close.pos)
            self.depth -= 1
            return e
        if t.kind == "name":
            if self.peek().kind == "(":
                return self.call(t)
            if self.allow_names:
                return Name(t.text)
            if t.text in ("true", "false"):
                raise ExprSyntaxError(f"Viết {t.text}() (có ngoặc) cho giá trị đúng/sai.", t.pos)
            raise ExprSyntaxError(
                f"Tên «{t.text}» không hợp lệ ở đây: tham chiếu câu hỏi viết ${{{t.text}}}, "
                "chuỗi ký tự đặt trong dấu nháy '...'.",
                t.pos,
            )
        raise ExprSyntaxError(self._unexpected(t, "ở chỗ cần một giá trị"), t.pos)

    def call(self, t: _Tok) -> Expr:
        name = t.text
        if name not in FUNCTIONS:
            raise ExprSyntaxError(
                f"Hàm {name}() không có hoặc chưa được hỗ trợ. Các hàm dùng được: "
                + ", ".join(sorted(FUNCTIONS))
                + ".",
                t.pos,
            )
        self._enter(t)
        self.next()  # (
        args: list[Expr] = []
        if self.peek().kind != ")":
            while True:
                args.append(self.binary(1))
                sep = self.next()
                if sep.kind == ")":
                    break
                if sep.kind != ",":
                    raise ExprSyntaxError(
                        f"Trong lời gọi {name}(...) cần dấu phẩy hoặc dấu ) "
                        f"thay vì «{sep.text or 'hết biểu thức'}».",
                        sep.pos,
                    )
        else:
            self.next()
        self.depth -= 1
        lo, hi = FUNCTIONS[name]
        if len(args) < lo or (hi is not None and len(args) > hi):
            want = str(lo) if lo == hi else (f"{lo}–{hi}" if hi is not None else f"ít nhất {lo}")
            raise ExprSyntaxError(f"Hàm {name}() cần {want} đối số, nhận được {len(args)}.", t.pos)
        return Call(name, tuple(args))


def _depth(e: Expr) -> int:
    best = 0
    stack: list[tuple[Expr, int]] = [(e, 1)]
    while stack:
        node, d = stack.pop()
        best = max(best, d)
        stack.extend((c, d + 1) for c in node.children())
    return best


@lru_cache(maxsize=4096)
def _parse_cached(text: str, allow_names: bool) -> Expr:
    p = _Parser(text, allow_names)
    try:
        e = p.parse()
    except RecursionError:
        raise ExprSyntaxError("Biểu thức lồng nhau quá sâu; hãy viết đơn giản hơn.", 0) from None
    if _depth(e) > MAX_DEPTH:
        raise ExprSyntaxError("Biểu thức quá dài hoặc lồng nhau quá sâu; hãy tách nhỏ.", 0)
    return e


def parse(text: str, *, allow_names: bool = False) -> Expr:
    """Parse an expression; `allow_names` admits bare choice columns (choice_filter)."""
    if not isinstance(text, str):
        raise ExprSyntaxError("Biểu thức phải là một chuỗi ký tự.", 0)
    return _parse_cached(text, allow_names)


# --------------------------------------------------------------------------------------
# Evaluation, JSON, unparse
# --------------------------------------------------------------------------------------


def _today_text(today: _dt.date | str | None) -> str:
    if today is None:
        return _dt.date.today().isoformat()
    if isinstance(today, _dt.datetime):
        return today.date().isoformat()
    if isinstance(today, _dt.date):
        return today.isoformat()
    return str(today)


def evaluate(
    expr: Expr | str,
    values: Mapping[str, Any],
    current: Any = None,
    today: _dt.date | str | None = None,
    choice: Mapping[str, Any] | None = None,
) -> Value:
    """Evaluate `expr` with field values (raw answers or XPath values); returns bool/float/str."""
    if isinstance(expr, str):
        expr = parse(expr, allow_names=choice is not None)
    return expr._ev(_Ctx(values, current, _today_text(today), choice))


def evaluate_bool(
    expr: Expr | str,
    values: Mapping[str, Any],
    current: Any = None,
    today: _dt.date | str | None = None,
    choice: Mapping[str, Any] | None = None,
) -> bool:
    """evaluate() converted with boolean() (for relevant, constraint, required)."""
    return to_boolean(evaluate(expr, values, current, today, choice))


def to_json(expr: Expr) -> list[Any]:
    """The JSON AST of `expr` (lists; see xlsexpr.js)."""
    return expr.to_json()


def from_json(data: list[Any]) -> Expr:
    """Inverse of to_json."""
    kind = data[0]
    if kind == "num":
        return Num(float(data[1]))
    if kind == "str":
        return Str(data[1])
    if kind == "ref":
        return Ref(data[1])
    if kind == "cur":
        return Current()
    if kind == "name":
        return Name(data[1])
    if kind == "neg":
        return Neg(from_json(data[1]))
    if kind == "bin":
        return BinOp(data[1], from_json(data[2]), from_json(data[3]))
    if kind == "fn":
        return Call(data[1], tuple(from_json(a) for a in data[2:]))
    raise ValueError(f"unknown AST node {kind!r}")


def _quote(s: str) -> str:
    if "'" not in s:
        return f"'{s}'"
    if '"' not in s:
        return f'"{s}"'
    raise ValueError("a string with both quote characters has no XPath literal")


def _prec(e: Expr) -> int:
    if isinstance(e, BinOp):
        return PRECEDENCE[e.op]
    if isinstance(e, Neg):
        return 7
    return 8


def unparse(expr: Expr) -> str:
    """Expression text for `expr` with the fewest parentheses (parse(unparse(e)) == e)."""
    if isinstance(expr, Num):
        return _num_literal(expr.value)
    if isinstance(expr, Str):
        return _quote(expr.value)
    if isinstance(expr, Ref):
        return "${" + expr.name + "}"
    if isinstance(expr, Current):
        return "."
    if isinstance(expr, Name):
        return expr.name
    if isinstance(expr, Neg):
        inner = unparse(expr.operand)
        if _prec(expr.operand) < 7:
            inner = f"({inner})"
        return "-" + inner
    if isinstance(expr, BinOp):
        p = PRECEDENCE[expr.op]
        left = unparse(expr.left)
        if _prec(expr.left) < p:
            left = f"({left})"
        right = unparse(expr.right)
        if _prec(expr.right) <= p:  # left-associative: equal precedence on the right needs ()
            right = f"({right})"
        return f"{left} {expr.op} {right}"
    if isinstance(expr, Call):
        return f"{expr.name}(" + ", ".join(unparse(a) for a in expr.args) + ")"
    raise TypeError(type(expr).__name__)

"""Validation of one response (answers dict, docs/data-contract.md) against a questionnaire.

The logic of the form (relevant, required, constraint, calculation, choice_filter) is compiled
once into a `FormLogic`; every function here accepts a Questionnaire or a FormLogic (pass the
FormLogic when checking many responses).

Relevance is evaluated in form order, as a person fills the form: when a question turns out
not relevant its answer is cleared before later expressions are evaluated, and calculations
are computed in order. Forward references (an expression naming a later question) see the
answer as given.

Expression values follow ODK: select codes are strings ("1"), select_multiple is the codes
joined by spaces, numbers are numbers (see khaosat.questionnaire.expr).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from khaosat.questionnaire import expr as X
from khaosat.questionnaire import wording as W
from khaosat.questionnaire.errors import CoercionError
from khaosat.questionnaire.model import (
    Choice,
    Group,
    Item,
    Question,
    Questionnaire,
    code_value,
)

__all__ = [
    "FormLogic",
    "Problem",
    "Rule",
    "compile_logic",
    "coerce_answers",
    "compute_calculations",
    "logic_json",
    "prepare",
    "relevance",
    "relevant_questions",
    "validate",
    "xpath_values",
]

# Problem codes
UNKNOWN_VARIABLE = "unknown_variable"
TYPE = "type"
UNKNOWN_CODE = "unknown_code"
REQUIRED = "required"
NOT_RELEVANT = "not_relevant"
CONSTRAINT = "constraint"
CALCULATION = "calculation"
EXPRESSION = "expression"
UNKNOWN_REFERENCE = "unknown_reference"
CHECK = "check"

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OTHER_CODE = "other"


@dataclass(frozen=True)
class Problem:
    """One problem of a response: the variable, a stable code and a Vietnamese message."""

    variable: str
    code: str
    message_vi: str

    def __str__(self) -> str:
        return f"{self.variable}: {self.message_vi}"


@dataclass
class Rule:
    """The compiled logic of one value-holding question."""

    question: Question
    name: str
    relevant: tuple[X.Expr, ...] = ()  # ancestors' relevant (outermost first), then its own
    own_relevant: X.Expr | None = None
    required: bool | X.Expr = False
    constraint: X.Expr | None = None
    calculation: X.Expr | None = None
    choice_filter: X.Expr | None = None
    choices: tuple[Choice, ...] = ()
    codes: tuple[int | str, ...] = ()
    kind: str = "str"  # value kind: select1 selectN int float date str calc meta other_text
    errors: list[Problem] = field(default_factory=list)  # expressions that do not parse
    group_names: tuple[str, ...] = ()

    @property
    def is_select(self) -> bool:
        """True for select_one / select_multiple."""
        return self.kind in ("select1", "selectN")


def _label(q: Question | Group) -> str:
    text = q.label() if hasattr(q, "label") else ""
    text = " ".join(text.split())
    return f" «{text[:60]}{'…' if len(text) > 60 else ''}»" if text else ""


def _kind(q: Question) -> str:
    if q.is_metadata:
        return "meta"
    if q.type == "calculate":
        return "calc"
    if q.is_select:
        return "selectN" if q.is_multiple else "select1"
    vt = q.value_type
    return {"int": "int", "float": "float", "date": "date"}.get(vt, "str")


class FormLogic:
    """A questionnaire's expressions parsed once, in form order, ready to evaluate."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.questionnaire = questionnaire
        self.rules: list[Rule] = []
        self.by_name: dict[str, Rule] = {}
        self.items: list[tuple[Item, tuple[str, ...]]] = []  # every item with its group path
        self.group_relevant: dict[str, X.Expr | None] = {}
        self.problems: list[Problem] = []  # expression errors of the form itself
        self._compile(questionnaire.items, (), ())
        self._check_references()

    def _check_references(self) -> None:
        known = set(self.by_name) | {it.name for it, _ in self.items}
        for rule in self.rules:
            exprs = [rule.own_relevant, rule.constraint, rule.calculation, rule.choice_filter]
            if isinstance(rule.required, X.Expr):
                exprs.append(rule.required)
            for e in exprs:
                if e is None:
                    continue
                for ref in sorted(e.references() - known):
                    p = Problem(
                        rule.name,
                        UNKNOWN_REFERENCE,
                        f"Biểu thức của {rule.name} nhắc đến ${{{ref}}} nhưng bảng hỏi không có "
                        "câu nào tên như vậy; hãy sửa tên biến trong biểu thức.",
                    )
                    rule.errors.append(p)
                    self.problems.append(p)

    # -- compilation ---------------------------------------------------------------------
    def _parse(
        self, text: str, owner: str, column: str, errors: list[Problem], *, names: bool = False
    ) -> X.Expr | None:
        text = (text or "").strip()
        if not text:
            return None
        try:
            return X.parse(text, allow_names=names)
        except X.ExprSyntaxError as exc:
            p = Problem(
                owner,
                EXPRESSION,
                f"Biểu thức {column} của {owner} («{text}») bị lỗi: {exc}. "
                "Hãy sửa bảng hỏi (trang survey).",
            )
            errors.append(p)
            self.problems.append(p)
            return None

    def _compile(self, items: list[Item], rel: tuple[X.Expr, ...], groups: tuple[str, ...]) -> None:
        for item in items:
            self.items.append((item, groups))
            if isinstance(item, Group):
                errs: list[Problem] = []
                g_rel = self._parse(item.relevant, item.name, "relevant", errs)
                self.group_relevant[item.name] = g_rel
                self._compile(
                    item.children,
                    rel + ((g_rel,) if g_rel is not None else ()),
                    (*groups, item.name),
                )
                continue
            q = item
            if not q.has_value:
                continue
            errs = []
            own = self._parse(q.relevant, q.name, "relevant", errs)
            required: bool | X.Expr = False
            if isinstance(q.required, str):
                required = self._parse(q.required, q.name, "required", errs) or False
            else:
                required = bool(q.required)
            kind = _kind(q)
            choices: tuple[Choice, ...] = ()
            if q.is_select:
                choices = tuple(self.questionnaire.choices_of(q))
            rule = Rule(
                question=q,
                name=q.name,
                relevant=rel + ((own,) if own is not None else ()),
                own_relevant=own,
                required=required if kind not in ("calc", "meta") else False,
                constraint=self._parse(q.constraint, q.name, "constraint", errs),
                calculation=(
                    self._parse(q.calculation, q.name, "calculation", errs)
                    if kind == "calc"
                    else None
                ),
                choice_filter=self._parse(
                    q.choice_filter, q.name, "choice_filter", errs, names=True
                ),
                choices=choices,
                codes=tuple(c.code for c in choices) + ((OTHER_CODE,) if q.or_other else ()),
                kind=kind,
                errors=errs,
                group_names=groups,
            )
            self.rules.append(rule)
            self.by_name[q.name] = rule
            if q.or_other and q.is_select:
                # ODK adds a text field {name}_other, relevant when 'other' is chosen.
                other = Question(name=f"{q.name}_other", type="text", labels={})
                o_rel = X.Call("selected", (X.Ref(q.name), X.Str(OTHER_CODE)))
                o_rule = Rule(
                    question=other,
                    name=other.name,
                    relevant=(*rule.relevant, o_rel),
                    own_relevant=o_rel,
                    required=True,
                    kind="str",
                    group_names=groups,
                )
                self.rules.append(o_rule)
                self.by_name[other.name] = o_rule

    # -- values --------------------------------------------------------------------------
    def xpath_value(self, name: str, value: Any) -> Any:
        """An answer as expressions see it (codes as strings, lists space-joined)."""
        rule = self.by_name.get(name)
        if value is None:
            return ""
        if rule is not None and rule.is_select:
            if isinstance(value, list | tuple):
                return " ".join(_code_str(c) for c in value)
            return _code_str(value)
        return X.xpath_value(value)

    def xpath_values(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """All answers as expressions see them."""
        return {k: self.xpath_value(k, v) for k, v in answers.items()}

    def is_relevant(self, rule: Rule, values: Mapping[str, Any], today: str) -> bool:
        """Whether all relevant expressions of the rule (groups and own) hold."""
        for e in rule.relevant:
            if not X.to_boolean(e._ev(X._Ctx(values, None, today, None))):
                return False
        return True

    def is_required(self, rule: Rule, values: Mapping[str, Any], today: str) -> bool:
        """Whether a (relevant) rule must be answered given the values so far."""
        req = rule.required
        if isinstance(req, X.Expr):
            return X.to_boolean(req._ev(X._Ctx(values, None, today, None)))
        return bool(req)

    def allowed_codes(self, rule: Rule, values: Mapping[str, Any], today: str) -> list[Any]:
        """Codes offered by the question after its choice_filter, in list order."""
        if rule.choice_filter is None:
            return list(rule.codes)
        out = []
        for ch in rule.choices:
            row = {"name": ch.name, **ch.extra}
            ctx = X._Ctx(values, None, today, row)
            if X.to_boolean(rule.choice_filter._ev(ctx)):
                out.append(ch.code)
        if rule.question.or_other:
            out.append(OTHER_CODE)
        return out

    def calculate(self, rule: Rule, values: Mapping[str, Any], today: str) -> Any:
        """The stored value of a calculate rule (None when empty)."""
        assert rule.calculation is not None
        v = rule.calculation._ev(X._Ctx(values, None, today, None))
        return calc_value(v)

    def walk(
        self, answers: Mapping[str, Any], today: _dt.date | str | None = None
    ) -> tuple[dict[str, bool], dict[str, Any], dict[str, Any]]:
        """Evaluate relevance in form order.

        Returns (relevant by item name incl. groups, xpath values after clearing, computed
        calculations by name).
        """
        t = X._today_text(today)
        values = self.xpath_values(answers)
        rel: dict[str, bool] = {}
        calcs: dict[str, Any] = {}
        self._walk_items(self.questionnaire.items, True, values, rel, calcs, t)
        # or_other text fields are not items of the tree
        for rule in self.rules:
            if rule.name not in rel:
                rel[rule.name] = all(rel.get(g, True) for g in rule.group_names) and (
                    self._own_relevant(rule, values, t)
                )
                if not rel[rule.name]:
                    values.pop(rule.name, None)
        return rel, values, calcs

    def _walk_items(
        self,
        items: list[Item],
        parent: bool,
        values: dict[str, Any],
        rel: dict[str, bool],
        calcs: dict[str, Any],
        t: str,
    ) -> None:
        for item in items:
            if isinstance(item, Group):
                g = self.group_relevant.get(item.name)
                ok = parent and (g is None or X.to_boolean(g._ev(X._Ctx(values, None, t, None))))
                rel[item.name] = ok
                self._walk_items(item.children, ok, values, rel, calcs, t)
                continue
            rule = self.by_name.get(item.name)
            if rule is None:  # a note
                own = item.relevant.strip()
                ok = parent
                if ok and own:
                    try:
                        ok = X.evaluate_bool(X.parse(own), values, today=t)
                    except (X.ExprSyntaxError, X.ExprEvalError):
                        ok = True
                rel[item.name] = ok
                continue
            ok = parent and self._own_relevant(rule, values, t)
            rel[rule.name] = ok
            if rule.kind == "calc" and rule.calculation is not None:
                value = self.calculate(rule, values, t) if ok else None
                if value is None:
                    values.pop(rule.name, None)
                else:
                    calcs[rule.name] = value
                    values[rule.name] = self.xpath_value(rule.name, value)
            elif not ok:
                values.pop(rule.name, None)

    def _own_relevant(self, rule: Rule, values: Mapping[str, Any], t: str) -> bool:
        # the group expressions were checked when the walk entered the groups
        if rule.own_relevant is None:
            return True
        return X.to_boolean(rule.own_relevant._ev(X._Ctx(values, None, t, None)))


def _code_str(c: Any) -> str:
    if isinstance(c, bool):
        return "1" if c else "0"
    if isinstance(c, float) and c.is_integer():
        return str(int(c))
    return str(c)


def calc_value(v: X.Value) -> Any:
    """A calculation result as stored in answers: int/float/str, None for ''/NaN."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return None
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    if v == "":
        return None
    return code_value(v) if re.fullmatch(r"-?[0-9]+", v) else v


def compile_logic(q: Questionnaire | FormLogic) -> FormLogic:
    """The FormLogic of a questionnaire (identity for a FormLogic)."""
    return q if isinstance(q, FormLogic) else FormLogic(q)


def xpath_values(q: Questionnaire | FormLogic, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers converted to the values expressions see (codes as strings, lists joined)."""
    return compile_logic(q).xpath_values(answers)


def relevance(
    q: Questionnaire | FormLogic,
    answers: Mapping[str, Any],
    today: _dt.date | str | None = None,
) -> dict[str, bool]:
    """Relevance of every group and question (order-aware), by name."""
    return compile_logic(q).walk(answers, today)[0]


def relevant_questions(
    q: Questionnaire | FormLogic,
    answers: Mapping[str, Any],
    today: _dt.date | str | None = None,
) -> list[str]:
    """Names of the questions (incl. notes and calculates) relevant given the answers, in order."""
    logic = compile_logic(q)
    rel = logic.walk(answers, today)[0]
    names = [it.name for it, _ in logic.items if isinstance(it, Question)]
    extra = [r.name for r in logic.rules if r.name not in set(names)]
    return [n for n in names + extra if rel.get(n, False)]


def compute_calculations(
    q: Questionnaire | FormLogic,
    answers: Mapping[str, Any],
    today: _dt.date | str | None = None,
) -> dict[str, Any]:
    """Values of the relevant calculate fields, computed in form order from the answers."""
    return compile_logic(q).walk(answers, today)[2]


# ---- type checks ----------------------------------------------------------------------


def _fmt(v: Any) -> str:
    if isinstance(v, str):
        return f"«{v}»"
    return f"«{v!r}»" if not isinstance(v, int | float) else f"«{v}»"


def _is_code(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or isinstance(v, str)


def _type_problem(rule: Rule, v: Any) -> str | None:
    """Vietnamese reason when `v` is not a value of the rule's type per docs/data-contract.md."""
    name = rule.name
    k = rule.kind
    if v is None or v == "" or (isinstance(v, list | tuple) and not v):
        return (
            f"Câu {name} có khóa nhưng giá trị rỗng; câu chưa trả lời phải bỏ hẳn khóa "
            "khỏi câu trả lời."
        )
    if k == "select1":
        if not _is_code(v):
            return f"Câu {name} (chọn một) cần một mã lựa chọn, nhận được {_fmt(v)}."
        if isinstance(v, str) and isinstance(code_value(v), int):
            return f"Câu {name}: mã {_fmt(v)} phải lưu dạng số {code_value(v)}, không phải chuỗi."
        return None
    if k == "selectN":
        if not isinstance(v, list):
            return f"Câu {name} (chọn nhiều) cần một danh sách mã, nhận được {_fmt(v)}."
        bad = [c for c in v if not _is_code(c)]
        if bad:
            return f"Câu {name}: {_fmt(bad[0])} không phải một mã lựa chọn."
        strs = [c for c in v if isinstance(c, str) and isinstance(code_value(c), int)]
        if strs:
            return f"Câu {name}: mã {_fmt(strs[0])} phải lưu dạng số, không phải chuỗi."
        if len(set(v)) != len(v):
            return f"Câu {name}: một mã được chọn hai lần trong {v}."
        return None
    if k == "int":
        if isinstance(v, bool) or not isinstance(v, int):
            return f"Câu {name} cần một số nguyên, nhận được {_fmt(v)}."
        return None
    if k == "float":
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            return f"Câu {name} cần một số, nhận được {_fmt(v)}."
        return None
    if k == "date":
        if not isinstance(v, str) or not _DATE_RE.match(v):
            return f"Câu {name} cần một ngày dạng YYYY-MM-DD, nhận được {_fmt(v)}."
        try:
            _dt.date.fromisoformat(v)
        except ValueError:
            return f"Câu {name}: ngày {_fmt(v)} không có thật."
        return None
    if k in ("calc", "meta"):
        if isinstance(v, list | tuple | dict):
            return f"Biến {name} cần một giá trị đơn, nhận được {_fmt(v)}."
        return None
    if not isinstance(v, str):
        return f"Câu {name} cần một chuỗi ký tự, nhận được {_fmt(v)}."
    return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) < 1e-9
    return X.to_string(X.xpath_value(a)) == X.to_string(X.xpath_value(b))


# ---- validate -------------------------------------------------------------------------


def validate(
    q: Questionnaire | FormLogic,
    answers: Mapping[str, Any],
    today: _dt.date | str | None = None,
    *,
    check_calculations: bool = True,
    include_form_problems: bool = False,
) -> list[Problem]:
    """All problems of one response (empty list when valid); never stops at the first.

    Expressions of the form that do not parse are the form's problems, not the response's:
    they are in `compile_logic(q).problems` (and reported by the form checker); such an
    expression counts as absent here (always relevant, not required, no constraint) unless
    `include_form_problems` adds them to the list.
    """
    logic = compile_logic(q)
    problems: list[Problem] = []
    t = X._today_text(today)

    for key in answers:
        if key not in logic.by_name:
            problems.append(
                Problem(
                    key,
                    UNKNOWN_VARIABLE,
                    f"Biến «{key}» không có trong bảng hỏi (hoặc là một ghi chú không lưu câu "
                    "trả lời); hãy kiểm tra tên biến hoặc phiên bản bảng hỏi.",
                )
            )

    typed: dict[str, Any] = {}
    for key, v in answers.items():
        rule = logic.by_name.get(key)
        if rule is None:
            continue
        why = _type_problem(rule, v)
        if why:
            problems.append(Problem(key, TYPE, why))
        else:
            typed[key] = v

    try:
        rel, values, calcs = logic.walk(typed, t)
    except X.ExprEvalError as exc:
        problems.append(Problem("", EXPRESSION, exc.message_vi))
        return problems

    for rule in logic.rules:
        name = rule.name
        q_ = rule.question
        if include_form_problems:
            problems.extend(rule.errors)
        present = name in answers
        ok_type = name in typed
        if rule.kind == "meta":
            continue
        if not rel.get(name, True):
            if present:
                problems.append(
                    Problem(name, NOT_RELEVANT, _skip_message(logic, rule, typed, values, t))
                )
            continue
        try:
            if rule.kind == "calc":
                if check_calculations and rule.calculation is not None:
                    want = calcs.get(name)
                    if ok_type and want is None:
                        problems.append(
                            Problem(
                                name,
                                CALCULATION,
                                f"Biến tính toán {name} = {_fmt(answers[name])} nhưng công "
                                f"thức {rule.calculation} cho giá trị rỗng; hãy bỏ giá trị này.",
                            )
                        )
                    elif want is not None and not present:
                        problems.append(
                            Problem(
                                name,
                                CALCULATION,
                                f"Thiếu biến tính toán {name}; theo công thức "
                                f"{rule.calculation} giá trị phải là {_fmt(want)}.",
                            )
                        )
                    elif ok_type and not _same(answers[name], want):
                        problems.append(
                            Problem(
                                name,
                                CALCULATION,
                                f"Biến tính toán {name} = {_fmt(answers[name])} nhưng theo "
                                f"công thức {rule.calculation} phải là {_fmt(want)}.",
                            )
                        )
                continue
            if not present:
                if logic.is_required(rule, values, t):
                    msg = q_.required_message and next(iter(q_.required_message.values()), "")
                    problems.append(
                        Problem(
                            name,
                            REQUIRED,
                            f"Câu {name}{_label(q_)} bắt buộc trả lời nhưng chưa có câu trả lời"
                            + (f" ({msg})" if msg else "")
                            + "; hãy nhập câu trả lời từ phiếu.",
                        )
                    )
                continue
            if not ok_type:
                continue
            value = answers[name]
            if rule.is_select and rule.codes:
                allowed = logic.allowed_codes(rule, values, t)
                given = value if isinstance(value, list) else [value]
                for c in given:
                    if c not in allowed:
                        if c in rule.codes:
                            why = "bị loại bởi bộ lọc lựa chọn (choice_filter) với các câu trước"
                        else:
                            why = f"không có trong danh sách «{q_.list_name}»"
                        problems.append(
                            Problem(
                                name,
                                UNKNOWN_CODE,
                                f"Câu {name}{_label(q_)}: mã {_fmt(c)} {why}; các mã hợp lệ: "
                                + ", ".join(str(x) for x in allowed)
                                + ".",
                            )
                        )
            if rule.constraint is not None:
                cur = logic.xpath_value(name, value)
                ok = X.to_boolean(rule.constraint._ev(X._Ctx(values, cur, t, None)))
                if not ok:
                    msg = _vi_text(q_.constraint_message)
                    text = W.constraint_sentence(
                        logic.questionnaire, q_, value, str(rule.constraint), msg
                    )
                    problems.append(
                        Problem(name, CONSTRAINT, f"{text}; hãy đối chiếu lại với phiếu.")
                    )
        except X.ExprEvalError as exc:
            problems.append(Problem(name, EXPRESSION, f"Câu {name}: {exc.message_vi}"))

    problems.extend(_form_checks(logic, values, t))
    # in form order (unknown variables and cross-checks last), stable within a variable
    order = {r.name: i for i, r in enumerate(logic.rules)}
    problems.sort(key=lambda p: order.get(p.variable, len(order)))
    return _dedupe(problems)


def coerce_answers(
    q: Questionnaire | FormLogic, raw: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Problem]]:
    """Typed answers (docs/data-contract.md) from raw values such as spreadsheet cells or typed
    text ("1 3" for a select_multiple, "31/12/2025" for a date); a problem for each value that
    does not fit its question. Calculations are dropped (they are recomputed, never taken from
    input); keys that are not variables are kept for `validate` to report."""
    logic = compile_logic(q)
    answers: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, value in raw.items():
        rule = logic.by_name.get(name)
        if rule is not None and rule.kind == "calc":
            continue
        if rule is None:
            v = None if isinstance(value, str) and not value.strip() else value
        else:
            try:
                v = rule.question.coerce(value, [c.code for c in rule.choices] or None)
            except CoercionError as exc:
                problems.append(Problem(name, TYPE, exc.message))
                continue
        if v is not None:
            answers[name] = v
    return answers, problems


def prepare(
    q: Questionnaire | FormLogic,
    raw: Mapping[str, Any],
    today: _dt.date | str | None = None,
) -> tuple[dict[str, Any], list[Problem]]:
    """What every source of responses does before storing: coerce raw values, compute the
    calculations in form order, validate. Returns (answers to store, problems)."""
    logic = compile_logic(q)
    answers, problems = coerce_answers(logic, raw)
    answers.update(
        {k: v for k, v in compute_calculations(logic, answers, today).items() if v is not None}
    )
    bad = {p.variable for p in problems}
    problems += [p for p in validate(logic, answers, today) if p.variable not in bad]
    return answers, problems


def _vi_text(texts: Mapping[str, str]) -> str:
    """The Vietnamese text of a per-language column (else the first one given)."""
    for lang, text in texts.items():
        if text and ("vi" in lang.lower() or "việt" in lang.lower()):
            return text
    return next((m for m in texts.values() if m), "")


def _skip_message(
    logic: FormLogic, rule: Rule, answers: Mapping[str, Any], values: Mapping[str, Any], t: str
) -> str:
    """«Câu C1 chọn «Không» nên không trả lời câu C2. Xóa …» from the conditions that fail."""
    names: list[str] = []
    for e in rule.relevant:
        try:
            holds = X.to_boolean(e._ev(X._Ctx(values, None, t, None)))
        except X.ExprEvalError:
            holds = False
        if not holds:
            names.extend(r for r in sorted(e.references()) if r in logic.by_name)
    cause = W.cause_of_skip(logic.questionnaire, names, answers)
    own = W.printed_name(logic.questionnaire, rule.question.name)
    return W.skip_sentence(cause, [own]) + SKIP_ADVICE


SKIP_ADVICE = ". Xóa câu trả lời thừa, hoặc sửa câu điều kiện nếu nhập sai."


def _form_checks(logic: FormLogic, values: Mapping[str, Any], t: str) -> list[Problem]:
    """Rows of an optional `checks` sheet: an expression that must hold, and a message."""
    out: list[Problem] = []
    for i, row in enumerate(logic.questionnaire.checks, start=2):
        text = next(
            (row[k] for k in ("constraint", "check", "expression", "condition") if row.get(k)),
            "",
        )
        if not text:
            continue
        name = row.get("name") or f"checks!{i}"
        msg = next((v for k, v in row.items() if k.startswith("message") and v), "")
        try:
            e = X.parse(text)
            # a check only applies when every question it names is answered and relevant
            if any(r not in values for r in e.references()):
                continue
            if not X.evaluate_bool(e, values, today=t):
                out.append(
                    Problem(
                        name,
                        CHECK,
                        f"Kiểm tra chéo {name} không thỏa: {text}"
                        + (f" — {msg}" if msg else "")
                        + "; hãy đối chiếu lại các câu liên quan.",
                    )
                )
        except (X.ExprSyntaxError, X.ExprEvalError) as exc:
            out.append(Problem(name, EXPRESSION, f"Kiểm tra chéo {name} bị lỗi: {exc}"))
    return out


def _dedupe(problems: Iterable[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def logic_json(q: Questionnaire | FormLogic) -> dict[str, Any]:
    """The form logic as JSON ASTs for xlsexpr.js: items in order with their expressions.

    {"format": "khaosat.logic/1", "items": [{name, kind: group|question, groups: [outer..],
    relevant: AST|null, type, required: bool|AST, constraint, calculation, choice_filter:
    AST|null, select, multiple, choice_rows?: [{code, row}]}]}. In the browser:
    KhaosatExpr.walk(logic, answers) gives relevance and calculations; a constraint is
    KhaosatExpr.evaluateBool(item.constraint, walk.values, {current:
    KhaosatExpr.exprValue(item, answer)}); a choice is
    offered when evaluateBool(item.choice_filter, walk.values, {choice: row}).
    """
    logic = compile_logic(q)
    items = []
    for item, groups in logic.items:
        entry: dict[str, Any] = {
            "name": item.name,
            "kind": "group" if isinstance(item, Group) else "question",
            "groups": list(groups),
        }
        if isinstance(item, Group):
            g = logic.group_relevant.get(item.name)
            entry["relevant"] = g.to_json() if g is not None else None
        else:
            entry["type"] = item.type
            rule = logic.by_name.get(item.name)
            own = None
            if item.relevant.strip():
                try:
                    own = X.parse(item.relevant).to_json()
                except X.ExprSyntaxError:
                    own = None
            entry["relevant"] = own
            if rule is not None:
                entry["required"] = (
                    rule.required.to_json() if isinstance(rule.required, X.Expr) else rule.required
                )
                for key in ("constraint", "calculation", "choice_filter"):
                    e = getattr(rule, key)
                    entry[key] = e.to_json() if e is not None else None
                entry["select"] = rule.is_select
                entry["multiple"] = rule.kind == "selectN"
                if rule.choice_filter is not None and rule.choices:
                    # evaluate choice_filter with {choice: row} and walk(...).values
                    entry["choice_rows"] = [
                        {"code": ch.code, "row": {"name": ch.name, **ch.extra}}
                        for ch in rule.choices
                    ]
        items.append(entry)
    return {"format": "khaosat.logic/1", "items": items}

"""A questionnaire compiled for capture: the fields a person answers, in order, with their
parsed skip logic (`relevant`, ancestors' included), constraints, required flags and
calculations. `FormRules.spec()` is the JSON the keyed-entry and tablet pages evaluate with
xlsexpr.js; `FormRules.check()` applies the same rules on the server.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from khaosat.questionnaire import expr as X
from khaosat.questionnaire.errors import CoercionError
from khaosat.questionnaire.model import Question, Questionnaire

# Types a person answers in keyed entry and on the tablet form.
ANSWER_TYPES = frozenset(
    {"select_one", "select_multiple", "integer", "decimal", "text", "date", "range"}
)


@dataclass(frozen=True)
class Problem:
    """One problem of one answer set: variable, a short code, a Vietnamese message."""

    variable: str
    code: str
    message_vi: str


@dataclass
class Field:
    """One answerable (or calculated) question as capture sees it."""

    question: Question
    label: str
    group_label: str
    relevant: X.Expr | None
    constraint: X.Expr | None
    required: bool | X.Expr
    calculation: X.Expr | None
    choices: list[tuple[Any, str]] = field(default_factory=list)
    constraint_message: str = ""

    @property
    def name(self) -> str:
        """Variable name."""
        return self.question.name

    @property
    def type(self) -> str:
        """XLSForm type of the question."""
        return self.question.type

    @property
    def codes(self) -> list[Any]:
        """Choice codes in list order (empty for non-select fields)."""
        return [c for c, _ in self.choices]


def _parse(text: str | bool, where: str) -> X.Expr | None:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return X.parse(text)
    except X.ExprSyntaxError as exc:
        raise CoercionError(f"Biểu thức {where} không đọc được: {exc.message_vi}") from exc


def _and(a: X.Expr | None, b: X.Expr | None) -> X.Expr | None:
    if a is None:
        return b
    if b is None:
        return a
    return X.BinOp("and", a, b)


class FormRules:
    """The capture view of a questionnaire (compile once per questionnaire version)."""

    def __init__(self, questionnaire: Questionnaire, lang: str = "vi") -> None:
        self.questionnaire = questionnaire
        q = questionnaire
        self.lang = lang
        self.fields: list[Field] = []
        dl = q.default_language
        for question in q.iter_questions():
            if question.type not in ANSWER_TYPES and question.type != "calculate":
                continue
            groups = q.ancestors(question.name)
            rel: X.Expr | None = None
            for g in groups:
                rel = _and(rel, _parse(g.relevant, f"relevant của nhóm {g.name}"))
            rel = _and(rel, _parse(question.relevant, f"relevant của câu {question.name}"))
            required: bool | X.Expr = False
            if isinstance(question.required, str):
                required = _parse(question.required, f"required của {question.name}") or False
            else:
                required = bool(question.required)
            choices = (
                [(c.code, c.label(lang, dl)) for c in q.choices_of(question)]
                if question.is_select
                else []
            )
            self.fields.append(
                Field(
                    question=question,
                    label=question.label(lang, dl),
                    group_label=" › ".join(g.label(lang, dl) for g in groups if g.label(lang, dl)),
                    relevant=rel,
                    constraint=_parse(question.constraint, f"constraint của {question.name}"),
                    required=required,
                    calculation=_parse(question.calculation, f"calculation của {question.name}")
                    if question.type == "calculate"
                    else None,
                    choices=choices,
                    constraint_message=_pick(question.constraint_message, lang, dl),
                )
            )
        self.by_name = {f.name: f for f in self.fields}

    # -- values ---------------------------------------------------------------------
    def xpath_values(self, answers: dict[str, Any]) -> dict[str, Any]:
        """Answers as the expression language sees them (select_one codes as strings)."""
        out: dict[str, Any] = {}
        for name, value in answers.items():
            f = self.by_name.get(name)
            if f is not None and f.type == "select_one" and value is not None:
                out[name] = str(value)
            else:
                out[name] = value
        return out

    def is_relevant(
        self, f: Field, answers: dict[str, Any], xv: dict[str, Any] | None = None
    ) -> bool:
        """Whether `f` is asked given the answers so far."""
        if f.relevant is None:
            return True
        return X.evaluate_bool(f.relevant, xv if xv is not None else self.xpath_values(answers))

    def calculate(self, answers: dict[str, Any]) -> dict[str, Any]:
        """Answers with every `calculate` field computed (absent when empty or not relevant)."""
        out = dict(answers)
        for f in self.fields:
            if f.calculation is None:
                continue
            out.pop(f.name, None)
            xv = self.xpath_values(out)
            if not self.is_relevant(f, out, xv):
                continue
            value = X.evaluate(f.calculation, xv)
            if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
                continue
            if value == "" or value is None:
                continue
            out[f.name] = f.question.coerce(value)
        return out

    def coerce(self, raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
        """Typed answers per docs/data-contract.md from raw values; problems for values of the wrong type."""
        answers: dict[str, Any] = {}
        problems: list[Problem] = []
        for name, value in raw.items():
            f = self.by_name.get(name)
            if f is None:
                problems.append(
                    Problem(
                        name, "unknown", f"Biến «{name}» không có trong bảng hỏi. Bỏ cột/ô này."
                    )
                )
                continue
            if f.type == "calculate":
                continue  # recomputed, never taken from input
            try:
                v = self.questionnaire.coerce(name, value)
            except CoercionError as exc:
                problems.append(Problem(name, "type", exc.message))
                continue
            if v is not None:
                answers[name] = v
        return answers, problems

    # -- checks ---------------------------------------------------------------------
    def check_field(self, f: Field, value: Any, answers: dict[str, Any]) -> Problem | None:
        """The problem with answering `value` to `f` given the other answers, or None."""
        if value is None or value == [] or value == "":
            if self.is_required(f, answers):
                return Problem(f.name, "required", f"Câu {f.name} bắt buộc phải trả lời.")
            return None
        codes = f.codes
        if f.type == "select_one" and value not in codes:
            return Problem(
                f.name,
                "choice",
                f"Câu {f.name}: mã {value} không có trong danh sách "
                f"({', '.join(str(c) for c in codes)}).",
            )
        if f.type == "select_multiple":
            bad = [c for c in value if c not in codes]
            if bad:
                return Problem(
                    f.name,
                    "choice",
                    f"Câu {f.name}: mã {', '.join(str(c) for c in bad)} không có trong danh sách "
                    f"({', '.join(str(c) for c in codes)}).",
                )
        if f.constraint is not None:
            xv = self.xpath_values(answers)
            cur = str(value) if f.type == "select_one" else value
            if not X.evaluate_bool(f.constraint, xv, current=cur):
                msg = f.constraint_message or f"giá trị {value} không thỏa điều kiện {f.constraint}"
                return Problem(f.name, "constraint", f"Câu {f.name}: {msg}.".replace("..", "."))
        return None

    def is_required(self, f: Field, answers: dict[str, Any]) -> bool:
        """Whether `f` must be answered (it is also relevant)."""
        if f.required is False or f.type == "calculate":
            return False
        if f.required is True:
            return True
        return X.evaluate_bool(f.required, self.xpath_values(answers))

    def check(self, answers: dict[str, Any]) -> list[Problem]:
        """All problems of a typed answer set (calculations already applied), in form order."""
        problems: list[Problem] = []
        known = set(self.by_name)
        for name in answers:
            if name not in known:
                problems.append(Problem(name, "unknown", f"Biến «{name}» không có trong bảng hỏi."))
        xv = self.xpath_values(answers)
        for f in self.fields:
            value = answers.get(f.name)
            if not self.is_relevant(f, answers, xv):
                if value is not None and f.type != "calculate":
                    problems.append(
                        Problem(
                            f.name,
                            "not_relevant",
                            f"Câu {f.name} không phải trả lời theo các câu trước "
                            "(bước nhảy) nhưng lại có câu trả lời. Xóa câu trả lời này "
                            "hoặc sửa câu điều kiện.",
                        )
                    )
                continue
            if f.type == "calculate":
                continue
            p = self.check_field(f, value, answers)
            if p is not None:
                problems.append(p)
        return problems

    # -- browser --------------------------------------------------------------------
    def spec(self) -> dict[str, Any]:
        """JSON for keyed.js / webform.js: fields in order with AST JSON of their rules."""
        out = []
        for f in self.fields:
            codes = [str(c) for c in f.codes]
            out.append(
                {
                    "name": f.name,
                    "type": f.type,
                    "label": f.label,
                    "group": f.group_label,
                    "hint": f.question.hint(self.lang, self.questionnaire.default_language),
                    "choices": [{"code": c, "label": lab} for c, lab in f.choices],
                    # digits needed to key a code: auto-advance once no longer code shares the prefix
                    "width": max((len(c) for c in codes), default=0),
                    "relevant": X.to_json(f.relevant) if f.relevant is not None else None,
                    "constraint": X.to_json(f.constraint) if f.constraint is not None else None,
                    "constraint_message": f.constraint_message,
                    "required": f.required
                    if isinstance(f.required, bool)
                    else X.to_json(f.required),
                    "calculation": X.to_json(f.calculation) if f.calculation is not None else None,
                }
            )
        return {
            "form_id": self.questionnaire.form_id,
            "version": self.questionnaire.version,
            "title": self.questionnaire.title,
            "fields": out,
        }


def _pick(texts: dict[str, str], lang: str, dl: str) -> str:
    from khaosat.questionnaire.model import pick_text

    return pick_text(texts, lang, dl)

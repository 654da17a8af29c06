"""What changed between two versions of a questionnaire, as a designer would say it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from khaosat.questionnaire.model import Question, Questionnaire
from khaosat.questionnaire.wording import (
    bare_label,
    describe_condition,
    describe_constraint,
    own_number,
    printed_name,
    table_number,
    type_words,
)

# Attributes of a question a designer sees, with their Vietnamese names.
FIELDS = {
    "type": "kiểu câu hỏi",
    "list_name": "danh sách phương án",
    "labels": "nội dung câu hỏi",
    "hints": "hướng dẫn",
    "required": "bắt buộc trả lời",
    "relevant": "điều kiện hỏi",
    "constraint": "ràng buộc",
    "constraint_message": "thông báo ràng buộc",
    "calculation": "công thức tính",
    "choice_filter": "lọc phương án",
    "appearance": "cách hiển thị",
}
# attributes whose value is an XLSForm expression: said in words (describe_condition)
_CONDITIONS = {"relevant", "choice_filter", "calculation"}


@dataclass(frozen=True)
class Change:
    """One difference: kind is 'added', 'removed' or 'changed'.

    `item` and `field` are the machine's names (question variable, "choices:<list>", the
    attribute); `what` is how a person names the thing ("câu B3 «Mức độ hài lòng…»", "phương án
    của câu B3, B4"), and `old_words`/`new_words` the values in words (labels, conditions said
    as sentences); the message uses only those.
    """

    kind: str
    item: str  # question name, or "choices:<list>" for choice lists
    field: str = ""
    old: Any = None
    new: Any = None
    what: str = ""
    old_words: str | None = None
    new_words: str | None = None

    @property
    def old_text(self) -> str:
        """The value before, as a person reads it (no Python dict or list)."""
        return as_text(self.old) if self.old_words is None else self.old_words

    @property
    def new_text(self) -> str:
        return as_text(self.new) if self.new_words is None else self.new_words

    @property
    def message(self) -> str:
        what = self.what or self.item
        if self.item.startswith("choices:"):
            option = f"phương án mã {self.field}"
            if self.kind == "added":
                return f"Danh sách {what}: thêm {option}."
            if self.kind == "removed":
                return f"Danh sách {what}: bỏ {option}."
            return f"Danh sách {what}: {option} đổi nhãn."
        if self.kind == "added":
            return f"Thêm {what}."
        if self.kind == "removed":
            return f"Bỏ {what}."
        return f"{what[:1].upper() + what[1:]}: đổi {FIELDS.get(self.field, self.field)}."


def _language(name: str) -> str:
    """'Tiếng Việt (vi)' -> 'Tiếng Việt'; 'default' -> ''."""
    name = name.split("(")[0].strip()
    return "" if name.lower() == "default" else name


def as_text(value: Any) -> str:
    """A question attribute in plain words: labels per language, yes/no, or the text."""
    if value is None or value == {} or value == "":
        return ""
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, dict):
        parts = []
        for lang, text in value.items():
            name = _language(str(lang))
            parts.append(f"{name}: {text}" if name and len(value) > 1 else str(text))
        return "; ".join(parts)
    if isinstance(value, list | tuple):
        return ", ".join(as_text(v) for v in value)
    return str(value)


def _question_words(form: Questionnaire, q: Question) -> str:
    """'câu B3 «Mức độ hài lòng…»'; a row of a table 'câu C7 (Cơ sở vật chất, nơi ngồi chờ)';
    a question of a form without numbers 'câu «Năm nay bạn bao nhiêu tuổi?»'."""
    label = bare_label(q, limit=60)
    number = own_number(q)
    if number:
        return f"câu {number} «{label}»" if label else f"câu {number}"
    name = printed_name(form, q.name)
    if name not in (q.name, bare_label(q, 40)):
        return f"câu {name}"  # a row of a table, with its words
    return f"câu «{label}»" if label else f"câu {q.name}"


def _list_words(forms: Sequence[Questionnaire], lst: str) -> str:
    """A choice list named by the questions that use it: 'phương án của câu B3, B4'."""
    numbers: list[str] = []
    for form in forms:
        for q in form.iter_questions():
            if q.list_name == lst and (n := table_number(form, q.name)) not in numbers:
                numbers.append(n)
    if not numbers:
        return "phương án chưa câu nào dùng"
    more = f" và {len(numbers) - 5} câu khác" if len(numbers) > 5 else ""
    return f"phương án của câu {', '.join(numbers[:5])}{more}"


def _value_words(form: Questionnaire, field: str, value: Any) -> str:
    if value is None or value == "" or value == {}:
        return ""
    if field == "constraint" and isinstance(value, str):
        return describe_constraint(form, value)
    if field in _CONDITIONS and isinstance(value, str):
        return describe_condition(form, value)
    if field == "type":
        return type_words(str(value))
    if field == "list_name":
        choices = form.choice_lists.get(str(value))
        labels = [f"«{c.label()}»" for c in choices.choices] if choices else []
        shown = ", ".join(labels[:6]) + (", …" if len(labels) > 6 else "")
        return shown or str(value)
    if field == "required" and isinstance(value, str):
        return "có, khi " + describe_condition(form, value)
    return as_text(value)


def diff(old: Questionnaire, new: Questionnaire) -> list[Change]:
    """Every added, removed or changed question and choice, in the new form's order."""
    changes: list[Change] = []
    old_q = {q.name: q for q in old.iter_questions()}
    new_q = {q.name: q for q in new.iter_questions()}
    for name, q in new_q.items():
        if name not in old_q:
            changes.append(Change("added", name, what=_question_words(new, q)))
            continue
        o = old_q[name]
        for f in FIELDS:
            a, b = getattr(o, f), getattr(q, f)
            if a != b:
                changes.append(
                    Change(
                        "changed",
                        name,
                        f,
                        a,
                        b,
                        what=_question_words(new, q),
                        old_words=_value_words(old, f, a),
                        new_words=_value_words(new, f, b),
                    )
                )
    changes += [
        Change("removed", n, what=_question_words(old, q))
        for n, q in old_q.items()
        if n not in new_q
    ]
    for lst in sorted(set(old.choice_lists) | set(new.choice_lists)):
        what = _list_words((new, old), lst)
        a = {c.code: c for c in old.choice_lists[lst].choices} if lst in old.choice_lists else {}
        b = {c.code: c for c in new.choice_lists[lst].choices} if lst in new.choice_lists else {}
        for code, c in b.items():
            if code not in a:
                changes.append(
                    Change("added", f"choices:{lst}", str(code), None, c.labels, what=what)
                )
            elif a[code].labels != c.labels:
                changes.append(
                    Change(
                        "changed", f"choices:{lst}", str(code), a[code].labels, c.labels, what=what
                    )
                )
        changes += [
            Change("removed", f"choices:{lst}", str(code), a[code].labels, what=what)
            for code in a
            if code not in b
        ]
    return changes

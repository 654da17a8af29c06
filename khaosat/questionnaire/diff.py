"""What changed between two versions of a questionnaire, as a designer would say it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from khaosat.questionnaire.model import Questionnaire

# Attributes of a question a designer sees, with their Vietnamese names.
FIELDS = {
    "type": "kiểu câu hỏi",
    "list_name": "danh sách phương án",
    "labels": "nội dung câu hỏi",
    "hints": "hướng dẫn",
    "required": "bắt buộc trả lời",
    "relevant": "điều kiện hỏi (relevant)",
    "constraint": "ràng buộc (constraint)",
    "constraint_message": "thông báo ràng buộc",
    "calculation": "công thức (calculation)",
    "choice_filter": "lọc phương án (choice_filter)",
    "appearance": "cách hiển thị (appearance)",
}


@dataclass(frozen=True)
class Change:
    """One difference: kind is 'added', 'removed' or 'changed'."""

    kind: str
    item: str  # question name, or "choices:<list>" for choice lists
    field: str = ""
    old: Any = None
    new: Any = None

    @property
    def old_text(self) -> str:
        """The value before, as a person reads it (no Python dict or list)."""
        return as_text(self.old)

    @property
    def new_text(self) -> str:
        return as_text(self.new)

    @property
    def message(self) -> str:
        if self.item.startswith("choices:"):
            lst = self.item.split(":", 1)[1]
            if self.kind == "added":
                return f"Danh sách {lst}: thêm phương án mã {self.field}."
            if self.kind == "removed":
                return f"Danh sách {lst}: bỏ phương án mã {self.field}."
            return f"Danh sách {lst}: phương án mã {self.field} đổi nhãn."
        if self.kind == "added":
            return f"Thêm câu {self.item}."
        if self.kind == "removed":
            return f"Bỏ câu {self.item}."
        return f"Câu {self.item}: đổi {FIELDS.get(self.field, self.field)}."


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


def diff(old: Questionnaire, new: Questionnaire) -> list[Change]:
    """Every added, removed or changed question and choice, in the new form's order."""
    changes: list[Change] = []
    old_q = {q.name: q for q in old.iter_questions()}
    new_q = {q.name: q for q in new.iter_questions()}
    for name, q in new_q.items():
        if name not in old_q:
            changes.append(Change("added", name))
            continue
        o = old_q[name]
        for f in FIELDS:
            a, b = getattr(o, f), getattr(q, f)
            if a != b:
                changes.append(Change("changed", name, f, a, b))
    changes += [Change("removed", n) for n in old_q if n not in new_q]
    for lst in sorted(set(old.choice_lists) | set(new.choice_lists)):
        a = {c.code: c for c in old.choice_lists[lst].choices} if lst in old.choice_lists else {}
        b = {c.code: c for c in new.choice_lists[lst].choices} if lst in new.choice_lists else {}
        for code, c in b.items():
            if code not in a:
                changes.append(Change("added", f"choices:{lst}", str(code), None, c.labels))
            elif a[code].labels != c.labels:
                changes.append(
                    Change("changed", f"choices:{lst}", str(code), a[code].labels, c.labels)
                )
        changes += [
            Change("removed", f"choices:{lst}", str(code), a[code].labels)
            for code in a
            if code not in b
        ]
    return changes

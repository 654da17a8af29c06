"""The codebook of a questionnaire: one entry per data column (variable, type, label, values).

A select_multiple question gives one 0/1 entry per option, named `{name}_{code}` as in the
flat data set (docs/data-contract.md). Codes whose label reads "Không rõ / khó trả lời" (or "don't
know") are listed in `missing_codes` so SPSS can declare them user-missing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

from khaosat.questionnaire.model import Group, Question, Questionnaire

VALUE_LIST_COLUMN = "value_list"
OTHER_TEXT_LABEL = "khác (ghi rõ)"
MULTI_VALUE_LABELS: dict[int | str, str] = {0: "Không chọn", 1: "Có chọn"}
_DONT_KNOW = re.compile(
    r"\b(khong ro|kho tra loi|khong biet|khong tra loi|khong muon tra loi|khong tien tra loi"
    r"|don ?t know|dont know|no answer|refused|prefer not)\b"
)


def _fold(text: str) -> str:
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


@dataclass
class CodebookEntry:
    """One column of the flat data set."""

    variable: str
    question: str
    type: str
    label: str
    value_labels: dict[int | str, str] = field(default_factory=dict)
    missing_codes: list[int | str] = field(default_factory=list)
    measure: str = "nominal"  # 'nominal', 'ordinal' or 'scale' (SPSS measurement level)
    group: str = ""
    option_label: str = ""  # for select_multiple dummies: the option's label

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (codes as keys become strings in JSON)."""
        return asdict(self)


def _is_ordinal(q: Question, codes: list[int | str], missing: list[int | str]) -> bool:
    if "likert" in q.appearance:
        return True
    scale = [c for c in codes if c not in missing]
    return (
        len(scale) >= 3
        and all(isinstance(c, int) for c in scale)
        and scale == list(range(scale[0], scale[0] + len(scale)))
        and bool(missing)
    )


def _group_of(q: Questionnaire) -> dict[str, str]:
    out: dict[str, str] = {}

    def walk(items, group_name: str) -> None:
        for it in items:
            if isinstance(it, Group):
                walk(it.children, it.name)
            else:
                out[it.name] = group_name

    walk(q.items, "")
    return out


def codebook(q: Questionnaire, lang: str | None = None) -> list[CodebookEntry]:
    """Codebook entries in column order of `dataset.to_dataframe` (notes left out)."""
    lang = q.resolve_language(lang) if lang else None
    dl = q.default_language
    groups = _group_of(q)
    entries: list[CodebookEntry] = []
    for item in q.iter_questions():
        if not item.has_value or not item.name:
            continue
        label = item.label(lang, dl)
        choices = q.choices_of(item)
        if not choices and item.extra.get(VALUE_LIST_COLUMN) in q.choice_lists:
            # a calculate can name a choice list for its value labels (column value_list)
            choices = q.choices(item.extra[VALUE_LIST_COLUMN])
        labels = {c.code: c.label(lang, dl) for c in choices}
        missing = [c.code for c in choices if _DONT_KNOW.search(_fold(c.label(lang, dl)))]
        group = groups.get(item.name, "")
        other = _other_entry(item, label, group)
        if item.is_multiple:
            for c in choices:
                entries.append(
                    CodebookEntry(
                        variable=f"{item.name}_{c.code}",
                        question=item.name,
                        type="select_multiple_option",
                        label=f"{label} — {c.label(lang, dl)}".strip(" —"),
                        value_labels=dict(MULTI_VALUE_LABELS),
                        measure="nominal",
                        group=group,
                        option_label=c.label(lang, dl),
                    )
                )
            entries.extend(other)
            continue
        if item.is_select:
            measure = "ordinal" if _is_ordinal(item, list(labels), missing) else "nominal"
        elif item.value_type in ("int", "float"):
            measure = "scale"
        elif item.type == "calculate":
            measure = "nominal"
        else:
            measure = "nominal"
        entries.append(
            CodebookEntry(
                variable=item.name,
                question=item.name,
                type=item.type,
                label=label,
                value_labels=labels,
                missing_codes=missing,
                measure=measure,
                group=group,
            )
        )
        entries.extend(other)
    return entries


def _other_entry(item: Question, label: str, group: str) -> list[CodebookEntry]:
    """The text column `{name}_other` of an `or_other` select (none for other questions)."""
    if not (item.or_other and item.is_select):
        return []
    return [
        CodebookEntry(
            variable=other_variable(item.name),
            question=item.name,
            type="text",
            label=f"{label} — {OTHER_TEXT_LABEL}".strip(" —"),
            group=group,
        )
    ]


def other_variable(name: str) -> str:
    """Name of the text typed for "other" of an `or_other` question (as ODK names it)."""
    return f"{name}_other"


def value_labels(q: Questionnaire, lang: str | None = None) -> dict[str, dict[int | str, str]]:
    """{variable: {code: label}} for every column with value labels (pyreadstat format)."""
    return {e.variable: e.value_labels for e in codebook(q, lang) if e.value_labels}


def variable_labels(q: Questionnaire, lang: str | None = None) -> dict[str, str]:
    """{variable: label} for every column."""
    return {e.variable: e.label for e in codebook(q, lang)}

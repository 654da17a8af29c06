"""A questionnaire as capture shows it: the fields a person answers, in form order, with their
labels and codes, and the spec the keyed-entry, tablet and preview pages load.

No form logic lives here. Relevance, required, constraints, choice filters and calculations are
the questionnaire area's compiled logic (`khaosat.questionnaire.validate.compile_logic`): on the
server through `FormRules.prepare` (= `validate.prepare`), in the browser through the same
logic as JSON (`validate.logic_json`) walked by xlsexpr.js.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from khaosat.questionnaire import validate as V
from khaosat.questionnaire.model import Question, Questionnaire, WrapsQuestion, pick_text
from khaosat.questionnaire.validate import Problem

__all__ = ["ANSWER_TYPES", "Field", "FormRules", "Problem"]

# Types a person answers in keyed entry and on the tablet form.
ANSWER_TYPES = frozenset(
    {"select_one", "select_multiple", "integer", "decimal", "text", "date", "range"}
)


@dataclass
class Field(WrapsQuestion):
    """One answerable (or calculated) question as capture shows it."""

    question: Question
    label: str
    group_label: str
    choices: list[tuple[Any, str]] = field(default_factory=list)

    @property
    def codes(self) -> list[Any]:
        """Choice codes in list order (empty for non-select fields)."""
        return [c for c, _ in self.choices]


class FormRules:
    """The capture view of a questionnaire (compile once per questionnaire version)."""

    def __init__(self, questionnaire: Questionnaire, lang: str = "vi") -> None:
        self.questionnaire = questionnaire
        self.logic = V.compile_logic(questionnaire)
        self.lang = lang
        q = questionnaire
        dl = q.default_language
        self.fields: list[Field] = []
        for question in q.iter_questions():
            if question.type not in ANSWER_TYPES and question.type != "calculate":
                continue
            groups = q.ancestors(question.name)
            self.fields.append(
                Field(
                    question=question,
                    label=question.label(lang, dl),
                    group_label=" › ".join(g.label(lang, dl) for g in groups if g.label(lang, dl)),
                    choices=[(c.code, c.label(lang, dl)) for c in q.choices_of(question)]
                    if question.is_select
                    else [],
                )
            )
        self.by_name = {f.name: f for f in self.fields}

    def prepare(self, raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
        """Coerce raw values, compute calculations, validate: (answers to store, problems)."""
        return V.prepare(self.logic, raw)

    def spec(self) -> dict[str, Any]:
        """JSON for the browser: fields to show in order, and the form logic for xlsexpr.js."""
        dl = self.questionnaire.default_language
        out = []
        for f in self.fields:
            codes = [str(c) for c in f.codes]
            out.append(
                {
                    "name": f.name,
                    "type": f.type,
                    "label": f.label,
                    "group": f.group_label,
                    "hint": f.question.hint(self.lang, dl),
                    "choices": [{"code": c, "label": lab} for c, lab in f.choices],
                    # digits needed to key a code: auto-advance once no longer code shares the prefix
                    "width": max((len(c) for c in codes), default=0),
                    "constraint_message": pick_text(f.question.constraint_message, self.lang, dl),
                }
            )
        return {
            "form_id": self.questionnaire.form_id,
            "version": self.questionnaire.version,
            "title": self.questionnaire.title,
            "fields": out,
            "logic": V.logic_json(self.logic),
        }

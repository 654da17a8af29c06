"""The questionnaire model: an XLSForm as dataclasses (settings, item tree, choice lists).

Values in the model are the cell texts of the XLSForm (strings), except the few fields that
have a clear type (`required`/`read_only`: bool or an expression string, `or_other`, `repeat`).
Labels, hints and messages are dicts keyed by language as written in the column header
(`label::Tiếng Việt (vi)` -> "Tiếng Việt (vi)"); a column without language uses the key
"default". `source` fields say where an item came from and are ignored by equality, so a
read -> write -> read round trip compares equal.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any, Union

from khaosat.questionnaire.errors import CoercionError, Place

DEFAULT_LANG = "default"

SELECT_TYPES = frozenset(
    {
        "select_one",
        "select_multiple",
        "rank",
        "select_one_from_file",
        "select_multiple_from_file",
        "select_one_external",
    }
)
METADATA_TYPES = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "subscriberid",
        "simserial",
        "phonenumber",
        "username",
        "email",
        "audit",
        "start-geopoint",
        "background-audio",
        "background-geopoint",
    }
)
NO_VALUE_TYPES = frozenset({"note"})
INT_TYPES = frozenset({"integer"})
FLOAT_TYPES = frozenset({"decimal", "range"})
MULTI_TYPES = frozenset({"select_multiple", "select_multiple_from_file", "rank"})

_INT_RE = re.compile(r"^[+-]?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_LANG_CODE_RE = re.compile(r"\(([A-Za-z0-9_-]+)\)\s*$")


def code_value(name: Any) -> int | str:
    """The code of a choice as stored in answers: int when an integer literal, else str."""
    if isinstance(name, bool):
        return int(name)
    if isinstance(name, int):
        return name
    if isinstance(name, float) and name.is_integer():
        return int(name)
    text = str(name).strip()
    if _INT_RE.match(text) and not (len(text.lstrip("+-")) > 1 and text.lstrip("+-")[0] == "0"):
        return int(text)
    return text


def language_code(lang: str) -> str | None:
    """The code in parentheses of a language header name ("Tiếng Việt (vi)" -> "vi")."""
    m = _LANG_CODE_RE.search(lang or "")
    return m.group(1) if m else None


def pick_text(texts: dict[str, str], lang: str | None = None, default_language: str = "") -> str:
    """Text in `lang` (a full name or its code), else the default language, else any."""
    if not texts:
        return ""
    if lang:
        if texts.get(lang):
            return texts[lang]
        for key, value in texts.items():
            if value and (language_code(key) == lang or key.lower() == lang.lower()):
                return value
    for key in (default_language, DEFAULT_LANG):
        if key and texts.get(key):
            return texts[key]
    for value in texts.values():
        if value:
            return value
    return ""


def _clean_place(value: Any) -> tuple[str, int] | None:
    if value is None:
        return None
    return (str(value[0]), int(value[1]))


# the number printed before a label: "C1. Trong 12 tháng qua…", "A2) …", "Câu 5. …"
PRINTED_NUMBER = re.compile(r"^\s*(?:Câu\s+)?([A-ZĐ]{0,3}\d+(?:[._]\d+)*[a-z]?)\s*[.):]\s+", re.I)


def own_number(item: Any) -> str | None:
    """The number a question or group prints for itself ("C1"), from its label or from a name
    that is a number (a1 -> "A1"); None for a row of a table or a calculation that has none.
    (khaosat.questionnaire.wording builds every way of naming a question on it.)"""
    m = PRINTED_NUMBER.match(item.label() or "")
    if m:
        return m.group(1).rstrip(".")
    return item.name.upper() if re.fullmatch(r"[a-zA-Z]{1,3}\d+[a-z]?", item.name) else None


def question_words(q: Any) -> str:
    """A question as a message names it: «C1», else its words «…», else its name
    (khaosat.questionnaire.wording.question_ref puts "câu" before it)."""
    number = own_number(q)
    if number:
        return number
    text = " ".join(PRINTED_NUMBER.sub("", q.label() or "", count=1).split())
    if text:
        return f"«{text[:39] + '…' if len(text) > 40 else text}»"
    return q.name


@dataclass
class Choice:
    """One option of a choice list; `name` is its code as written (e.g. "1")."""

    name: str
    labels: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    source: tuple[str, int] | None = field(default=None, compare=False)

    @property
    def code(self) -> int | str:
        """Code as stored in answers (int for integer literals)."""
        return code_value(self.name)

    def label(self, lang: str | None = None, default_language: str = "") -> str:
        """Label in `lang` with fallback to the default language."""
        return pick_text(self.labels, lang, default_language)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "name": self.name,
            "labels": dict(self.labels),
            "extra": dict(self.extra),
            "source": list(self.source) if self.source else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Choice:
        """Inverse of to_dict."""
        return cls(
            name=str(data["name"]),
            labels=dict(data.get("labels") or {}),
            extra=dict(data.get("extra") or {}),
            source=_clean_place(data.get("source")),
        )


@dataclass
class ChoiceList:
    """A named list of choices (the `list_name` of the choices sheet)."""

    name: str
    choices: list[Choice] = field(default_factory=list)

    def codes(self) -> list[int | str]:
        """Codes in list order."""
        return [c.code for c in self.choices]

    def get(self, code: Any) -> Choice | None:
        """The choice with this code (int or str), or None."""
        key = code_value(code)
        for c in self.choices:
            if c.code == key:
                return c
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {"name": self.name, "choices": [c.to_dict() for c in self.choices]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChoiceList:
        """Inverse of to_dict."""
        return cls(name=data["name"], choices=[Choice.from_dict(c) for c in data["choices"]])


@dataclass
class Question:
    """One row of the survey sheet that is not a group: a question, note, calculate or metadata.

    `type` is the canonical XLSForm type ('select_one', 'integer', 'calculate', 'start', ...);
    `type_text` is the type cell as the designer wrote it (kept for the round trip).
    """

    name: str
    type: str
    list_name: str | None = None
    or_other: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    required: bool | str = False
    required_message: dict[str, str] = field(default_factory=dict)
    relevant: str = ""
    constraint: str = ""
    constraint_message: dict[str, str] = field(default_factory=dict)
    calculation: str = ""
    choice_filter: str = ""
    appearance: str = ""
    default: str = ""
    parameters: str = ""
    read_only: bool | str = False
    type_text: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    source: tuple[str, int] | None = field(default=None, compare=False)

    kind = "question"

    # -- convenience ----------------------------------------------------------------
    def label(self, lang: str | None = None, default_language: str = "") -> str:
        """Label in `lang` (full name or code) with fallback to the default language."""
        return pick_text(self.labels, lang, default_language)

    def hint(self, lang: str | None = None, default_language: str = "") -> str:
        """Hint in `lang` with fallback."""
        return pick_text(self.hints, lang, default_language)

    @property
    def is_select(self) -> bool:
        """True for select_one / select_multiple / rank and their file variants."""
        return self.type in SELECT_TYPES

    @property
    def is_multiple(self) -> bool:
        """True when the answer is a list of codes."""
        return self.type in MULTI_TYPES

    @property
    def is_metadata(self) -> bool:
        """True for start/end/today/deviceid ... (not asked of the respondent)."""
        return self.type in METADATA_TYPES

    @property
    def has_value(self) -> bool:
        """False for notes (no answer is stored)."""
        return self.type not in NO_VALUE_TYPES

    @property
    def place(self) -> Place | None:
        """Sheet and row of the definition, when read from a file."""
        return Place(self.source[0], self.source[1]) if self.source else None

    @property
    def value_type(self) -> str:
        """'int', 'float', 'str', 'list', 'date' or 'none' (notes)."""
        if self.type in NO_VALUE_TYPES:
            return "none"
        if self.is_multiple:
            return "list"
        if self.type in INT_TYPES:
            return "int"
        if self.type in FLOAT_TYPES:
            return "float"
        if self.type == "date":
            return "date"
        return "str"

    def coerce(self, raw: Any, choice_order: list[int | str] | None = None) -> Any:
        """Turn a raw answer into its stored value per docs/data-contract.md; None means no answer.

        select_one -> code (int for integer literals); select_multiple -> list of codes
        (in `choice_order` when given); integer -> int; decimal -> float; date ->
        "YYYY-MM-DD"; calculate -> int/float when numeric else str. Raises CoercionError.
        """
        if raw is None or (isinstance(raw, float) and math.isnan(raw)):
            return None
        if isinstance(raw, str) and not raw.strip():
            return None
        t = self.type
        if t in NO_VALUE_TYPES:
            return None
        if self.is_multiple:
            items = raw if isinstance(raw, list | tuple | set) else str(raw).split()
            codes: list[int | str] = []
            for item in items:
                c = code_value(item)
                if c not in codes:
                    codes.append(c)
            if choice_order is not None:
                rank = {c: i for i, c in enumerate(choice_order)}
                if t != "rank":
                    codes.sort(key=lambda c: (rank.get(c, len(rank)), str(c)))
            return codes or None
        if t in SELECT_TYPES:
            if isinstance(raw, list | tuple):
                if len(raw) != 1:
                    raise CoercionError(
                        f"Câu {question_words(self)} chỉ nhận một lựa chọn, nhận được {len(raw)}.",
                        self.place,
                    )
                raw = raw[0]
            return code_value(raw)
        if t in INT_TYPES:
            return _to_int(raw, self)
        if t in FLOAT_TYPES:
            return _to_float(raw, self)
        if t == "date":
            return _to_date(raw, self)
        if t == "calculate":
            if isinstance(raw, bool):
                return int(raw)
            if isinstance(raw, int | float):
                return int(raw) if float(raw).is_integer() else float(raw)
            text = str(raw).strip()
            if _INT_RE.match(text):
                return int(text)
            if _FLOAT_RE.match(text):
                return float(text)
            return text
        return str(raw) if not isinstance(raw, str) else raw

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        out: dict[str, Any] = {"kind": "question"}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "source":
                value = list(value) if value else None
            elif isinstance(value, dict):
                value = dict(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        """Inverse of to_dict."""
        kwargs = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        kwargs["source"] = _clean_place(data.get("source"))
        return cls(**kwargs)


def _to_int(raw: Any, q: Question) -> int:
    if isinstance(raw, bool):
        return int(raw)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    text = str(raw).strip()
    if _INT_RE.match(text):
        return int(text)
    if _FLOAT_RE.match(text) and float(text).is_integer():
        return int(float(text))
    raise CoercionError(f"Câu {question_words(q)} cần một số nguyên, nhận được «{raw}».", q.place)


def _to_float(raw: Any, q: Question) -> float:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    text = str(raw).strip().replace(",", ".")
    if _FLOAT_RE.match(text):
        return float(text)
    raise CoercionError(f"Câu {question_words(q)} cần một số, nhận được «{raw}».", q.place)


def _to_date(raw: Any, q: Question) -> str:
    if isinstance(raw, _dt.datetime):
        return raw.date().isoformat()
    if isinstance(raw, _dt.date):
        return raw.isoformat()
    text = str(raw).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return _dt.datetime.strptime(text[:19], fmt).date().isoformat()
        except ValueError:
            continue
    raise CoercionError(
        f"Câu {question_words(q)} cần một ngày dạng dd/mm/yyyy hoặc YYYY-MM-DD, nhận được «{raw}».",
        q.place,
    )


class WrapsQuestion:
    """Mixin for a record that carries a `question` and speaks for it (capture's field,
    the bank's entry): its variable name, type and choice list are the question's own."""

    question: Question

    @property
    def name(self) -> str:
        """Variable name."""
        return self.question.name

    @property
    def type(self) -> str:
        """XLSForm type of the question."""
        return self.question.type

    @property
    def list_name(self) -> str | None:
        """Name of the question's choice list, if any."""
        return self.question.list_name


@dataclass
class Group:
    """A begin_group/end_group (or begin_repeat/end_repeat when `repeat`) block."""

    name: str
    labels: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    appearance: str = ""
    relevant: str = ""
    repeat: bool = False
    repeat_count: str = ""
    children: list[Item] = field(default_factory=list)
    type_text: str = ""
    end_type_text: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    source: tuple[str, int] | None = field(default=None, compare=False)

    kind = "group"

    @property
    def type(self) -> str:
        """'begin_repeat' or 'begin_group'."""
        return "begin_repeat" if self.repeat else "begin_group"

    def label(self, lang: str | None = None, default_language: str = "") -> str:
        """Label in `lang` with fallback."""
        return pick_text(self.labels, lang, default_language)

    @property
    def place(self) -> Place | None:
        """Sheet and row of the begin row."""
        return Place(self.source[0], self.source[1]) if self.source else None

    def iter_items(self) -> Iterator[Item]:
        """All descendants, depth first, groups before their children."""
        for child in self.children:
            yield child
            if isinstance(child, Group):
                yield from child.iter_items()

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        out: dict[str, Any] = {"kind": "group"}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "children":
                value = [c.to_dict() for c in value]
            elif f.name == "source":
                value = list(value) if value else None
            elif isinstance(value, dict):
                value = dict(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Group:
        """Inverse of to_dict."""
        kwargs = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        kwargs["children"] = [item_from_dict(c) for c in data.get("children", [])]
        kwargs["source"] = _clean_place(data.get("source"))
        return cls(**kwargs)


Item = Union[Question, Group]  # noqa: UP007 - used at runtime in isinstance-free annotations


def item_from_dict(data: dict[str, Any]) -> Item:
    """Build a Question or Group from its to_dict form."""
    if data.get("kind") == "group":
        return Group.from_dict(data)
    return Question.from_dict(data)


@dataclass
class Questionnaire:
    """A whole XLSForm: settings, the survey item tree, choice lists and optional checks.

    `columns` keeps each sheet's header cells as written ({"survey": [...], ...}) and
    `sheet_names` the sheet names as written ({"survey": "Survey"}), so the writer gives the
    designer back the same sheets and columns. `checks` holds the rows of an optional
    `checks` sheet (cross-question checks) as dicts header -> text. `other_sheets` keeps any
    further sheets as rows of cell texts.
    """

    form_id: str = ""
    version: str = ""
    title: str = ""
    default_language: str = ""
    languages: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    choice_lists: dict[str, ChoiceList] = field(default_factory=dict)
    checks: list[dict[str, str]] = field(default_factory=list)
    settings_extra: dict[str, str] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    sheet_names: dict[str, str] = field(default_factory=dict)
    other_sheets: dict[str, list[list[str]]] = field(default_factory=dict)

    # -- navigation ---------------------------------------------------------------
    def iter_items(self) -> Iterator[Item]:
        """All groups and questions, depth first, in form order."""
        for item in self.items:
            yield item
            if isinstance(item, Group):
                yield from item.iter_items()

    def iter_questions(self) -> Iterator[Question]:
        """All questions (incl. notes, calculates, metadata), in form order."""
        for item in self.iter_items():
            if isinstance(item, Question):
                yield item

    def iter_groups(self) -> Iterator[Group]:
        """All groups and repeats, in form order."""
        for item in self.iter_items():
            if isinstance(item, Group):
                yield item

    def question(self, name: str) -> Question:
        """The question with this name; KeyError when there is none."""
        for q in self.iter_questions():
            if q.name == name:
                return q
        raise KeyError(name)

    def item(self, name: str) -> Item:
        """The question or group with this name; KeyError when there is none."""
        for it in self.iter_items():
            if it.name == name:
                return it
        raise KeyError(name)

    def ancestors(self, name: str) -> list[Group]:
        """Groups enclosing the item `name`, outermost first (empty at top level)."""

        def walk(items: list[Item], path: list[Group]) -> list[Group] | None:
            for it in items:
                if it.name == name:
                    return path
                if isinstance(it, Group):
                    found = walk(it.children, [*path, it])
                    if found is not None:
                        return found
            return None

        found = walk(self.items, [])
        if found is None:
            raise KeyError(name)
        return found

    def choice_list(self, list_name: str) -> ChoiceList:
        """The choice list; KeyError when missing."""
        return self.choice_lists[list_name]

    def choices(self, list_name: str) -> list[Choice]:
        """Choices of a list in order; KeyError when missing."""
        return self.choice_lists[list_name].choices

    def choices_of(self, question: Question | str) -> list[Choice]:
        """Choices of a select question (empty for other types or external lists)."""
        q = self.question(question) if isinstance(question, str) else question
        if not q.list_name or q.list_name not in self.choice_lists:
            return []
        return self.choice_lists[q.list_name].choices

    def resolve_language(self, lang: str | None) -> str:
        """Full language key for a name or code ('vi' -> 'Tiếng Việt (vi)')."""
        langs = self.languages or [DEFAULT_LANG]
        if lang:
            for key in langs:
                if key == lang or language_code(key) == lang or key.lower() == lang.lower():
                    return key
        if self.default_language:
            for key in langs:
                if key == self.default_language or language_code(key) == self.default_language:
                    return key
        return langs[0]

    def label(self, name: str, lang: str | None = None) -> str:
        """Label of the item `name` in `lang`."""
        return self.item(name).label(lang, self.default_language)

    # -- values -------------------------------------------------------------------
    def coerce(self, name: str, raw: Any) -> Any:
        """Coerce a raw answer of question `name` (select_multiple in choice-list order)."""
        q = self.question(name)
        order = None
        if q.is_multiple and q.list_name in self.choice_lists:
            order = self.choice_lists[q.list_name].codes()
        return q.coerce(raw, order)

    def value_questions(self) -> list[Question]:
        """Questions that store a value in answers (everything but notes), in form order."""
        return [q for q in self.iter_questions() if q.has_value]

    # -- JSON ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (stored in QuestionnaireVersion.definition)."""
        return {
            "format": "khaosat.questionnaire/1",
            "form_id": self.form_id,
            "version": self.version,
            "title": self.title,
            "default_language": self.default_language,
            "languages": list(self.languages),
            "items": [it.to_dict() for it in self.items],
            "choice_lists": [cl.to_dict() for cl in self.choice_lists.values()],
            "checks": [dict(r) for r in self.checks],
            "settings_extra": dict(self.settings_extra),
            "columns": {k: list(v) for k, v in self.columns.items()},
            "sheet_names": dict(self.sheet_names),
            "other_sheets": {k: [list(r) for r in v] for k, v in self.other_sheets.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Questionnaire:
        """Inverse of to_dict."""
        lists = [ChoiceList.from_dict(c) for c in data.get("choice_lists", [])]
        q = cls(
            form_id=data.get("form_id", ""),
            version=data.get("version", ""),
            title=data.get("title", ""),
            default_language=data.get("default_language", ""),
            languages=list(data.get("languages", [])),
            items=[item_from_dict(it) for it in data.get("items", [])],
            choice_lists={cl.name: cl for cl in lists},
            checks=[dict(r) for r in data.get("checks", [])],
            settings_extra=dict(data.get("settings_extra", {})),
            columns={k: list(v) for k, v in data.get("columns", {}).items()},
            sheet_names=dict(data.get("sheet_names", {})),
            other_sheets={k: [list(r) for r in v] for k, v in data.get("other_sheets", {}).items()},
        )
        q.order_texts()
        return q

    def order_texts(self) -> None:
        """Put every text dict in language order: the default language first, then the rest.

        A definition read back from PostgreSQL's jsonb comes with its keys sorted ("English
        (en)" before "Tiếng Việt (vi)"), and a label asked for without a language falls back
        to the first text it has; ordering here keeps that the questionnaire's own language.
        """
        order = [self.resolve_language(None), *self.languages]

        def rank(key: str) -> int:
            for i, lang in enumerate(order):
                if key == lang or language_code(lang) == key or language_code(key) == lang:
                    return i
            return len(order)

        def ordered(texts: dict[str, str]) -> dict[str, str]:
            if len(texts) < 2:
                return texts
            return dict(sorted(texts.items(), key=lambda kv: rank(kv[0])))

        for item in self.iter_items():
            item.labels = ordered(item.labels)
            item.hints = ordered(item.hints)
            if isinstance(item, Question):
                item.required_message = ordered(item.required_message)
                item.constraint_message = ordered(item.constraint_message)
        for cl in self.choice_lists.values():
            for c in cl.choices:
                c.labels = ordered(c.labels)

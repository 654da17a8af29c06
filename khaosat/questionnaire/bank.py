"""The question bank: questions shared across surveys, each with a stable identity.

A bank question keeps its code (variable name), printed number, type, labels and choice list
(codes and labels) under a bank id. The id travels with the questionnaire in an extra column of
the survey sheet, `bank_id`, so a question picked from the bank keeps its identity when it is
renamed (`b3` in wave 1, `q_dongtinh` in wave 2). `match` lines up the questions of several
waves by that id (by name when a question has none) and says, in plain Vietnamese, what was
matched how, what could not be, and where the choices differ.

No Django here: the web app (khaosat/web/bank) stores the entries and calls these functions.
"""

from __future__ import annotations

import copy
import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from khaosat.questionnaire.errors import QuestionnaireError
from khaosat.questionnaire.model import (
    METADATA_TYPES,
    Choice,
    ChoiceList,
    Question,
    Questionnaire,
    WrapsQuestion,
)
from khaosat.questionnaire.wording import bare_label, printed_number, type_words

BANK_COLUMN = "bank_id"
NOT_BANKED = frozenset({"calculate", "note", *METADATA_TYPES})
_FILE_LISTS = frozenset(
    {"select_one_from_file", "select_multiple_from_file", "select_one_external"}
)
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_NUMBER_RE = re.compile(r"^[A-ZĐa-zđ]{0,3}\d+(?:[._]\d+)*[a-z]?$")


class BankError(QuestionnaireError):
    """A bank operation refused (nothing changed); the message says what to do."""


def new_bank_id() -> str:
    """A fresh identity for a bank question."""
    return str(uuid.uuid4())


def bank_id_of(q: Question) -> str | None:
    """The bank id written in the question's `bank_id` column, or None."""
    value = (q.extra.get(BANK_COLUMN) or "").strip()
    return value or None


def bankable(form: Questionnaire) -> list[Question]:
    """Questions a person answers (no notes, calculations, metadata, file lists), form order."""
    return _answered(form, NOT_BANKED | _FILE_LISTS)


def _answered(form: Questionnaire, skip: frozenset[str]) -> list[Question]:
    """Questions outside repeats whose type is not in `skip`, in form order (one walk)."""
    out: list[Question] = []

    def walk(items: list) -> None:
        for it in items:
            if isinstance(it, Question):
                if it.type not in skip:
                    out.append(it)
            elif not it.repeat:
                walk(it.children)

    walk(form.items)
    return out


@dataclass
class BankQuestion(WrapsQuestion):
    """One question of the bank: its definition (XLSForm row) and its choices."""

    bank_id: str
    question: Question
    choices: list[Choice] = field(default_factory=list)
    number: str = ""
    origin: str = ""
    language: str = ""  # the default language of the questionnaire it came from

    def label(self, lang: str | None = None) -> str:
        """The label without its printed number."""
        return bare_label(self.question, limit=200) if lang is None else self.question.label(lang)

    def choice_list(self) -> ChoiceList | None:
        """The choice list to put into a questionnaire (None for open questions)."""
        if not self.question.list_name:
            return None
        return ChoiceList(self.question.list_name, copy.deepcopy(self.choices))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (stored by the web app)."""
        qd = self.question.to_dict()
        qd["source"] = None
        return {
            "bank_id": self.bank_id,
            "question": qd,
            "choices": [{"name": c.name, "labels": dict(c.labels)} for c in self.choices],
            "number": self.number,
            "origin": self.origin,
            "language": self.language,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BankQuestion:
        """Inverse of to_dict (texts in language order again, as jsonb sorts their keys)."""
        entry = cls(
            bank_id=str(data["bank_id"]),
            question=Question.from_dict(dict(data["question"])),
            choices=[Choice.from_dict(c) for c in data.get("choices") or []],
            number=str(data.get("number") or ""),
            origin=str(data.get("origin") or ""),
            language=str(data.get("language") or ""),
        )
        first = entry.language
        for obj in (entry.question, *entry.choices):
            if first in obj.labels:
                obj.labels = {first: obj.labels[first], **obj.labels}
        return entry


def entry_of(form: Questionnaire, q: Question, bank_id: str, origin: str = "") -> BankQuestion:
    """The bank entry of question `q` of `form`: no skip logic, no references to other questions."""
    bq = copy.deepcopy(q)
    bq.source = None
    bq.relevant = ""
    bq.choice_filter = ""
    if "${" in bq.constraint:
        bq.constraint, bq.constraint_message = "", {}
    if isinstance(bq.required, str):
        bq.required = True
    bq.extra = {k: v for k, v in bq.extra.items() if k != BANK_COLUMN}
    bq.extra[BANK_COLUMN] = bank_id
    choices = [Choice(c.name, dict(c.labels)) for c in form.choices_of(q)]
    lang = form.resolve_language(None)
    return BankQuestion(bank_id, bq, choices, printed_number(q), origin, lang)


# -- comparing two versions of one question ------------------------------------------------------
def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").casefold()
    return " ".join(text.split()).strip(" .:;,")


def _default_labels(choices: Sequence[Choice], default_language: str = "") -> dict[str, str]:
    return {str(c.code): c.label(None, default_language) for c in choices}


def choice_differences(
    a: Sequence[Choice], b: Sequence[Choice], where_a: str, where_b: str
) -> tuple[list[str], list[str]]:
    """(codes that differ, labels that differ) between two choice lists, as sentences."""
    la, lb = _default_labels(a), _default_labels(b)
    codes, labels = [], []
    for code, text in la.items():
        if code not in lb:
            codes.append(f"mã {code} «{text}» có ở {where_a} nhưng không có ở {where_b}")
        elif _norm(text) != _norm(lb[code]):
            labels.append(f"mã {code} là «{text}» ở {where_a} nhưng là «{lb[code]}» ở {where_b}")
    for code, text in lb.items():
        if code not in la:
            codes.append(f"mã {code} «{text}» có ở {where_b} nhưng không có ở {where_a}")
    return codes, labels


def type_difference(a: Question, b: Question, where_a: str, where_b: str) -> str | None:
    """A sentence when two questions do not store the same kind of answer, else None."""
    if a.type == b.type:
        return None
    return f"là câu {type_words(a.type)} ở {where_a} nhưng là câu {type_words(b.type)} ở {where_b}"


# -- adding questions of a questionnaire to the bank ---------------------------------------------
@dataclass
class AddResult:
    """What `add` did: the questionnaire with its bank ids, new entries, known ones, refusals."""

    questionnaire: Questionnaire
    added: list[BankQuestion] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Plain Vietnamese lines for the person who asked."""
        out = [f"Đã lưu vào ngân hàng câu {e.number}." for e in self.added]
        out += [f"Câu {n} đã có trong ngân hàng, giữ nguyên." for n in self.known]
        return out + self.refused


def _clash(entry: BankQuestion, known: BankQuestion) -> list[str]:
    here, there = "bảng hỏi này", "ngân hàng"
    out = []
    diff = type_difference(entry.question, known.question, here, there)
    if diff:
        out.append(diff)
    codes, labels = choice_differences(entry.choices, known.choices, here, there)
    return out + codes + labels


def add(
    bank: Mapping[str, BankQuestion],
    form: Questionnaire,
    names: Iterable[str] | None = None,
    origin: str = "",
) -> AddResult:
    """Put questions of `form` (all bankable ones when `names` is None) into the bank.

    A question without a bank id gets a new one, written in a copy of `form` (column
    `bank_id`). A question whose id is already in the bank with the same choices is known;
    with other choices it is refused: the shared question is never overwritten.
    """
    result = AddResult(copy.deepcopy(form))
    wanted = _wanted(result.questionnaire, names)
    for q in wanted:
        number = printed_number(q)
        bid = bank_id_of(q)
        if bid and bid in bank:
            clash = _clash(entry_of(result.questionnaire, q, bid), bank[bid])
            if clash:
                result.refused.append(
                    f"Câu {number} không lưu: câu này mang mã của một câu trong ngân hàng nhưng "
                    f"khác câu đó ({'; '.join(clash)}). Câu trong ngân hàng được giữ nguyên; "
                    "nếu đây là câu mới, hãy xóa ô bank_id của câu này rồi lưu lại."
                )
            else:
                result.known.append(number)
            continue
        bid = bid or new_bank_id()
        q.extra[BANK_COLUMN] = bid
        result.added.append(entry_of(result.questionnaire, q, bid, origin))
    if result.added:
        _ensure_column(result.questionnaire)
    return result


def _wanted(form: Questionnaire, names: Iterable[str] | None) -> list[Question]:
    candidates = bankable(form)
    if names is None:
        return candidates
    by_name = {q.name: q for q in candidates}
    wanted, missing = [], []
    for n in names:
        if n in by_name:
            wanted.append(by_name[n])
        else:
            missing.append(n)
    if missing:
        raise BankError(
            "Không có câu hỏi để lưu vào ngân hàng với tên "
            + ", ".join(f"«{n}»" for n in missing)
            + " (chỉ lưu được câu người trả lời trả lời, không lưu ghi chú hay câu tính toán)."
        )
    return wanted


def _ensure_column(form: Questionnaire) -> None:
    headers = form.columns.get("survey")
    if headers and BANK_COLUMN not in headers:
        headers.append(BANK_COLUMN)


# -- picking bank questions into a questionnaire -------------------------------------------------
@dataclass
class Pick:
    """One bank question to put into a questionnaire, under `name` (its bank name if empty)
    and printed `number` (its bank number if empty)."""

    bank_id: str
    name: str = ""
    number: str = ""


@dataclass
class PickResult:
    questionnaire: Questionnaire
    added: list[str] = field(default_factory=list)


def pick(
    bank: Mapping[str, BankQuestion],
    form: Questionnaire,
    picks: Sequence[Pick],
) -> PickResult:
    """A copy of `form` with the picked bank questions at its end, bank ids kept.

    Refused as a whole (BankError, nothing changed) when a pick is unknown, already in the
    form, or its name is taken or invalid.
    """
    if not picks:
        raise BankError("Hãy chọn ít nhất một câu hỏi trong ngân hàng.")
    out = copy.deepcopy(form)
    result = PickResult(out)
    taken = {it.name for it in out.iter_items()}
    present = {bank_id_of(q): q for q in out.iter_questions() if bank_id_of(q)}
    problems = []
    for p in picks:
        problem = _pick_problem(bank, p, taken, present)
        if problem:
            problems.append(problem)
            continue
        q = _place_question(out, bank[p.bank_id], p.name or bank[p.bank_id].name, p.number)
        taken.add(q.name)
        present[p.bank_id] = q
        result.added.append(q.name)
    if problems:
        raise BankError(" ".join(problems) + " Chưa thêm câu nào; hãy sửa rồi chọn lại.")
    _ensure_column(out)
    return result


def _pick_problem(
    bank: Mapping[str, BankQuestion], p: Pick, taken: set[str], present: Mapping[str, Question]
) -> str | None:
    entry = bank.get(p.bank_id)
    if entry is None:
        return "Một câu được chọn không còn trong ngân hàng."
    name = p.name or entry.name
    if p.bank_id in present:
        return (
            f"Câu {entry.number} đã có trong bảng hỏi (câu {printed_number(present[p.bank_id])})."
        )
    if p.number and not _NUMBER_RE.match(p.number):
        return (
            f"Số câu «{p.number}» của câu {entry.number} không hợp lệ: hãy ghi như C4, 12 "
            "hoặc A2.1."
        )
    if not _NAME_RE.match(name):
        return (
            f"Tên biến «{name}» của câu {entry.number} không hợp lệ: hãy dùng chữ không dấu, "
            "số và dấu gạch dưới, bắt đầu bằng một chữ."
        )
    if name in taken:
        return (
            f"Tên biến «{name}» của câu {entry.number} đã có trong bảng hỏi; "
            "hãy đặt cho câu này một tên khác."
        )
    return None


def _place_question(
    form: Questionnaire, entry: BankQuestion, name: str, number: str = ""
) -> Question:
    q = copy.deepcopy(entry.question)
    q.name = name
    if number and number != entry.number:
        q.labels = {k: renumber(v, entry.number, number) for k, v in q.labels.items()}
    q.extra[BANK_COLUMN] = entry.bank_id
    cl = entry.choice_list()
    if cl is not None:
        q.list_name = _place_list(form, cl)
    form.items.append(q)
    for lang in q.labels:
        if lang not in form.languages and lang != "default":
            form.languages.append(lang)
    return q


def renumber(label: str, old: str, new: str) -> str:
    """The label with its printed number `old` ("B3. …") replaced by `new` ("C4. …")."""
    head = re.compile(r"^\s*(?:Câu\s+)?" + re.escape(old) + r"\s*[.):]\s+", re.I)
    if head.match(label):
        return head.sub(f"{new}. ", label, count=1)
    return f"{new}. {label}"


def _place_list(form: Questionnaire, cl: ChoiceList) -> str:
    """The list name to use: an identical list of the form, else the bank's name (suffixed if
    the form has another list of that name)."""
    want = [(c.name, _norm(c.label())) for c in cl.choices]
    for name, other in form.choice_lists.items():
        if [(c.name, _norm(c.label())) for c in other.choices] == want:
            return name
    name, n = cl.name, 1
    while name in form.choice_lists:
        n += 1
        name = f"{cl.name}_{n}"
    form.choice_lists[name] = ChoiceList(name, cl.choices)
    return name


def new_questionnaire(form_id: str, title: str, version: str = "") -> Questionnaire:
    """An empty questionnaire to pick bank questions into (a new survey)."""
    return Questionnaire(form_id=form_id, title=title, version=version)


# -- lining up the questions of several waves ---------------------------------------------------
def wave_name(wave: Any) -> str:
    """'đợt 2025' for a wave key 2025 or '2025'; a key that says 'đợt …' itself as is."""
    text = str(wave)
    return text if text.lower().startswith("đợt") else f"đợt {text}"


@dataclass
class VariableMatch:
    """One question across waves: its name and printed number in each wave, how it was matched."""

    names: dict[Any, str]
    numbers: dict[Any, str]
    how: str  # "bank" (same bank id), "name" (same name, no bank id) or "single" (one wave)
    bank_id: str | None = None
    problems: list[str] = field(default_factory=list)  # refuse to compare
    cautions: list[str] = field(default_factory=list)  # compared, but say it

    @property
    def comparable(self) -> bool:
        return len(self.names) >= 2 and not self.problems

    @property
    def number(self) -> str:
        return next(reversed(self.numbers.values()))

    def where(self) -> str:
        """'đợt 2025: b3; đợt 2026: q_dongtinh'."""
        return "; ".join(f"{wave_name(w)}: {n}" for w, n in self.names.items())

    def sentence(self) -> str:
        """One plain Vietnamese sentence about this question."""
        head = f"Câu {self.number}"
        if self.how == "single":
            (w,) = self.names
            return f"{head} chỉ có ở {wave_name(w)}: không ghép được với đợt nào khác."
        how = (
            "ghép theo mã ngân hàng câu hỏi"
            if self.how == "bank"
            else "ghép theo tên biến (câu chưa có mã ngân hàng)"
        )
        text = f"{head} ({self.where()}): {how}."
        if self.problems:
            text += " Không so sánh qua các đợt vì " + "; ".join(self.problems) + "."
        if self.cautions:
            text += " Lưu ý: " + "; ".join(self.cautions) + "."
        return text


@dataclass
class Matching:
    """The questions of several waves lined up (see `match`)."""

    waves: list[Any]
    variables: list[VariableMatch]
    conflicts: list[str] = field(default_factory=list)  # same name, different bank questions

    def find(self, wave: Any, name: str) -> VariableMatch | None:
        """The match of variable `name` of `wave`."""
        for v in self.variables:
            if v.names.get(wave) == name:
                return v
        return None

    def lines(self) -> list[str]:
        """Plain Vietnamese: matched by bank id, by name, not matched, then name conflicts."""
        order = {"bank": 0, "name": 1, "single": 2}
        ordered = sorted(self.variables, key=lambda v: (not v.problems, order[v.how]))
        return [v.sentence() for v in ordered] + self.conflicts

    def summary(self) -> str:
        n_bank = sum(1 for v in self.variables if v.how == "bank")
        n_name = sum(1 for v in self.variables if v.how == "name")
        n_single = sum(1 for v in self.variables if v.how == "single")
        n_bad = sum(1 for v in self.variables if v.problems)
        head = (
            f"Ghép câu hỏi qua {len(self.waves)} đợt: {n_bank} câu theo mã ngân hàng, "
            f"{n_name} câu theo tên biến, {n_single} câu không ghép được, "
            f"{n_bad} câu có phương án khác nhau nên không so sánh."
        )
        return "\n".join([head, *("  " + line for line in self.lines())])


@dataclass
class _Member:
    wave: Any
    question: Questionnaire
    item: Question


def match(forms: Mapping[Any, Questionnaire]) -> Matching:
    """Line up the answered questions of each wave: same bank id first, then same name among
    questions without one; check that matched questions store the same answers."""
    waves = list(forms)
    groups: list[list[_Member]] = []
    by_id: dict[str, list[_Member]] = {}
    loose: list[_Member] = []
    for w, form in forms.items():
        for q in _answered(form, frozenset({"note", *METADATA_TYPES})):
            m = _Member(w, form, q)
            bid = bank_id_of(q)
            if bid:
                if bid not in by_id:
                    by_id[bid] = []
                    groups.append(by_id[bid])
                by_id[bid].append(m)
            else:
                loose.append(m)
    conflicts = _join_by_name(groups, loose)
    for g in groups:
        g.sort(key=lambda m: waves.index(m.wave))
    return Matching(waves, [_describe(g) for g in groups], conflicts)


def _join_by_name(groups: list[list[_Member]], loose: list[_Member]) -> list[str]:
    """Questions without a bank id join the group holding their name in another wave; names
    shared by two different questions are reported."""
    by_name: dict[str, list[list[_Member]]] = {}
    for g in groups:
        for name in {m.item.name for m in g}:
            by_name.setdefault(name, []).append(g)
    for m in loose:
        home = next(
            (g for g in by_name.get(m.item.name, []) if all(o.wave != m.wave for o in g)), None
        )
        if home is None:
            home = []
            groups.append(home)
        if not any(o.item.name == m.item.name for o in home):
            by_name.setdefault(m.item.name, []).append(home)
        home.append(m)
    conflicts = []
    for name, holders in by_name.items():
        for i, g in enumerate(holders):
            for other in holders[i + 1 :]:
                pairs = [
                    (a, b)
                    for a in g
                    for b in other
                    if a.item.name == name == b.item.name and a.wave != b.wave
                ]
                conflicts += [
                    f"Biến «{name}» của {wave_name(a.wave)} và của {wave_name(b.wave)} trùng "
                    "tên nhưng là hai câu khác nhau trong ngân hàng: không ghép."
                    for a, b in pairs
                ]
    return conflicts


def _describe(group: list[_Member]) -> VariableMatch:
    ids = {bank_id_of(m.item) for m in group}
    how = "single" if len(group) == 1 else ("bank" if None not in ids else "name")
    v = VariableMatch(
        names={m.wave: m.item.name for m in group},
        numbers={m.wave: printed_number(m.item) for m in group},
        how=how,
        bank_id=next((i for i in ids if i), None),
    )
    first = group[0]
    for m in group[1:]:
        wa, wb = wave_name(first.wave), wave_name(m.wave)
        diff = type_difference(first.item, m.item, wa, wb)
        if diff:
            v.problems.append(diff)
            continue
        codes, labels = choice_differences(
            first.question.choices_of(first.item), m.question.choices_of(m.item), wa, wb
        )
        v.problems += codes
        v.cautions += labels
    return v


def columns_for(
    matching: Matching, wave: Any, column: str
) -> tuple[VariableMatch, dict[Any, str]] | None:
    """The match of a data-set column of `wave` (a question, or a 0/1 option column
    `name_code` of a multiple choice question) and {wave: its column}, or None."""
    v = matching.find(wave, column)
    if v is not None:
        return v, dict(v.names)
    for cand in matching.variables:
        base = cand.names.get(wave)
        if base and column.startswith(base + "_"):
            suffix = column[len(base) :]
            return cand, {w: n + suffix for w, n in cand.names.items()}
    return None


# -- an earlier wave's data set under the current questionnaire's names ------------------------
THIS_WAVE = "đợt này"


@dataclass
class Alignment:
    """Columns of an earlier wave's data set to rename to the current names, columns to drop
    (not comparable with the current wave), and sentences saying why."""

    renames: dict[str, str] = field(default_factory=dict)
    drops: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def _columns(form: Questionnaire, q: Question) -> list[str]:
    if q.is_multiple:
        return [f"{q.name}_{c.code}" for c in form.choices_of(q)]
    return [q.name]


def align_to(earlier: Questionnaire, current: Questionnaire, label: str = "đợt trước") -> Alignment:
    """How to read an earlier wave's data set with the current questionnaire: a question matched
    (by bank id, else by name) takes its current name; one whose codes differ, or that only
    shares a name with another question, is dropped, so it is never compared silently."""
    m = match({label: earlier, THIS_WAVE: current})
    out = Alignment()
    current_names = {c for q in current.value_questions() for c in _columns(current, q)}
    for v in m.variables:
        if label not in v.names:
            continue
        q_old = earlier.question(v.names[label])
        old_cols = _columns(earlier, q_old)
        if THIS_WAVE not in v.names:
            clash = [c for c in old_cols if c in current_names]
            out.drops += clash
            continue
        if v.problems:
            out.drops += old_cols
            out.lines.append(v.sentence())
            continue
        new = v.names[THIS_WAVE]
        if new != q_old.name:
            out.renames.update({c: new + c[len(q_old.name) :] for c in old_cols})
        if new != q_old.name or v.cautions:
            out.lines.append(v.sentence())
    out.lines += m.conflicts
    return out

"""Questions and answers as a person reads them: the printed number ("C1"), the label, the
labels of chosen codes, and plain sentences for a skipped question or a broken constraint.

Messages for people never show `${var}`, an expression or a Python list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from khaosat.questionnaire.model import (
    PRINTED_NUMBER,
    Question,
    Questionnaire,
    own_number,
    question_words,
)

# The kind of answer a question stores, as a person says it ("là câu một lựa chọn").
TYPE_WORDS = {
    "select_one": "một lựa chọn",
    "select_multiple": "nhiều lựa chọn",
    "rank": "xếp hạng",
    "integer": "số nguyên",
    "decimal": "số",
    "text": "câu trả lời chữ",
    "date": "ngày",
    "note": "lời dẫn",
}


def type_words(q_type: str) -> str:
    """A question type as a person says it."""
    return TYPE_WORDS.get(q_type, q_type)


# "C1. Trong 12 tháng qua…", "A2) …", "Câu 5. …": the number printed before the label
_PRINTED = PRINTED_NUMBER


def printed_number(q: Question) -> str:
    """The number printed for a question ("C1"), from its label, else its name in capitals."""
    return own_number(q) or q.name


def table_number(questionnaire: Questionnaire, name: str) -> str:
    """The number under which a question is printed: its own ("B3"), or for a row of a table
    the table's ("C7"); the name when there is neither."""
    try:
        question = questionnaire.question(name)
    except KeyError:
        return name
    return own_number(question) or _table_of(questionnaire, name) or name


def _table_of(questionnaire: Questionnaire, name: str) -> str | None:
    """The number of the innermost numbered group (a table) around `name`, if any."""
    numbers = [n for g in questionnaire.ancestors(name) if (n := own_number(g))]
    return numbers[-1] if numbers else None


def printed_name(questionnaire: Questionnaire | None, name: str) -> str:
    """A question as a person finds it on the form: «A2»; a row of a table by its table's
    number and the row's words: «C7 (Cơ sở vật chất, nơi ngồi chờ)»; a question with no
    number at all (a calculation) by its label; an unknown name as it is."""
    try:
        question = questionnaire.question(name) if questionnaire is not None else None
    except KeyError:
        question = None
    if question is None:
        return name
    number = own_number(question)
    if number:
        return number
    table = _table_of(questionnaire, name)
    if table:  # a row without a number of its own
        return f"{table} ({bare_label(question, 40)})"
    return bare_label(question, 40) or name


def bare_label(q: Question, limit: int = 80) -> str:
    """The label without its printed number, shortened to `limit` characters."""
    text = " ".join((q.label() or "").split())
    text = _PRINTED.sub("", text, count=1)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def question_ref(q: Question) -> str:
    """'câu C1' — how a message names a question; one without a number of its own (a form
    with no numbers, a row of a table) by its words: 'câu «Năm nay bạn bao nhiêu tuổi?»'."""
    return f"câu {question_words(q)}"


def answer_text(questionnaire: Questionnaire, q: Question, value: Any) -> str:
    """An answer by its labels: «Không»; «Báo chí», «Loa phát thanh»; a number as itself."""
    if value is None or value == [] or value == "":
        return "chưa trả lời"
    if q.is_select:
        values = value if isinstance(value, list | tuple) else [value]
        parts = []
        for v in values:
            choice = next((c for c in questionnaire.choices_of(q) if str(c.code) == str(v)), None)
            parts.append(f"«{choice.label()}»" if choice is not None else f"mã {v}")
        return ", ".join(parts)
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return f"«{value}»" if isinstance(value, str) else str(value)


def answered_as(questionnaire: Questionnaire, q: Question, value: Any) -> str:
    """'câu C1 chọn «Không»' / 'câu A3 là 45' / 'câu C1 chưa trả lời'."""
    ref = question_ref(q)
    if value is None or value == [] or value == "":
        return f"{ref} chưa trả lời"
    verb = "chọn" if q.is_select else "là"
    return f"{ref} {verb} {answer_text(questionnaire, q, value)}"


def cause_of_skip(
    questionnaire: Questionnaire, names: Iterable[str], answers: Mapping[str, Any]
) -> str:
    """Why a question is skipped, from the questions its condition names and their answers:
    'Câu C1 chọn «Không»'."""
    parts = []
    for n in sorted(set(names), key=_form_order(questionnaire)):
        try:
            q = questionnaire.question(n)
        except KeyError:
            continue
        parts.append(answered_as(questionnaire, q, answers.get(n)))
    text = " và ".join(parts) or "các câu trước"
    return text[:1].upper() + text[1:]


def skip_sentence(cause: str, skipped: Sequence[str]) -> str:
    """«Câu C1 chọn «Không» nên không trả lời câu C2–C9.»"""
    return f"{cause} nên không trả lời câu {number_range(skipped)}"


def number_range(numbers: Sequence[str]) -> str:
    """'C2' or 'C2–C9' (first–last, in form order) or 'C2, C5'."""
    numbers = list(dict.fromkeys(numbers))
    if len(numbers) == 1:
        return numbers[0]
    if len(numbers) == 2:
        return f"{numbers[0]}, {numbers[1]}"
    return f"{numbers[0]}–{numbers[-1]}"


_COUNT_MAX = re.compile(r"^\s*count-selected\(\s*\.\s*\)\s*<=?\s*(\d+)\s*$")
_COUNT_MIN = re.compile(r"^\s*count-selected\(\s*\.\s*\)\s*>=?\s*(\d+)\s*$")
_RANGE = re.compile(
    r"^\s*\.\s*>=\s*(-?\d+(?:\.\d+)?)\s+and\s+\.\s*<=\s*(-?\d+(?:\.\d+)?)\s*$", re.I
)


def constraint_sentence(
    questionnaire: Questionnaire, q: Question, value: Any, constraint: str, message: str = ""
) -> str:
    """'Câu F1 chọn «A», «B», «C», «D»: chỉ được chọn tối đa 3 phương án.'"""
    head = answered_as(questionnaire, q, value)
    head = head[:1].upper() + head[1:]
    if message:
        return f"{head}: {message.rstrip('.')}"
    rule = constraint_rule(constraint)
    return f"{head}: {rule or 'câu trả lời này không hợp với điều kiện của câu hỏi'}"


def constraint_rule(constraint: str) -> str:
    """The common constraints as a rule a person reads ('chỉ được chọn tối đa 3 phương án');
    '' for any other."""
    m = _COUNT_MAX.match(constraint or "")
    if m:
        return f"chỉ được chọn tối đa {m.group(1)} phương án"
    m = _COUNT_MIN.match(constraint or "")
    if m:
        return f"phải chọn ít nhất {m.group(1)} phương án"
    m = _RANGE.match(constraint or "")
    if m:
        return f"giá trị phải từ {m.group(1)} đến {m.group(2)}"
    return ""


def describe_constraint(questionnaire: Questionnaire, constraint: str) -> str:
    """A constraint in words: a common one as its rule, any other as a condition on 'câu trả
    lời' (the `.` of XLSForm)."""
    rule = constraint_rule(constraint)
    if rule:
        return rule[:1].upper() + rule[1:]
    text = re.sub(r"(?<![\w.$])\.(?![\w.])", "câu trả lời", constraint or "")
    return describe_condition(questionnaire, text)


def _form_order(questionnaire: Questionnaire):
    order = {q.name: i for i, q in enumerate(questionnaire.iter_questions())}
    return lambda n: order.get(n, len(order))


_SKIP_RE = re.compile(r"^(?P<cause>.+) nên không trả lời câu (?P<num>[^.;]+?)(?P<tail>[.;].*)?$")


def merge_skips(messages: Sequence[str]) -> list[tuple[list[int], str]]:
    """Skip sentences with the same cause merged into one ('… câu C2–C9'); each item is the
    indices of the messages it stands for and its text; other messages are kept as they are."""
    out: list[tuple[list[int], str]] = []
    groups: dict[tuple[str, str], int] = {}
    nums: list[list[str]] = []
    for i, msg in enumerate(messages):
        m = _SKIP_RE.match(msg)
        if not m:
            out.append(([i], msg))
            nums.append([])
            continue
        key = (m.group("cause"), m.group("tail") or "")
        if key in groups:
            k = groups[key]
            out[k][0].append(i)
            nums[k].append(m.group("num"))
        else:
            groups[key] = len(out)
            out.append(([i], msg))
            nums.append([m.group("num")])
    for (cause, tail), k in groups.items():
        if len(nums[k]) > 1:
            out[k] = (out[k][0], skip_sentence(cause, nums[k]) + tail)
    return out


_EQ = re.compile(r"\$\{(\w+)\}\s*(!=|=)\s*'?([\w-]+)'?")
_SELECTED = re.compile(r"selected\(\s*\$\{(\w+)\}\s*,\s*'([\w-]+)'\s*\)")
_REF = re.compile(r"\$\{(\w+)\}")


def describe_condition(questionnaire: Questionnaire, text: str) -> str:
    """An XLSForm condition in words: "${c1} = 1" -> 'câu C1 chọn «Có»'; other references
    become 'câu X'; and/or/not in Vietnamese."""
    if not text:
        return ""

    def question(name: str) -> Question | None:
        try:
            return questionnaire.question(name)
        except KeyError:
            return None

    def choice(q: Question, code: str) -> str:
        for c in questionnaire.choices_of(q):
            if str(c.code) == code:
                return f"«{c.label()}»"
        return code

    def eq(m: re.Match) -> str:
        q = question(m.group(1))
        if q is None:
            return m.group(0)
        if q.is_select:
            verb = "không chọn" if m.group(2) == "!=" else "chọn"
            return f"{question_ref(q)} {verb} {choice(q, m.group(3))}"
        op = "khác" if m.group(2) == "!=" else "="
        return f"{question_ref(q)} {op} {m.group(3)}"

    def sel(m: re.Match) -> str:
        q = question(m.group(1))
        return f"{question_ref(q)} có chọn {choice(q, m.group(2))}" if q else m.group(0)

    def ref(m: re.Match) -> str:
        q = question(m.group(1))
        return question_ref(q) if q else m.group(1)

    out = _SELECTED.sub(sel, text)
    out = _EQ.sub(eq, out)
    out = _REF.sub(ref, out)
    out = re.sub(r"\band\b", "và", out)
    out = re.sub(r"\bor\b", "hoặc", out)
    out = re.sub(r"\bnot\(", "không (", out)
    return out

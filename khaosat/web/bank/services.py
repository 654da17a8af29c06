"""The bank in the database: save questions of a survey's questionnaire, pick bank questions into
one. Both make a new questionnaire version through the upload's own service (checked, audited),
so the bank ids travel in the XLSForm's `bank_id` column; nothing is saved when anything fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from khaosat.questionnaire import bank as core
from khaosat.questionnaire.model import Questionnaire
from khaosat.questionnaire.wording import bare_label, printed_number
from khaosat.questionnaire.xlsform import to_xlsx_bytes
from khaosat.web.bank.models import BankQuestion
from khaosat.web.core.models import AuditEvent, QuestionnaireVersion, Survey
from khaosat.web.questionnaires.editor_services import new_version_name
from khaosat.web.questionnaires.services import current_version, definition_of, store_upload

MAX_LIST = 500


class BankRefused(Exception):
    """Nothing was saved; `messages` say why in plain Vietnamese."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass
class Outcome:
    version: QuestionnaireVersion | None
    lines: list[str] = field(default_factory=list)


def load_bank(ids=None) -> dict[str, core.BankQuestion]:
    """The bank (or the entries with these ids) as core entries, keyed by bank id."""
    qs = BankQuestion.objects.all() if ids is None else BankQuestion.objects.filter(bank_id__in=ids)
    return {row.bank_id: core.BankQuestion.from_dict(row.definition) for row in qs}


def search(text: str = ""):
    """Bank rows matching `text` in their number, name or wording (at most MAX_LIST)."""
    qs = BankQuestion.objects.all()
    text = (text or "").strip()
    if text:
        qs = qs.filter(
            Q(number__icontains=text) | Q(name__icontains=text) | Q(label__icontains=text)
        )
    return list(qs.select_related("origin_survey")[:MAX_LIST])


def _store(survey: Survey, form: Questionnaire, user, note: str) -> QuestionnaireVersion:
    form.version = new_version_name(survey)
    data = to_xlsx_bytes(form)
    result = store_upload(
        survey, data, f"{form.form_id or survey.code}-{form.version}.xlsx", user, note
    )
    if result.version is None:
        raise BankRefused(
            [f"{i.place}: {i.message}" if i.place else i.message for i in result.errors]
        )
    return result.version


def _row(entry: core.BankQuestion, survey: Survey | None, user) -> BankQuestion:
    return BankQuestion.objects.create(
        bank_id=entry.bank_id,
        name=entry.name,
        number=entry.number,
        type=entry.type,
        label=entry.label(),
        definition=entry.to_dict(),
        origin=entry.origin,
        origin_survey=survey,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


@transaction.atomic
def add_form(
    form: Questionnaire, names: list[str] | None, origin: str, survey=None, user=None
) -> core.AddResult:
    """Store the new bank entries of `form` (all its questions when `names` is None)."""
    try:
        result = core.add(load_bank(), form, names, origin=origin)
    except core.BankError as exc:
        raise BankRefused([exc.message]) from exc
    if result.refused and not result.added:
        raise BankRefused(result.refused)
    for entry in result.added:
        _row(entry, survey, user)
    return result


@transaction.atomic
def save_to_bank(survey: Survey, names: list[str], user=None) -> Outcome:
    """Put the named questions of the survey's current questionnaire into the bank; the
    questionnaire gets their bank ids as a new version."""
    qv = current_version(survey)
    if qv is None:
        raise BankRefused(["Khảo sát này chưa có bảng hỏi; hãy tải bảng hỏi lên trước."])
    if not names:
        raise BankRefused(["Hãy chọn ít nhất một câu hỏi để lưu vào ngân hàng."])
    origin = f"{survey.title} ({qv.version})"
    result = add_form(definition_of(qv), names, origin, survey, user)
    version = None
    if result.added:
        version = _store(survey, result.questionnaire, user, "Lưu câu hỏi vào ngân hàng")
        AuditEvent.record(
            "bank.add",
            version,
            user=user,
            survey=survey,
            new={"questions": [e.number for e in result.added], "version": version.version},
        )
    return Outcome(version, result.lines())


def resolve(spec: str) -> core.Pick:
    """A pick written as `B3`, `b3`, a bank id (or its first 8 characters), then `=new_name`
    and `:new_number` if wanted (`b3=q_dongtinh:C4`, `B3=:C4`)."""
    key, renamed, rest = spec.partition("=")
    if renamed:
        new, _, number = rest.partition(":")
    else:
        key, _, number = key.partition(":")
        new = ""
    key = key.strip()
    rows = list(BankQuestion.objects.filter(bank_id=key)) or list(
        BankQuestion.objects.filter(bank_id__startswith=key) if len(key) >= 8 else []
    )
    if not rows:
        rows = list(BankQuestion.objects.filter(Q(name=key) | Q(number__iexact=key)))
    if not rows:
        raise BankRefused([f"Ngân hàng không có câu «{key}»; xem «khaosat bank list»."])
    if len(rows) > 1:
        which = "; ".join(f"{r.bank_id[:8]} (câu {r.number}, {r.origin})" for r in rows)
        raise BankRefused(
            [f"Có {len(rows)} câu «{key}» trong ngân hàng: {which}. Hãy chọn bằng mã ngân hàng."]
        )
    return core.Pick(rows[0].bank_id, new.strip(), number.strip())


def parse_picks(post) -> list[core.Pick]:
    """Picks from the page: the ticked bank ids, each with the name and number typed beside it."""
    return [
        core.Pick(bid, post.get(f"name_{bid}", "").strip(), post.get(f"number_{bid}", "").strip())
        for bid in post.getlist("pick")
    ]


@transaction.atomic
def pick_into(survey: Survey, picks: list[core.Pick], user=None) -> Outcome:
    """Add the picked bank questions at the end of the survey's current questionnaire (a new
    questionnaire when it has none) as a new version."""
    qv = current_version(survey)
    form = (
        definition_of(qv)
        if qv is not None
        else core.new_questionnaire(survey.code.replace("-", "_"), survey.title)
    )
    try:
        result = core.pick(load_bank([p.bank_id for p in picks]), form, picks)
    except core.BankError as exc:
        raise BankRefused([exc.message]) from exc
    version = _store(survey, result.questionnaire, user, "Chọn câu hỏi từ ngân hàng")
    numbers = [printed_number(result.questionnaire.question(n)) for n in result.added]
    AuditEvent.record(
        "bank.pick",
        version,
        user=user,
        survey=survey,
        new={"questions": numbers, "version": version.version},
    )
    return Outcome(version, [f"Đã thêm câu {n} từ ngân hàng." for n in numbers])


def form_rows(survey: Survey) -> list[dict]:
    """The bankable questions of the current questionnaire, each saying whether it is banked."""
    qv = current_version(survey)
    if qv is None:
        return []
    form = definition_of(qv)
    banked = set(
        BankQuestion.objects.filter(
            bank_id__in=[core.bank_id_of(q) for q in core.bankable(form) if core.bank_id_of(q)]
        ).values_list("bank_id", flat=True)
    )
    return [
        {
            "name": q.name,
            "number": printed_number(q),
            "label": bare_label(q, 120),
            "type": core.type_words(q.type),
            "banked": core.bank_id_of(q) in banked,
        }
        for q in core.bankable(form)
    ]


def bank_rows(survey: Survey, text: str = "") -> list[dict]:
    """The bank entries matching `text` as the page lists them, saying which are in the survey."""
    used = used_in(survey)
    rows = []
    for row in search(text):
        entry = core.BankQuestion.from_dict(row.definition)
        rows.append(
            {
                "key": row.bank_id,
                "name": row.name,
                "number": row.number,
                "label": row.label,
                "type": core.type_words(row.type),
                "choices": [(c.code, c.label()) for c in entry.choices],
                "origin": row.origin,
                "in_form": row.bank_id in used,
            }
        )
    return rows


def used_in(survey: Survey) -> set[str]:
    """Bank ids already in the survey's current questionnaire."""
    qv = current_version(survey)
    if qv is None:
        return set()
    return {core.bank_id_of(q) for q in definition_of(qv).iter_questions() if core.bank_id_of(q)}


def comparison(survey: Survey, surveys, other_code: str) -> dict | None:
    """How the questions of another survey (of `surveys`) line up with this one's (current
    versions): {"other", "summary", "lines"} in plain Vietnamese, or None when either has no
    questionnaire."""
    other = surveys.filter(code=other_code).exclude(pk=survey.pk).first() if other_code else None
    if other is None:
        return None
    mine, theirs = current_version(survey), current_version(other)
    if mine is None or theirs is None:
        return None
    label = f"đợt {other.wave}" if other.wave != survey.wave else other.title
    here = f"đợt {survey.wave}" if other.wave != survey.wave else "khảo sát này"
    m = core.match({label: definition_of(theirs), here: definition_of(mine)})
    head, *lines = m.summary().splitlines()
    return {"other": other, "summary": head, "lines": [line.strip() for line in lines]}

"""The one door every source of responses goes through (keyed entry, spreadsheet import, the
web/tablet form; paper OMR and ODK later).

    submit(survey=, source=, answers=, user=, serial= | instance_id=, unit=, metadata=, ...)

* validates in one place (FormRules.prepare = khaosat.questionnaire.validate.prepare),
* stores atomically with its source and questionnaire version,
* is idempotent: the same serial (per survey) or the same instance UUID never makes two
  responses — the database's unique constraints decide, a lost race is caught and read back,
* never changes a stored response silently: different answers for an existing serial/UUID are
  a `Conflict` unless the caller passes `reason` (a person confirmed); every change is an
  AuditEvent with who and why.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction

from khaosat.capture import serials as S
from khaosat.capture.double_entry import compare, same
from khaosat.capture.errors import SerialError
from khaosat.capture.rules import FormRules, Problem
from khaosat.questionnaire.model import Questionnaire
from khaosat.web.core.models import (
    AuditEvent,
    QuestionnaireVersion,
    Response,
    Survey,
    Unit,
    unit_by_code,
)
from khaosat.web.core.scope import is_unit_scoped

_RULES: dict[tuple[int, str], FormRules] = {}


class DoorError(Exception):
    """A submit the door refuses; `message` is Vietnamese, `status` the HTTP status to answer."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class OutOfScope(DoorError):
    """The serial or unit is not one of the user's units (answered as 404: not revealed)."""

    status = 404


class InvalidAnswers(DoorError):
    """The answers break the questionnaire's rules; `problems` lists each one."""

    status = 422

    def __init__(self, problems: list[Problem]) -> None:
        lines = "; ".join(p.message_vi for p in problems[:5])
        more = f" (và {len(problems) - 5} lỗi khác)" if len(problems) > 5 else ""
        super().__init__(f"Phiếu chưa hợp lệ: {lines}{more}")
        self.problems = problems


class Conflict(DoorError):
    """The serial/UUID is stored with other answers; `diff` lists them. Confirm with a reason."""

    status = 409

    def __init__(self, response: Response, diff: list[dict[str, Any]]) -> None:
        who = response.serial or str(response.instance_id)
        super().__init__(
            f"Phiếu {who} đã có trong hệ thống ({response.get_source_display().lower()}) với "
            f"{len(diff)} câu trả lời khác. Không lưu đè: kiểm tra lại, hoặc xác nhận sửa kèm lý do."
        )
        self.response = response
        self.diff = diff


@dataclass
class SubmitResult:
    """What the door did: the response, whether it was created or changed, and the diff."""

    response: Response
    created: bool
    changed: bool = False
    diff: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def current_version(survey: Survey) -> QuestionnaireVersion | None:
    """The questionnaire version new responses are captured with (the questionnaires area's)."""
    from khaosat.web.questionnaires.services import current_version as current

    return current(survey)


def rules_for(version: QuestionnaireVersion) -> FormRules:
    """The compiled capture rules of a questionnaire version (cached per process)."""
    key = (version.pk, version.sha256)
    rules = _RULES.get(key)
    if rules is None:
        if not version.definition:
            raise DoorError(
                f"Bảng hỏi {version} chưa có mô hình (definition). Nạp lại tệp XLSForm.", status=409
            )
        rules = _RULES[key] = FormRules(Questionnaire.from_dict(version.definition))
    return rules


def parse_instance_id(value: uuid.UUID | str | None) -> uuid.UUID | None:
    """A submission's UUID; ODK's "uuid:..." form is accepted. DoorError when malformed."""
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return value
    text = str(value).strip()
    if text.lower().startswith("uuid:"):
        text = text[5:]
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise DoorError(f"Mã phiếu (instance_id) «{value}» không phải một UUID.") from exc


def diff_answers(
    old: dict[str, Any], new: dict[str, Any], order: list[str]
) -> list[dict[str, Any]]:
    """Changed variables as [{variable, old, new}] in form order."""
    return [
        {"variable": m.variable, "old": m.first, "new": m.second} for m in compare(old, new, order)
    ]


def resolve_unit(
    survey: Survey, serial: str | None, unit: Unit | None, user=None
) -> tuple[str | None, Unit]:
    """The normalised serial and its unit, refusing a serial of a unit outside the user's scope."""
    if serial:
        try:
            code, _n = S.parse(serial)
        except SerialError as exc:
            raise DoorError(exc.message) from exc
        serial = S.normalise(serial)
        if unit is not None and code not in unit.all_codes():
            raise OutOfScope(
                f"Số phiếu {serial} thuộc đơn vị {code}, không phải đơn vị {unit.code} ({unit.name}). "
                "Kiểm tra lại số in trên phiếu."
            )
        if unit is None:
            unit = unit_by_code(survey, code)
            if unit is None:
                raise OutOfScope(
                    f"Số phiếu {serial}: không có đơn vị mã {code} trong khảo sát này. "
                    "Kiểm tra lại số in trên phiếu."
                )
    elif unit is None:
        raise DoorError("Phiếu không có số phiếu thì phải cho biết đơn vị.")
    if user is not None and is_unit_scoped(user):
        if not user.membership.units.filter(pk=unit.pk).exists():
            what = (
                f"Số phiếu {serial} thuộc đơn vị {unit.code}" if serial else f"Đơn vị {unit.code}"
            )
            raise OutOfScope(
                f"{what}, không thuộc các đơn vị của bạn. "
                "Chỉ nhập phiếu của đơn vị mình; chuyển phiếu này cho đơn vị đúng."
            )
    return serial or None, unit


def submit(
    *,
    survey: Survey,
    source: str,
    answers: dict[str, Any],
    user=None,
    serial: str | None = None,
    instance_id: uuid.UUID | str | None = None,
    unit: Unit | None = None,
    questionnaire: QuestionnaireVersion | None = None,
    metadata: dict[str, Any] | None = None,
    reason: str = "",
    accept_problems: bool = False,
    simulated: bool = False,
    on_stored: Callable[[SubmitResult], None] | None = None,
) -> SubmitResult:
    """Validate and store one response idempotently (see module docstring).

    source: a Response.Source value ('keyed', 'import', 'web', 'paper', 'odk', 'simulated').
    serial and/or instance_id identify the form; unit is taken from the serial when omitted.
    metadata (e.g. {"pages": [{"page": 1, "sha256": ...}], "device": ...}) is kept in the
    Submission log. accept_problems stores answers that fail validation (for a review queue)
    and returns the problems; otherwise InvalidAnswers is raised. `reason` allows replacing
    the answers of an existing response (audited); without it a difference raises Conflict.
    on_stored(result) runs inside the same transaction (e.g. to store keyed passes or page
    records with the response): if it raises, nothing is stored.
    Raises DoorError (OutOfScope, InvalidAnswers, Conflict) with a Vietnamese message.
    """
    from khaosat.web.capture.models import Submission

    serial, unit = resolve_unit(survey, serial, unit, user)
    version = questionnaire or current_version(survey)
    if version is None:
        raise DoorError(
            "Khảo sát chưa có bảng hỏi: nạp bảng hỏi (XLSForm) trước khi nhập phiếu.", status=409
        )
    rules = rules_for(version)
    clean, problems = rules.prepare(answers)
    if problems and not accept_problems:
        raise InvalidAnswers(problems)
    iid = parse_instance_id(instance_id)
    order = [f.name for f in rules.fields]
    user_obj = user if getattr(user, "is_authenticated", False) else None

    def existing() -> Response | None:
        qs = (
            Response.objects.select_for_update()
            if transaction.get_connection().in_atomic_block
            else Response.objects
        )
        if serial:
            r = qs.filter(survey=survey, serial=serial).first()
            if r is not None:
                return r
        if iid is not None:
            return qs.filter(instance_id=iid).first()
        return None

    def settle(r: Response) -> SubmitResult:
        if r.survey_id != survey.pk or r.unit_id != unit.pk:
            # Another unit's (or survey's) key: answered as "not found", saying nothing of it.
            raise OutOfScope(
                f"Không có phiếu mã {iid or serial} trong đơn vị {unit.code}. "
                "Kiểm tra lại mã phiếu; phiếu mới thì để máy tạo mã mới."
            )
        if serial and r.serial and r.serial != serial:
            raise DoorError(
                f"Mã phiếu {iid} đã dùng cho phiếu {r.serial} khác. Tạo phiếu mới.",
                status=409,
            )
        diff = diff_answers(r.answers, clean, order)
        if not diff:
            return SubmitResult(r, created=False, problems=problems)
        if not reason:
            raise Conflict(r, diff)
        r.answers = clean
        r.save(update_fields=["answers", "updated_at"])
        AuditEvent.record(
            "response.change",
            r,
            user=user_obj,
            survey=survey,
            unit=r.unit,
            old={d["variable"]: d["old"] for d in diff},
            new={d["variable"]: d["new"] for d in diff},
            reason=reason,
        )
        Submission.objects.create(
            response=r, source=source, user=user_obj, created=False, metadata=metadata or {}
        )
        return SubmitResult(r, created=False, changed=True, diff=diff, problems=problems)

    def store() -> SubmitResult:
        # Insert first: the unique constraints (survey+serial, instance_id) decide; a repeat or
        # a lost race lands in the except branch and is settled against the stored response.
        try:
            with transaction.atomic():
                r = Response.objects.create(
                    survey=survey,
                    unit=unit,
                    questionnaire=version,
                    serial=serial,
                    instance_id=iid or uuid.uuid4(),
                    source=source,
                    simulated=simulated or source == Response.Source.SIMULATED,
                    answers=clean,
                    created_by=user_obj,
                )
                Submission.objects.create(
                    response=r, source=source, user=user_obj, created=True, metadata=metadata or {}
                )
        except IntegrityError:
            r = existing()
            if r is None:
                raise
            return settle(r)
        return SubmitResult(r, created=True, problems=problems)

    with write_transaction():
        result = store()
        if on_stored is not None:
            on_stored(result)
        if result.created:  # every new form is an event (who, when, which source and version)
            r = result.response
            AuditEvent.record(
                "response.create",
                r,
                user=user_obj,
                survey=survey,
                unit=unit,
                new={
                    "serial": r.serial,
                    "instance_id": str(r.instance_id),
                    "source": source,
                    "questionnaire": version.version,
                    "answers_sha256": hashlib.sha256(
                        json.dumps(clean, sort_keys=True, default=str).encode()
                    ).hexdigest(),
                },
            )
    return result


_SQLITE_WRITER = threading.Lock()


@contextmanager
def write_transaction(attempts: int = 5):
    """transaction.atomic() for a short write; on SQLite one writer per process at a time.

    SQLite has a single writer; its busy handler polls and can starve a waiter under many
    threads, so writers queue on a process lock instead (other processes still rely on the
    busy timeout). Keep validation and other reads outside this block.
    """
    if connection.vendor != "sqlite":
        with transaction.atomic():
            yield
        return
    if connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    # The lock is let go as soon as the transaction commits, before its on_commit callbacks
    # (quality flags) run: they must not keep the next writer waiting.
    _SQLITE_WRITER.acquire()
    held = [True]

    def release() -> None:
        if held[0]:
            held[0] = False
            _SQLITE_WRITER.release()

    try:
        with transaction.atomic():
            transaction.on_commit(release)
            yield
    finally:
        release()


def same_answers(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two answer sets are the same (multiple-choice order ignored)."""
    return all(same(a.get(k), b.get(k)) for k in set(a) | set(b))

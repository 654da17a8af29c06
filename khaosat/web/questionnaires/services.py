"""Store an uploaded XLSForm as a questionnaire version: read, check, convert, then save.

Nothing is saved unless the form has no error; a version with responses is never changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import transaction

from khaosat.questionnaire.errors import Issue, QuestionnaireError
from khaosat.questionnaire.model import Questionnaire
from khaosat.web.core.models import AuditEvent, QuestionnaireVersion, Survey


@dataclass
class UploadResult:
    version: QuestionnaireVersion | None
    issues: list[Issue] = field(default_factory=list)
    replaced: bool = False

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]


_CHECKED: dict[str, tuple[dict | None, list[Issue]]] = {}


def check_bytes(data: bytes, filename: str) -> tuple[Questionnaire | None, list[Issue]]:
    """Read and check a form (errors and warnings with places); None when unreadable.

    Checking runs pyxform (about a second); the verdict of the same bytes is kept per process.
    """
    from khaosat.questionnaire import check as checker

    key = hashlib.sha256(data).hexdigest() + filename
    if key not in _CHECKED:
        q, issues = checker.check_source(data, filename)
        _CHECKED[key] = (q.to_dict() if q is not None else None, issues)
    qd, issues = _CHECKED[key]
    return (Questionnaire.from_dict(qd) if qd is not None else None), list(issues)


def definition_of(version: QuestionnaireVersion) -> Questionnaire:
    return Questionnaire.from_dict(version.definition)


@transaction.atomic
def store_upload(
    survey: Survey, data: bytes, filename: str, user=None, note: str = ""
) -> UploadResult:
    """Check the form; save it as a new version when it has no error."""
    try:
        q, issues = check_bytes(data, filename)
    except QuestionnaireError as exc:
        return UploadResult(None, [Issue("error", exc.message, exc.place)])
    if q is None or any(i.is_error for i in issues):
        return UploadResult(None, issues)
    version = q.version or hashlib.sha256(data).hexdigest()[:8]
    existing = survey.questionnaires.select_for_update().filter(version=version).first()
    if existing is not None and existing.locked:
        return UploadResult(
            None,
            issues
            + [
                Issue(
                    "error",
                    f"Phiên bản «{version}» đã có phiếu trả lời nên đã bị khóa. Hãy tăng giá trị version "
                    "trong trang settings rồi tải lên lại: thay đổi sẽ thành một phiên bản mới.",
                    None,
                )
            ],
        )
    digest = hashlib.sha256(data).hexdigest()
    fields = {
        "form_id": q.form_id or "",
        "title": q.title or "",
        "xlsform": data,
        "filename": filename,
        "sha256": digest,
        "definition": q.to_dict(),
        "note": note,
    }
    if existing is not None:
        old = {"sha256": existing.sha256}
        for k, v in fields.items():
            setattr(existing, k, v)
        existing.created_by = user
        existing.save()
        AuditEvent.record(
            "questionnaire.replace",
            existing,
            user=user,
            survey=survey,
            old=old,
            new={"version": version, "sha256": digest, "filename": filename},
        )
        return UploadResult(existing, issues, replaced=True)
    qv = QuestionnaireVersion.objects.create(
        survey=survey, version=version, created_by=user, **fields
    )
    AuditEvent.record(
        "questionnaire.create",
        qv,
        user=user,
        survey=survey,
        new={"version": version, "sha256": digest, "filename": filename},
    )
    return UploadResult(qv, issues)


def current_version(survey: Survey) -> QuestionnaireVersion | None:
    return survey.questionnaires.order_by("-created_at", "-id").first()

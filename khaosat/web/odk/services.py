"""ODK Collect over OpenRosa: which forms a device sees, the XForm it downloads, device tokens,
and receiving one submission through capture's door (source odk, the instanceID as the key).

Outcomes of a submission (`receive`), as ODK Central answers them:
* 201: stored; also an identical resend (nothing new is stored) and an edit (<orx:deprecatedID>)
  that became an audited change of the response it replaces;
* 409: the instanceID is stored with other answers: nothing is stored;
* 400 (or the door's status): refused — the XML and its files are kept in the quarantine,
  where a manager sees the Vietnamese problems and decides. Nothing sent is lost.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import secrets
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from khaosat.capture import openrosa as OR
from khaosat.questionnaire.model import Questionnaire
from khaosat.questionnaire.xlsform import to_xform
from khaosat.web.capture import door
from khaosat.web.core.models import AuditEvent, QuestionnaireVersion, Response, Survey, Unit
from khaosat.web.odk.models import Attachment, DeviceToken, InstanceAlias, Quarantine, token_hash

MAX_SUBMISSION = 10 * 1024 * 1024  # X-OpenRosa-Accept-Content-Length: Collect splits above it
_XFORMS: dict[tuple[int, str, str, str], bytes] = {}


# -- forms ------------------------------------------------------------------------------------


def open_versions(survey: Survey) -> list[QuestionnaireVersion]:
    """Questionnaire versions open for capture: the newest version of each form id, while the
    survey is not reported. Older versions still accept the forms filled with them."""
    if survey.status == Survey.Status.REPORTED:
        return []
    out: dict[str, QuestionnaireVersion] = {}
    for v in survey.questionnaires.order_by("-created_at", "-id"):
        if not v.definition:
            continue
        out.setdefault(form_id_of(v), v)
    return list(out.values())


def form_id_of(version: QuestionnaireVersion) -> str:
    return version.form_id or version.survey.code


def xform_bytes(version: QuestionnaireVersion) -> bytes:
    """The XForm served for a version (pyxform), with id and version equal to the stored ones.

    Cached per process: the md5 in the form list is the md5 of exactly these bytes.
    """
    key = (version.pk, version.sha256, form_id_of(version), version.version)
    data = _XFORMS.get(key)
    if data is None:
        q = Questionnaire.from_dict(version.definition)
        q.form_id = form_id_of(version)
        q.version = version.version
        if not q.title:
            q.title = version.title or version.survey.title
        data = _XFORMS[key] = to_xform(q).encode("utf-8")
    return data


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


# -- device tokens ----------------------------------------------------------------------------


def issue_token(survey: Survey, unit: Unit, name: str, user=None) -> tuple[DeviceToken, str]:
    """A new device token for one unit of one survey; the token itself is returned only here."""
    token = secrets.token_urlsafe(24)
    device = DeviceToken.objects.create(
        survey=survey,
        unit=unit,
        name=name.strip()[:100],
        token_hash=token_hash(token),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    AuditEvent.record(
        "odk.device.issue", device, user=user, survey=survey, unit=unit, new={"name": device.name}
    )
    return device, token


def revoke(device: DeviceToken, user=None) -> None:
    if device.revoked_at is not None:
        return
    device.revoked_at = timezone.now()
    device.revoked_by = user if getattr(user, "is_authenticated", False) else None
    device.save(update_fields=["revoked_at", "revoked_by"])
    AuditEvent.record(
        "odk.device.revoke",
        device,
        user=user,
        survey=device.survey,
        unit=device.unit,
        old={"name": device.name},
    )


def device_for(survey: Survey, token: str) -> DeviceToken | None:
    """The device of a token on this survey (revoked ones too: the caller refuses them)."""
    if not token or len(token) > 128:
        return None
    return (
        DeviceToken.objects.select_related("unit", "survey")
        .filter(survey=survey, token_hash=token_hash(token))
        .first()
    )


def device_rows(survey: Survey, units) -> list[DeviceToken]:
    """The survey's devices of these units, for the progress page (last submission first)."""
    return list(
        DeviceToken.objects.filter(survey=survey, unit__in=units)
        .select_related("unit")
        .order_by(F("last_submission_at").desc(nulls_last=True), "unit__code", "name")
    )


# -- files ------------------------------------------------------------------------------------


def files_dir() -> Path:
    return Path(settings.DATA_DIR) / "odk"


def blob_path(sha256: str) -> Path:
    """Where a file sent with a form lives: DATA_DIR/odk/<sha[:2]>/<sha>."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a sha256")
    return files_dir() / sha256[:2] / sha256


def store_blob(data: bytes) -> str:
    """Store bytes under their SHA-256 (written once, atomically); returns the hash."""
    sha = hashlib.sha256(data).hexdigest()
    path = blob_path(sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return sha


@dataclass
class Part:
    """One file part of the multipart submission (other than xml_submission_file)."""

    name: str
    data: bytes
    content_type: str = ""

    @property
    def safe_type(self) -> str:
        guess = self.content_type or mimetypes.guess_type(self.name)[0] or ""
        return guess[:100]


# -- receiving --------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What to answer Collect: HTTP status and the Vietnamese message of the OpenRosa reply."""

    status: int
    message: str
    response: Response | None = None
    created: bool = False
    changed: bool = False
    quarantine: Quarantine | None = None
    problems: list[dict[str, str]] = field(default_factory=list)


def _quarantine(
    survey: Survey,
    xml: bytes,
    parts: list[Part],
    message: str,
    *,
    unit: Unit | None,
    device: DeviceToken | None,
    user,
    inst: OR.Instance | None = None,
    problems: list[dict[str, str]] | None = None,
    status: int = 400,
) -> Outcome:
    sha = hashlib.sha256(xml).hexdigest()
    files = [
        {
            "name": p.name[:255],
            "sha256": store_blob(p.data),
            "size": len(p.data),
            "content_type": p.safe_type,
        }
        for p in parts
    ]
    fields = {
        "unit": unit,
        "device": device,
        "user": user if getattr(user, "is_authenticated", False) else None,
        "instance_id": (inst.instance_id if inst else "")[:64],
        "form_id": (inst.form_id if inst else "")[:128],
        "version": (inst.version if inst else "")[:64],
        "xml": xml,
        "message": message,
        "problems": problems or [],
    }
    with transaction.atomic():
        q = Quarantine.objects.select_for_update().filter(survey=survey, sha256=sha).first()
        if q is None:
            try:
                with transaction.atomic():
                    q = Quarantine.objects.create(survey=survey, sha256=sha, files=files, **fields)
            except IntegrityError:
                q = Quarantine.objects.select_for_update().get(survey=survey, sha256=sha)
            else:
                return Outcome(status, message, quarantine=q, problems=problems or [])
        known = {f["name"] for f in q.files}
        q.files = q.files + [f for f in files if f["name"] not in known]
        q.times = F("times") + 1
        q.received_at = timezone.now()
        q.message = message
        q.problems = problems or []
        q.save(update_fields=["files", "times", "received_at", "message", "problems"])
        q.refresh_from_db()
    return Outcome(status, message, quarantine=q, problems=problems or [])


def _find(survey: Survey, iid: uuid.UUID) -> Response | None:
    r = Response.objects.filter(survey=survey, instance_id=iid).select_related("unit").first()
    if r is None:
        alias = InstanceAlias.objects.filter(instance_id=iid, response__survey=survey).first()
        r = alias.response if alias else None
    return r


def receive(
    survey: Survey,
    xml: bytes,
    parts: list[Part],
    *,
    unit: Unit,
    device: DeviceToken | None = None,
    user=None,
    client_device_id: str = "",
    accept_problems: bool = False,
) -> Outcome:
    """Read one OpenRosa submission and store it through the door (see the module docstring).

    The unit is always the caller's (the device token's), never anything in the form.
    """

    def refuse(message, **kw) -> Outcome:
        return _quarantine(survey, xml, parts, message, unit=unit, device=device, user=user, **kw)

    try:
        inst = OR.parse_instance(xml)
    except OR.InstanceError as exc:
        return refuse(exc.message)
    if survey.status == Survey.Status.REPORTED:
        return refuse(
            "Khảo sát đã kết thúc (đã báo cáo), không nhận thêm phiếu. Báo người quản lý khảo sát.",
            inst=inst,
            status=403,
        )
    version = next(
        (
            v
            for v in survey.questionnaires.filter(version=inst.version)
            if form_id_of(v) == inst.form_id
        ),
        None,
    )
    if version is None or not version.definition:
        return refuse(
            f"Bảng hỏi «{inst.form_id}» phiên bản «{inst.version}» không có trong khảo sát này. "
            "Trên máy, chọn «Tải mẫu phiếu» để lấy bảng hỏi đang dùng; phiếu này được giữ lại "
            "để người quản lý xem.",
            inst=inst,
        )
    try:
        iid = door.parse_instance_id(inst.instance_id)
        dep = door.parse_instance_id(inst.deprecated_id) if inst.deprecated_id else None
    except door.DoorError as exc:
        return refuse(exc.message, inst=inst)
    reading = OR.instance_answers(door.rules_for(version).questionnaire, inst)
    if reading.problems:
        probs = [{"variable": v, "message": m} for v, m in reading.problems]
        return refuse(
            "Phiếu chưa nhận được: " + "; ".join(m for _v, m in reading.problems),
            inst=inst,
            problems=probs,
        )

    # Which stored response this instance is (a resend, an edit of one, or none).
    target = _find(survey, iid)
    reason = ""
    if target is None and dep is not None:
        target = _find(survey, dep)
        if target is not None:
            reason = (
                f"Sửa trên ODK Collect ({device.name if device else getattr(user, 'username', '')}): "
                f"bản {iid} thay bản {dep}"
            )
    if target is not None and target.unit_id != unit.pk:
        if reason:
            return refuse(
                "Phiếu gốc của bản sửa này không thuộc đơn vị của thiết bị. Không sửa được; "
                "phiếu được giữ lại để người quản lý xem.",
                inst=inst,
            )
        return Outcome(409, f"Mã phiếu {iid} đã được dùng cho một phiếu khác. Không lưu.")
    key = target.instance_id if target is not None else iid

    files_by_name = {p.name: p for p in parts}
    question_of = {fname: qname for qname, fname in reading.files.items()}
    metadata: dict[str, Any] = {
        "odk": {k: v for k, v in reading.metadata.items()},
        "instance_id": str(iid),
        "form_id": inst.form_id,
        "form_version": inst.version,
    }
    if dep is not None:
        metadata["deprecated_id"] = str(dep)
    if device is not None:
        metadata["device"] = device.name
        metadata["device_token"] = device.pk
    if client_device_id:
        metadata["client_device_id"] = client_device_id[:200]
    referenced = [files_by_name[f] for f in reading.files.values() if f in files_by_name]
    metadata["files"] = [p.name for p in referenced]
    # Photos of the paper form show on the review page like scanned pages.
    photos = [p for p in referenced if p.safe_type.startswith("image/")]
    if photos:
        from django.urls import reverse

        metadata["pages"] = [
            {
                "page": n,
                "sha256": (sha := hashlib.sha256(p.data).hexdigest()),
                "url": reverse("odk_attachment", args=[survey.code, sha]),
                "source": p.name,
            }
            for n, p in enumerate(photos, start=1)
        ]

    def on_stored(result: door.SubmitResult) -> None:
        r = result.response
        for p in referenced:
            sha = store_blob(p.data)
            Attachment.objects.get_or_create(
                instance_id=iid,
                filename=p.name[:255],
                defaults={
                    "response": r,
                    "question": question_of.get(p.name, "")[:64],
                    "sha256": sha,
                    "size": len(p.data),
                    "content_type": p.safe_type,
                },
            )
        if iid != r.instance_id:
            InstanceAlias.objects.get_or_create(instance_id=iid, defaults={"response": r})
        if device is not None:
            DeviceToken.objects.filter(pk=device.pk).update(
                last_submission_at=timezone.now(), submissions=F("submissions") + 1
            )

    try:
        result = door.submit(
            survey=survey,
            source=Response.Source.ODK,
            answers=reading.answers,
            user=user,
            instance_id=key,
            unit=unit,
            questionnaire=version,
            metadata=metadata,
            reason=reason,
            accept_problems=accept_problems,
            on_stored=on_stored,
        )
    except door.Conflict as exc:
        return Outcome(
            409,
            f"Phiếu {iid} đã được nhận trước đó với {len(exc.diff)} câu trả lời khác. Không lưu "
            "đè và không lưu thêm gì. Báo người quản lý khảo sát nếu cần sửa phiếu này.",
        )
    except door.InvalidAnswers as exc:
        probs = [{"variable": p.variable, "message": p.message_vi} for p in exc.problems]
        return refuse(exc.message, inst=inst, problems=probs)
    except door.DoorError as exc:
        return refuse(exc.message, inst=inst, status=exc.status if exc.status < 500 else 400)
    if result.created:
        msg = "Đã nhận phiếu."
    elif result.changed:
        msg = "Đã nhận bản sửa của phiếu."
    else:
        msg = "Phiếu này đã nhận trước đó; không lưu thêm."
    return Outcome(
        201, msg, response=result.response, created=result.created, changed=result.changed
    )


# -- the quarantine -----------------------------------------------------------------------


def accept_quarantined(item: Quarantine, user, note: str = "") -> Outcome:
    """A manager takes a refused submission in anyway: stored with its problems (source odk,
    status entered) so the review queue flags it; the item records who and why."""
    if item.unit is None:
        return Outcome(400, "Phiếu này không gắn với đơn vị nào nên không nhận vào được.")
    parts = []
    for f in item.files:
        path = blob_path(f["sha256"])
        if path.exists():
            parts.append(Part(f["name"], path.read_bytes(), f.get("content_type", "")))
    out = receive(
        item.survey,
        bytes(item.xml),
        parts,
        unit=item.unit,
        device=item.device,
        user=user,
        accept_problems=True,
    )
    if out.status != 201 or out.response is None:
        return out
    item.status = Quarantine.Status.STORED
    item.response = out.response
    item.decided_by = user
    item.decided_at = timezone.now()
    item.note = note
    item.save(update_fields=["status", "response", "decided_by", "decided_at", "note"])
    AuditEvent.record(
        "odk.quarantine.store",
        item,
        user=user,
        survey=item.survey,
        unit=item.unit,
        new={"response": out.response.pk, "problems": item.problems},
        reason=note,
    )
    return out


def dismiss_quarantined(item: Quarantine, user, note: str) -> None:
    item.status = Quarantine.Status.DISMISSED
    item.decided_by = user
    item.decided_at = timezone.now()
    item.note = note
    item.save(update_fields=["status", "decided_by", "decided_at", "note"])
    AuditEvent.record(
        "odk.quarantine.dismiss",
        item,
        user=user,
        survey=item.survey,
        unit=item.unit,
        reason=note,
    )

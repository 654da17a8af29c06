"""The proof of the audit log.

* Every event's hash is an HMAC-SHA256, with a key kept outside the database (the file
  `audit_key` beside `secret_key` in the data directory), over everything in the row: user
  (id and name), time, action, object, survey, unit, old, new, why and the previous hash.
  Someone who can write to the database but not read the key cannot forge or re-chain events.
* After each batch of events (each committed transaction that recorded some) a checkpoint of
  the head — how many events, the last one's id and hash, signed with the same key — is
  appended to a file in the data directory (`audit/checkpoints.log`). Deleting the newest
  events therefore shows: a checkpoint names more events than the database still has.
* `verify()` checks the chain and every checkpoint and names the first bad event. The audit
  page and `khaosat audit verify` both use it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from khaosat.report.vn import fmt_int

log = logging.getLogger(__name__)

GENESIS = "0" * 64


class AuditKeyMissing(Exception):
    """The key file is absent or unreadable: the chain cannot be proved."""


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def key() -> bytes:
    """The audit key (settings.KHAOSAT_AUDIT_KEY, read from the data directory at start-up)."""
    from django.conf import settings

    k = getattr(settings, "KHAOSAT_AUDIT_KEY", "") or ""
    if not k:
        raise AuditKeyMissing(
            "Không có khóa nhật ký (tệp audit_key trong thư mục dữ liệu): không chứng minh được "
            "nhật ký. Khôi phục tệp này từ bản sao lưu."
        )
    return k.encode() if isinstance(k, str) else k


def payload(
    *,
    at,
    user_id,
    username: str,
    action: str,
    object_type: str,
    object_id: str,
    survey_id,
    unit_id,
    old,
    new,
    reason: str,
    prev_hash: str,
) -> bytes:
    """The bytes an event's hash covers: every column of the row but its own hash and id."""
    return _canonical(
        {
            "v": 2,
            "at": at.isoformat(),
            "user": user_id,
            "username": username,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "survey": survey_id,
            "unit": unit_id,
            "old": old,
            "new": new,
            "reason": reason,
            "prev": prev_hash,
        }
    ).encode()


def payload_of(ev, prev_hash: str | None = None) -> bytes:
    """payload() of an AuditEvent row (a model or a migration's historical model)."""
    return payload(
        at=ev.at,
        user_id=ev.user_id,
        username=ev.username,
        action=ev.action,
        object_type=ev.object_type,
        object_id=ev.object_id,
        survey_id=ev.survey_id,
        unit_id=ev.unit_id,
        old=ev.old,
        new=ev.new,
        reason=ev.reason,
        prev_hash=ev.prev_hash if prev_hash is None else prev_hash,
    )


def sign(data: bytes, k: bytes | None = None) -> str:
    return hmac.new(k if k is not None else key(), data, hashlib.sha256).hexdigest()


def legacy_hash(ev) -> str:
    """The unkeyed SHA-256 of events written before the keyed chain (for the migration)."""
    return hashlib.sha256(
        _canonical(
            {
                "at": ev.at.isoformat(),
                "username": ev.username,
                "action": ev.action,
                "object_type": ev.object_type,
                "object_id": ev.object_id,
                "survey": ev.survey_id,
                "unit": ev.unit_id,
                "old": ev.old,
                "new": ev.new,
                "reason": ev.reason,
                "prev": ev.prev_hash,
            }
        ).encode()
    ).hexdigest()


# -- checkpoints --------------------------------------------------------------------------------


def checkpoint_file() -> Path:
    from django.conf import settings

    return Path(settings.KHAOSAT_AUDIT_CHECKPOINTS)


def _checkpoint_mac(n: int, last_id: int, head: str, at: str, k: bytes) -> str:
    return sign(f"checkpoint:{n}:{last_id}:{head}:{at}".encode(), k)


def append_checkpoint(n: int, last_id: int, head: str, at: str, path: Path | None = None) -> None:
    """Append one signed checkpoint line (O_APPEND: concurrent writers never interleave)."""
    path = path or checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    line = _canonical(
        {
            "n": n,
            "id": last_id,
            "hash": head,
            "at": at,
            "mac": _checkpoint_mac(n, last_id, head, at, key()),
        }
    )
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def _events():
    """The AuditEvent model, by its label: the model signs with this module, so this module
    does not import the models module back (no import cycle)."""
    from django.apps import apps

    return apps.get_model("core", "AuditEvent")


def write_checkpoint() -> None:
    """Checkpoint the committed head of the log. Never fails the caller (logged instead)."""
    from django.db.models import Count, Max
    from django.utils import timezone

    AuditEvent = _events()
    try:
        agg = AuditEvent.objects.aggregate(n=Count("id"), last=Max("id"))
        if not agg["n"]:
            return
        head = AuditEvent.objects.filter(pk=agg["last"]).values_list("hash", flat=True).first()
        append_checkpoint(agg["n"], agg["last"], head, timezone.now().isoformat())
    except Exception:  # noqa: BLE001 - the events are committed; a later batch checkpoints again
        log.exception("Không ghi được điểm kiểm tra nhật ký")


write_checkpoint.audit_checkpoint = True  # type: ignore[attr-defined]


def schedule_checkpoint() -> None:
    """Checkpoint once when the current transaction commits (one per batch of events)."""
    from django.db import transaction

    conn = transaction.get_connection()
    if any(getattr(f, "audit_checkpoint", False) for _s, f, _r in conn.run_on_commit):
        return
    transaction.on_commit(write_checkpoint)


@dataclass(frozen=True)
class Checkpoint:
    line: int
    n: int
    id: int
    hash: str
    at: str


def read_checkpoints(
    path: Path | None = None, k: bytes | None = None
) -> tuple[list[Checkpoint], list[int]]:
    """The checkpoints of the file, and the line numbers that are not valid signed ones."""
    path = path or checkpoint_file()
    if not path.exists():
        return [], []
    k = k if k is not None else key()
    good, bad = [], []
    with path.open("rb") as f:
        for i, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                d = json.loads(raw)
                cp = Checkpoint(i, int(d["n"]), int(d["id"]), str(d["hash"]), str(d["at"]))
                ok = hmac.compare_digest(
                    str(d["mac"]), _checkpoint_mac(cp.n, cp.id, cp.hash, cp.at, k)
                )
            except (ValueError, KeyError, TypeError):
                ok = False
            if ok:
                good.append(cp)
            else:
                bad.append(i)
    return good, bad


# -- verification -------------------------------------------------------------------------------


@dataclass
class Verdict:
    """The outcome of verify(): ok, how much was checked, and the first bad event if any."""

    ok: bool
    events: int = 0
    checkpoints: int = 0
    message: str = ""
    event: Any = None  # the first bad AuditEvent when there is one
    event_id: int | None = None  # its id (also when the event itself was deleted)
    notes: list[str] = field(default_factory=list)


def _describe(ev) -> str:
    from django.utils import timezone

    return f"sự kiện số {ev.pk} ({ev.action}, {timezone.localtime(ev.at):%d/%m/%Y %H:%M:%S})"


def verify(events: Iterable | None = None, checkpoints_path: Path | None = None) -> Verdict:
    """Check the keyed chain of every event and every checkpoint; name the first bad event."""
    AuditEvent = _events()

    try:
        k = key()
    except AuditKeyMissing as exc:
        return Verdict(False, message=str(exc))
    cps, bad_lines = read_checkpoints(checkpoints_path, k)
    path = checkpoints_path or checkpoint_file()
    if bad_lines:
        return Verdict(
            False,
            checkpoints=len(cps),
            message=(
                f"Tệp điểm kiểm tra {path} có dòng {bad_lines[0]} không đúng chữ ký: tệp đã bị "
                "sửa. Đối chiếu với điểm kiểm tra trong bản sao lưu."
            ),
        )
    by_n: dict[int, list[Checkpoint]] = {}
    for cp in cps:
        by_n.setdefault(cp.n, []).append(cp)
    events = events if events is not None else AuditEvent.objects.order_by("id").iterator()
    prev, n = GENESIS, 0
    for ev in events:
        n += 1
        if ev.prev_hash != prev:
            return Verdict(
                False,
                n - 1,
                len(cps),
                f"Chuỗi nhật ký đứt tại {_describe(ev)}: sự kiện liền "
                "trước đã bị xóa, chèn hoặc sửa.",
                ev,
                ev.pk,
            )
        if not hmac.compare_digest(ev.hash, sign(payload_of(ev), k)):
            return Verdict(
                False,
                n - 1,
                len(cps),
                f"Mã băm không khớp tại {_describe(ev)}: nội dung sự kiện đã bị sửa.",
                ev,
                ev.pk,
            )
        for cp in by_n.get(n, ()):
            if cp.id != ev.pk or cp.hash != ev.hash:
                return Verdict(
                    False,
                    n - 1,
                    len(cps),
                    f"Điểm kiểm tra lúc {_at(cp.at)} ghi sự kiện thứ "
                    f"{fmt_int(n)} là số {cp.id}, nay là {_describe(ev)}: nhật ký đã bị xóa bớt hoặc "
                    "viết lại.",
                    ev,
                    ev.pk,
                )
        prev = ev.hash
    if cps:
        last = max(cps, key=lambda c: c.n)
        if last.n > n:
            return Verdict(
                False,
                n,
                len(cps),
                f"Thiếu sự kiện: điểm kiểm tra lúc {_at(last.at)} ghi "
                f"{fmt_int(last.n)} sự kiện (sự kiện cuối số {last.id}), nay chỉ còn {fmt_int(n)}. "
                f"Các sự kiện mới nhất, từ sự kiện thứ {fmt_int(n + 1)}, đã bị xóa.",
                None,
                last.id,
            )
    verdict = Verdict(
        True,
        n,
        len(cps),
        f"Nhật ký toàn vẹn: {fmt_int(n)} sự kiện khớp chuỗi mã "
        f"băm có khóa và {fmt_int(len(cps))} điểm kiểm tra.",
    )
    if not cps and n:
        verdict.notes.append(f"Chưa có điểm kiểm tra nào ({path}).")
    return verdict


def _at(iso: str) -> str:
    import datetime as dt

    from django.utils import timezone

    try:
        return f"{timezone.localtime(dt.datetime.fromisoformat(iso)):%d/%m/%Y %H:%M:%S}"
    except ValueError:
        return iso

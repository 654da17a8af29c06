"""Spreadsheet import of one unit's forms: check an upload into a batch, store its valid rows
through the door, apply confirmed changes. The views only load, call these and say the result.

A batch with any problem is refused whole (nothing is stored) unless a survey manager imports
its valid rows; rows whose serial is already stored with other answers are changes, applied
only with a reason. Every step is audited.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import transaction

from khaosat.capture import spreadsheet as sheet
from khaosat.web.capture import door
from khaosat.web.capture.models import ImportBatch
from khaosat.web.core.models import AuditEvent, QuestionnaireVersion, Response, Survey, Unit


@dataclass
class Stored:
    """How many forms a step stored, and the rows it had to leave (Vietnamese, one a line)."""

    count: int = 0
    warnings: list[str] = field(default_factory=list)


def classify(survey: Survey, rows: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    """Split valid rows into new, unchanged and changed (against stored responses)."""
    serial_list = [r["serial"] for r in rows]
    stored = {r.serial: r for r in Response.objects.filter(survey=survey, serial__in=serial_list)}
    new, unchanged, changed = [], [], []
    for row in rows:
        r = stored.get(row["serial"])
        if r is None:
            new.append(row)
            continue
        diff = door.diff_answers(r.answers, row["answers"], list(row["answers"]) + list(r.answers))
        if diff:
            changed.append({**row, "diff": diff, "source": r.get_source_display()})
        else:
            unchanged.append(row)
    return new, unchanged, changed


def store_rows(batch: ImportBatch, rows: list[dict], user) -> Stored:
    """Submit rows of a batch through the door; a row the door refuses is left with a warning."""
    out = Stored()
    for row in rows:
        try:
            res = door.submit(
                survey=batch.survey,
                source=Response.Source.IMPORT,
                answers=row["answers"],
                user=user,
                serial=row["serial"],
                unit=batch.unit,
                metadata={"batch": batch.pk, "row": row["row"], "file": batch.filename},
            )
        except door.Conflict:
            continue  # someone stored it meanwhile: shown as a change on the next upload
        except door.DoorError as exc:  # e.g. the questionnaire changed since the check
            out.warnings.append(f"Dòng {row['row']} ({row['serial']}): {exc.message}")
            continue
        out.count += int(res.created)
    return out


def receive(
    survey: Survey,
    unit: Unit,
    version: QuestionnaireVersion,
    data: bytes,
    filename: str,
    user,
) -> tuple[ImportBatch, Stored]:
    """Check an upload and record it as a batch; a batch without problems is stored at once.

    Raises SpreadsheetError (a Vietnamese message) when the file cannot be read at all."""
    check = sheet.check_upload(data, filename, door.rules_for(version), unit.code, unit.all_codes())
    rows = [{"row": r.row, "serial": r.serial, "answers": r.answers} for r in check.valid_rows]
    new, unchanged, changed = classify(survey, rows)
    problems = [p.to_dict() | {"text": str(p)} for p in check.problems]
    bad_rows = len({p["row"] for p in problems if p["row"]})
    stored = Stored()
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            survey=survey,
            unit=unit,
            filename=filename[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            rows=new,
            problems=problems,
            changes=changed,
            created_by=user,
            counts={
                "filled": len(check.rows),
                "blank": check.blank_rows,
                "valid": len(rows),
                "invalid": bad_rows,
                "new": len(new),
                "unchanged": len(unchanged),
                "changed": len(changed),
                "imported": 0,
            },
        )
        if not problems:
            if new:
                stored = store_rows(batch, new, user)
                batch.counts["imported"] = stored.count
            batch.status = ImportBatch.Status.IMPORTED
            batch.save(update_fields=["counts", "status"])
        AuditEvent.record(
            "import.upload",
            batch,
            user=user,
            survey=survey,
            unit=unit,
            new=batch.counts | {"file": batch.filename, "sha256": batch.sha256},
        )
    return batch, stored


def import_valid_rows(batch: ImportBatch, user, reason: str = "") -> Stored:
    """A manager's decision: store the valid rows of a refused batch (the rest left to fix)."""
    with transaction.atomic():
        stored = store_rows(batch, batch.rows, user)
        batch.counts["imported"] = stored.count
        batch.status = ImportBatch.Status.PARTIAL
        batch.save(update_fields=["counts", "status"])
        AuditEvent.record(
            "import.partial",
            batch,
            user=user,
            survey=batch.survey,
            unit=batch.unit,
            new={"imported": stored.count, "left_to_fix": batch.counts.get("invalid", 0)},
            reason=reason,
        )
    return stored


def apply_changes(batch: ImportBatch, user, reason: str) -> int:
    """Replace stored answers by the batch's changed rows (with the reason); how many changed."""
    done = 0
    with transaction.atomic():
        for ch in batch.changes:
            if ch.get("applied"):
                continue
            res = door.submit(
                survey=batch.survey,
                source=Response.Source.IMPORT,
                answers=ch["answers"],
                user=user,
                serial=ch["serial"],
                unit=batch.unit,
                reason=f"Nhập lại từ tệp {batch.filename}, dòng {ch['row']}: {reason}",
                metadata={"batch": batch.pk, "row": ch["row"]},
            )
            ch["applied"] = True
            done += int(res.changed)
        batch.save(update_fields=["changes"])
    return done

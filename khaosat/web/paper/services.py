"""The paper area's work on the server: layouts per questionnaire version, content-addressed
scan files, printed-serial bookkeeping, and turning read forms into review items or responses
(through capture's door)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from khaosat.paper import FormLayout, FormResult, compute_layout
from khaosat.questionnaire.model import Questionnaire
from khaosat.web.core.models import AuditEvent, QuestionnaireVersion, Survey, Unit, unit_by_code
from khaosat.web.core.scope import is_unit_scoped

_LAYOUTS: dict[tuple[int, str], FormLayout] = {}


def layout_for(version: QuestionnaireVersion) -> FormLayout:
    """The printed layout of a questionnaire version (deterministic; cached per process)."""
    key = (version.pk, version.sha256)
    lay = _LAYOUTS.get(key)
    if lay is None:
        lay = _LAYOUTS[key] = compute_layout(Questionnaire.from_dict(version.definition))
    return lay


# -- files ---------------------------------------------------------------------------------


def scans_dir() -> Path:
    return Path(settings.DATA_DIR) / "scans"


def blob_path(sha256: str, ext: str) -> Path:
    """Where a scan file with this hash lives: DATA_DIR/scans/<sha[:2]>/<sha>.<ext>."""
    return scans_dir() / sha256[:2] / f"{sha256}.{ext}"


def store_blob(data: bytes, ext: str) -> str:
    """Store bytes under their SHA-256 (written once, atomically); returns the hash."""
    sha = hashlib.sha256(data).hexdigest()
    path = blob_path(sha, ext)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return sha


def uploads_dir() -> Path:
    return Path(settings.DATA_DIR) / "uploads" / "paper"


def prints_dir() -> Path:
    return Path(settings.DATA_DIR) / "prints"


# -- printed serials -----------------------------------------------------------------------


def printed_ranges(unit: Unit) -> list[list[int]]:
    return [list(r) for r in (unit.attributes or {}).get("printed", [])]


def next_start(unit: Unit) -> int:
    """The first running number not printed yet for the unit."""
    return max((r[1] for r in printed_ranges(unit)), default=0) + 1


def record_printed(unit: Unit, start: int, count: int, user=None) -> int:
    """Add serials start..start+count-1 to the unit's printed set; issued = distinct serials."""
    with transaction.atomic():
        u = Unit.objects.select_for_update().get(pk=unit.pk)
        attrs = dict(u.attributes or {})
        ranges = printed_ranges(u) + [[start, start + count - 1]]
        merged: list[list[int]] = []
        for a, b in sorted(ranges):
            if merged and a <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        old = attrs.get("issued")
        attrs["printed"] = merged
        attrs["issued"] = sum(b - a + 1 for a, b in merged)
        u.attributes = attrs
        u.save(update_fields=["attributes"])
        AuditEvent.record(
            "paper.print",
            u,
            user=user,
            survey=u.survey,
            unit=u,
            old={"issued": old},
            new={"issued": attrs["issued"], "start": start, "count": count},
        )
    unit.attributes = attrs
    return attrs["issued"]


def issue_serial(survey: Survey, code: str, user=None) -> str | None:
    """A new serial for a form read without one of its own (a master form's photocopy, or a
    second sheet carrying another's serial): the unit's next running number, recorded as
    used at reading (never printed again); None for a code that is not a unit of the survey."""
    from khaosat.paper.printing import make_serial

    unit = survey.units.filter(code=code).first()
    if unit is None:
        return None
    from khaosat.web.core.models import Response
    from khaosat.web.paper.models import PaperForm

    with transaction.atomic():
        u = Unit.objects.select_for_update().get(pk=unit.pk)
        n = next_start(u)
        # a serial already read or stored (forms printed outside the app) is never reissued
        while n <= 9999 and (
            Response.objects.filter(survey=survey, serial=make_serial(u.code, n)).exists()
            or PaperForm.objects.filter(survey=survey, serial=make_serial(u.code, n)).exists()
        ):
            n += 1
        if n > 9999:
            return None
        record_printed(u, n, 1, user)
    return make_serial(unit.code, n)


# -- forms read from scans ------------------------------------------------------------------


def page_url(survey: Survey, sha256: str) -> str:
    return reverse("paper_page", args=[survey.code, sha256])


def unit_for_form(survey: Survey, form: FormResult, user) -> tuple[Unit | None, str]:
    """The form's unit, or None and a Vietnamese reason (unknown unit, not the user's unit)."""
    unit = unit_by_code(survey, form.unit)
    if unit is None:
        return None, (
            f"Phiếu {form.serial}: khảo sát không có đơn vị mã {form.unit}. Không lưu phiếu này; "
            "kiểm tra số in trên phiếu."
        )
    if user is not None and is_unit_scoped(user):
        if not user.membership.units.filter(pk=unit.pk).exists():
            return None, (
                f"Phiếu {form.serial} thuộc đơn vị {unit.code}, không thuộc các đơn vị của bạn. "
                "Không lưu phiếu này; chuyển phiếu cho đơn vị đúng tải lên."
            )
    return unit, ""


def _proposal(form: FormResult, var: str, kind: str, qkind: str) -> list:
    """What the reader saw in a question, offered as the value Enter accepts."""
    marked = [m.code for m in form.marks if m.variable == var and m.state == "marked"]
    unsure = [m.code for m in form.marks if m.variable == var and m.state == "uncertain"]
    if kind == "uncertain":
        seen = marked or unsure
        return seen if (qkind == "multi" or len(seen) == 1) else []
    if kind == "constraint":
        return marked
    return []  # multiple / too_many / skip: nothing is taken without a person's choice


def review_items(form: FormResult, layout: FormLayout) -> list[dict[str, Any]]:
    """What a person must decide on a form: review items, then inked write-ins to type."""
    items: list[dict[str, Any]] = []
    for r in form.review:
        item: dict[str, Any] = {
            "kind": r.kind,
            "variable": r.variable,
            "number": r.number,
            "page": r.page,
            "message": r.message,
            "crop": store_blob(r.crop_png, "png") if r.crop_png else None,
        }
        if r.variable and r.variable in layout.questions:
            q = layout.questions[r.variable]
            item["qkind"] = q.kind
            item["label"] = q.label
            item["choices"] = list(q.codes)
            item["proposal"] = _proposal(form, r.variable, r.kind, q.kind)
        else:
            item["qkind"] = "ack"
        items.append(item)
    for w in form.writeins:
        if not w.has_ink:
            continue
        q = layout.questions.get(w.variable)
        items.append(
            {
                "kind": "write",
                "qkind": "write",
                "variable": w.variable,
                "number": q.number if q else w.variable,
                "label": q.label if q else "",
                "page": w.page,
                "message": f"Câu {q.number if q else w.variable}: gõ lại câu trả lời viết tay "
                "đúng như trên ảnh (để trống nếu không đọc được gì).",
                "crop": store_blob(w.png, "png"),
            }
        )
    return items


def problem_items(form: FormResult, layout: FormLayout, problems) -> list[dict[str, Any]]:
    """Items for answers the door refused as read (e.g. a required question left blank)."""
    import cv2
    import numpy as np

    from khaosat.paper.reading import PPM

    items = []
    for p in problems:
        q = layout.questions.get(p.variable)
        if q is None or q.kind == "write":
            items.append(
                {
                    "kind": "invalid",
                    "qkind": "ack",
                    "variable": p.variable,
                    "number": "",
                    "page": 0,
                    "message": p.message_vi,
                    "crop": None,
                }
            )
            continue
        crop = None
        boxes = layout.boxes_of(p.variable)
        jpeg = form.page_images.get(q.page)
        if boxes and jpeg:
            page = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
            x0 = min(b.x for _, b in boxes) - 6.0
            y0 = min(b.y for _, b in boxes) - 6.0
            y1 = max(b.y + b.h for _, b in boxes) + 2.0
            img = page[
                max(0, int(y0 * PPM)) : int(y1 * PPM), max(0, int(x0 * PPM)) : int(198 * PPM)
            ]
            ok, buf = cv2.imencode(".png", img)
            crop = store_blob(buf.tobytes(), "png") if ok else None
        items.append(
            {
                "kind": "invalid",
                "qkind": q.kind,
                "variable": p.variable,
                "number": q.number,
                "label": q.label,
                "page": q.page,
                "message": p.message_vi,
                "choices": list(q.codes),
                "proposal": [],
                "crop": crop,
            }
        )
    return items


def store_pages(form: FormResult) -> list[dict[str, Any]]:
    """Write the straightened page images; [{page, sha256, source}] (sha256 = reader's hash)."""
    out = []
    for n, jpeg in sorted(form.page_images.items()):
        out.append({"page": n, "sha256": store_blob(jpeg, "jpg"), "source": form.pages.get(n, "")})
    return out


def door_metadata(survey: Survey, pages: list[dict[str, Any]], **extra) -> dict[str, Any]:
    """metadata for capture's door: pages with hash and the scoped URL of their image."""
    return {
        "pages": [
            {
                "page": p["page"],
                "sha256": p["sha256"],
                "url": page_url(survey, p["sha256"]),
                "source": p.get("source", ""),
            }
            for p in pages
        ],
        **extra,
    }


def parse_decision(item: dict[str, Any], raw: str) -> tuple[Any, str]:
    """A reviewer's decision for one item -> (value or None for no answer, error message)."""
    raw = (raw or "").strip()
    where = f"Câu {item.get('number') or item.get('variable') or ''}".strip()
    qkind = item.get("qkind")
    if qkind == "write":
        return (raw or None), ""
    if raw == "":
        return None, f"{where}: chưa quyết định (Enter để nhận, gõ mã để sửa)."
    if qkind == "ack":
        return None, ""
    if raw == "-":
        return None, ""
    by_text = {str(c): c for c in item.get("choices", [])}
    picked = []
    for tok in raw.replace(",", " ").split():
        if tok not in by_text:
            allowed = ", ".join(by_text)
            return None, f"{where}: mã «{tok}» không có trong câu này (mã hợp lệ: {allowed})."
        if by_text[tok] not in picked:
            picked.append(by_text[tok])
    if qkind == "one":
        if len(picked) != 1:
            return None, f"{where}: câu này chỉ chọn một mã."
        return picked[0], ""
    return [c for c in item.get("choices", []) if c in picked], ""


# -- per file of an upload ----------------------------------------------------------------


def distinct_names(names: list[str]) -> list[str]:
    """File names made distinct (a phone names every photo it takes «image.jpg»), so that each
    photo's outcome can be told by its name: the second «image.jpg» becomes «image (2).jpg»."""
    seen: dict[str, int] = {}
    taken = set(names)
    out = []
    for name in names:
        n = seen.get(name, 0) + 1
        seen[name] = n
        if n == 1:
            out.append(name)
            continue
        stem, dot, ext = name.rpartition(".")
        stem, ext = (stem, f".{ext}") if dot and stem else (name, "")
        k = n
        while f"{stem} ({k}){ext}" in taken:
            k += 1
        new = f"{stem} ({k}){ext}"
        taken.add(new)
        out.append(new)
    return out


def _of_file(source: str, names: list[str]) -> str | None:
    """Which uploaded file a page's source names ("a.pdf, trang 3" is a page of "a.pdf")."""
    for name in sorted(names, key=len, reverse=True):
        if source == name or source.startswith(f"{name}, trang "):
            return name
    return None


def file_outcomes(batch, forms) -> list[dict[str, Any]]:
    """What became of each uploaded file (each photo): pages read into which form, and with
    what status, or why a page or the file was refused. -> [{"name", "read": [...],
    "refused": [...]}] in upload order."""
    names = [f["name"] for f in batch.files]
    rows = {n: {"name": n, "read": [], "refused": []} for n in names}
    for form in forms:
        for p in (form.metadata or {}).get("pages", []):
            name = _of_file(p.get("source", ""), names)
            if name is not None:
                rows[name]["read"].append(
                    {"serial": form.serial, "page": p.get("page"), "form": form}
                )
    for problem in batch.problems or []:
        sources = problem.get("pages") or [problem.get("source", "")]
        hit = {_of_file(s, names) for s in sources} - {None}
        for name in hit or set():
            rows[name]["refused"].append(problem["message"])
    for row in rows.values():
        row["read"].sort(key=lambda r: (r["serial"], r["page"] or 0))
    return [rows[n] for n in names]

"""Background jobs of the paper area: print a unit's batch PDF, read an upload of scans."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

from django.db import transaction

from khaosat.paper import PaperError, ScanError, ScanPage, load_scan_bytes, print_forms, read_pages
from khaosat.paper.reading import MAX_PAGES
from khaosat.web.capture import door
from khaosat.web.core.jobs import JobError, job
from khaosat.web.core.models import AuditEvent, Response
from khaosat.web.paper import services as S
from khaosat.web.paper.models import PaperForm, PaperPage, ScanBatch

DPI = 200


@job("paper.print")
def print_batch(j, progress):
    unit = j.unit
    count, start = int(j.params["count"]), int(j.params["start"])
    version = door.current_version(j.survey)
    if version is None or not version.definition:
        raise JobError("Khảo sát chưa có bảng hỏi: nạp bảng hỏi (XLSForm) trước khi in phiếu.")
    progress(0, 1, f"Đang in {count} phiếu cho đơn vị {unit.code}")
    out = S.prints_dir() / f"{j.pk}.pdf"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        res = print_forms(
            S.layout_for(version),
            unit.code,
            count,
            out,
            start,
            unit.name,
            commissioner=j.survey.commissioner or "",
        )
    except PaperError as exc:
        raise JobError(exc.message) from exc
    issued = S.record_printed(unit, start, count, j.created_by)
    progress(1, 1, "")
    return {
        "file": str(out),
        "filename": f"phieu-{unit.code}-{res.serials[0][-4:]}-{res.serials[-1][-4:]}.pdf",
        "first": res.serials[0],
        "last": res.serials[-1],
        "count": count,
        "issued": issued,
        "version": version.version,
    }


def _check_files(files: list[dict]) -> tuple[list[tuple[dict, int]], list[dict]]:
    """Open every file once (cheaply) so a bad file is refused whole before any page is read."""
    good, problems = [], []
    total = 0
    for f in files:
        data = Path(f["path"]).read_bytes()
        try:
            n = len(load_scan_bytes(data, f["name"], dpi=10))
        except ScanError as exc:
            problems.append({"source": f["name"], "kind": "bad_file", "message": exc.message})
            continue
        if n == 0:
            problems.append(
                {
                    "source": f["name"],
                    "kind": "bad_file",
                    "message": f"Tệp «{f['name']}» không có trang nào.",
                }
            )
            continue
        total += n
        if total > MAX_PAGES:
            problems.append(
                {
                    "source": f["name"],
                    "kind": "bad_file",
                    "message": f"Lần tải lên này có hơn {MAX_PAGES:,} trang (giới hạn cho một lần "
                    "tải lên); tệp này và các tệp sau không được đọc, hãy tải chúng lên lần "
                    "khác.".replace(",", "."),
                }
            )
            continue
        good.append((f, n))
    return good, problems


def _pages(good: list[tuple[dict, int]], progress) -> Iterator[ScanPage]:
    """Pages one at a time (a batch of hundreds of pages never sits in memory at once)."""
    total = sum(n for _, n in good)
    done = 0
    for f, _n in good:
        data = Path(f["path"]).read_bytes()
        if data[:5] == b"%PDF-":
            import cv2
            import numpy as np
            import pypdfium2 as pdfium

            doc = pdfium.PdfDocument(data)
            for i in range(len(doc)):
                img = doc[i].render(scale=DPI / 72.0, grayscale=True).to_numpy()
                if img.ndim == 3:
                    img = cv2.cvtColor(img[:, :, :3], cv2.COLOR_BGR2GRAY)
                yield ScanPage(np.ascontiguousarray(img), f"{f['name']}, trang {i + 1}")
                done += 1
                progress(done, total, f"Đang đọc trang {done}/{total}")
        else:
            for page in load_scan_bytes(data, f["name"], DPI):
                yield page
                done += 1
                progress(done, total, f"Đã đọc «{page.source}» ({done}/{total})")


@job("paper.scan")
def read_batch(j, progress):
    batch = ScanBatch.objects.get(job=j)
    survey, user = j.survey, j.created_by
    version = door.current_version(survey)
    if version is None or not version.definition:
        raise JobError("Khảo sát chưa có bảng hỏi: nạp bảng hỏi (XLSForm) trước khi đọc phiếu.")
    layout = S.layout_for(version)
    try:
        good, problems = _check_files(batch.files)
        total = sum(n for _, n in good)
        progress(0, total, "Đang đọc các trang")
        result = read_pages(
            _pages(good, progress),
            layout,
            keep_pages=True,
            issue_serial=lambda code: S.issue_serial(survey, code, user),
        )
        problems += [
            {"source": u.source, "kind": u.kind, "message": u.reason} for u in result.unreadable
        ]
        stored = queued = 0
        for form in result.forms:
            outcome, message = _take_form(batch, form, layout, user, version)
            if message:
                problems.append(
                    {
                        "source": form.serial,
                        "kind": outcome,
                        "message": message,
                        "pages": sorted(set(form.pages.values())),
                    }
                )
            stored += outcome == "stored"
            queued += outcome == "review"
    finally:
        if batch.files:  # the uploads were only a hand-over to this job
            shutil.rmtree(Path(batch.files[0]["path"]).parent, ignore_errors=True)
    batch.problems = problems
    batch.save(update_fields=["problems"])
    summary = {
        "pages": total,
        "forms": len(result.forms),
        "stored": stored,
        "review": queued,
        "problems": len(problems),
    }
    AuditEvent.record(
        "paper.read",
        batch,
        user=user,
        survey=survey,
        new={**summary, "files": [f.get("name") for f in batch.files]},
    )
    return summary


def _merge(pending: PaperForm, form, layout):
    """Re-read a waiting form's kept page images with newly scanned pages of the same serial."""
    import cv2
    import numpy as np

    scans = []
    for p in pending.pages.all():
        path = S.blob_path(p.sha256, "jpg")
        if path.exists():
            img = cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_GRAYSCALE)
            scans.append(ScanPage(img, p.source))
    have = {p.page for p in pending.pages.all()}
    for n, jpeg in sorted(form.page_images.items()):
        if n not in have:
            img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
            scans.append(ScanPage(img, form.pages.get(n, "")))
    result = read_pages(scans, layout, keep_pages=True)
    same = [f for f in result.forms if f.serial == form.serial]
    return same[0] if same else None


def _side_by_side(earlier: PaperForm, form) -> bytes | None:
    """The earlier sheet's page and this sheet's same page, side by side (PNG)."""
    import cv2
    import numpy as np

    kept = {p.page: p for p in earlier.pages.all()}
    common = sorted(set(kept) & set(form.page_images)) or sorted(form.page_images)
    if not common:
        return None
    n = common[0]
    b = cv2.imdecode(np.frombuffer(form.page_images[n], np.uint8), cv2.IMREAD_GRAYSCALE)
    a = np.full_like(b, 255)
    if n in kept:
        path = S.blob_path(kept[n].sha256, "jpg")
        if path.exists():
            a = cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_GRAYSCALE)
    if a.shape != b.shape:
        a = cv2.resize(a, (b.shape[1], b.shape[0]))
    both = np.hstack([a, np.full((b.shape[0], 16), 128, np.uint8), b])
    ok, buf = cv2.imencode(".png", cv2.resize(both, None, fx=0.5, fy=0.5))
    return buf.tobytes() if ok else None


def _take_form(batch, form, layout, user, version) -> tuple[str, str]:
    """Store a form through the door, or queue it for review. -> (outcome, message)."""
    survey = batch.survey
    unit, why = S.unit_for_form(survey, form, user)
    if unit is None:
        return "refused", why
    pending = PaperForm.objects.filter(
        survey=survey, serial=form.serial, status=PaperForm.Status.REVIEW
    ).first()
    replaced = None
    have = {p.page for p in pending.pages.all()} if pending is not None else set()
    if (
        pending is not None
        and (pending.metadata or {}).get("missing_pages")
        and not (have & set(form.pages))  # a page again: another sheet, never merged
    ):
        # the missing pages of a form waiting for review came in a later upload: read the
        # pages kept from before together with the new ones, and let the result replace it
        merged = _merge(pending, form, layout)
        if merged is not None:
            form, replaced, pending = merged, pending, None
    earlier = pending
    if earlier is None and not form.copy_of:
        earlier = PaperForm.objects.filter(survey=survey, serial=form.serial).first()
    if earlier is not None and replaced is None:
        import hashlib

        same = {p.page: p.sha256 for p in earlier.pages.all()}
        mine = {n: hashlib.sha256(j).hexdigest() for n, j in form.page_images.items()}
        if mine and all(same.get(n) == h for n, h in mine.items()):
            return "refused", (
                f"Phiếu {form.serial}: các trang này đã được tải lên trước đây (lô "
                f"#{earlier.batch_id}, cùng ảnh); không lưu thêm."
            )
        # another sheet with a serial already read (a photocopied numbered form): held for
        # review as a possible copy under a serial of its own, both images side by side
        new = S.issue_serial(survey, unit.code, user)
        if new is None:
            return "refused", (
                f"Phiếu {form.serial} đã có (lô #{earlier.batch_id}) và không cấp được số mới "
                "cho tờ này; không lưu. Hãy kiểm tra tờ giấy."
            )
        form.copy_of, old_serial = form.serial, form.serial
        form.serial = new
        copy_png = _side_by_side(earlier, form)
        copy_item = {
            "kind": "possible_copy",
            "qkind": "ack",
            "variable": None,
            "number": "",
            "page": min(form.pages) if form.pages else 0,
            "message": f"Tờ này mang cùng số phiếu {old_serial} với một tờ đã đọc trước (lô "
            f"#{earlier.batch_id}) — có thể là bản photocopy: không gộp vào phiếu {old_serial}, "
            f"giữ riêng với số {new}. Hãy so hai ảnh (trái: phiếu {old_serial}, phải: tờ này) "
            "và quyết định.",
            "crop": S.store_blob(copy_png, "png") if copy_png else None,
        }
    else:
        copy_item = None
    pages = S.store_pages(form)
    items = S.review_items(form, layout)
    if copy_item is not None:
        items.insert(0, copy_item)
    base = {
        "batch": batch,
        "survey": survey,
        "unit": unit,
        "serial": form.serial,
        "answers": form.answers,
        "metadata": form.metadata(),
    }

    def save_form(status, **kw) -> PaperForm:
        with transaction.atomic():  # a form and its pages, or nothing
            if replaced is not None:  # the waiting form this one completes
                replaced.delete()
            pf = PaperForm.objects.create(**base, status=status, **kw)
            PaperPage.objects.bulk_create(
                PaperPage(form=pf, page=p["page"], sha256=p["sha256"], source=p["source"])
                for p in pages
            )
        return pf

    if form.copy_of:  # a second sheet with another's serial: a person compares, never merged
        note = (
            f"Có thể là bản photocopy của phiếu {form.copy_of}: giữ riêng với số {form.serial}, "
            "không gộp."
        )
        save_form(PaperForm.Status.REVIEW, items=items, note=note)
        return "review", ""
    if items:
        save_form(PaperForm.Status.REVIEW, items=items)
        return "review", ""
    meta = S.door_metadata(survey, pages, batch=batch.pk, review=[])
    try:
        res = door.submit(
            survey=survey,
            source=Response.Source.PAPER,
            serial=form.serial,
            unit=unit,
            answers=form.answers,
            user=user,
            questionnaire=version,
            metadata=meta,
            on_stored=lambda r: save_form(PaperForm.Status.STORED, response=r.response),
        )
    except door.InvalidAnswers as exc:
        items = S.problem_items(form, layout, exc.problems)
        save_form(PaperForm.Status.REVIEW, items=items, note=exc.message)
        return "review", ""
    except door.DoorError as exc:
        return "refused", f"Phiếu {form.serial}: {exc.message}"
    if not res.created and not res.changed:
        return (
            "stored",
            f"Phiếu {form.serial} đã có trong hệ thống với cùng câu trả lời; không lưu thêm.",
        )
    return "stored", ""

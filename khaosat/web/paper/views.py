"""Paper pages: print a unit's batch of forms, upload scans (read by a background job), and
the one-key review screen that sends a decided form through capture's door."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from khaosat.web.capture import door
from khaosat.web.core import jobs
from khaosat.web.core.limits import body_limit, size_text
from khaosat.web.core.models import Job, Response
from khaosat.web.core.scope import (
    get_survey,
    get_unit,
    has_perm,
    is_unit_scoped,
    requires,
    visible_units,
)
from khaosat.web.paper import services as S
from khaosat.web.paper.models import PaperForm, PaperPage, ScanBatch

MAX_PRINT = 2000
MAX_FILE = 200 * 1024 * 1024
_SHA = re.compile(r"^[0-9a-f]{64}$")


def _int(value, default: int | None = None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _batches(user, survey):
    qs = ScanBatch.objects.filter(survey=survey).select_related("job", "created_by")
    if is_unit_scoped(user):
        own = visible_units(user, survey)
        qs = qs.filter(created_by=user) | qs.filter(forms__unit__in=own)
    return qs.distinct()


def _forms(user, survey):
    return PaperForm.objects.filter(survey=survey, unit__in=visible_units(user, survey))


@requires("responses.enter")
def home(request, code):
    survey = get_survey(request.user, code)
    units = list(visible_units(request.user, survey).order_by("code"))
    for u in units:
        u.next_start = S.next_start(u)
        u.issued = (u.attributes or {}).get("issued") or 0
    prints = Job.objects.filter(kind="paper.print", survey=survey, unit__in=units).order_by(
        "-created_at"
    )[:10]
    return render(
        request,
        "paper/home.html",
        {
            "survey": survey,
            "units": units,
            "can_print": has_perm(request.user, "responses.review"),
            "batches": _batches(request.user, survey)[:20],
            "prints": prints,
            "waiting": _forms(request.user, survey).filter(status=PaperForm.Status.REVIEW).count(),
            "has_questionnaire": door.current_version(survey) is not None,
        },
    )


@requires("responses.review")
def print_batch(request, code, unit_code):
    survey = get_survey(request.user, code)
    unit = get_unit(request.user, survey, unit_code)  # another unit's: 404 before anything
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    count = _int(request.POST.get("count"))
    start = _int(request.POST.get("start"), S.next_start(unit)) or S.next_start(unit)
    if count is None or not 1 <= count <= MAX_PRINT:
        messages.error(
            request,
            _("Đơn vị %(unit)s: số phiếu cần in phải là số từ 1 đến %(max)s.")
            % {"unit": unit.code, "max": MAX_PRINT},
        )
        return redirect("paper_home", code=survey.code)
    if start < 1 or start + count - 1 > 9999:
        messages.error(
            request,
            _("Đơn vị %(unit)s: số thứ tự phiếu phải trong 1–9999 (yêu cầu %(a)s–%(b)s).")
            % {"unit": unit.code, "a": start, "b": start + count - 1},
        )
        return redirect("paper_home", code=survey.code)
    if door.current_version(survey) is None:
        messages.error(request, _("Khảo sát chưa có bảng hỏi: nạp bảng hỏi trước khi in phiếu."))
        return redirect("paper_home", code=survey.code)
    j = jobs.create(
        "paper.print",
        user=request.user,
        survey=survey,
        unit=unit,
        params={"count": count, "start": start},
    )
    jobs.start(j)
    return redirect("paper_print_job", code=survey.code, pk=j.pk)


def _print_job(request, survey, pk) -> Job:
    j = get_object_or_404(Job, pk=pk, kind="paper.print", survey=survey)
    if not visible_units(request.user, survey).filter(pk=j.unit_id).exists():
        raise Http404()
    return j


@requires("responses.review")
def print_job(request, code, pk):
    survey = get_survey(request.user, code)
    j = _print_job(request, survey, pk)
    return render(request, "paper/print_job.html", {"survey": survey, "job": j})


@requires("responses.review")
def print_file(request, code, pk):
    survey = get_survey(request.user, code)
    j = _print_job(request, survey, pk)
    path = (j.result or {}).get("file") if j.status == Job.Status.DONE else None
    root = Path(settings.DATA_DIR).resolve()
    if not path or not Path(path).resolve().is_relative_to(root) or not Path(path).exists():
        raise Http404()
    return FileResponse(
        open(path, "rb"),
        as_attachment=True,
        filename=j.result.get("filename") or Path(path).name,
        content_type="application/pdf",
    )


@requires("responses.enter")
@require_POST
def upload(request, code):
    survey = get_survey(request.user, code)
    files = request.FILES.getlist("files")
    if not files:
        messages.error(request, _("Hãy chọn ít nhất một tệp quét (PDF, PNG, JPEG, TIFF)."))
        return redirect("paper_home", code=survey.code)
    if door.current_version(survey) is None:
        messages.error(request, _("Khảo sát chưa có bảng hỏi: nạp bảng hỏi trước khi đọc phiếu."))
        return redirect("paper_home", code=survey.code)
    too_big = [f.name for f in files if f.size > MAX_FILE]
    if too_big:
        messages.error(
            request,
            _("Tệp %(names)s lớn hơn 200 MB: hãy chia thành nhiều tệp nhỏ hơn rồi tải lên lại.")
            % {"names": ", ".join(too_big)},
        )
        return redirect("paper_home", code=survey.code)
    folder = S.uploads_dir() / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    names = S.distinct_names([Path(f.name).name for f in files])
    for k, (f, name) in enumerate(zip(files, names, strict=True)):
        path = folder / f"{k:04d}"
        with open(path, "wb") as out:
            for chunk in f.chunks():
                out.write(chunk)
        saved.append({"name": name, "size": f.size, "path": str(path)})
    j = jobs.create("paper.scan", user=request.user, survey=survey)
    batch = ScanBatch.objects.create(survey=survey, job=j, files=saved, created_by=request.user)
    jobs.start(j)
    return redirect("paper_batch", code=survey.code, pk=batch.pk)


@requires("responses.enter")
def photos(request, code):
    """Photos of paper forms taken with a phone: chosen one by one, sent together, read."""
    survey = get_survey(request.user, code)
    return render(
        request,
        "paper/photos.html",
        {
            "survey": survey,
            "limit": body_limit("paper_upload"),
            "limit_text": size_text(body_limit("paper_upload")),
            "has_questionnaire": door.current_version(survey) is not None,
        },
    )


@requires("responses.enter")
def batch_detail(request, code, pk):
    survey = get_survey(request.user, code)
    batch = get_object_or_404(_batches(request.user, survey), pk=pk)
    forms = _forms(request.user, survey).filter(batch=batch).select_related("unit")
    return render(
        request,
        "paper/batch.html",
        {
            "survey": survey,
            "batch": batch,
            "job": batch.job,
            "forms": forms,
            "files": S.file_outcomes(batch, forms)
            if batch.job and batch.job.status == "done"
            else [],
            # /jobs/<pk>/ answers the job's owner and managers only
            "can_poll": batch.created_by_id == request.user.pk
            or has_perm(request.user, "survey.manage"),
        },
    )


@requires("responses.enter")
def queue(request, code):
    survey = get_survey(request.user, code)
    forms = (
        _forms(request.user, survey)
        .filter(status=PaperForm.Status.REVIEW)
        .select_related("unit", "batch")
    )
    return render(request, "paper/queue.html", {"survey": survey, "forms": forms})


def _next_waiting(user, survey, after: PaperForm):
    return (
        _forms(user, survey)
        .filter(status=PaperForm.Status.REVIEW)
        .exclude(pk=after.pk)
        .order_by("serial", "id")
        .first()
    )


@requires("responses.enter")
@require_http_methods(["GET", "POST"])
def form_review(request, code, pk):
    survey = get_survey(request.user, code)
    form = get_object_or_404(_forms(request.user, survey).select_related("unit"), pk=pk)
    pages = list(form.pages.all())
    errors: list[str] = []
    values = {}
    if request.method == "POST" and form.status == PaperForm.Status.REVIEW:
        answers = dict(form.answers)
        decisions = []
        for k, item in enumerate(form.items):
            raw = request.POST.get(f"d{k}", "")
            values[k] = raw
            value, err = S.parse_decision(item, raw)
            if err:
                errors.append(err)
                continue
            var = item.get("variable")
            if var and item.get("qkind") != "ack":
                if value is None:
                    answers.pop(var, None)
                else:
                    answers[var] = value
                decisions.append({"variable": var, "kind": item["kind"], "value": value})
        if not errors:
            meta = S.door_metadata(
                survey,
                [{"page": p.page, "sha256": p.sha256, "source": p.source} for p in pages],
                batch=form.batch_id,
                review=decisions,
            )

            def done(result):
                form.status = PaperForm.Status.STORED
                form.response = result.response
                form.decided_by = request.user
                form.save(update_fields=["status", "response", "decided_by"])

            try:
                door.submit(
                    survey=survey,
                    source=Response.Source.PAPER,
                    serial=form.serial,
                    unit=form.unit,
                    answers=answers,
                    user=request.user,
                    metadata=meta,
                    accept_problems=True,
                    on_stored=done,
                )
            except door.DoorError as exc:
                errors.append(exc.message)
            else:
                messages.success(request, _("Đã lưu phiếu %(serial)s.") % {"serial": form.serial})
                nxt = _next_waiting(request.user, survey, form)
                if nxt is not None:
                    return redirect("paper_form", code=survey.code, pk=nxt.pk)
                return redirect("paper_queue", code=survey.code)
    items = []
    for k, item in enumerate(form.items):
        proposal = item.get("proposal") or []
        items.append(
            {
                **item,
                "index": k,
                "value": values.get(k, ""),
                "proposal_text": " ".join(str(c) for c in proposal),
                "choices_text": ", ".join(str(c) for c in item.get("choices", [])),
                "single_key": all(len(str(c)) == 1 for c in item.get("choices", [])),
            }
        )
    return render(
        request,
        "paper/form.html",
        {
            "survey": survey,
            "form": form,
            "items": items,
            "errors": errors,
            "pages": [
                {"page": p.page, "url": S.page_url(survey, p.sha256), "source": p.source}
                for p in pages
            ],
        },
    )


@requires("responses.enter")
def crop(request, code, pk, n):
    survey = get_survey(request.user, code)
    form = get_object_or_404(_forms(request.user, survey), pk=pk)
    if not 0 <= n < len(form.items) or not _SHA.match(form.items[n].get("crop") or ""):
        raise Http404()
    path = S.blob_path(form.items[n]["crop"], "png")
    if not path.exists():
        raise Http404()
    return FileResponse(open(path, "rb"), content_type="image/png")


@requires("responses.enter")
def page_image(request, code, sha):
    survey = get_survey(request.user, code)
    if not _SHA.match(sha):
        raise Http404()
    ok = PaperPage.objects.filter(
        sha256=sha, form__survey=survey, form__unit__in=visible_units(request.user, survey)
    ).exists()
    path = S.blob_path(sha, "jpg")
    if not ok or not path.exists():
        raise Http404()
    return FileResponse(open(path, "rb"), content_type="image/jpeg")

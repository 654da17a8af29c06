"""Capture pages: heads-down keyed entry (and its JSON endpoints), double-entry adjudication and
keyer error rates, spreadsheet template/upload, and the web/tablet interview form."""

from __future__ import annotations

import json

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from khaosat.capture import serials as S
from khaosat.capture import spreadsheet as sheet
from khaosat.capture.errors import SpreadsheetError
from khaosat.questionnaire.errors import QuestionnaireError
from khaosat.web.capture import door, imports, keying
from khaosat.web.capture.models import Discrepancy, ImportBatch
from khaosat.web.core.downloads import attach
from khaosat.web.core.models import Response
from khaosat.web.core.scope import get_survey, get_unit, has_perm, requires, visible_units

MAX_UPLOAD = 20 * 1024 * 1024


def _json_body(request) -> dict:
    try:
        data = json.loads(request.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise door.DoorError("Dữ liệu gửi lên không phải JSON hợp lệ.") from exc
    if not isinstance(data, dict):
        raise door.DoorError("Dữ liệu gửi lên phải là một đối tượng JSON.")
    return data


def _error(exc: door.DoorError) -> JsonResponse:
    body = {"ok": False, "message": exc.message}
    if isinstance(exc, door.InvalidAnswers):
        body["problems"] = [
            {"variable": p.variable, "code": p.code, "message": p.message_vi} for p in exc.problems
        ]
    if isinstance(exc, door.Conflict):
        body["diff"] = exc.diff
    return JsonResponse(body, status=exc.status)


def _spec(survey):
    version = door.current_version(survey)
    if version is None or not version.definition:
        return None, None
    return version, door.rules_for(version).spec()


@requires("responses.enter")
def home(request, code):
    survey = get_survey(request.user, code)
    units = list(visible_units(request.user, survey).order_by("kind", "code"))
    counts = {
        c["unit_id"]: c
        for c in Response.objects.filter(survey=survey, unit__in=units)
        .values("unit_id")
        .annotate(
            n=Count("id"),
            keyed=Count("id", filter=Q(source=Response.Source.KEYED)),
            verified=Count("id", filter=Q(status=Response.Status.VERIFIED)),
        )
    }
    rows = [(u, counts.get(u.id, {"n": 0, "keyed": 0, "verified": 0})) for u in units]
    open_disc = (
        Discrepancy.objects.filter(decided=False, response__survey=survey, response__unit__in=units)
        .values("response")
        .distinct()
        .count()
    )
    return render(
        request,
        "capture/home.html",
        {
            "survey": survey,
            "rows": rows,
            "open_disc": open_disc,
            "can_review": has_perm(request.user, "responses.review"),
            "awaiting": len(keying.awaiting_second_pass(survey, request.user)),
            "share_percent": round(100 * survey.double_entry_share, 1),
            "version": door.current_version(survey),
        },
    )


@requires("responses.enter")
def keyed(request, code):
    survey = get_survey(request.user, code)
    number = 2 if request.GET.get("pass") == "2" else 1
    version, spec = _spec(survey)
    first = ""
    if number == 2:
        queue = keying.awaiting_second_pass(survey, request.user, limit=1)
        first = queue[0] if queue else ""
    else:
        unit = visible_units(request.user, survey).order_by("code").first()
        if unit is not None:
            last = (
                Response.objects.filter(survey=survey, unit=unit, serial__isnull=False)
                .order_by("-serial")
                .values_list("serial", flat=True)
                .first()
            )
            first = keying.next_free_serial(survey, last) if last else S.make(unit.code, 1)
    return render(
        request,
        "capture/keyed.html",
        {
            "survey": survey,
            "number": number,
            "spec": spec,
            "version": version,
            "first_serial": first,
            "urls": {
                "serial": reverse("capture_serial", args=[survey.code, "SERIAL"]),
                "submit": reverse("capture_keyed_submit", args=[survey.code]),
            },
        },
    )


@requires("responses.enter")
def serial_check(request, code, serial):
    survey = get_survey(request.user, code)
    number = 2 if request.GET.get("pass") == "2" else 1
    try:
        info = keying.check_serial(survey, serial, request.user, number)
    except door.DoorError as exc:
        return _error(exc)
    return JsonResponse({"ok": True, **info})


@requires("responses.enter")
@require_POST
def keyed_submit(request, code):
    survey = get_survey(request.user, code)
    try:
        data = _json_body(request)
        number = 2 if str(data.get("pass")) == "2" else 1
        answers = data.get("answers")
        if not isinstance(answers, dict):
            raise door.DoorError("Thiếu câu trả lời (answers).")
        result = keying.save_pass(
            survey,
            str(data.get("serial") or ""),
            answers,
            request.user,
            number,
            instance_id=data.get("instance_id") or None,
            seconds=_float(data.get("seconds")),
            keystrokes=_int(data.get("keystrokes")),
        )
    except door.DoorError as exc:
        return _error(exc)
    except (ValueError, QuestionnaireError) as exc:
        return JsonResponse({"ok": False, "message": str(exc)}, status=400)
    return JsonResponse({"ok": True, **result}, status=201 if result.get("created") else 200)


def _float(v):
    try:
        return float(v) if v is not None else None
    except (TypeError, ValueError):
        return None


def _int(v):
    try:
        return max(0, int(v)) if v is not None else None
    except (TypeError, ValueError):
        return None


# -- double entry ------------------------------------------------------------------------


@requires("responses.review")
def adjudication_list(request, code):
    survey = get_survey(request.user, code)
    units = visible_units(request.user, survey)
    responses = (
        Response.objects.filter(survey=survey, unit__in=units, discrepancies__decided=False)
        .annotate(open=Count("discrepancies", filter=Q(discrepancies__decided=False)))
        .select_related("unit")
        .order_by("serial")
        .distinct()
    )
    return render(
        request, "capture/adjudication_list.html", {"survey": survey, "responses": responses}
    )


def _response_in_scope(request, survey, serial) -> Response:
    r = (
        Response.objects.filter(survey=survey, serial=S.normalise(serial))
        .select_related("unit")
        .first()
    )
    if r is None:
        raise Http404(_("Không tìm thấy phiếu."))
    get_unit(request.user, survey, r.unit.code)  # 404 outside the user's units
    return r


@requires("responses.review")
@require_http_methods(["GET", "POST"])
def adjudicate(request, code, serial):
    survey = get_survey(request.user, code)
    r = _response_in_scope(request, survey, serial)
    if request.method == "POST":
        decisions = keying.decisions_from_choices(r, request.POST)
        try:
            remaining = keying.adjudicate(r, decisions, request.user, request.POST.get("note", ""))
        except (door.DoorError, QuestionnaireError) as exc:
            messages.error(request, exc.message)
        else:
            if not remaining:
                messages.success(request, _("Phiếu %(s)s đã được kiểm tra.") % {"s": r.serial})
                return redirect("capture_adjudication_list", survey.code)
            messages.warning(request, _("Còn %(n)d câu chưa quyết định.") % {"n": len(remaining)})
        return redirect("capture_adjudicate", survey.code, r.serial)
    passes = {p.number: p for p in r.entry_passes.select_related("keyer")}
    return render(
        request,
        "capture/adjudicate.html",
        {"survey": survey, "r": r, "items": keying.discrepancy_rows(r), "passes": passes},
    )


@requires("responses.review")
def keyers(request, code):
    survey = get_survey(request.user, code)
    return render(
        request,
        "capture/keyers.html",
        {
            "survey": survey,
            "rows": keying.error_rates(survey, request.user),
            "speed": keying.keyer_speed(survey, request.user),
        },
    )


# -- spreadsheet import ------------------------------------------------------------------


@requires("responses.enter")
def template(request, code, unit_code):
    survey = get_survey(request.user, code)
    unit = get_unit(request.user, survey, unit_code)
    version, _spec_json = _spec(survey)
    if version is None:
        raise Http404(_("Khảo sát chưa có bảng hỏi."))
    data = sheet.template_xlsx(
        door.rules_for(version),
        unit.code,
        unit.name,
        S.unit_serials(unit.code, unit.quota),
        survey.title,
    )
    resp = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    attach(resp, f"phieu-{survey.code}-{unit.code}.xlsx")
    return resp


@requires("responses.enter")
@require_http_methods(["GET", "POST"])
def import_upload(request, code, unit_code):
    survey = get_survey(request.user, code)
    unit = get_unit(request.user, survey, unit_code)
    version = door.current_version(survey)
    batches = ImportBatch.objects.filter(unit=unit)[:20]
    ctx = {"survey": survey, "unit": unit, "version": version, "batches": batches}
    if request.method != "POST":
        return render(request, "capture/import.html", ctx)
    f = request.FILES.get("file")
    if f is None:
        messages.error(request, _("Chọn tệp XLSX hoặc CSV để tải lên."))
    elif f.size > MAX_UPLOAD:
        messages.error(request, _("Tệp quá lớn (tối đa 20 MB)."))
    elif version is None:
        messages.error(request, _("Khảo sát chưa có bảng hỏi."))
    else:
        try:
            batch, stored = imports.receive(survey, unit, version, f.read(), f.name, request.user)
        except SpreadsheetError as exc:
            messages.error(request, exc.message)
        else:
            for text in stored.warnings:
                messages.warning(request, text)
            return redirect("capture_batch", survey.code, batch.pk)
    return render(request, "capture/import.html", ctx)


@requires("responses.enter")
@require_http_methods(["GET", "POST"])
def batch_detail(request, code, pk):
    survey = get_survey(request.user, code)
    batch = get_object_or_404(ImportBatch, pk=pk, survey=survey)
    unit = get_unit(request.user, survey, batch.unit.code)
    can_partial = has_perm(request.user, "survey.manage")
    if request.method == "POST":
        action = request.POST.get("action")
        reason = request.POST.get("reason", "").strip()
        if action == "import_valid":
            if not can_partial:
                messages.error(
                    request, _("Chỉ người quản lý khảo sát mới được nhập riêng các dòng hợp lệ.")
                )
            elif batch.status != ImportBatch.Status.REFUSED:
                messages.info(request, _("Tệp này đã được nhập."))
            else:
                stored = imports.import_valid_rows(batch, request.user, reason)
                for text in stored.warnings:
                    messages.warning(request, text)
                messages.success(request, _("Đã nhập %(n)d phiếu hợp lệ.") % {"n": stored.count})
        elif action == "confirm_changes":
            if not reason:
                messages.error(request, _("Ghi lý do sửa trước khi xác nhận."))
            elif batch.problems and batch.status == ImportBatch.Status.REFUSED:
                messages.error(request, _("Tệp còn lỗi: sửa hết lỗi rồi tải lên lại."))
            else:
                done = imports.apply_changes(batch, request.user, reason)
                messages.success(request, _("Đã sửa %(n)d phiếu.") % {"n": done})
        return redirect("capture_batch", survey.code, batch.pk)
    return render(
        request,
        "capture/batch.html",
        {
            "survey": survey,
            "unit": unit,
            "batch": batch,
            "can_partial": can_partial,
            "pending_changes": [c for c in batch.changes if not c.get("applied")],
        },
    )


# -- web / tablet form ------------------------------------------------------------------


@requires("responses.enter")
def web_form(request, code, unit_code):
    survey = get_survey(request.user, code)
    unit = get_unit(request.user, survey, unit_code)
    version, spec = _spec(survey)
    return render(
        request,
        "capture/webform.html",
        {
            "survey": survey,
            "unit": unit,
            "spec": spec,
            "version": version,
            "submit_url": reverse("capture_web_submit", args=[survey.code, unit.code]),
        },
    )


@requires("responses.enter")
def web_submit(request, code, unit_code):
    survey = get_survey(request.user, code)
    unit = get_unit(request.user, survey, unit_code)  # scope first: 404 outside, then 405
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        data = _json_body(request)
        answers = data.get("answers")
        if not isinstance(answers, dict):
            raise door.DoorError("Thiếu câu trả lời (answers).")
        if not data.get("instance_id"):
            raise door.DoorError("Thiếu mã phiếu (instance_id) do máy tạo.")
        res = door.submit(
            survey=survey,
            source=Response.Source.WEB,
            answers=answers,
            user=request.user,
            serial=(data.get("serial") or "").strip() or None,
            instance_id=str(data["instance_id"]),
            unit=unit,
            metadata={
                "started": data.get("started"),
                "device": request.headers.get("User-Agent", "")[:200],
            },
        )
    except door.DoorError as exc:
        return _error(exc)
    except ValueError:
        return JsonResponse(
            {"ok": False, "message": "Mã phiếu (instance_id) không đúng dạng UUID."}, status=400
        )
    return JsonResponse(
        {"ok": True, "created": res.created, "instance_id": str(res.response.instance_id)},
        status=201 if res.created else 200,
    )

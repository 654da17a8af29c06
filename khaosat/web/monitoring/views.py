"""Monitoring pages: progress, the review queue and one response's review, dispositions,
check rules, and the audit log (with CSV export and chain verification)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khaosat.quality import progress as P
from khaosat.quality.dispositions import REJECT_REASONS
from khaosat.quality.flags import RULES
from khaosat.web.capture.door import DoorError
from khaosat.web.core import audit as audit_proof
from khaosat.web.core.downloads import attach
from khaosat.web.core.models import Response
from khaosat.web.core.scope import get_survey, has_perm, requires, visible_units
from khaosat.web.monitoring import auditlog, reviewqueue, rulebook, services
from khaosat.web.monitoring.models import QualityFlag, Severity
from khaosat.web.monitoring.svg import per_day_chart
from khaosat.web.odk.services import device_rows as odk_device_rows

OPEN = reviewqueue.OPEN


# -- progress ---------------------------------------------------------------------------------


@requires("survey.view")
def progress(request, code):
    survey = get_survey(request.user, code)
    units = list(visible_units(request.user, survey).order_by("kind", "code"))
    data = services.progress(survey, units)
    expected = [
        P.expected_by(day, data["start"], data["due"], data["total"]["quota"])
        for day, _n in data["series"]
    ]
    chart = per_day_chart(data["series"], expected if data["start"] else None)
    rows = sorted(
        data["rows"], key=lambda r: (r["status"] not in ("late", "behind"), r["unit"].code)
    )
    return render(
        request,
        "monitoring/progress.html",
        {
            "survey": survey,
            **data,
            "rows": rows,
            "expected_percent": round(100 * data["expected_share"], 1),
            "chart": mark_safe(chart),  # built from numbers and dates only  # noqa: S308
            "can_review": has_perm(request.user, "responses.review"),
            "odk_devices": odk_device_rows(survey, units),
        },
    )


# -- review -----------------------------------------------------------------------------------


def _scoped_responses(request, survey):
    return Response.objects.filter(survey=survey, unit__in=visible_units(request.user, survey))


@requires("responses.review")
@require_http_methods(["GET", "POST"])
def queue(request, code):
    survey = get_survey(request.user, code)
    base = _scoped_responses(request, survey)
    if request.method == "POST":
        return _bulk(request, survey, base)
    filters = {k: request.GET.get(k) or "" for k in ("severity", "rule", "unit")}
    units = visible_units(request.user, survey)
    found = reviewqueue.queue(survey, base, units, **filters)
    return render(
        request,
        "monitoring/queue.html",
        {
            "survey": survey,
            "responses": found.responses,
            "total": found.total,
            "unit_flags": found.unit_flags,
            "rule_counts": found.rule_counts,
            "units": units.order_by("code"),
            "filters": filters,
            "reasons": REJECT_REASONS,
            "can_recheck": has_perm(request.user, "survey.manage"),
        },
    )


def _bulk(request, survey, base):
    action = request.POST.get("action")
    ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()]
    unit_code = request.POST.get("unit_all") or ""
    qs = base.filter(status__in=OPEN)
    if unit_code:  # every open response of one unit (a unit flagged as a whole)
        qs = qs.filter(unit__code=unit_code)
    else:
        qs = qs.filter(pk__in=ids)
    targets = list(qs.select_related("unit", "survey"))
    if not targets:
        messages.error(request, _("Chưa chọn phiếu nào: đánh dấu các phiếu cần xử lý rồi bấm lại."))
        return redirect("monitoring_queue", survey.code)
    if action == "approve":
        for r in targets:
            services.approve(r, request.user, _("Duyệt hàng loạt"))
        messages.success(request, _("Đã duyệt %(n)s phiếu.") % {"n": len(targets)})
    elif action == "reject":
        code = request.POST.get("reason") or ""
        if code not in dict(REJECT_REASONS):
            messages.error(request, _("Hãy chọn lý do loại phiếu."))
            return redirect("monitoring_queue", survey.code)
        for r in targets:
            services.reject(r, request.user, code, request.POST.get("detail", ""))
        messages.success(request, _("Đã loại %(n)s phiếu.") % {"n": len(targets)})
    else:
        messages.error(request, _("Hãy chọn thao tác: duyệt hoặc loại."))
    return redirect("monitoring_queue", survey.code)


@requires("responses.review")
@require_http_methods(["GET", "POST"])
def review(request, code, pk):
    survey = get_survey(request.user, code)
    response = get_object_or_404(
        _scoped_responses(request, survey).select_related("unit", "questionnaire"), pk=pk
    )
    q = services.questionnaire_for(response.questionnaire)
    if request.method == "POST":
        return _review_action(request, survey, response, q)
    flags = reviewqueue.with_field_text(response.quality_flags.all(), q)
    unit_flags = QualityFlag.objects.filter(
        survey=survey, response__isnull=True, unit=response.unit
    )
    flagged_fields = {name for f in flags for name in f.fields}
    return render(
        request,
        "monitoring/review.html",
        {
            "survey": survey,
            "r": response,
            "flags": flags,
            "unit_flags": unit_flags,
            "rows": reviewqueue.answer_rows(q, response.answers or {}, flagged_fields),
            "reasons": REJECT_REASONS,
            "next_pk": reviewqueue.next_in_queue(_scoped_responses(request, survey), response),
            "scans": reviewqueue.scan_pages(response),
            "history": reviewqueue.history(response),
            "is_open": response.status in OPEN,
        },
    )


def _review_action(request, survey, response, q):
    action = request.POST.get("action")
    if action == "approve":
        services.approve(response, request.user, request.POST.get("note", ""))
        messages.success(request, _("Đã duyệt phiếu %(s)s.") % {"s": response})
    elif action == "reject":
        code = request.POST.get("reason") or ""
        if code not in dict(REJECT_REASONS):
            messages.error(request, _("Hãy chọn lý do loại phiếu."))
            return redirect("monitoring_review", survey.code, response.pk)
        services.reject(response, request.user, code, request.POST.get("detail", ""))
        messages.success(request, _("Đã loại phiếu %(s)s.") % {"s": response})
    elif action == "correct":
        return _correct(request, survey, response, q)
    else:
        messages.error(request, _("Thao tác không rõ."))
        return redirect("monitoring_review", survey.code, response.pk)
    nxt = request.POST.get("next")
    if nxt and nxt.isdigit():
        return redirect("monitoring_review", survey.code, int(nxt))
    return redirect("monitoring_queue", survey.code)


def _correct(request, survey, response, q):
    back = redirect("monitoring_review", survey.code, response.pk)
    reason = (request.POST.get("reason_text") or "").strip()
    if not reason:
        messages.error(
            request, _("Sửa phiếu phải ghi lý do (ví dụ: «nhập sai so với phiếu giấy»).")
        )
        return back
    if q is None:
        raise Http404(_("Bảng hỏi của phiếu chưa có mô hình, không sửa được."))
    answers, errors = reviewqueue.answers_from_form(q, response.answers, request.POST)
    if errors:
        for e in errors[:5]:
            messages.error(request, e)
        return back
    if answers == (response.answers or {}):
        messages.info(request, _("Không có câu trả lời nào thay đổi."))
        return back
    try:
        services.correct(response, request.user, answers, reason)
    except DoorError as exc:
        messages.error(request, exc.message)
        return back
    messages.success(request, _("Đã lưu phần sửa của phiếu %(s)s.") % {"s": response})
    return back


@requires("survey.manage")
@require_POST
def recheck(request, code):
    survey = get_survey(request.user, code)
    n, job = services.start_recheck(survey, request.user)
    if job is not None:
        messages.info(
            request,
            _(
                "Khảo sát nhiều phiếu: đang kiểm tra lại ở chế độ nền (việc số %(id)s); tải lại "
                "trang này sau vài phút."
            )
            % {"id": job.pk},
        )
    else:
        messages.success(request, _("Đã kiểm tra lại toàn bộ phiếu: %(n)s cảnh báo.") % {"n": n})
    return redirect("monitoring_queue", survey.code)


# -- dispositions ------------------------------------------------------------------------------


@requires("results.view")
def dispositions(request, code):
    survey = get_survey(request.user, code)
    units = list(visible_units(request.user, survey).order_by("kind", "code"))
    d = services.dispositions_for(survey, units)
    reasons = [(c, label) for c, label in d.reasons if d.total.rejected_by_reason.get(c)]
    rows = [
        {"row": r, "by_reason": [r.rejected_by_reason.get(c, 0) for c, _l in reasons]}
        for r in d.rows
    ]
    return render(
        request,
        "monitoring/dispositions.html",
        {
            "survey": survey,
            "d": d,
            "rows": rows,
            "reasons": reasons,
            "total_by_reason": [d.total.rejected_by_reason.get(c, 0) for c, _l in reasons],
        },
    )


# -- rules ------------------------------------------------------------------------------------


@requires("survey.manage")
@require_http_methods(["GET", "POST"])
def rules(request, code):
    survey = get_survey(request.user, code)
    version = survey.questionnaires.order_by("-created_at", "-id").first()
    if request.method == "POST" and request.POST.get("toggle"):
        rulebook.toggle(survey, request.POST["toggle"], request.user)
        return redirect("monitoring_rules", survey.code)
    if request.method == "POST":
        added = rulebook.add(survey, version, request.POST, request.user)
        if added.rule is not None:
            messages.success(request, added.message)
            return redirect("monitoring_rules", survey.code)
        messages.error(request, added.problem)  # the page again with what was typed
    q = services.questionnaire_for(version) if version else None
    stored, sheet_rules = rulebook.described(survey, q)
    return render(
        request,
        "monitoring/rules.html",
        {
            "survey": survey,
            "rules": stored,
            "examples": services.rule_examples(version) if version else [],
            "form": request.POST if request.method == "POST" else {},
            "sheet_rules": sheet_rules,
            "catalogue": RULES.values(),
            "severities": Severity.choices,
        },
    )


# -- audit ------------------------------------------------------------------------------------


@requires("audit.view")
@require_GET
def audit(request, code):
    survey = get_survey(request.user, code)
    g = request.GET
    found = auditlog.select(survey, g)
    if g.get("format") == "csv":
        resp = HttpResponse(content_type="text/csv; charset=utf-8")
        attach(resp, auditlog.csv_name(survey, found.everything))
        auditlog.write_csv(resp, survey, found, request.user)
        return resp
    verdict = audit_proof.verify()  # the same check as `khaosat audit verify`
    query = g.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "monitoring/audit.html",
        {
            "survey": survey,
            **auditlog.page_of(survey, found.events, g.get("page", "1")),
            "bad": verdict.event,
            "verdict": verdict,
            "errors": found.errors,
            "actions": auditlog.action_choices(),
            "f": g,
            "everything": found.everything,
            "query": query.urlencode(),
            "units": survey.units.order_by("code"),
        },
    )

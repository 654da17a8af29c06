"""Monitoring pages: progress, the review queue and one response's review, dispositions,
check rules, and the audit log (with CSV export and chain verification)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khaosat.quality import progress as P
from khaosat.quality.dispositions import REJECT_REASONS
from khaosat.quality.errors import QualityError
from khaosat.quality.flags import RULES, SEVERITY_ORDER
from khaosat.questionnaire.errors import QuestionnaireError
from khaosat.safety import cells
from khaosat.web.core import audit as audit_proof
from khaosat.web.core.downloads import attach
from khaosat.web.core.models import AuditEvent, Response
from khaosat.web.core.scope import get_survey, has_perm, requires, visible_units
from khaosat.web.monitoring import reviewqueue, services
from khaosat.web.monitoring.models import CheckRule, QualityFlag, Severity
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
    flags = sorted(response.quality_flags.all(), key=lambda f: SEVERITY_ORDER[f.severity])
    unit_flags = QualityFlag.objects.filter(
        survey=survey, response__isnull=True, unit=response.unit
    )
    flagged_fields = {name for f in flags for name in f.fields}
    from khaosat.web.core.auditlabels import action_label

    history = list(
        AuditEvent.objects.filter(object_type="response", object_id=str(response.pk)).order_by(
            "-id"
        )[:20]
    )
    for ev in history:
        ev.action_label = action_label(ev.action)
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
            "history": history,
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
    reason = (request.POST.get("reason_text") or "").strip()
    if not reason:
        messages.error(
            request, _("Sửa phiếu phải ghi lý do (ví dụ: «nhập sai so với phiếu giấy»).")
        )
        return redirect("monitoring_review", survey.code, response.pk)
    if q is None:
        raise Http404(_("Bảng hỏi của phiếu chưa có mô hình, không sửa được."))
    answers = dict(response.answers or {})
    errors = []
    for question in q.value_questions():
        key = f"ans_{question.name}"
        if key not in request.POST or question.type == "calculate":
            continue
        raw = request.POST[key].strip()
        try:
            value = q.coerce(question.name, raw.split() if question.is_multiple else raw)
        except QuestionnaireError as exc:
            errors.append(exc.message)
            continue
        if value is None:
            answers.pop(question.name, None)
        else:
            answers[question.name] = value
    if errors:
        for e in errors[:5]:
            messages.error(request, e)
        return redirect("monitoring_review", survey.code, response.pk)
    from khaosat.web.capture.door import DoorError

    if answers == (response.answers or {}):
        messages.info(request, _("Không có câu trả lời nào thay đổi."))
        return redirect("monitoring_review", survey.code, response.pk)
    try:
        services.correct(response, request.user, answers, reason)
    except DoorError as exc:
        messages.error(request, exc.message)
        return redirect("monitoring_review", survey.code, response.pk)
    messages.success(request, _("Đã lưu phần sửa của phiếu %(s)s.") % {"s": response})
    return redirect("monitoring_review", survey.code, response.pk)


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
    q = services.questionnaire_for(version) if version else None
    if request.method == "POST":
        if request.POST.get("toggle"):
            rule = get_object_or_404(CheckRule, survey=survey, pk=request.POST["toggle"])
            rule.active = not rule.active
            rule.save(update_fields=["active"])
            AuditEvent.record(
                "checkrule.update",
                rule,
                user=request.user,
                survey=survey,
                old={"active": not rule.active},
                new={"active": rule.active},
            )
            return redirect("monitoring_rules", survey.code)
        name = (request.POST.get("name") or "").strip()
        expression = (request.POST.get("expression") or "").strip()
        message = (request.POST.get("message") or "").strip()
        severity = request.POST.get("severity") or Severity.WARNING
        problem = None
        if not name or not expression:
            problem = _("Quy tắc cần tên và biểu thức.")
        elif CheckRule.objects.filter(survey=survey, name=name).exists():
            problem = _("Đã có quy tắc tên «%(n)s»; hãy đặt tên khác.") % {"n": name}
        elif q is None:
            problem = _("Khảo sát chưa có bảng hỏi: nạp bảng hỏi trước khi đặt quy tắc.")
        else:
            try:
                fires = services.check_new_rule(version, expression, message)
            except QualityError as exc:
                problem = exc.message
        if problem:
            messages.error(request, problem)
        else:
            rule = CheckRule.objects.create(
                survey=survey,
                name=name[:64],
                expression=expression,
                message=message,
                severity=severity if severity in Severity.values else Severity.WARNING,
                wrong=True,
                created_by=request.user,
            )
            AuditEvent.record(
                "checkrule.create",
                rule,
                user=request.user,
                survey=survey,
                new={"name": rule.name, "expression": expression, "message": message},
            )
            messages.success(
                request,
                _(
                    "Đã thêm quy tắc (báo ở %(n)s trong %(total)s phiếu mô phỏng). Bấm «Kiểm tra "
                    "lại toàn bộ» để áp dụng cho phiếu đã có."
                )
                % {"n": fires, "total": services.RULE_SIMULATIONS},
            )
            return redirect("monitoring_rules", survey.code)
        # refused: the page again with what was typed, to be corrected
    sheet_rules = [dict(r) for r in q.checks] if q else []
    from khaosat.questionnaire.wording import describe_condition

    stored = list(survey.check_rules.all())
    for r in stored:
        r.description = describe_condition(q, r.expression) if q else r.expression
    for row in sheet_rules:
        text = row.get("expression") or row.get("constraint") or ""
        row["description"] = describe_condition(q, text)
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

ACTION_LABELS = {
    "response": "Phiếu",
    "account": "Tài khoản",
    "survey": "Khảo sát",
    "unit": "Đơn vị",
    "questionnaire": "Bảng hỏi",
    "plan": "Kế hoạch chọn mẫu",
    "sampling": "Chọn mẫu",
    "export": "Xuất dữ liệu",
    "quality": "Kiểm tra chất lượng",
    "checkrule": "Quy tắc kiểm tra",
    "audit": "Nhật ký",
    "auth": "Đăng nhập",
    "import": "Nhập bảng tính",
    "paper": "Phiếu giấy",
    "report": "Báo cáo",
}


def _parse_date(text: str, field: str, errors: list[str]) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        errors.append(
            _("Ô «%(f)s»: «%(t)s» không phải ngày dạng dd/mm/yyyy (ví dụ 28/05/2026).")
            % {"f": field, "t": text}
        )
        return None


@requires("audit.view")
@require_GET
def audit(request, code):
    survey = get_survey(request.user, code)
    g = request.GET
    everything = g.get("scope") == "all"
    qs = AuditEvent.objects.select_related("survey", "unit")
    if not everything:
        qs = qs.filter(survey=survey)
    errors: list[str] = []
    if g.get("user"):
        qs = qs.filter(username__icontains=g["user"].strip())
    if g.get("unit"):
        qs = qs.filter(unit__code=g["unit"].strip())
    if g.get("action"):
        a = g["action"].strip()
        qs = qs.filter(Q(action=a) | Q(action__startswith=a.rstrip(".") + "."))
    tz = timezone.get_current_timezone()
    start = _parse_date(g.get("from", ""), _("Từ ngày"), errors)
    end = _parse_date(g.get("to", ""), _("Đến ngày"), errors)
    if start:
        qs = qs.filter(at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end:
        qs = qs.filter(
            at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    qs = qs.order_by("-id")
    if g.get("format") == "csv":
        return _audit_csv(request, survey, qs, everything)
    verdict = audit_proof.verify()  # the same check as `khaosat audit verify`
    from khaosat.web.core.auditlabels import action_label as _action_label

    actions = [
        (a, _action_label(a))
        for a in sorted(set(AuditEvent.objects.values_list("action", flat=True).distinct()))
    ]
    try:
        page = max(int(g.get("page", "1")), 1)
    except ValueError:
        page = 1
    per = 100
    total = qs.count()
    events = list(qs[(page - 1) * per : page * per])
    from khaosat.web.core.auditlabels import action_label, describe, object_label
    from khaosat.web.results.dataset import questionnaire_of

    q = questionnaire_of(survey)
    for ev in events:
        ev.action_label = action_label(ev.action)
        ev.object_label = object_label(ev.object_type)
        answers = q if ev.object_type == "response" else None
        ev.old_text = describe(ev.old, answers)
        ev.new_text = describe(ev.new, answers)
    query = g.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "monitoring/audit.html",
        {
            "survey": survey,
            "events": events,
            "total": total,
            "page": page,
            "has_next": page * per < total,
            "bad": verdict.event,
            "verdict": verdict,
            "errors": errors,
            "actions": actions,
            "f": g,
            "everything": everything,
            "query": query.urlencode(),
            "units": survey.units.order_by("code"),
        },
    )


def _audit_csv(request, survey, qs, everything):
    resp = HttpResponse(content_type="text/csv; charset=utf-8")
    name = "nhat-ky-tat-ca" if everything else f"nhat-ky-{survey.code}"
    attach(resp, f"{name}.csv")
    resp.write("\ufeff")  # Excel opens UTF-8 with a BOM
    w = cells.writer(resp)
    w.writerow(
        [
            "id",
            "thoi_gian",
            "nguoi_dung",
            "hanh_dong",
            "doi_tuong",
            "ma_doi_tuong",
            "khao_sat",
            "don_vi",
            "cu",
            "moi",
            "ly_do",
            "hash",
        ]
    )
    for ev in qs.iterator():
        w.writerow(
            [
                ev.pk,
                timezone.localtime(ev.at).strftime("%d/%m/%Y %H:%M:%S"),
                ev.username,
                ev.action,
                ev.object_type,
                ev.object_id,
                ev.survey.code if ev.survey else "",
                ev.unit.code if ev.unit else "",
                "" if ev.old is None else _json(ev.old),
                "" if ev.new is None else _json(ev.new),
                ev.reason,
                ev.hash,
            ]
        )
    AuditEvent.record(
        "audit.export",
        user=request.user,
        survey=None if everything else survey,
        object_type="auditevent",
        new={"rows": qs.count(), "scope": "all" if everything else survey.code},
    )
    return resp


def _json(v) -> str:
    import json

    return json.dumps(v, ensure_ascii=False, sort_keys=True)

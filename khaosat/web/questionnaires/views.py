"""Questionnaire pages: versions, upload with every error shown, downloads, what changed."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from khaosat.questionnaire.diff import diff
from khaosat.questionnaire.wording import describe_condition
from khaosat.questionnaire.xlsform import to_xform, to_xlsx_bytes
from khaosat.safety import cells
from khaosat.safety.workbooks import macro_reason
from khaosat.web.core.downloads import attach
from khaosat.web.core.scope import get_survey, requires
from khaosat.web.questionnaires.services import definition_of, store_upload
from khaosat.web.questionnaires.word import anket_docx

MAX_UPLOAD = 10 * 1024 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _version(survey, version):
    qv = survey.questionnaires.filter(version=version).first()
    if qv is None:
        raise Http404(_("Không có phiên bản bảng hỏi này."))
    return qv


@requires("survey.view")
def questionnaire_list(request, code):
    survey = get_survey(request.user, code)
    versions = list(survey.questionnaires.order_by("-created_at", "-id"))
    return render(request, "questionnaires/list.html", {"survey": survey, "versions": versions})


@requires("survey.manage")
@require_POST
def questionnaire_upload(request, code):
    survey = get_survey(request.user, code)
    f = request.FILES.get("xlsform")
    if f is None:
        messages.error(request, _("Hãy chọn một tệp XLSForm (.xlsx, .xls, .csv hoặc .md)."))
        return redirect("questionnaire_list", code=survey.code)
    if f.size > MAX_UPLOAD:
        messages.error(request, _("Tệp quá lớn (tối đa 10 MB)."))
        return redirect("questionnaire_list", code=survey.code)
    result = store_upload(
        survey, f.read(), f.name, user=request.user, note=request.POST.get("note", "")
    )
    if result.version is None:
        versions = list(survey.questionnaires.order_by("-created_at", "-id"))
        return render(
            request,
            "questionnaires/list.html",
            {
                "survey": survey,
                "versions": versions,
                "result": result,
                "filename": f.name,
            },
            status=400,
        )
    messages.success(request, _("Đã lưu phiên bản %(v)s.") % {"v": result.version.version})
    if result.warnings:
        for w in result.warnings:
            messages.warning(request, f"{w.place}: {w.message}" if w.place else w.message)
    return redirect("questionnaire_detail", code=survey.code, version=result.version.version)


@requires("survey.view")
def questionnaire_detail(request, code, version):
    survey = get_survey(request.user, code)
    qv = _version(survey, version)
    q = definition_of(qv)
    lang = request.LANGUAGE_CODE
    rows = []
    for question in q.value_questions():
        labels = [(c.code, c.label(lang, q.default_language)) for c in q.choices_of(question)]
        rows.append(
            {
                "q": question,
                "label": question.label(lang, q.default_language),
                "choices": labels,
                "condition": describe_condition(q, question.relevant or ""),
            }
        )
    others = survey.questionnaires.exclude(pk=qv.pk).order_by("-created_at")
    preview_url = reverse("questionnaire_preview", args=[survey.code, qv.version])
    return render(
        request,
        "questionnaires/detail.html",
        {
            "survey": survey,
            "qv": qv,
            "q": q,
            "rows": rows,
            "others": others,
            "preview_url": preview_url,
        },
    )


@requires("survey.view")
def questionnaire_download(request, code, version, fmt):
    survey = get_survey(request.user, code)
    qv = _version(survey, version)
    base = f"{qv.form_id or survey.code}-{qv.version}"
    if fmt == "xlsx":
        name = qv.filename or f"{base}.xlsx"
        data = bytes(qv.xlsform)
        if macro_reason(data, name):  # stored before macros were refused: serve it plain
            data = to_xlsx_bytes(definition_of(qv))
            name = f"{name.rsplit('.', 1)[0]}.xlsx"
        resp = HttpResponse(data, content_type="application/octet-stream")
        attach(resp, name)
        return resp
    q = definition_of(qv)
    if fmt == "docx":  # the Anket in Word, for the leadership to review before printing
        resp = HttpResponse(anket_docx(survey, q), content_type=DOCX)
        attach(resp, f"{base}-phieu.docx")
        return resp
    if fmt == "xml":
        resp = HttpResponse(to_xform(q), content_type="application/xml; charset=utf-8")
        attach(resp, f"{base}.xml")
        return resp
    if fmt == "codebook.csv":
        buf = io.StringIO()
        buf.write("\ufeff")  # Excel reads UTF-8 with a BOM
        w = cells.writer(buf)
        w.writerow(["bien", "kieu", "cau_hoi", "ma", "nhan"])
        for question in q.value_questions():
            label = question.label(None, q.default_language)
            choices = q.choices_of(question)
            if not choices:
                w.writerow([question.name, question.type, label, "", ""])
            for c in choices:
                w.writerow(
                    [question.name, question.type, label, c.code, c.label(None, q.default_language)]
                )
        resp = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
        attach(resp, f"{base}-codebook.csv")
        return resp
    raise Http404()


@requires("survey.view")
def questionnaire_diff(request, code, version, other):
    survey = get_survey(request.user, code)
    new, old = _version(survey, version), _version(survey, other)
    changes = diff(definition_of(old), definition_of(new))
    return render(
        request,
        "questionnaires/diff.html",
        {
            "survey": survey,
            "new": new,
            "old": old,
            "changes": changes,
        },
    )


@requires("survey.view")
def questionnaire_preview(request, code, version):
    """The form as a respondent sees it (the capture area's interview form), nothing saved."""
    from khaosat.web.capture.door import DoorError, rules_for

    survey = get_survey(request.user, code)
    qv = _version(survey, version)
    try:
        spec = rules_for(qv).spec()
    except DoorError as exc:
        messages.error(request, exc.message)
        return redirect("questionnaire_detail", code=survey.code, version=qv.version)
    return render(
        request, "questionnaires/preview.html", {"survey": survey, "qv": qv, "spec": spec}
    )

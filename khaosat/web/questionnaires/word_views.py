"""Pages of a Word Anket upload: read it, show the review list, save it or download the draft.
Decisions live in word.py."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from khaosat.web.core.downloads import attach
from khaosat.web.core.scope import get_survey, requires
from khaosat.web.questionnaires import word

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(request, survey, read=None, status=200, result=None):
    read = read or word.kept(request.session, survey)
    context = {"survey": survey, "read": read, "result": result}
    if read is not None and read.questionnaire is not None:
        context["rows"] = word.question_rows(read.questionnaire)
        context["to_check"] = [r for r in read.review if r.level in ("error", "check")]
        context["has_errors"] = any(r.level == "error" for r in read.review)
    return render(request, "questionnaires/word.html", context, status=status)


@requires("survey.manage")
def questionnaire_word(request, code):
    """GET: the upload form and the draft kept, with its review. POST: read an upload."""
    survey = get_survey(request.user, code)
    if request.method != "POST":
        return _page(request, survey)
    f = request.FILES.get("anket")
    if f is None:
        messages.error(request, _("Hãy chọn một phiếu Word (.docx)."))
        return redirect("questionnaire_word", code=survey.code)
    if f.size > word.LIMITS.max_bytes:
        read = word.WordRead(filename=f.name, refused=_("Tệp quá lớn (tối đa 10 MB)."))
        return _page(request, survey, read, status=400)
    read = word.read_upload(f.read(), f.name)
    if read.refused:
        return _page(request, survey, read, status=400)
    word.keep(request.session, survey, read)
    return redirect("questionnaire_word", code=survey.code)


@requires("survey.manage")
@require_POST
def questionnaire_word_save(request, code):
    survey = get_survey(request.user, code)
    result = word.save(survey, request.session, request.user)
    if result is None:
        messages.error(request, _("Không còn bản nháp nào để lưu; hãy tải phiếu Word lên lại."))
        return redirect("questionnaire_word", code=survey.code)
    if result.version is None:
        return _page(request, survey, status=400, result=result)
    messages.success(request, _("Đã lưu phiên bản %(v)s.") % {"v": result.version.version})
    return redirect("questionnaire_detail", code=survey.code, version=result.version.version)


@requires("survey.manage")
def questionnaire_word_draft(request, code):
    """The kept draft as an XLSForm (to finish in Excel and upload as a version)."""
    survey = get_survey(request.user, code)
    read = word.kept(request.session, survey)
    if read is None:
        messages.error(request, _("Không còn bản nháp nào; hãy tải phiếu Word lên lại."))
        return redirect("questionnaire_word", code=survey.code)
    return attach(HttpResponse(word.draft_xlsx(read), content_type=XLSX), word.xlsx_name(read))


@requires("survey.manage")
@require_POST
def questionnaire_word_edit(request, code):
    """Go on in the browser editor with the draft read from Word."""
    survey = get_survey(request.user, code)
    if not word.to_editor(request.session, survey):
        messages.error(request, _("Không còn bản nháp nào; hãy tải phiếu Word lên lại."))
        return redirect("questionnaire_word", code=survey.code)
    return redirect("questionnaire_editor", code=survey.code)

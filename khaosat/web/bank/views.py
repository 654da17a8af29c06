"""The question bank page of a survey: save its questions to the bank, pick bank questions."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from khaosat.web.bank import services
from khaosat.web.core.scope import get_survey, requires, visible_surveys
from khaosat.web.questionnaires.services import current_version


@requires("survey.manage")
def bank_page(request, code, problems=None, status=200):
    survey = get_survey(request.user, code)
    text = request.GET.get("tim", "")
    surveys = visible_surveys(request.user)
    asked = request.GET.get("so_voi", "")
    context = {
        "survey": survey,
        "current": current_version(survey),
        "form_rows": services.form_rows(survey),
        "entries": services.bank_rows(survey, text),
        "search": text,
        "problems": problems or [],
        "max_list": services.MAX_LIST,
        "others": surveys.exclude(pk=survey.pk).order_by("-created_at"),
        "comparison": services.comparison(survey, surveys, asked),
        "compare_asked": asked,
    }
    return render(request, "bank/bank.html", context, status=status)


def _done(request, survey, outcome):
    for line in outcome.lines:
        messages.info(request, line)
    if outcome.version is not None:
        messages.success(
            request, _("Đã lưu phiên bản bảng hỏi %(v)s.") % {"v": outcome.version.version}
        )
    return redirect("bank", code=survey.code)


@requires("survey.manage")
@require_POST
def bank_add(request, code):
    survey = get_survey(request.user, code)
    try:
        outcome = services.save_to_bank(survey, request.POST.getlist("name"), request.user)
    except services.BankRefused as exc:
        return bank_page(request, code, exc.messages, status=400)
    return _done(request, survey, outcome)


@requires("survey.manage")
@require_POST
def bank_pick(request, code):
    survey = get_survey(request.user, code)
    try:
        outcome = services.pick_into(survey, services.parse_picks(request.POST), request.user)
    except services.BankRefused as exc:
        return bank_page(request, code, exc.messages, status=400)
    return _done(request, survey, outcome)

"""The questionnaire editor page: one draft per survey and person, kept in the session (so a
reload loses nothing), edited by plain forms (the page works without script; editor.js adds
drag-and-drop reordering and the dependent answer dropdown). Decisions live in editor_services.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from khaosat.web.core.scope import get_survey, requires
from khaosat.web.questionnaires import editor_services as E
from khaosat.web.questionnaires.services import current_version, definition_of


def _key(survey) -> str:
    return f"questionnaire-editor:{survey.code}"


def _start(request, survey, draft):
    if request.POST.get("from") == "current" and current_version(survey) is not None:
        qv = current_version(survey)
        return E.draft_from(definition_of(qv), base=qv.version)
    qv = current_version(survey)  # a new start keeps the survey's form id (ODK knows it)
    return E.empty_draft(survey.title, qv.form_id if qv else survey.code.replace("-", "_"))


def _save(request, survey, draft):
    qv = E.save_draft(survey, draft, user=request.user)
    request.session.pop(_key(survey), None)
    messages.success(request, _("Đã lưu phiên bản %(v)s.") % {"v": qv.version})
    return redirect("questionnaire_detail", code=survey.code, version=qv.version)


def _item_action(fn):
    def run(request, survey, draft):
        fn(draft, request.POST.get("item", ""), request)
        return draft

    return run


ACTIONS = {
    "start": _start,
    "title": lambda r, s, d: E.set_title(d, r.POST) or d,
    "update": _item_action(lambda d, i, r: E.update_item(d, i, r.POST)),
    "add": lambda r, s, d: E.add_item(d, r.POST.get("kind", ""), r.POST.get("after", "")) and d,
    "move": _item_action(lambda d, i, r: E.move_item(d, i, r.POST.get("way", ""))),
    "delete": _item_action(lambda d, i, r: E.delete_item(d, i)),
    "reorder": lambda r, s, d: E.reorder(d, r.POST.getlist("order")) or d,
    "discard": lambda r, s, d: None,
}


@requires("survey.manage")
def questionnaire_editor(request, code):
    """GET: the draft, its problems and its preview. POST: one edit, then back to the page."""
    survey = get_survey(request.user, code)
    draft = request.session.get(_key(survey))
    if request.method != "POST":
        return _page(request, survey, draft, request.GET.get("item", ""))
    action = request.POST.get("action", "")
    if action not in ACTIONS and action != "save" or (draft is None and action != "start"):
        messages.error(request, _("Bản nháp không còn (hoặc thao tác không rõ); hãy bắt đầu lại."))
        return redirect("questionnaire_editor", code=survey.code)
    try:
        if action == "save":
            return _save(request, survey, draft)
        new = ACTIONS[action](request, survey, draft)
    except E.EditError as exc:
        item_id = request.POST.get("item", "")
        return _page(request, survey, draft, item_id, exc, status=400)
    if new is None:
        request.session.pop(_key(survey), None)
    else:
        request.session[_key(survey)] = new
    return redirect(_back(survey, action, new, request.POST))


def _back(survey, action: str, draft, post) -> str:
    url = reverse("questionnaire_editor", args=[survey.code])
    if draft is None:
        return url
    item = f"i{draft['seq']}" if action == "add" else post.get("item", "")
    return f"{url}?item={item}#item-{item}" if item else url


def _page(request, survey, draft, item_id, error: E.EditError | None = None, status=200):
    ctx = {"survey": survey, "draft": draft, "current": current_version(survey)}
    if draft is not None:
        q, findings = E.check_draft(draft)
        ctx.update(E.page_context(draft, q, findings, item_id, error))
        ctx["spec"] = E.preview_spec(q) if not any(f.is_error for f in findings) else None
    if error is not None and draft is None:
        ctx["edit_errors"] = error.messages
    return render(request, "questionnaires/editor.html", ctx, status=status)

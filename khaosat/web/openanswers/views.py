"""Pages of open answers: the list of open questions, a question's codebook with its answers,
and the coding queue (one key accepts, a digit picks a theme)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from khaosat.text import themes as T
from khaosat.web.core import jobs
from khaosat.web.core.models import Job
from khaosat.web.core.scope import get_survey, requires
from khaosat.web.openanswers import services
from khaosat.web.openanswers.models import AnswerCode, ThemeBook

MAX_TOML = 256 * 1024


def _question(survey, variable):
    q = services.questionnaire(survey)
    if q is None:
        raise Http404(_("Khảo sát chưa có bảng hỏi."))
    for x in services.open_questions(q):
        if x.name == variable:
            return q, x
    raise Http404(_("Không có câu hỏi mở này."))


def _lines(text: str) -> tuple[str, ...]:
    parts = [p.strip() for chunk in (text or "").splitlines() for p in chunk.split(",")]
    return tuple(p for p in parts if p)


@requires("text.code")
def home(request, code):
    survey = get_survey(request.user, code)
    q = services.questionnaire(survey)
    rows = []
    for x in services.open_questions(q) if q else []:
        rows.append(
            {
                "q": x,
                "label": x.label(),
                "themes": len(services.get_book(survey, x.name).themes),
                "counts": services.counts(survey, x.name),
            }
        )
    return render(request, "openanswers/home.html", {"survey": survey, "rows": rows})


@requires("text.code")
def question(request, code, variable):
    survey = get_survey(request.user, code)
    _q, x = _question(survey, variable)
    try:
        book = services.get_book(survey, variable)
    except T.CodebookError as e:
        messages.error(request, str(e))
        book = T.Codebook(variable=variable)
    grouped = services.by_theme(survey, variable)
    show = request.GET.get("theme", "")
    counts = services.counts(survey, variable)
    themes = [
        {
            "key": k,
            "code": c,
            "label": book.label(c),
            "theme": book.theme(c) if c in book.codes else None,
            "n": len(grouped.get(c, [])),
        }
        for k, c in enumerate(book.all_codes(), start=1)
    ]
    row = ThemeBook.objects.filter(survey=survey, variable=variable).first()
    job = (
        Job.objects.filter(survey=survey, kind="text.autocode", params__variable=variable)
        .order_by("-id")
        .first()
    )
    return render(
        request,
        "openanswers/question.html",
        {
            "survey": survey,
            "q": x,
            "label": x.label(),
            "book": book,
            "themes": themes,
            "counts": counts,
            "show": show,
            "shown": grouped.get(show, [])[:200] if show else [],
            "suggestions": row.suggestions if row else [],
            "job": job if job and job.status in (Job.Status.PENDING, Job.Status.RUNNING) else None,
            "last_job": job,
        },
    )


@requires("text.code")
@require_POST
def edit(request, code, variable):
    """Add, update, remove, merge or split themes; upload a TOML codebook."""
    survey = get_survey(request.user, code)
    _question(survey, variable)
    action = request.POST.get("action", "")
    book = services.get_book(survey, variable)
    p = request.POST
    try:
        if action == "add":
            theme = T.Theme(
                p.get("code", "").strip(),
                p.get("label", "").strip(),
                _lines(p.get("keywords", "")),
                tuple(x.strip() for x in p.get("examples", "").splitlines() if x.strip()),
            )
            book, what = book.add(theme), _("Thêm chủ đề «%(l)s»") % {"l": theme.label}
        elif action == "update":
            old = book.theme(p.get("code", ""))
            theme = T.Theme(
                old.code,
                p.get("label", "").strip(),
                _lines(p.get("keywords", "")),
                tuple(x.strip() for x in p.get("examples", "").splitlines() if x.strip()),
                old.exclude,
            )
            book, what = book.update(theme), _("Sửa chủ đề «%(l)s»") % {"l": theme.label}
        elif action == "remove":
            old = book.theme(p.get("code", ""))
            book, what = book.remove(old.code), _("Bỏ chủ đề «%(l)s»") % {"l": old.label}
            services.move_codes(survey, variable, old.code, None)
        elif action == "merge":
            a, b = book.theme(p.get("source", "")), book.theme(p.get("into", ""))
            book = book.merge(a.code, b.code)
            what = _("Gộp «%(a)s» vào «%(b)s»") % {"a": a.label, "b": b.label}
            services.move_codes(survey, variable, a.code, b.code)
        elif action == "split":
            old = book.theme(p.get("source", ""))
            new = T.Theme(p.get("code", "").strip(), p.get("label", "").strip())
            words = list(_lines(p.get("keywords", "")))
            if not words:
                raise T.CodebookError(_("Hãy ghi các từ khóa chuyển sang chủ đề mới."))
            book = book.split(old.code, new, words)
            what = _("Tách «%(n)s» khỏi «%(o)s»") % {"n": new.label, "o": old.label}
        elif action == "upload":
            f = request.FILES.get("file")
            if f is None:
                raise T.CodebookError(_("Hãy chọn một tệp chủ đề (.toml)."))
            if f.size > MAX_TOML:
                raise T.CodebookError(_("Tệp chủ đề quá lớn (tối đa 256 KB)."))
            try:
                text = f.read().decode("utf-8-sig")
            except UnicodeDecodeError as e:
                raise T.CodebookError(_("Tệp chủ đề phải là văn bản UTF-8.")) from e
            book = T.loads(text, variable=variable)
            what = _("Nạp tệp chủ đề %(f)s") % {"f": f.name}
        else:
            raise T.CodebookError(_("Thao tác không hợp lệ."))
    except KeyError:
        messages.error(request, _("Không tìm thấy chủ đề đã chọn."))
        return redirect("openanswers_question", survey.code, variable)
    except T.CodebookError as e:
        messages.error(request, str(e))
        return redirect("openanswers_question", survey.code, variable)
    services.save_book(survey, variable, book, user=request.user, what=what)
    messages.success(request, what)
    return redirect("openanswers_question", survey.code, variable)


@requires("text.code")
def download(request, code, variable):
    survey = get_survey(request.user, code)
    _question(survey, variable)
    book = services.get_book(survey, variable)
    from khaosat.web.core.downloads import attach

    resp = HttpResponse(T.dumps(book), content_type="application/toml; charset=utf-8")
    return attach(resp, f"chu-de-{variable}.toml")


@requires("text.code")
@require_POST
def autocode(request, code, variable):
    survey = get_survey(request.user, code)
    _question(survey, variable)
    if not services.get_book(survey, variable).themes:
        messages.error(request, _("Câu này chưa có chủ đề nào: hãy thêm chủ đề trước khi mã hóa."))
        return redirect("openanswers_question", survey.code, variable)
    job = jobs.create(
        "text.autocode", user=request.user, survey=survey, params={"variable": variable}
    )
    jobs.start(job)
    messages.info(request, _("Đang mã hóa tự động các ý kiến; tiến độ hiện ở dưới."))
    return redirect("openanswers_question", survey.code, variable)


@requires("text.code")
@require_POST
def suggestions(request, code, variable):
    survey = get_survey(request.user, code)
    _question(survey, variable)
    action = request.POST.get("action", "run")
    try:
        if action == "run":
            found = services.suggest(survey, variable, user=request.user)
            if found:
                messages.success(request, _("Có %(n)s chủ đề gợi ý.") % {"n": len(found)})
            else:
                messages.info(
                    request, _("Không đủ ý kiến chưa thuộc chủ đề nào để gợi ý chủ đề mới.")
                )
        elif action == "accept":
            services.accept_suggestion(survey, variable, request.POST["code"], user=request.user)
            messages.success(request, _("Đã thêm chủ đề gợi ý vào bộ chủ đề."))
        elif action == "discard":
            services.discard_suggestion(survey, variable, request.POST["code"])
    except (services.CodeError, T.CodebookError, ThemeBook.DoesNotExist, KeyError) as e:
        messages.error(request, str(e) if not isinstance(e, KeyError) else _("Thiếu mã gợi ý."))
    return redirect("openanswers_question", survey.code, variable)


@requires("text.code")
def coding_queue(request, code, variable):
    """One answer at a time, least sure first. Enter keeps the proposed themes; a digit
    toggles a theme; the save moves on to the next answer."""
    survey = get_survey(request.user, code)
    _q, x = _question(survey, variable)
    book = services.get_book(survey, variable)
    if request.method == "POST":
        row = get_object_or_404(AnswerCode, pk=request.POST.get("pk"), response__survey=survey)
        try:
            services.set_manual(row, request.POST.getlist("themes"), user=request.user, book=book)
        except services.CodeError as e:
            messages.error(request, str(e))
            return redirect(f"{request.path}?pk={row.pk}")
        return redirect("openanswers_queue", survey.code, variable)
    pending = services.queue(survey, variable)
    pk = request.GET.get("pk")
    row = (
        get_object_or_404(AnswerCode, pk=pk, response__survey=survey, variable=variable)
        if pk
        else pending.first()
    )
    choices = [
        {
            "key": k if k <= 9 else None,
            "code": c,
            "label": book.label(c),
            "special": c in (T.OTHER, T.NO_OPINION),
        }
        for k, c in enumerate(book.all_codes(), start=1)
    ]
    text = ""
    if row is not None:
        text = (row.response.answers or {}).get(variable) or ""
    return render(
        request,
        "openanswers/queue.html",
        {
            "survey": survey,
            "q": x,
            "label": x.label(),
            "row": row,
            "text": text,
            "choices": choices,
            "left": pending.count(),
        },
    )

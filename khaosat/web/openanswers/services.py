"""Coding open answers in the web app: codebooks, automatic coding as a job, the coding
queue, manual codes (which always win, audited), suggestions, and the theme columns of the
analysis data set. The text work itself is `khaosat.text`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from khaosat.text import themes as T
from khaosat.text.coding import Coder, theme_column
from khaosat.web.core.models import AuditEvent, Response, Survey
from khaosat.web.openanswers.models import AnswerCode, ThemeBook

QUEUE_BELOW = Coder.queue_below  # an automatic code below this confidence waits for a person


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def open_questions(q) -> list:
    """The questionnaire's open (free text) questions, in order."""
    return [x for x in q.iter_questions() if x.type == "text" and not x.is_metadata]


def questionnaire(survey: Survey):
    """The model of the survey's current questionnaire version (None before the first)."""
    from khaosat.questionnaire.model import Questionnaire
    from khaosat.web.questionnaires.services import current_version

    qv = current_version(survey)
    return Questionnaire.from_dict(qv.definition) if qv and qv.definition else None


def get_book(survey: Survey, variable: str) -> T.Codebook:
    row = ThemeBook.objects.filter(survey=survey, variable=variable).first()
    if row is None or not row.toml.strip():
        return T.Codebook(variable=variable)
    return T.loads(row.toml, variable=variable)


def _labels(book: T.Codebook) -> dict[str, str]:
    return {t.code: t.label for t in book.themes}


def save_book(
    survey: Survey, variable: str, book: T.Codebook, *, user=None, what: str = ""
) -> ThemeBook:
    """Store a codebook (audited with the themes' labels before and after)."""
    old = get_book(survey, variable)
    with transaction.atomic():
        row, _ = ThemeBook.objects.get_or_create(survey=survey, variable=variable)
        row.toml = T.dumps(book)
        row.updated_by = user if getattr(user, "is_authenticated", False) else None
        row.save()
        AuditEvent.record(
            "text.codebook",
            row,
            user=user,
            survey=survey,
            old={"chủ đề": _labels(old)},
            new={"chủ đề": _labels(book)},
            reason=what,
        )
    return row


def load_shipped_books(survey: Survey, folder: Path, user=None) -> int:
    """Codebooks shipped with a survey folder (`themes/<variable>.toml`)."""
    n = 0
    for path in sorted(Path(folder).glob("themes/*.toml")):
        book = T.load(path, variable=path.stem)
        if not ThemeBook.objects.filter(
            survey=survey, variable=book.variable or path.stem
        ).exists():
            save_book(
                survey, book.variable or path.stem, book, user=user, what=f"Nạp từ {path.name}"
            )
            n += 1
    return n


def answers(survey: Survey, variable: str) -> list[tuple[Response, str]]:
    """Valid (not rejected) responses with a written answer to `variable`."""
    out = []
    qs = survey.responses.exclude(status=Response.Status.REJECTED).only("id", "answers", "unit_id")
    for r in qs.order_by("id").iterator():
        text = (r.answers or {}).get(variable)
        if isinstance(text, str) and text.strip():
            out.append((r, text.strip()))
    return out


@dataclass(frozen=True)
class Counts:
    written: int
    coded: int
    manual: int
    queue: int


def counts(survey: Survey, variable: str) -> Counts:
    written = len(answers(survey, variable))
    qs = AnswerCode.objects.filter(response__survey=survey, variable=variable).exclude(
        response__status=Response.Status.REJECTED
    )
    return Counts(
        written,
        qs.count(),
        qs.filter(source=AnswerCode.Source.MANUAL).count(),
        queue(survey, variable).count(),
    )


def learned_examples(survey: Survey, variable: str) -> dict[str, list[str]]:
    """Answers a person coded, as extra examples of their themes."""
    out: dict[str, list[str]] = {}
    manual = AnswerCode.objects.filter(
        response__survey=survey, variable=variable, source=AnswerCode.Source.MANUAL
    ).select_related("response")
    for code in manual:
        text = (code.response.answers or {}).get(variable)
        if not isinstance(text, str):
            continue
        for theme in code.themes:
            out.setdefault(theme, []).append(text)
    return out


def autocode(
    survey: Survey, variable: str, *, user=None, model: str = "tfidf", progress=None
) -> dict:
    """Code every written answer; manual codes stay as the person left them."""
    book = get_book(survey, variable)
    if not book.themes:
        raise ValueError(
            "Câu này chưa có chủ đề nào: hãy thêm chủ đề (hoặc nạp tệp chủ đề) trước khi mã hóa."
        )
    items = answers(survey, variable)
    existing = {
        c.response_id: c
        for c in AnswerCode.objects.filter(response__survey=survey, variable=variable)
    }
    todo = [(r, t) for r, t in items if getattr(existing.get(r.pk), "source", "") != "manual"]
    coder = Coder(book, model=model, learned=learned_examples(survey, variable))
    got = coder.code([t for _, t in todo], progress)
    new, changed = [], []
    for (r, text), a in zip(todo, got, strict=True):
        row = existing.get(r.pk)
        if row is None:
            new.append(
                AnswerCode(
                    response=r,
                    variable=variable,
                    text_sha256=_sha(text),
                    themes=list(a.themes),
                    confidence=a.confidence,
                )
            )
        else:
            row.text_sha256, row.themes, row.confidence = _sha(text), list(a.themes), a.confidence
            changed.append(row)
    with transaction.atomic():
        AnswerCode.objects.bulk_create(new, batch_size=500)
        AnswerCode.objects.bulk_update(
            changed, ["text_sha256", "themes", "confidence", "updated_at"], batch_size=500
        )
        low = sum(a.confidence < QUEUE_BELOW for a in got)
        result = {
            "coded": len(got),
            "manual_kept": len(items) - len(todo),
            "queue": low,
            "model": model,
        }
        AuditEvent.record(
            "text.autocode",
            object_type="câu hỏi",
            object_id=variable,
            user=user,
            survey=survey,
            new={"số ý kiến đã mã hóa": len(got), "cần người xem": low},
        )
    return result


def queue(survey: Survey, variable: str):
    """Automatic codes a person should look at, least sure first."""
    return (
        AnswerCode.objects.filter(
            response__survey=survey,
            variable=variable,
            source=AnswerCode.Source.AUTO,
            confidence__lt=QUEUE_BELOW,
        )
        .exclude(response__status=Response.Status.REJECTED)
        .select_related("response", "response__unit")
        .order_by("confidence", "id")
    )


class CodeError(ValueError):
    """A manual code that does not fit the codebook (message in Vietnamese)."""


def set_manual(code: AnswerCode, themes: list[str], *, user, book: T.Codebook) -> AnswerCode:
    """A person's codes for one answer: they replace the automatic ones, audited."""
    allowed = set(book.all_codes())
    themes = list(dict.fromkeys(t for t in themes if t))
    unknown = [t for t in themes if t not in allowed]
    if unknown:
        raise CodeError(f"Chủ đề không có trong bộ chủ đề: {', '.join(unknown)}.")
    if not themes:
        raise CodeError("Hãy chọn ít nhất một chủ đề (hoặc «Khác», «Không có ý kiến»).")
    specials = {T.OTHER, T.NO_OPINION}
    if len(themes) > 1 and specials & set(themes):
        raise CodeError("«Khác» và «Không có ý kiến» không đi cùng chủ đề khác.")
    old = {"chủ đề": [book.label(t) for t in code.themes if t in allowed], "nguồn": code.source}
    with transaction.atomic():
        code.themes = themes
        code.source = AnswerCode.Source.MANUAL
        code.confidence = 1.0
        code.coded_by = user
        code.save(update_fields=["themes", "source", "confidence", "coded_by", "updated_at"])
        AuditEvent.record(
            "text.code",
            code.response,
            user=user,
            survey=code.response.survey,
            unit=code.response.unit,
            old=old,
            new={"chủ đề": [book.label(t) for t in themes], "câu": code.variable},
        )
    return code


def code_for(response: Response, variable: str) -> AnswerCode:
    """The AnswerCode of a response's answer, created (uncoded, in the queue) if missing."""
    text = (response.answers or {}).get(variable) or ""
    row, _ = AnswerCode.objects.get_or_create(
        response=response,
        variable=variable,
        defaults={"text_sha256": _sha(str(text)), "themes": [T.OTHER], "confidence": 0.0},
    )
    return row


def by_theme(survey: Survey, variable: str) -> dict[str, list[tuple[AnswerCode, str]]]:
    """The coded answers of each theme (a code per answer may appear under several themes)."""
    out: dict[str, list[tuple[AnswerCode, str]]] = {}
    rows = (
        AnswerCode.objects.filter(response__survey=survey, variable=variable)
        .exclude(response__status=Response.Status.REJECTED)
        .select_related("response")
        .order_by("-confidence", "id")
    )
    for row in rows:
        text = (row.response.answers or {}).get(variable) or ""
        for t in row.themes:
            out.setdefault(t, []).append((row, str(text)))
    return out


def move_codes(survey: Survey, variable: str, source: str, into: str | None) -> int:
    """After a merge (or a removal, `into=None` → "khác"), answers coded `source` follow."""
    n = 0
    for row in AnswerCode.objects.filter(response__survey=survey, variable=variable):
        if source in row.themes:
            themes = [(into or T.OTHER) if t == source else t for t in row.themes]
            row.themes = list(dict.fromkeys(themes))
            if len(row.themes) > 1 and T.OTHER in row.themes:
                row.themes.remove(T.OTHER)
            row.save(update_fields=["themes", "updated_at"])
            n += 1
    return n


# --- suggestions ---------------------------------------------------------------------------


def suggest(survey: Survey, variable: str, *, user=None) -> list[dict]:
    """Propose themes from the answers coded "khác"; stored until accepted or discarded."""
    from khaosat.text.suggest import suggest_themes

    book = get_book(survey, variable)
    coded = {
        c.response_id: c.themes
        for c in AnswerCode.objects.filter(response__survey=survey, variable=variable)
    }
    pool = [t for r, t in answers(survey, variable) if coded.get(r.pk, [T.OTHER]) == [T.OTHER]]
    found = suggest_themes(pool, taken_codes=book.codes)
    items = [
        {
            "code": s.theme.code,
            "label": s.theme.label,
            "keywords": list(s.theme.keywords),
            "examples": list(s.representatives),
            "size": s.size,
            "top_words": list(s.top_words),
        }
        for s in found
    ]
    row, _ = ThemeBook.objects.get_or_create(survey=survey, variable=variable)
    row.suggestions = items
    row.save(update_fields=["suggestions", "updated_at"])
    return items


def accept_suggestion(survey: Survey, variable: str, code: str, *, user) -> T.Codebook:
    row = ThemeBook.objects.get(survey=survey, variable=variable)
    item = next((s for s in row.suggestions if s["code"] == code), None)
    if item is None:
        raise CodeError("Gợi ý này không còn (đã nhận hoặc bỏ).")
    book = get_book(survey, variable).add(
        T.Theme(item["code"], item["label"], tuple(item["keywords"]), tuple(item["examples"]))
    )
    save_book(survey, variable, book, user=user, what=f"Nhận chủ đề gợi ý «{item['label']}»")
    row.refresh_from_db()
    row.suggestions = [s for s in row.suggestions if s["code"] != code]
    row.save(update_fields=["suggestions", "updated_at"])
    return book


def discard_suggestion(survey: Survey, variable: str, code: str) -> None:
    row = ThemeBook.objects.get(survey=survey, variable=variable)
    row.suggestions = [s for s in row.suggestions if s["code"] != code]
    row.save(update_fields=["suggestions", "updated_at"])


# --- the analysis data set -----------------------------------------------------------------


def theme_columns(survey: Survey, responses: list[Response]) -> dict[str, list]:
    """0/1 columns `<variable>_theme_<code>` for every coded open question, in the order of
    `responses` (missing where the answer is blank or not coded yet)."""
    books = {b.variable: b for b in ThemeBook.objects.filter(survey=survey) if b.toml.strip()}
    if not books:
        return {}
    codes: dict[tuple[int, str], list[str]] = {
        (c.response_id, c.variable): c.themes
        for c in AnswerCode.objects.filter(response__survey=survey, variable__in=list(books)).only(
            "response_id", "variable", "themes"
        )
    }
    cols: dict[str, list] = {}
    for variable, row in books.items():
        book = T.loads(row.toml, variable=variable)
        if not any(v == variable for _, v in codes):
            continue
        for c in book.all_codes():
            name = theme_column(variable, c)
            cols[name] = [
                None if (r.pk, variable) not in codes else int(c in codes[(r.pk, variable)])
                for r in responses
            ]
    return cols


def register_jobs() -> None:
    from khaosat.web.core import jobs

    @jobs.job("text.autocode")
    def _autocode_job(job, progress):
        try:
            return autocode(
                job.survey,
                job.params["variable"],
                user=job.created_by,
                model=job.params.get("model", "tfidf"),
                progress=progress,
            )
        except (ValueError, RuntimeError) as e:
            raise jobs.JobError(str(e)) from e


# --- the report ----------------------------------------------------------------------------

# Where a coded open question goes in the report, unless the report settings say otherwise
# ([open_answers] section = ["question", …]): what pleases people with the results, what does
# not with the causes, their proposals with the recommendations.
REPORT_PLACES = {"results": ["g1"], "causes": ["g2"], "recommendations": ["g3"]}
_HEADINGS = {
    "results": ("Điều người trả lời hài lòng nhất (ý kiến ghi vào phiếu)", ""),
    "causes": (
        "Điều người trả lời chưa hài lòng nhất (ý kiến ghi vào phiếu)",
        "Ý kiến tự ghi của người trả lời cho thấy nguyên nhân từ phía người dân cảm nhận.",
    ),
    "recommendations": (
        "Kiến nghị, đề xuất của người trả lời (ý kiến ghi vào phiếu)",
        "Các kiến nghị dưới đây là ý kiến tự ghi của người trả lời, được tổng hợp theo chủ đề.",
    ),
}


def report_extensions(survey: Survey, cfg: dict | None = None) -> dict[str, list]:
    """Section extensions of the report for the survey's coded open questions."""
    from khaosat.report.themes import theme_blocks

    places = (cfg or {}).get("open_answers") or REPORT_PLACES
    coded = set(
        AnswerCode.objects.filter(response__survey=survey).values_list("variable", flat=True)
    )
    out: dict[str, list] = {}
    for section, variables in places.items():
        for variable in variables:
            if variable not in coded:
                continue
            book = get_book(survey, variable)
            if not book.themes:
                continue
            heading, intro = _HEADINGS.get(section, (f"Ý kiến ở câu {variable.upper()}", ""))
            out.setdefault(section, []).append(
                theme_blocks(variable, book, heading=heading, intro=intro)
            )
    return out

"""A Word Anket uploaded in the questionnaires area: read it into a draft with its review list,
keep the draft for the person who uploaded it (session), download it as XLSForm or save it as
a new questionnaire version through `services.store_upload` (checked, audited, all or nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from khaosat.questionnaire.model import Group, Questionnaire
from khaosat.questionnaire.worddoc import DocumentRefused, DocxReadError, ReviewItem, read_docx
from khaosat.questionnaire.wording import describe_condition, printed_number, type_words
from khaosat.questionnaire.xlsform import to_xlsx_bytes
from khaosat.safety.documents import DEFAULT, DocumentLimits
from khaosat.web.questionnaires.services import UploadResult, store_upload

LIMITS: DocumentLimits = DEFAULT


@dataclass
class WordRead:
    """What reading an upload gave: the draft and its review, or one refusal sentence."""

    questionnaire: Questionnaire | None = None
    review: list[ReviewItem] = field(default_factory=list)
    filename: str = ""
    refused: str = ""


def _key(survey) -> str:
    return f"questionnaire-word:{survey.code}"


def read_upload(data: bytes, filename: str) -> WordRead:
    """Check the limits and read the document; a refusal is a sentence, never an exception."""
    if not filename.lower().endswith((".docx", ".docm", ".dotm", ".doc")):
        return WordRead(
            filename=filename,
            refused=f"Tệp {filename} không phải phiếu Word: hãy chọn tệp .docx.",
        )
    try:
        draft = read_docx(data, filename, limits=LIMITS)
    except (DocumentRefused, DocxReadError) as exc:
        return WordRead(filename=filename, refused=exc.message)
    return WordRead(draft.questionnaire, draft.review, filename)


def keep(session, survey, read: WordRead) -> None:
    """Keep the draft for this person and survey (one at a time; a new upload replaces it)."""
    session[_key(survey)] = {
        "filename": read.filename,
        "definition": read.questionnaire.to_dict() if read.questionnaire else None,
        "review": [
            {"place": r.place, "text": r.text, "message": r.message, "level": r.level}
            for r in read.review
        ],
    }


def kept(session, survey) -> WordRead | None:
    data = session.get(_key(survey))
    if not data or not data.get("definition"):
        return None
    return WordRead(
        Questionnaire.from_dict(data["definition"]),
        [ReviewItem(**r) for r in data["review"]],
        data["filename"],
    )


def forget(session, survey) -> None:
    session.pop(_key(survey), None)


def xlsx_name(read: WordRead) -> str:
    stem = re.sub(r"\.[^.]*$", "", read.filename) or "phieu"
    return f"{stem}-nhap.xlsx"


def draft_xlsx(read: WordRead) -> bytes:
    assert read.questionnaire is not None
    return to_xlsx_bytes(read.questionnaire)


def save(survey, session, user) -> UploadResult | None:
    """Save the kept draft as a new version (None when there is no draft)."""
    read = kept(session, survey)
    if read is None:
        return None
    note = f"Đọc từ phiếu Word {read.filename}"
    result = store_upload(survey, draft_xlsx(read), xlsx_name(read), user=user, note=note)
    if result.version is not None:
        forget(session, survey)
    return result


def anket_docx(survey, q: Questionnaire) -> bytes:
    """A version as a Word Anket in the commission's layout, with the survey's issuing body."""
    from khaosat.report.anket_docx import write_anket_docx
    from khaosat.web.results.reporting import report_settings

    return write_anket_docx(q, settings=report_settings(survey))


EDITOR_KEY = "questionnaire-editor:{code}"  # the editor's draft in the session (editor.py)


def to_editor(session, survey) -> bool:
    """Hand the kept draft to the browser editor (replacing its draft); False when none."""
    from khaosat.web.questionnaires.editor_services import draft_from

    read = kept(session, survey)
    if read is None or read.questionnaire is None:
        return False
    session[EDITOR_KEY.format(code=survey.code)] = draft_from(read.questionnaire)
    forget(session, survey)
    return True


def question_rows(q: Questionnaire) -> list[dict]:
    """What was read, as the page lists it: number, text, kind, answers, when it is asked."""
    in_matrix = {
        c.name for g in q.iter_groups() if g.appearance == "table-list" for c in g.children
    }
    rows = []
    for it in q.iter_items():
        if isinstance(it, Group) and it.appearance != "table-list":
            rows.append({"section": it.label()})
            continue
        if isinstance(it, Group):
            kind, answers = "bảng nhiều dòng", [c.label() for c in q.choices_of(it.children[0])]
        elif it.type == "note":
            continue
        else:
            kind = type_words(it.type)
            if "count-selected" in it.constraint:
                kind += " (có giới hạn số phương án)"
            answers = [f"{c.name}. {c.label()}" for c in q.choices_of(it)]
        rows.append(
            {
                "number": "" if it.name in in_matrix else printed_number(it),  # type: ignore[arg-type]
                "label": it.label(),
                "kind": kind,
                "answers": answers if it.name not in in_matrix else [],
                "condition": describe_condition(q, it.relevant or ""),
            }
        )
    return rows

"""Word Anket -> draft questionnaire (see docs/questionnaire.md).

`read_docx(data, filename)` reads a .docx questionnaire as the commission writes it (numbered
questions, "☐" or "1." options, instructions in words, tables for matrices) into a draft
`Questionnaire` and a review list: every element not read with confidence, with its page and
paragraph. The draft is checked with the XLSForm checker and its errors join the review.
The Word writer (`khaosat questionnaire to-docx`) is `khaosat.report.anket_docx`: it prints
in the Party document format of the report area, which this area may not import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from khaosat.questionnaire.model import Questionnaire
from khaosat.questionnaire.worddoc.blocks import DocxReadError, read_blocks
from khaosat.questionnaire.worddoc.build import Builder, name_of
from khaosat.questionnaire.worddoc.parse import Parser
from khaosat.questionnaire.worddoc.review import ReviewItem
from khaosat.safety.documents import DEFAULT, DocumentLimits, DocumentRefused, check_docx

__all__ = [
    "DocxDraft",
    "DocxReadError",
    "checker_review",
    "DocumentRefused",
    "ReviewItem",
    "name_of",
    "read_docx",
]


@dataclass
class DocxDraft:
    """The draft questionnaire of a Word Anket and what a person must review."""

    questionnaire: Questionnaire
    review: list[ReviewItem] = field(default_factory=list)

    @property
    def errors(self) -> list[ReviewItem]:
        return [r for r in self.review if r.level == "error"]

    @property
    def to_check(self) -> list[ReviewItem]:
        """What needs a person's look: errors of the checker and readings without confidence."""
        return [r for r in self.review if r.level in ("error", "check")]


def _form_id(filename: str) -> str:
    from khaosat.questionnaire.worddoc.words import fold

    stem = re.sub(r"\.[^.]*$", "", filename.rsplit("/", 1)[-1]) or "phieu"
    slug = re.sub(r"[^a-z0-9]+", "_", fold(stem)).strip("_")
    return slug if slug and slug[0].isalpha() else f"phieu_{slug}".rstrip("_")


def read_docx(
    data: bytes, filename: str = "", limits: DocumentLimits = DEFAULT, check: bool = True
) -> DocxDraft:
    """Read a Word Anket; DocumentRefused/DocxReadError when the file cannot be read."""
    check_docx(data, filename, limits)
    blocks = read_blocks(data, filename)
    raw = Parser(blocks).run()
    builder = Builder(raw, _form_id(filename or "phieu"))
    q = builder.run()
    draft = DocxDraft(q, builder.review)
    if not any(True for _ in q.iter_questions()):
        draft.review.append(
            ReviewItem("cả tệp", "", "Không tìm thấy câu hỏi nào có số (Câu 1., 1., A1.).")
        )
    if check:
        draft.review.extend(checker_review(q))
    return draft


def checker_review(q: Questionnaire) -> list[ReviewItem]:
    """The checker's errors (and warnings, as notes) of a draft, as review lines."""
    from khaosat.questionnaire.check import check_source
    from khaosat.questionnaire.xlsform import to_xlsx_bytes

    _, issues = check_source(to_xlsx_bytes(q), "nhap.xlsx")
    out = []
    for issue in issues:
        where = f"bảng hỏi nháp, ô {issue.place}" if issue.place else "bảng hỏi nháp"
        out.append(ReviewItem(where, "", issue.message, "error" if issue.is_error else "note"))
    return out

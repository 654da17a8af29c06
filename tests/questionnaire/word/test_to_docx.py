"""Word out: `to-docx` writes the Anket in the commission's layout, LibreOffice opens it, and the
Word reader reads it back to the same questions, choices and skips (the Hưng Yên Anket)."""

from __future__ import annotations

import io
import re
import shutil

import docx
import pytest
from typer.testing import CliRunner

from khaosat.questionnaire.model import Group
from khaosat.questionnaire.worddoc import read_docx
from khaosat.questionnaire.xlsform import read_xlsform
from khaosat.report.anket_docx import write_anket_docx
from tests.questionnaire.conftest import ANKET
from tests.questionnaire.word.ankets import ANKETS


def _norm(expression: str) -> str:
    """An expression with its spacing normalised (the reader writes `${a} = 1`, `not(…)`)."""
    text = re.sub(r"\s+", " ", expression or "").strip()
    return re.sub(r"\s*([=()<>!,])\s*", r"\1", text)


def structure(q):
    """Every printed question and matrix: type, label, choices, effective skip, max choices."""
    out = {}

    def walk(items, rel):
        for it in items:
            own = [*rel, _norm(it.relevant)] if it.relevant else rel
            if isinstance(it, Group):
                if it.appearance == "table-list":
                    out[it.name] = ("matrix", it.label(), [], own, "")
                walk(it.children, own)
            elif it.type not in ("calculate", "note") and not it.is_metadata:
                choices = [(c.name, c.label()) for c in q.choices_of(it)]
                out[it.name] = (it.type, it.label(), choices, own, _norm(it.constraint))

    walk(q.items, [])
    return out


@pytest.fixture(scope="module")
def hung_yen():
    return read_xlsform(ANKET)


@pytest.fixture(scope="module")
def written(hung_yen):
    return write_anket_docx(hung_yen)


@pytest.fixture(scope="module")
def read_back(written):
    return read_docx(written, "anket.docx")


def test_the_hung_yen_anket_reads_back_to_the_same_questions_choices_and_skips(hung_yen, read_back):
    want, got = structure(hung_yen), structure(read_back.questionnaire)
    assert len(want) == 52  # every question and matrix of the Anket is compared
    assert got == want
    assert read_back.questionnaire.title == hung_yen.title


def test_reading_it_back_needs_no_review(read_back):
    assert read_back.to_check == []


def test_the_skips_are_written_in_words_under_their_question(written, hung_yen):
    text = [p.text for p in docx.Document(io.BytesIO(written)).paragraphs]
    at = text.index(next(t for t in text if t.startswith("Câu C1.")))
    assert "(Nếu chọn 2, chuyển sang câu D1.)" in text[at : at + 6]
    assert "(Nếu chọn 2 hoặc 9, chuyển sang câu C1.)" in text
    assert "(Chỉ trả lời nếu ở câu A4 chọn 1)" in text
    # a hint that says the skip in its own words is replaced by the skip from the logic
    assert not any("chuyển sang phần D" in t for t in text)
    assert "☐ 1. Nam" in text and "☐ 9. Không rõ / khó trả lời" in text


def test_the_header_is_the_reports_party_header(written):
    d = docx.Document(io.BytesIO(written))
    left, right = d.tables[0].rows[0].cells
    assert [p.text for p in left.paragraphs] == [
        "TỈNH ỦY HƯNG YÊN",
        "BAN TUYÊN GIÁO VÀ DÂN VẬN",
        "*",
    ]
    assert right.paragraphs[0].text == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert [p.text for p in d.paragraphs[:3] if p.text][:1] == ["PHIẾU KHẢO SÁT"]


def test_a_matrix_is_a_table_of_items_by_scale_with_codes(written):
    d = docx.Document(io.BytesIO(written))
    c7 = next(
        t
        for t in d.tables
        if len(t.rows) > 1 and t.rows[1].cells[0].text.startswith("1. Cơ sở vật chất")
    )
    assert [c.text for c in c7.rows[0].cells] == [
        "Nội dung",
        "Rất không hài lòng (1)",
        "Không hài lòng (2)",
        "Bình thường (3)",
        "Hài lòng (4)",
        "Rất hài lòng (5)",
        "Không rõ / khó trả lời (9)",
    ]
    assert len(c7.rows) == 9


@pytest.mark.parametrize("name", sorted(ANKETS))
def test_a_draft_from_word_written_out_and_read_again_is_the_same(name):
    first = read_docx(ANKETS[name](), f"{name}.docx").questionnaire
    again = read_docx(write_anket_docx(first), f"{name}-2.docx").questionnaire
    assert structure(again) == structure(first)


def test_cli_to_docx(tmp_path):
    from khaosat.cli import app

    out = tmp_path / "anket.docx"
    r = CliRunner().invoke(app, ["questionnaire", "to-docx", str(ANKET), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert (
        read_docx(out.read_bytes(), "anket.docx").questionnaire.question("e3").relevant
        == "${a4} = 1"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("type,name,label\nselect_one nope,x,Câu X\n", encoding="utf-8")
    r = CliRunner().invoke(
        app, ["questionnaire", "to-docx", str(bad), "-o", str(tmp_path / "x.docx")]
    )
    assert r.exit_code == 1 and "lỗi" in r.output and not (tmp_path / "x.docx").exists()


@pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice chưa cài"
)
def test_libreoffice_opens_the_anket(written, tmp_path):
    import pypdfium2

    from khaosat.report.exports import docx_to_pdf

    src = tmp_path / "anket.docx"
    src.write_bytes(written)
    pdf = docx_to_pdf(src, tmp_path)
    doc = pypdfium2.PdfDocument(str(pdf))
    assert len(doc) >= 4
    text = doc[0].get_textpage().get_text_range()
    assert "PHIẾU KHẢO SÁT" in text and "Câu A1." in text

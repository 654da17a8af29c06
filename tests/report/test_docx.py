import io
import zipfile

import docx
import pytest
from docx.shared import Mm, Pt

from khaosat.report.docx_writer import write_docx


@pytest.fixture(scope="module")
def docx_bytes(built):
    return write_docx(built.doc)


@pytest.fixture(scope="module")
def document(docx_bytes):
    return docx.Document(io.BytesIO(docx_bytes))


def _mm(length) -> float:
    return length / Mm(1)


def test_the_page_is_a4_with_the_configured_margins(document):
    sec = document.sections[0]
    assert round(_mm(sec.page_width)) == 210 and round(_mm(sec.page_height)) == 297
    assert round(_mm(sec.top_margin)) == 20
    assert round(_mm(sec.bottom_margin)) == 20
    assert round(_mm(sec.left_margin)) == 30
    assert round(_mm(sec.right_margin)) == 15


def test_all_text_is_times_new_roman(document):
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size == Pt(14)
    runs = [r for p in document.paragraphs for r in p.runs if r.text.strip()]
    for t in document.tables:
        for row in t.rows:
            for cell in row.cells:
                runs += [r for p in cell.paragraphs for r in p.runs if r.text.strip()]
    assert runs
    assert {r.font.name or normal.font.name for r in runs} == {"Times New Roman"}


def test_body_text_is_14pt_justified_with_first_line_indent(document):
    body = [
        p for p in document.paragraphs if p.text.startswith("Với ") and "phiếu hợp lệ" in p.text
    ]
    assert body
    p = body[0]
    assert p.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.JUSTIFY
    assert p.paragraph_format.first_line_indent > 0
    assert all(r.font.size in (None, Pt(14)) for r in p.runs)


def test_the_header_block_is_a_borderless_two_column_table(document):
    head = document.tables[0]
    left, right = (c for c in head.rows[0].cells)
    left_lines = [p.text for p in left.paragraphs]
    assert left_lines[:3] == ["TỈNH ỦY HƯNG YÊN", "BAN TUYÊN GIÁO VÀ DÂN VẬN", "*"]
    assert left.paragraphs[1].runs[0].bold
    assert not left.paragraphs[0].runs[0].bold
    number = left_lines[3]
    assert number.startswith("Số ") and not number.startswith("Số:") and ":" not in number
    assert number.endswith("-BC/BTGDVTU")
    party = right.paragraphs[0].runs[0]
    assert right.paragraphs[0].text == "ĐẢNG CỘNG SẢN VIỆT NAM" and party.bold and party.underline
    date = right.paragraphs[1]
    assert date.text == "Hưng Yên, ngày 02 tháng 7 năm 2026"
    assert date.runs[0].italic
    borders = head._tbl.tblPr.xpath("./w:tblBorders/*")
    assert borders and all(b.get(docx.oxml.ns.qn("w:val")) == "nil" for b in borders)


def test_title_and_subject_are_bold_and_centred(document):
    paras = document.paragraphs
    i = next(k for k, p in enumerate(paras) if p.text == "BÁO CÁO")
    assert paras[i].runs[0].bold and paras[i].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    subject = paras[i + 1]
    assert subject.text.startswith("Kết quả khảo sát") and subject.runs[0].bold
    assert subject.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER


def test_page_numbers_start_on_page_two(document, docx_bytes):
    sec = document.sections[0]
    assert sec.different_first_page_header_footer
    assert "PAGE" in sec.header._element.xml
    assert "PAGE" not in sec.first_page_header._element.xml
    assert "PAGE" not in sec.first_page_footer._element.xml
    xml = zipfile.ZipFile(io.BytesIO(docx_bytes)).read("word/document.xml").decode()
    assert "<w:titlePg/>" in xml or "<w:titlePg " in xml


def test_headings_are_numbered_by_section(document):
    heads = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    for prefix in ("I. ", "II. ", "III. ", "IV. ", "V. "):
        assert any(h.startswith(prefix) for h in heads), prefix
    assert any(h.startswith("PHỤ LỤC") for h in heads)
    sub = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert any(h.startswith("1. ") for h in sub)
    assert any(
        p.style.name == "Heading 3" and p.text[:4].count(".") >= 2 for p in document.paragraphs
    )


def _closing_table(document):
    return next(t for t in document.tables if t.rows[0].cells[0].paragraphs[0].text == "Nơi nhận:")


def test_recipients_and_signature_close_the_body_before_the_appendices(document):
    last = _closing_table(document)
    body = document.element.body
    order = list(body.iterchildren())
    appendix = next(
        p
        for p in document.paragraphs
        if p.style.name == "Heading 1" and p.text.startswith("PHỤ LỤC")
    )
    assert order.index(last._tbl) < order.index(appendix._p)
    left, right = last.rows[0].cells
    label = left.paragraphs[0].runs[0]
    assert left.paragraphs[0].text == "Nơi nhận:" and label.bold and label.italic
    assert label.font.size == Pt(12)
    items = [p for p in left.paragraphs[1:] if p.text]
    assert items and all(p.text.startswith("- ") for p in items)
    assert all(r.font.size == Pt(11) for p in items for r in p.runs)
    texts = [p.text for p in right.paragraphs if p.text]
    assert texts[:2] == ["K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN"]


def test_tables_and_charts_are_in_the_document(document, docx_bytes):
    captions = [p.text for p in document.paragraphs if p.text.startswith(("Bảng ", "Biểu đồ "))]
    assert any(c.startswith("Bảng 1.") for c in captions)
    assert any(c.startswith("Biểu đồ 1.") for c in captions)
    names = zipfile.ZipFile(io.BytesIO(docx_bytes)).namelist()
    assert any(n.startswith("word/media/") and n.endswith(".png") for n in names)
    n_rows = [
        t
        for t in document.tables
        if any("Số người trả lời (n)" in c.text for c in t.columns[0].cells)
    ]
    assert n_rows


def test_the_document_has_no_text_of_the_software(document):
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    for bad in ("DỰ THẢO", "hệ thống gợi ý", "population", "khaosat", "${", "_", "nan", "None"):
        assert bad not in text, bad
    import re

    masks = r"\[(?:họ tên|số điện thoại|số giấy tờ|email)\]"
    assert "[" not in re.sub(masks, "", text)
    for english in ("weight", "stratum", "psu", "fpc", "design", "estimate", "missing"):
        assert not re.search(rf"\b{english}\b", text, re.IGNORECASE), english


def test_same_input_gives_the_same_bytes(built, docx_bytes):
    assert write_docx(built.doc) == docx_bytes
    document = docx.Document(io.BytesIO(docx_bytes))
    cp = document.core_properties
    assert cp.created.date().isoformat() == "2026-07-02" and cp.modified == cp.created
    assert built.manifest["data_sha256"] in cp.keywords


def test_settings_change_the_signature_and_number(built):
    import copy

    doc = copy.copy(built.doc)
    doc.settings = {
        **built.doc.settings,
        "signature": {"authority": "", "title": "TRƯỞNG BAN", "name": "Nguyễn Văn A"},
        "issuer": {**built.doc.settings["issuer"], "number": "125"},
    }
    d = docx.Document(io.BytesIO(write_docx(doc)))
    assert d.tables[0].rows[0].cells[0].paragraphs[3].text == "Số 125-BC/BTGDVTU"
    right = [p.text for p in _closing_table(d).rows[0].cells[1].paragraphs if p.text]
    assert right == ["TRƯỞNG BAN", "Nguyễn Văn A"]


def test_charts_can_be_left_out_of_a_draft(built):
    import copy

    doc = copy.copy(built.doc)
    doc.settings = {
        **built.doc.settings,
        "chart": {**built.doc.settings["chart"], "enabled": False},
    }
    names = zipfile.ZipFile(io.BytesIO(write_docx(doc))).namelist()
    assert not any(n.startswith("word/media/") for n in names)

"""Word Ankets written FOR THE TESTS with python-docx, in the shapes the commissions use.

Each function returns the .docx bytes of one Anket; the expected draft of each is written out
by hand in test_from_docx.py. Run as a script to write them to a folder for a look in Word:

    .venv/bin/python tests/questionnaire/word/ankets.py /tmp/ankets
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

DOTS = "…………………………………………………………………………"


def _doc():
    return docx.Document()


def _p(doc, text, bold=False, italic=False, center=False):
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold, run.italic = bold, italic
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return p


def _bytes(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _header(doc):
    t = doc.add_table(rows=1, cols=2)
    left, right = t.rows[0].cells
    left.paragraphs[0].text = "TỈNH ỦY HƯNG YÊN"
    left.add_paragraph("BAN TUYÊN GIÁO VÀ DÂN VẬN")
    left.add_paragraph("*")
    right.paragraphs[0].text = "ĐẢNG CỘNG SẢN VIỆT NAM"


def _table(doc, rows):
    t = doc.add_table(rows=len(rows), cols=len(rows[0]))
    t.style = "Table Grid"
    for tr, row in zip(t.rows, rows, strict=True):
        for cell, text in zip(tr.cells, row, strict=True):
            cell.text = text
    return t


# -- 1. typed numbering "Câu N.", ☐ and number options, matrix, several skips --------------
def typed_anket() -> bytes:
    doc = _doc()
    _header(doc)
    _p(doc, "PHIẾU KHẢO SÁT", bold=True, center=True)
    _p(doc, "Ý kiến Nhân dân về công tác cải cách hành chính", bold=True, center=True)
    _p(doc, "Phiếu không ghi tên. Xin Ông/Bà đánh dấu X vào ô phù hợp.", italic=True)
    _p(doc, "I. THÔNG TIN CHUNG", bold=True)
    _p(doc, "Câu 1. Giới tính của Ông/Bà")
    _p(doc, "☐ Nam")
    _p(doc, "☐ Nữ")
    _p(doc, "Câu 2. Năm sinh của Ông/Bà: ……………")
    _p(doc, "Câu 3. Nghề nghiệp hiện nay của Ông/Bà (chọn một phương án)")
    _p(doc, "1. Cán bộ, công chức, viên chức")
    _p(doc, "2. Nông dân")
    _p(doc, "3. Kinh doanh")
    _p(doc, "4. Khác (ghi rõ): ……………………")
    _p(doc, "II. ĐÁNH GIÁ", bold=True)
    _p(doc, "Câu 4. Trong 12 tháng qua, Ông/Bà có làm thủ tục hành chính không?")
    _p(doc, "☐ 1. Có")
    _p(doc, "☐ 2. Không")
    _p(doc, "(Nếu trả lời «Không», chuyển sang Câu 7)", italic=True)
    _p(doc, "Câu 5. Ông/Bà làm thủ tục qua những cách nào? (Có thể chọn nhiều phương án)")
    _p(doc, "☐ Trực tiếp    ☐ Trực tuyến    ☐ Bưu chính")
    _p(doc, "Câu 6. Ông/Bà hài lòng ở mức nào với từng nội dung sau?")
    _table(
        doc,
        [
            ["Nội dung", "Không hài lòng", "Bình thường", "Hài lòng"],
            ["1. Thái độ của công chức", "☐", "☐", "☐"],
            ["2. Thời gian giải quyết", "☐", "☐", "☐"],
            ["3. Phí, lệ phí", "☐", "☐", "☐"],
        ],
    )
    _p(doc, "Câu 7. Theo Ông/Bà, cần ưu tiên những việc gì? (chọn tối đa 3 phương án)")
    for k, text in enumerate(
        ["Đơn giản hóa thủ tục", "Nâng cao năng lực cán bộ", "Đầu tư trụ sở", "Chuyển đổi số"], 1
    ):
        _p(doc, f"☐ {k}. {text}")
    _p(doc, "Câu 8. (Chỉ dành cho cán bộ, công chức) Khối lượng công việc của Ông/Bà so với trước?")
    _p(doc, "☐ 1. Nhiều hơn")
    _p(doc, "☐ 2. Như cũ")
    _p(doc, "☐ 3. Ít hơn")
    _p(doc, "Câu 9. Ông/Bà có kiến nghị gì với chính quyền?")
    _p(doc, DOTS)
    _p(doc, DOTS)
    _p(doc, "Người dân phản ánh nhiều về việc này.")  # ambiguous: no number, after an open question
    _p(doc, "Xin trân trọng cảm ơn Ông/Bà!", italic=True, center=True)
    return _bytes(doc)


# -- 2. Word's automatic numbering (numbering.xml), sections "Phần A", a table of options ---
def _numbering(doc) -> tuple[str, str]:
    """Add a two-level list ("Câu %1." / "%2)") and a bullet list of boxes; their numIds."""
    numbering = doc.part.numbering_part.element
    abstract = OxmlElement("w:abstractNum")
    abstract.set(qn("w:abstractNumId"), "90")
    for ilvl, (fmt, text) in enumerate([("decimal", "Câu %1."), ("lowerLetter", "%2)")]):
        lvl = OxmlElement("w:lvl")
        lvl.set(qn("w:ilvl"), str(ilvl))
        for tag, val in (("w:start", "1"), ("w:numFmt", fmt), ("w:lvlText", text)):
            el = OxmlElement(tag)
            el.set(qn("w:val"), val)
            lvl.append(el)
        abstract.append(lvl)
    bullets = OxmlElement("w:abstractNum")
    bullets.set(qn("w:abstractNumId"), "91")
    lvl = OxmlElement("w:lvl")
    lvl.set(qn("w:ilvl"), "0")
    for tag, val in (("w:start", "1"), ("w:numFmt", "bullet"), ("w:lvlText", "□")):
        el = OxmlElement(tag)
        el.set(qn("w:val"), val)
        lvl.append(el)
    bullets.append(lvl)
    first_num = numbering.find(qn("w:num"))
    first_num.addprevious(abstract)
    first_num.addprevious(bullets)
    for num_id, abstract_id in (("90", "90"), ("91", "91")):
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), num_id)
        ref = OxmlElement("w:abstractNumId")
        ref.set(qn("w:val"), abstract_id)
        num.append(ref)
        numbering.append(num)
    return "90", "91"


def _numbered(doc, text, num_id, ilvl=0):
    p = doc.add_paragraph(text)
    ppr = p._p.get_or_add_pPr()
    numpr = OxmlElement("w:numPr")
    lvl = OxmlElement("w:ilvl")
    lvl.set(qn("w:val"), str(ilvl))
    nid = OxmlElement("w:numId")
    nid.set(qn("w:val"), num_id)
    numpr.append(lvl)
    numpr.append(nid)
    ppr.append(numpr)
    return p


def auto_anket() -> bytes:
    doc = _doc()
    questions, boxes = _numbering(doc)
    _p(doc, "PHIẾU TRƯNG CẦU Ý KIẾN", bold=True, center=True)
    _p(doc, "Về chuyển đổi số ở xã, phường", bold=True, center=True)
    _p(doc, "Phần A. Thông tin người trả lời", bold=True)
    _numbered(doc, "Ông/Bà bao nhiêu tuổi?", questions)
    _p(doc, DOTS)
    _numbered(doc, "Ông/Bà có dùng điện thoại thông minh không?", questions)
    _numbered(doc, "Có", questions, 1)
    _numbered(doc, "Không → chuyển sang câu 5", questions, 1)
    _numbered(doc, "Ông/Bà dùng ứng dụng nào? (có thể chọn nhiều)", questions)
    _numbered(doc, "VNeID", boxes)
    _numbered(doc, "Zalo", boxes)
    _numbered(doc, "Khác (ghi rõ) ………", boxes)
    _p(doc, "Phần B. Đánh giá", bold=True)
    _numbered(doc, "Ông/Bà đánh giá dịch vụ công trực tuyến thế nào?", questions)
    _table(doc, [["1", "Tốt"], ["2", "Bình thường"], ["3", "Chưa tốt"], ["9", "Không biết"]])
    _p(doc, "Nếu chọn 9 thì chuyển sang Câu 6.")
    _numbered(doc, "Vì sao Ông/Bà đánh giá như vậy?", questions)
    _p(doc, DOTS)
    _numbered(doc, "Ông/Bà có muốn được hướng dẫn thêm không?", questions)
    _numbered(doc, "Có", questions, 1)
    _numbered(doc, "Không", questions, 1)
    return _bytes(doc)


# -- 3. codes "A1."/"C5.", digits, ○ marks, a matrix with codes, page breaks ------------------
def coded_anket() -> bytes:
    doc = _doc()
    _p(doc, "PHIẾU HỎI Ý KIẾN CÁN BỘ, ĐẢNG VIÊN", bold=True, center=True)
    _p(doc, "Đồng chí vui lòng khoanh tròn mã số của phương án phù hợp.")
    _p(doc, "A. THÔNG TIN CHUNG", bold=True)
    _p(doc, "A1. Đồng chí sinh năm nào? ……")
    _p(doc, "A2. Đồng chí là:")
    _p(doc, "○ 1. Đảng viên")
    _p(doc, "○ 2. Quần chúng")
    _p(doc, "B. Ý KIẾN", bold=True)
    _p(doc, "B1. Đồng chí đã đọc Nghị quyết chưa?")
    _p(doc, "1. Đã đọc toàn văn")
    _p(doc, "2. Đọc tóm tắt")
    _p(doc, "3. Chưa đọc (chuyển sang câu C1)")
    _p(doc, "B2. Đồng chí đánh giá từng nội dung của Nghị quyết thế nào?")
    _table(
        doc,
        [
            ["STT", "Nội dung", "Rất cần thiết", "Cần thiết", "Không cần thiết"],
            ["1", "Mục tiêu", "1", "2", "3"],
            ["2", "Giải pháp", "1", "2", "3"],
        ],
    )
    brk = doc.add_paragraph()
    brk.add_run().add_break(WD_BREAK.PAGE)
    _p(doc, "C. KIẾN NGHỊ", bold=True)
    _p(doc, "C1. Đồng chí có kiến nghị gì không?")
    _p(doc, "○ 1. Có")
    _p(doc, "○ 2. Không")
    _p(doc, "C2. (Chỉ trả lời nếu ở câu C1 chọn 1) Kiến nghị của đồng chí là gì? ……")
    _p(doc, "Phần này do điều tra viên ghi sau buổi gặp", bold=False)  # ambiguous, page 2
    return _bytes(doc)


ANKETS = {"typed": typed_anket, "auto": auto_anket, "coded": coded_anket}


if __name__ == "__main__":  # pragma: no cover - a look in Word
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "ankets")
    out.mkdir(parents=True, exist_ok=True)
    for name, make in ANKETS.items():
        (out / f"{name}.docx").write_bytes(make())
        print(out / f"{name}.docx")

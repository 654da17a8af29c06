"""Word Anket -> draft questionnaire: each test Anket (tests/questionnaire/word/ankets.py) gives
the questions, types, choices and skips written out below by hand, or lists them for review."""

from __future__ import annotations

import io

import docx
import pytest
from typer.testing import CliRunner

from khaosat.questionnaire.model import Group
from khaosat.questionnaire.worddoc import DocumentRefused, DocxReadError, read_docx
from khaosat.questionnaire.xlsform import read_xlsform, to_xform
from tests.questionnaire.word.ankets import auto_anket, coded_anket, typed_anket

YN = [("1", "Có"), ("2", "Không")]


def shape(q):
    """name -> (type, label, choices, relevant, constraint) of every question and group."""
    out = {}
    for it in q.iter_items():
        if isinstance(it, Group):
            out[it.name] = ("group:" + it.appearance, it.label(), [], it.relevant, "")
        else:
            choices = [(c.name, c.label()) for c in q.choices_of(it)]
            out[it.name] = (it.type, it.label(), choices, it.relevant, it.constraint)
    return out


def to_check(draft):
    return [(r.place, r.text) for r in draft.to_check]


@pytest.fixture(scope="module")
def typed():
    return read_docx(typed_anket(), "typed.docx")


@pytest.fixture(scope="module")
def auto():
    return read_docx(auto_anket(), "auto.docx")


@pytest.fixture(scope="module")
def coded():
    return read_docx(coded_anket(), "coded.docx")


def test_typed_numbering_title_and_sections(typed):
    q = typed.questionnaire
    assert q.title == "Ý kiến Nhân dân về công tác cải cách hành chính"
    assert q.question("gioi_thieu").label().startswith("Phiếu không ghi tên")
    assert [g.label() for g in q.iter_groups() if g.appearance != "table-list"] == [
        "I. THÔNG TIN CHUNG",
        "II. ĐÁNH GIÁ",
    ]
    assert q.question("cam_on").label() == "Xin trân trọng cảm ơn Ông/Bà!"


def test_typed_anket_gives_the_expected_questions(typed):
    s = shape(typed.questionnaire)
    job = [("1", "Cán bộ, công chức, viên chức"), ("2", "Nông dân"), ("3", "Kinh doanh")]
    scale = [("1", "Không hài lòng"), ("2", "Bình thường"), ("3", "Hài lòng")]
    asked = "${cau4} = 1"
    expected = {
        "cau1": ("select_one", "1. Giới tính của Ông/Bà", [("1", "Nam"), ("2", "Nữ")], "", ""),
        "cau2": ("integer", "2. Năm sinh của Ông/Bà", [], "", s["cau2"][4]),
        "cau3": (
            "select_one",
            "3. Nghề nghiệp hiện nay của Ông/Bà",
            [*job, ("4", "Khác (ghi rõ)")],
            "",
            "",
        ),
        "cau3_khac": ("text", "Ghi rõ phương án «Khác (ghi rõ)» của câu 3", [], "${cau3} = 4", ""),
        "cau4": (
            "select_one",
            "4. Trong 12 tháng qua, Ông/Bà có làm thủ tục hành chính không?",
            YN,
            "",
            "",
        ),
        "cau5": (
            "select_multiple",
            "5. Ông/Bà làm thủ tục qua những cách nào?",
            [("1", "Trực tiếp"), ("2", "Trực tuyến"), ("3", "Bưu chính")],
            asked,
            "",
        ),
        "cau6": (
            "group:table-list",
            "6. Ông/Bà hài lòng ở mức nào với từng nội dung sau?",
            [],
            asked,
            "",
        ),
        "cau6_1": ("select_one", "Thái độ của công chức", scale, "", ""),
        "cau6_2": ("select_one", "Thời gian giải quyết", scale, "", ""),
        "cau6_3": ("select_one", "Phí, lệ phí", scale, "", ""),
        "cau7": (
            "select_multiple",
            "7. Theo Ông/Bà, cần ưu tiên những việc gì?",
            [
                ("1", "Đơn giản hóa thủ tục"),
                ("2", "Nâng cao năng lực cán bộ"),
                ("3", "Đầu tư trụ sở"),
                ("4", "Chuyển đổi số"),
            ],
            "",
            "count-selected(.) <= 3",
        ),
        "cau8": (
            "select_one",
            "8. (Chỉ dành cho cán bộ, công chức) Khối lượng công việc của Ông/Bà so với trước?",
            [("1", "Nhiều hơn"), ("2", "Như cũ"), ("3", "Ít hơn")],
            "${cau3} = 1",
            "",
        ),
        "cau9": ("text", "9. Ông/Bà có kiến nghị gì với chính quyền?", [], "", ""),
    }
    assert {k: v for k, v in s.items() if k in expected} == expected
    assert s["cau2"][4].startswith(". >= 1900 and . <= ")  # a year of birth
    assert typed.questionnaire.question("cau9").appearance == "multiline"


def test_the_ambiguous_paragraph_is_in_the_review_with_its_place(typed):
    assert to_check(typed) == [("đoạn 34", "Người dân phản ánh nhiều về việc này.")]
    assert typed.errors == []


def test_automatic_numbering_and_option_tables(auto):
    s = shape(auto.questionnaire)
    assert auto.questionnaire.title == "Về chuyển đổi số ở xã, phường"
    expected = {
        "a": ("group:", "Phần A. Thông tin người trả lời", [], "", ""),
        "cau1": ("integer", "1. Ông/Bà bao nhiêu tuổi?", [], "", ". >= 0 and . <= 120"),
        "cau2": ("select_one", "2. Ông/Bà có dùng điện thoại thông minh không?", YN, "", ""),
        "cau3": (
            "select_multiple",
            "3. Ông/Bà dùng ứng dụng nào?",
            [("1", "VNeID"), ("2", "Zalo"), ("3", "Khác (ghi rõ)")],
            "${cau2} = 1",  # "Không → chuyển sang câu 5"
            "",
        ),
        "cau3_khac": (
            "text",
            "Ghi rõ phương án «Khác (ghi rõ)» của câu 3",
            [],
            "selected(${cau3}, '3')",
            "",
        ),
        "b": ("group:", "Phần B. Đánh giá", [], "", ""),
        "cau4": (
            "select_one",
            "4. Ông/Bà đánh giá dịch vụ công trực tuyến thế nào?",
            [("1", "Tốt"), ("2", "Bình thường"), ("3", "Chưa tốt"), ("9", "Không biết")],
            "${cau2} = 1",  # skipped too: câu 5 is the target
            "",
        ),
        "cau5": (
            "text",
            "5. Vì sao Ông/Bà đánh giá như vậy?",
            [],
            "${cau4} = 1 or ${cau4} = 2 or ${cau4} = 3",
            "",
        ),
        "cau6": ("select_one", "6. Ông/Bà có muốn được hướng dẫn thêm không?", YN, "", ""),
    }
    assert s == expected
    assert to_check(auto) == []


def test_codes_circles_matrix_with_codes_and_pages(coded):
    s = shape(coded.questionnaire)
    need = [("1", "Rất cần thiết"), ("2", "Cần thiết"), ("3", "Không cần thiết")]
    expected = {
        "a1": ("integer", "A1. Đồng chí sinh năm nào?", [], "", s["a1"][4]),
        "a2": ("select_one", "A2. Đồng chí là:", [("1", "Đảng viên"), ("2", "Quần chúng")], "", ""),
        "b1": (
            "select_one",
            "B1. Đồng chí đã đọc Nghị quyết chưa?",
            [("1", "Đã đọc toàn văn"), ("2", "Đọc tóm tắt"), ("3", "Chưa đọc")],
            "",
            "",
        ),
        "b2": (
            "group:table-list",
            "B2. Đồng chí đánh giá từng nội dung của Nghị quyết thế nào?",
            [],
            "${b1} = 1 or ${b1} = 2",
            "",
        ),
        "b2_1": ("select_one", "Mục tiêu", need, "", ""),
        "b2_2": ("select_one", "Giải pháp", need, "", ""),
        "c1": ("select_one", "C1. Đồng chí có kiến nghị gì không?", YN, "", ""),
        "c2": ("text", "C2. Kiến nghị của đồng chí là gì?", [], "${c1} = 1", ""),
    }
    assert {k: v for k, v in s.items() if k in expected} == expected
    assert s["a1"][4].startswith(". >= 1900")
    # the ambiguous paragraph after the page break: page 2
    assert to_check(coded) == [("trang 2, đoạn 19", "Phần này do điều tra viên ghi sau buổi gặp")]


@pytest.mark.parametrize("make", [typed_anket, auto_anket, coded_anket])
def test_every_draft_passes_the_checker_and_pyxform(make, tmp_path):
    draft = read_docx(make(), "phieu.docx")
    assert draft.errors == []
    from khaosat.questionnaire.xlsform import write_xlsx

    write_xlsx(draft.questionnaire, tmp_path / "nhap.xlsx")
    assert "<h:html" in to_xform(read_xlsform(tmp_path / "nhap.xlsx"))


def test_a_skip_to_a_question_that_does_not_exist_is_reviewed():
    doc = docx.Document()
    for text in [
        "Câu 1. Ông/Bà có con nhỏ không?",
        "☐ 1. Có",
        "☐ 2. Không",
        "Nếu chọn 2 thì chuyển sang Câu 9",
        "Câu 2. Con Ông/Bà học lớp mấy? ……",
    ]:
        doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    draft = read_docx(buf.getvalue(), "x.docx")
    assert draft.questionnaire.question("cau2").relevant == ""
    [item] = [r for r in draft.to_check if "Câu 9" in r.text]
    assert (
        item.place == "đoạn 4" and "Câu 9" in item.text and "không tìm thấy" in item.message.lower()
    )


def test_unreadable_and_macro_documents_are_refused_in_vietnamese():
    with pytest.raises(DocumentRefused, match="không phải tài liệu Word"):
        read_docx(b"hello", "a.docx")
    with pytest.raises(DocumentRefused, match="có macro"):
        read_docx(typed_anket(), "phieu.docm")
    with pytest.raises(DocumentRefused, match="Word cũ"):
        read_docx(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "phieu.doc")
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(DocxReadError):
        read_docx(buf.getvalue(), "hong.docx")


def test_the_paragraph_limit_is_checked_before_reading():
    from khaosat.safety.documents import DocumentLimits

    with pytest.raises(DocumentRefused, match="hơn 10 đoạn"):
        read_docx(typed_anket(), "phieu.docx", limits=DocumentLimits(max_paragraphs=10))


def test_cli_writes_the_draft_and_prints_the_review(tmp_path):
    from khaosat.cli import app

    src = tmp_path / "phieu.docx"
    src.write_bytes(typed_anket())
    out = tmp_path / "nhap.xlsx"
    r = CliRunner().invoke(app, ["questionnaire", "from-docx", str(src), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "Người dân phản ánh" in r.output and "đoạn 34" in r.output
    assert read_xlsform(out).question("cau7").constraint == "count-selected(.) <= 3"
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a document")
    r = CliRunner().invoke(app, ["questionnaire", "from-docx", str(bad)])
    assert r.exit_code == 1 and "không phải tài liệu Word" in r.output


def _docx(build) -> bytes:
    doc = docx.Document()
    build(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_pages_come_from_the_breaks_word_recorded_when_it_laid_out_the_pages():
    from docx.oxml import OxmlElement

    def build(doc):
        for text in ["Câu 1. Ông/Bà có con không?", "☐ 1. Có", "☐ 2. Không"]:
            doc.add_paragraph(text)
        p = doc.add_paragraph("Đoạn này không rõ là gì")
        p.runs[0]._r.insert(0, OxmlElement("w:lastRenderedPageBreak"))  # page 2 starts here

    draft = read_docx(_docx(build), "x.docx")
    [item] = [r for r in draft.to_check if "không rõ" in r.text]
    assert item.place == "trang 2, đoạn 4"


def test_numbering_given_by_the_list_number_style():
    def build(doc):
        doc.add_paragraph("Ông/Bà là nam hay nữ?", style="List Number")
        doc.add_paragraph("☐ Nam")
        doc.add_paragraph("☐ Nữ")
        doc.add_paragraph("Ông/Bà bao nhiêu tuổi?", style="List Number")

    q = read_docx(_docx(build), "x.docx").questionnaire
    assert [(x.name, x.type, x.label()) for x in q.iter_questions()] == [
        ("cau1", "select_one", "1. Ông/Bà là nam hay nữ?"),
        ("cau2", "integer", "2. Ông/Bà bao nhiêu tuổi?"),
    ]


def test_the_checkers_errors_and_warnings_join_the_review():
    from khaosat.questionnaire.worddoc import checker_review

    draft = read_docx(auto_anket(), "auto.docx")
    # the checker's warning on a question that seems personal (a phone) is a note
    assert any(r.level == "note" and "cau2" in r.message for r in draft.review)
    q = draft.questionnaire
    q.question("cau5").relevant = "${khong_co} = 1"
    errors = [r for r in checker_review(q) if r.level == "error"]
    assert errors and all(r.place.startswith("bảng hỏi nháp, ô survey!") for r in errors)
    assert any("khong_co" in r.message for r in errors)


def test_numbered_options_on_one_line():
    def build(doc):
        doc.add_paragraph("Câu 1. Ông/Bà có phải là đảng viên không?")
        doc.add_paragraph("1. Có\t\t2. Không\t\t9. Không trả lời")
        doc.add_paragraph("Câu 2. Ông/Bà ở đâu?")
        doc.add_paragraph("a) Xã    b) Phường")

    q = read_docx(_docx(build), "x.docx").questionnaire
    assert [(c.name, c.label()) for c in q.choices_of("cau1")] == [
        ("1", "Có"),
        ("2", "Không"),
        ("9", "Không trả lời"),
    ]
    assert [(c.name, c.label()) for c in q.choices_of("cau2")] == [("1", "Xã"), ("2", "Phường")]

import shutil
import subprocess

import pytest

from khaosat.report.exports import docx_to_pdf

pytestmark = pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice chưa cài"
)


@pytest.fixture(scope="module")
def pdf(built, tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf")
    paths = built.write(out, formats=("docx",))
    return docx_to_pdf(paths["docx"], out)


def test_the_pdf_is_a4(pdf):
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    assert len(doc) >= 3
    w, h = doc[0].get_size()
    assert abs(w - 595.3) < 1.5 and abs(h - 841.9) < 1.5  # 210 x 297 mm in points


def test_the_pdf_uses_a_times_compatible_font(pdf):
    fonts = []
    if shutil.which("pdffonts"):
        out = subprocess.run(
            ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
        ).stdout
        fonts = [line.split()[0] for line in out.splitlines()[2:] if line.strip()]
    else:
        import pypdfium2.raw as raw  # noqa: F401

        pytest.skip("pdffonts không có")
    names = [f.split("+")[-1] for f in fonts]
    # Times New Roman itself, or Liberation Serif (its metric clone on Linux servers).
    assert names and all(
        n.startswith(("TimesNewRoman", "Times", "LiberationSerif")) for n in names
    ), names


def test_the_pdf_text_is_vietnamese_with_page_numbers_from_page_two(pdf):
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    first = doc[0].get_textpage().get_text_range()
    assert "BAN TUYÊN GIÁO VÀ DÂN VẬN" in first and "ngày 02 tháng 7 năm 2026" in first
    second = doc[1].get_textpage().get_text_range().strip()
    assert second.splitlines()[0].strip() == "2"
    assert not first.strip().splitlines()[0].strip().isdigit()


def test_no_syllable_is_broken_across_lines_in_any_table(built, pdf):
    import pypdfium2

    from khaosat.report.docx_writer import result_table_rows

    words = set()
    for b in built.doc.blocks:
        rows = (
            b.rows if b.kind == "rows" else result_table_rows(b.table) if b.kind == "table" else []
        )
        for row in rows or []:
            for cell in row:
                words.update(w for w in str(cell).split() if len(w) >= 2)
    doc = pypdfium2.PdfDocument(str(pdf))
    lines = []
    for page in doc:
        lines += [ln.strip() for ln in page.get_textpage().get_text_range().splitlines()]
    broken = []
    for a, b in zip(lines, lines[1:], strict=False):
        if not a or not b:
            continue
        tail, head = a.split()[-1], b.split()[0]
        joined = tail + head
        if joined in words and tail not in words and head not in words:
            broken.append(joined)
    assert not broken, broken[:10]

"""The printed form passes a print shop's preflight and reads well (issue #14)."""

from __future__ import annotations

import io
import re
import zlib

import pytest

from khaosat.paper.layout import PT, compute_layout, text_width, wrap
from khaosat.paper.printing import COVER_PAGES, print_forms
from tests.paper.conftest import ANKET


@pytest.fixture(scope="module")
def anket_layout():
    if not ANKET.exists():
        pytest.skip("surveys/hung-yen-2026/anket.xlsx not written yet")
    from khaosat.questionnaire.xlsform import read_xlsform

    return compute_layout(read_xlsform(ANKET))


def test_every_font_is_embedded_and_none_is_a_bare_base_font(mini_layout):
    buf = io.BytesIO()
    print_forms(mini_layout, "12427", 1, buf)
    pdf = buf.getvalue()
    fonts = re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-]+)", pdf)
    assert fonts
    assert not [f for f in fonts if b"Helvetica" in f or b"Times" in f or b"Courier" in f]
    assert b"Helvetica" not in pdf
    # every font dictionary has a descriptor with an embedded font file
    descriptors = len(re.findall(rb"/Type\s*/FontDescriptor", pdf))
    assert pdf.count(b"/FontFile2") >= descriptors > 0


def _page_text(pdf: bytes, index: int) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    return doc[index].get_textpage().get_text_range()


def test_page_one_names_the_commissioning_body_and_the_unit(mini_layout):
    buf = io.BytesIO()
    print_forms(
        mini_layout,
        "12427",
        1,
        buf,
        unit_name="Xã Tân Hưng",
        commissioner="Ban Tuyên giáo và Dân vận Tỉnh ủy Hưng Yên",
    )
    first = _page_text(buf.getvalue(), COVER_PAGES)
    assert "Ban Tuyên giáo và Dân vận Tỉnh ủy Hưng Yên" in first
    assert "12427" in first and "Xã Tân Hưng" in first


def test_the_cli_prints_commissioner_and_unit_name_of_the_anket(tmp_path):
    if not ANKET.exists():
        pytest.skip("no anket.xlsx")
    from typer.testing import CliRunner

    from khaosat.cli import app

    out = tmp_path / "lo.pdf"
    res = CliRunner().invoke(
        app, ["paper", "print", str(ANKET), "--unit", "T01", "--count", "1", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    first = _page_text(out.read_bytes(), COVER_PAGES)
    assert "Ban Tuyên giáo và Dân vận Tỉnh ủy Hưng Yên" in first
    assert "Đảng ủy các cơ quan Đảng tỉnh" in first


def test_a_unit_never_sits_alone_on_a_line():
    lines = wrap("Từ 2 km đến dưới 5 km", "BVP", 9.0, 30.0)
    assert "km" not in [ln.strip() for ln in lines]
    assert all(not re.match(r"^(km|tuổi|%)\b", ln.strip()) for ln in lines)
    assert "".join(lines).replace("\u00a0", " ").replace(" ", "") == "Từ2kmđếndưới5km"


def _items(page):
    out = []
    for op in page.ops:
        if op.kind == "text":
            x, y, s, font, size, _grey, align = op.args
            w = text_width(s, font, size)
            x0 = x - w if align == "right" else (x - w / 2 if align == "center" else x)
            out.append((x0, y - size * PT * 0.72, x0 + w, y + size * PT * 0.2, s))
    return out


def test_codes_and_labels_never_touch_and_no_unit_is_alone(anket_layout):
    for page in anket_layout.pages:
        items = _items(page)
        assert not [s for *_, s in items if s.strip() in ("km", "tuổi")], page.number
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                if a[1] < b[3] and b[1] < a[3]:  # on the same line
                    gap = max(b[0] - a[2], a[0] - b[2])
                    assert gap >= 1.0, (page.number, a[4], b[4], round(gap, 2))


def test_ordered_scales_are_in_one_row_or_one_column(anket_layout):
    for var, info in anket_layout.questions.items():
        if info.kind != "one" or len(info.codes) < 3:
            continue
        boxes = [b for _, b in anket_layout.boxes_of(var)]
        rows = {round(b.y, 1) for b in boxes}
        cols = {round(b.x, 1) for b in boxes}
        assert len(rows) == 1 or len(cols) == 1, (info.number, len(rows), len(cols))
        # in scale order: left to right, or top to bottom
        order = sorted(boxes, key=lambda b: (round(b.y, 1), b.x))
        assert [b.code for b in order] == list(info.codes), info.number


def test_a_damaged_stream_check_passes_every_printed_pdf(mini_layout):
    """The damage check (reading) must not refuse the project's own intact PDFs."""
    from khaosat.paper.reading import _damaged_pages

    buf = io.BytesIO()
    print_forms(mini_layout, "12427", 2, buf)
    assert _damaged_pages(buf.getvalue()) == []
    assert zlib  # streams are Flate (and ASCII85) encoded by reportlab

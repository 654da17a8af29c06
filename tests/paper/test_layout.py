"""Layout and printing: deterministic layout, duplex page counts, skip wording, glyph check, JSON."""

from __future__ import annotations

import io
import json
from itertools import combinations

import pypdfium2 as pdfium
import pytest

from khaosat.paper.errors import GlyphError, PaperError
from khaosat.paper.fonts import check_glyphs, missing_glyphs
from khaosat.paper.layout import (
    MARKER_SIZE,
    MARKERS,
    PAGE_H,
    PAGE_W,
    QR_RECT,
    compute_layout,
    layout_from_json,
    layout_to_json,
)
from khaosat.paper.printing import COVER_PAGES, print_forms
from khaosat.questionnaire.model import Choice
from tests.paper.conftest import ANKET, mini_questionnaire


def _texts(lay) -> list[str]:
    return [op.args[2] for p in lay.pages for op in p.ops if op.kind == "text"]


def _overlap(a, b) -> bool:
    return not (a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y)


def _check_geometry(lay) -> None:
    reserved = [(x, y, MARKER_SIZE, MARKER_SIZE) for x, y in MARKERS.values()] + [QR_RECT]
    for page in lay.pages:
        for b in page.boxes:
            assert b.w >= 4.0 and b.h >= 4.0
            assert 10 <= b.x and b.x + b.w <= PAGE_W - 10 and 25 <= b.y <= PAGE_H - 20
            for rx, ry, rw, rh in reserved:
                assert b.x + b.w <= rx or rx + rw <= b.x or b.y + b.h <= ry or ry + rh <= b.y
        for a, b in combinations(page.boxes + page.writeins, 2):
            assert not _overlap(a, b), (a, b)


def test_layout_is_deterministic_and_duplex_ready(mini):
    a, b = compute_layout(mini), compute_layout(mini_questionnaire())
    assert a.fingerprint == b.fingerprint
    assert a.page_count % 2 == 0
    _check_geometry(a)


def test_layout_changes_with_version_and_content():
    base = compute_layout(mini_questionnaire("2026.1"))
    assert compute_layout(mini_questionnaire("2026.2")).fingerprint != base.fingerprint
    q = mini_questionnaire("2026.1")
    q.choice_lists["sex"].choices.append(Choice("3", {"Tiếng Việt (vi)": "Khác"}))
    assert compute_layout(q).fingerprint != base.fingerprint
    # the fingerprint is about geometry: a wording change that moves no box keeps it
    q = mini_questionnaire("2026.1")
    q.items[0].children[1].labels = {"Tiếng Việt (vi)": "Nghề nghiệp hiện nay"}
    assert compute_layout(q).fingerprint == base.fingerprint


def test_skip_instructions_are_written_in_words(mini_layout):
    texts = _texts(mini_layout)
    assert "Nếu chọn 2, chuyển sang câu D1." in texts
    assert "(Chỉ trả lời nếu ở câu A4 chọn 1)" in texts
    assert "(Chọn tối đa 2 phương án)" in texts
    # c2 and the c7 matrix are routed by the skip at C1: no separate condition line for them
    assert not any(t.startswith("(Chỉ trả lời nếu ở câu C1") for t in texts)


def test_matrix_is_a_grid_with_a_column_per_code(mini_layout):
    rows = {v: [b for _, b in mini_layout.boxes_of(v)] for v in ("c7_1", "c7_2", "c7_3")}
    codes = [b.code for b in rows["c7_1"]]
    assert codes == [1, 2, 3, 4, 5, 9]
    for k in range(len(codes)):
        assert len({round(r[k].x, 2) for r in rows.values()}) == 1  # one column per code
    assert len({round(r[0].y, 2) for r in rows.values()}) == 3  # one row per item


def test_pdf_has_cover_and_an_even_number_of_pages_per_form(mini_layout):
    buf = io.BytesIO()
    res = print_forms(mini_layout, "T01", 3, buf, start=7)
    assert res.serials == ["T01-0007", "T01-0008", "T01-0009"]
    assert len(pdfium.PdfDocument(buf.getvalue())) == COVER_PAGES + 3 * mini_layout.page_count
    assert COVER_PAGES % 2 == 0 and mini_layout.page_count % 2 == 0


def test_printing_refuses_bad_units_and_ranges(mini_layout):
    with pytest.raises(PaperError, match="Mã đơn vị"):
        print_forms(mini_layout, "12 427", 1, io.BytesIO())
    with pytest.raises(PaperError, match="9999"):
        print_forms(mini_layout, "12427", 5, io.BytesIO(), start=9998)


def test_glyph_check_fails_loudly_on_a_missing_character():
    q = mini_questionnaire()
    q.items[0].children[0].labels = {"Tiếng Việt (vi)": "Giới tính ☐ (đánh ✓)"}
    with pytest.raises(GlyphError) as exc:
        compute_layout(q)
    assert "U+2610" in exc.value.message and "câu A1" in exc.value.message


def test_font_covers_every_vietnamese_letter():
    lower = (
        "aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵ"
    )
    text = lower + lower.upper() + "0123456789 .,;:!?()/–—…«»“”%"
    for font in ("BVP", "BVP-Bold", "BVP-SemiBold", "BVP-Italic"):
        assert missing_glyphs(text, font) == []
    # decomposed input (NFD) is normalised before the check
    check_glyphs("Nghe\u0302\u0300 nghie\u0323\u0302p", "BVP")


def test_layout_json_round_trip(mini_layout):
    res = print_forms(mini_layout, "12427", 2, io.BytesIO())
    doc = layout_from_json(json.loads(json.dumps(res.layout)))
    assert doc["pages_per_form"] == mini_layout.page_count
    assert [p["pdf_page"] for p in doc["pages"]] == list(
        range(COVER_PAGES, COVER_PAGES + 2 * mini_layout.page_count)
    )
    assert {p["serial"] for p in doc["pages"]} == {"12427-0001", "12427-0002"}
    for entry in doc["pages"]:
        page = mini_layout.pages[entry["page"] - 1]
        assert [(b["variable"], b["code"]) for b in entry["boxes"]] == [
            (b.variable, b.code) for b in page.boxes
        ]
        for jb, b in zip(entry["boxes"], page.boxes, strict=True):
            assert jb["rect"] == pytest.approx([b.x, b.y, b.w, b.h], abs=0.01)
        assert [w["variable"] for w in entry["writeins"]] == [w.variable for w in page.writeins]
    assert (
        layout_to_json(mini_layout, "12427", ["12427-0001", "12427-0002"], COVER_PAGES)
        == res.layout
    )
    with pytest.raises(PaperError, match="khaosat paper layout"):
        layout_from_json({"schema": "other"})


def test_anket_outline_fits_four_pages_with_large_boxes():
    from tests.paper.anket_outline import outline_anket

    lay = compute_layout(outline_anket())
    assert lay.page_count == 4
    _check_geometry(lay)
    assert {"g1", "g2", "g3"} <= {w.variable for p in lay.pages for w in p.writeins}
    texts = _texts(lay)
    assert "Nếu chọn 2 hoặc 3, chuyển sang câu C1." in texts
    assert "Nếu chọn 2, chuyển sang câu D1." in texts
    assert "Nếu chọn 2, chuyển sang câu D3." in texts
    assert "(Chỉ trả lời nếu ở câu A4 chọn 1)" in texts


@pytest.mark.skipif(not ANKET.exists(), reason="surveys/hung-yen-2026/anket.xlsx not written yet")
def test_anket_fits_four_pages_with_large_boxes():
    from khaosat.questionnaire.xlsform import read_xlsform

    lay = compute_layout(read_xlsform(ANKET))
    assert lay.page_count == 4
    _check_geometry(lay)
    q = read_xlsform(ANKET)
    select = [x.name for x in q.iter_questions() if x.type in ("select_one", "select_multiple")]
    assert set(select) <= set(lay.questions)
    assert {"g1", "g2", "g3"} <= {w.variable for p in lay.pages for w in p.writeins}
    texts = _texts(lay)
    assert "Nếu chọn 2, chuyển sang câu D1." in texts  # C1: relevant ${c1} = 1 on C2..C9
    assert "Nếu chọn 2, chuyển sang câu D3." in texts  # D1: relevant ${d1} = 1 on D2
    assert "(Chỉ trả lời nếu ở câu A4 chọn 1)" in texts  # E3: relevant ${a4} = 1

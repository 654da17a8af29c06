"""Printing a batch of forms for one unit: PDF (A4, duplex-ready), serials, markers, QR codes."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import cv2
import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from khaosat.paper.errors import PaperError
from khaosat.paper.fonts import check_glyphs, nfc, register_fonts
from khaosat.paper.layout import (
    FOOTER_BASELINE,
    HEADER_BASELINE,
    MARKER_SIZE,
    MARKERS,
    PAGE_H,
    PAGE_W,
    QR_RECT,
    FormLayout,
    Op,
    layout_to_json,
    text_width,
)

QR_PREFIX = "KHAOSAT"
QR_FORMAT = "1"
COVER_PAGES = 2  # the cover and its blank back, so every form starts on a front side
_UNIT_RE = re.compile(r"^[A-Za-z0-9]{2,12}$")


def make_serial(unit: str, number: int) -> str:
    """Form serial `{unit}-{NNNN}` (docs/data-contract.md)."""
    return f"{unit}-{number:04d}"


def check_unit(unit: str) -> str:
    """Validate a unit code (letters and digits only, as in docs/data-contract.md)."""
    if not _UNIT_RE.match(unit or ""):
        raise PaperError(
            f"Mã đơn vị «{unit}» không hợp lệ: chỉ dùng chữ và số, 2–12 ký tự "
            "(ví dụ 12427, T01, P05)."
        )
    return unit


def _clean(text: str) -> str:
    return str(text).replace("|", "/")


def qr_payload(lay: FormLayout, serial: str, page: int) -> str:
    """Text of a page's QR code: survey, version, layout fingerprint, serial and page."""
    return "|".join(
        [
            QR_PREFIX,
            QR_FORMAT,
            _clean(lay.survey),
            _clean(lay.version),
            lay.fingerprint,
            serial,
            f"{page}/{lay.page_count}",
        ]
    )


MASTER = "MASTER:"  # serial field of a master form's QR: "MASTER:{unit}"


def master_payload(lay: FormLayout, unit: str, page: int) -> str:
    """QR text of a master form's page (no per-form serial): survey, version, page and unit."""
    return qr_payload(lay, MASTER + unit, page)


def cover_payload(lay: FormLayout, unit: str, first: str, last: str, count: int) -> str:
    """Text of the cover sheet's QR code (the reader recognises and skips cover sheets)."""
    return "|".join(
        [
            QR_PREFIX,
            QR_FORMAT,
            _clean(lay.survey),
            _clean(lay.version),
            lay.fingerprint,
            "COVER",
            unit,
            first,
            last,
            str(count),
        ]
    )


def _y(y_mm: float) -> float:
    return (PAGE_H - y_mm) * mm


def _text(
    c: Canvas,
    x: float,
    y: float,
    s: str,
    font: str,
    size: float,
    grey: float = 0.0,
    align: str = "left",
    where: str = "",
) -> None:
    check_glyphs(s, font, where)
    c.setFillGray(grey)
    c.setFont(font, size)
    if align == "center":
        c.drawCentredString(x * mm, _y(y), nfc(s))
    elif align == "right":
        c.drawRightString(x * mm, _y(y), nfc(s))
    else:
        c.drawString(x * mm, _y(y), nfc(s))


def _draw_ops(c: Canvas, ops: list[Op]) -> None:
    for op in ops:
        a = op.args
        if op.kind == "text":
            x, y, s, font, size, grey, align = a
            _text(c, x, y, s, font, size, grey, align)
        elif op.kind == "fill":
            x, y, w, h, grey = a
            c.setFillGray(grey)
            c.rect(x * mm, _y(y + h), w * mm, h * mm, stroke=0, fill=1)
        elif op.kind == "rect":
            x, y, w, h, lw, grey, fill = a
            c.setLineWidth(lw * mm)
            c.setStrokeGray(grey)
            if fill is not None:
                c.setFillGray(fill)
            c.rect(x * mm, _y(y + h), w * mm, h * mm, stroke=1, fill=0 if fill is None else 1)
        elif op.kind == "line":
            x1, y1, x2, y2, lw, grey = a
            c.setLineWidth(lw * mm)
            c.setStrokeGray(grey)
            c.setLineCap(1)
            c.line(x1 * mm, _y(y1), x2 * mm, _y(y2))


_MARKER_CACHE: dict[int, list[tuple[int, int]]] = {}


def marker_cells(marker_id: int) -> list[tuple[int, int]]:
    """Black cells (row, col) of an ArUco 4x4 marker on its 6x6 grid (border included)."""
    if marker_id not in _MARKER_CACHE:
        dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
        img = cv2.aruco.generateImageMarker(dictionary, marker_id, 6)
        _MARKER_CACHE[marker_id] = [(r, k) for r in range(6) for k in range(6) if img[r, k] < 128]
    return _MARKER_CACHE[marker_id]


def _draw_markers(c: Canvas) -> None:
    cell = MARKER_SIZE / 6
    c.setFillGray(0)
    for mid, (mx, my) in MARKERS.items():
        for r, k in marker_cells(mid):
            x, y = mx + k * cell, my + r * cell
            # a hair of overlap so adjacent cells print without white seams
            c.rect(x * mm, _y(y + cell) - 0.05, cell * mm + 0.1, cell * mm + 0.1, stroke=0, fill=1)


def _draw_qr(c: Canvas, payload: str) -> None:
    qr = segno.make(payload, error="m", micro=False)
    rows = list(qr.matrix)
    n = len(rows)
    x0, y0, w, _ = QR_RECT
    cell = w / n
    c.setFillGray(0)
    for r, row in enumerate(rows):
        for k, v in enumerate(row):
            if v & 1:
                c.rect(
                    (x0 + k * cell) * mm,
                    _y(y0 + (r + 1) * cell) - 0.05,
                    cell * mm + 0.1,
                    cell * mm + 0.1,
                    stroke=0,
                    fill=1,
                )


@dataclass
class PrintResult:
    """What was printed: serials in order, PDF page count, and the layout document."""

    serials: list[str]
    pdf_pages: int
    layout: dict


def print_forms(
    lay: FormLayout,
    unit: str,
    count: int,
    out: str | Path | BinaryIO,
    start: int = 1,
    unit_name: str = "",
    commissioner: str = "",
    master: bool = False,
) -> PrintResult:
    """Write a PDF batch of `count` forms for `unit` (cover sheet first) and return its layout.

    Page 1 of every form names the commissioning body and the unit (code and name).
    master: print `count` master forms without a per-form serial (a unit photocopies them);
    their QR holds survey, version, page and unit, and serials are issued at reading."""
    check_unit(unit)
    if count < 1:
        raise PaperError("Số phiếu cần in phải từ 1 trở lên (tùy chọn --count).")
    if start < 1 or start + count - 1 > 9999:
        raise PaperError(
            f"Số thứ tự phiếu phải nằm trong 1–9999; yêu cầu {start}–{start + count - 1}. "
            "Hãy giảm --count hoặc --start."
        )
    register_fonts()
    serials = [make_serial(unit, n) for n in range(start, start + count)]
    if master:
        serials = [MASTER + unit] * count
    buf = io.BytesIO()
    # the initial font is the embedded one: no bare Helvetica reference for a preflight to flag
    c = Canvas(buf, pagesize=A4, pageCompression=1, initialFontName="BVP", initialFontSize=9)
    c.setTitle(nfc(f"{lay.title} — {unit} — {serials[0]}…{serials[-1]}"))
    c.setAuthor("khaosat")
    _cover(c, lay, unit, unit_name, serials)
    unit_text = f"{unit} — {unit_name}" if unit_name else unit
    for serial in serials:
        for page in lay.pages:
            _draw_markers(c)
            _draw_qr(c, qr_payload(lay, serial, page.number))
            _text(
                c,
                20.0,
                HEADER_BASELINE,
                "Phiếu mẫu — số phiếu do hệ thống cấp khi đọc" if master else f"Số phiếu: {serial}",
                "BVP-Bold",
                10.0,
                where="dòng đầu trang",
            )
            unit_line = f"Đơn vị: {unit_text}"
            while text_width(unit_line, "BVP", 8.0) > 140 and len(unit_line) > 20:
                unit_line = unit_line[:-2].rstrip() + "…"
            _text(c, 20.0, HEADER_BASELINE + 4.2, unit_line, "BVP", 8.0, where="dòng đầu trang")
            if page.number == 1 and commissioner:
                body = f"Cơ quan thực hiện: {commissioner}"
                while text_width(body, "BVP-SemiBold", 8.0) > 140 and len(body) > 20:
                    body = body[:-2].rstrip() + "…"
                _text(
                    c,
                    20.0,
                    HEADER_BASELINE + 8.2,
                    body,
                    "BVP-SemiBold",
                    8.0,
                    where="dòng đầu trang",
                )
            _text(
                c,
                163.0,
                HEADER_BASELINE,
                f"Trang {page.number}/{lay.page_count}",
                "BVP",
                8.0,
                align="right",
                where="dòng đầu trang",
            )
            _draw_ops(c, page.ops)
            foot = (
                "Xin trân trọng cảm ơn Ông/Bà!"
                if page.number == lay.page_count
                else "Xin mời xem tiếp trang sau."
            )
            _text(
                c,
                PAGE_W / 2,
                FOOTER_BASELINE,
                foot,
                "BVP-Italic",
                7.5,
                grey=0.3,
                align="center",
                where="chân trang",
            )
            c.showPage()
    c.save()
    data = buf.getvalue()
    if isinstance(out, str | Path):
        Path(out).write_bytes(data)
    else:
        out.write(data)
    pages = COVER_PAGES + count * lay.page_count
    return PrintResult(serials, pages, layout_to_json(lay, unit, serials, COVER_PAGES))


def _cover(c: Canvas, lay: FormLayout, unit: str, unit_name: str, serials: list[str]) -> None:
    _draw_markers(c)
    _draw_qr(c, cover_payload(lay, unit, serials[0], serials[-1], len(serials)))
    master = serials[0].startswith(MASTER)
    _text(
        c,
        20.0,
        HEADER_BASELINE,
        "BÌA LÔ PHIẾU — không phát cho người trả lời",
        "BVP-Bold",
        10.0,
        where="bìa lô phiếu",
    )
    y = 60.0
    _text(
        c,
        PAGE_W / 2,
        y,
        "LÔ PHIẾU KHẢO SÁT",
        "BVP-Bold",
        20.0,
        align="center",
        where="bìa lô phiếu",
    )
    from khaosat.paper.layout import wrap

    y += 12.0
    for ln in wrap(lay.title, "BVP-SemiBold", 11.0, 170.0):
        _text(c, PAGE_W / 2, y, ln, "BVP-SemiBold", 11.0, align="center", where="bìa lô phiếu")
        y += 5.5
    y += 12.0
    rows = [
        ("Đơn vị", f"{unit}" + (f" — {unit_name}" if unit_name else "")),
        ("Số phiếu trong lô", f"{len(serials):,}".replace(",", ".")),
        (
            ("Số phiếu", "phiếu mẫu để sao chụp: số phiếu do hệ thống cấp khi đọc")
            if master
            else ("Số phiếu", f"từ {serials[0]} đến {serials[-1]}")
        ),
        ("Mỗi phiếu", f"{lay.page_count} trang ({lay.page_count // 2} tờ in hai mặt)"),
        ("Bảng hỏi", f"{lay.survey}, phiên bản {lay.version} (bố cục {lay.fingerprint})"),
    ]
    for key, value in rows:
        _text(c, 30.0, y, f"{key}:", "BVP-Bold", 11.0, where="bìa lô phiếu")
        _text(c, 75.0, y, value, "BVP", 11.0, where="bìa lô phiếu")
        y += 8.0
    y += 8.0
    notes = [
        "Phát mỗi người trả lời một phiếu (đủ các trang, cùng một số phiếu).",
        "Không ghi tên, số điện thoại của người trả lời lên phiếu.",
        "Thu đủ phiếu (kể cả phiếu không dùng) và nộp lại cùng bìa này.",
    ]
    for note in notes:
        _text(c, 30.0, y, f"• {note}", "BVP", 10.0, where="bìa lô phiếu")
        y += 6.5
    c.showPage()
    _text(
        c,
        PAGE_W / 2,
        PAGE_H / 2,
        "Trang này để trống.",
        "BVP-Italic",
        9.0,
        grey=0.4,
        align="center",
        where="bìa lô phiếu",
    )
    c.showPage()

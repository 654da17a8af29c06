"""DOCX writer in the format of Party documents (Hướng dẫn 36-HD/VPTW ngày 03/4/2018).

A4, Times New Roman; the header block as a borderless two-column table; title and subject
centred in bold; body justified with a first-line indent; numbered headings I., 1., 1.1.;
tables and chart images; page numbers from page 2 (different first page); the "Nơi nhận:"
block and the signature block. Sizes and margins come from settings.toml.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from khaosat.report import vn
from khaosat.report.charts import render_png
from khaosat.report.model import Block, ReportDoc, ResultTable

_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _set_run_font(run: Any, name: str, size: float | None = None) -> None:
    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), name)
    if size is not None:
        run.font.size = Pt(size)


def _fill_cell(tc: Any, text: str, font: str, size: float, bold: bool, align: str) -> None:
    """Give a table cell one paragraph with text in font/size (single spacing, no indent)."""
    from lxml import etree

    for p in tc.findall(qn("w:p")):
        tc.remove(p)
    p = etree.SubElement(tc, qn("w:p"))
    ppr = etree.SubElement(p, qn("w:pPr"))
    sp = etree.SubElement(ppr, qn("w:spacing"))
    sp.set(qn("w:after"), "0")
    sp.set(qn("w:line"), "240")
    sp.set(qn("w:lineRule"), "auto")
    etree.SubElement(ppr, qn("w:ind")).set(qn("w:firstLine"), "0")
    etree.SubElement(ppr, qn("w:jc")).set(qn("w:val"), align)
    if not text:
        return
    lines = str(text).split("\n")
    r = etree.SubElement(p, qn("w:r"))
    rpr = etree.SubElement(r, qn("w:rPr"))
    fonts = etree.SubElement(rpr, qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), font)
    b = etree.SubElement(rpr, qn("w:b"))
    if not bold:
        b.set(qn("w:val"), "0")
    etree.SubElement(rpr, qn("w:i")).set(qn("w:val"), "0")
    etree.SubElement(rpr, qn("w:sz")).set(qn("w:val"), str(int(round(size * 2))))
    etree.SubElement(rpr, qn("w:u")).set(qn("w:val"), "none")
    for k, line in enumerate(lines):
        if k:
            etree.SubElement(r, qn("w:br"))
        t = etree.SubElement(r, qn("w:t"))
        t.text = line
        if line != line.strip():
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def _style_font(
    style: Any, name: str, size: float, bold: bool | None = None, italic: bool | None = None
) -> None:
    style.font.name = name
    style.font.size = Pt(size)
    style.font.color.rgb = RGBColor(0, 0, 0)
    if bold is not None:
        style.font.bold = bold
    if italic is not None:
        style.font.italic = italic
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), name)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        if fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]


def _no_borders(table: Any) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)


def _grid_borders(table: Any) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "4")
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    tblpr.append(borders)


def _repeat_header(row: Any) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _add_field(paragraph: Any, instr: str, font: str, size: float) -> None:
    """A field such as PAGE, written as begin/instr/separate/result/end runs."""

    def run_with(child: Any) -> None:
        r = paragraph.add_run()
        _set_run_font(r, font, size)
        r._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instr} "
    run_with(text)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    r = paragraph.add_run("2")
    _set_run_font(r, font, size)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


class PartyDocument:
    """Builds a python-docx Document in the Party document format from settings."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.s = settings
        f = settings["font"]
        self.font = f["name"]
        self.body_pt = float(f["body_pt"])
        self.doc = Document()
        self._table_no = 0
        self._chart_no = 0
        self._setup_page()
        self._setup_styles()

    # -- page and styles -------------------------------------------------------------
    def _setup_page(self) -> None:
        p = self.s["page"]
        sec = self.doc.sections[0]
        sec.orientation = WD_ORIENT.PORTRAIT
        sec.page_width, sec.page_height = Mm(210), Mm(297)
        sec.top_margin = Mm(p["margin_top_mm"])
        sec.bottom_margin = Mm(p["margin_bottom_mm"])
        sec.left_margin = Mm(p["margin_left_mm"])
        sec.right_margin = Mm(p["margin_right_mm"])
        sec.header_distance = Mm(p.get("header_distance_mm", 10))
        sec.footer_distance = Mm(p.get("footer_distance_mm", 10))
        # Page numbers from page 2: the first page has its own (empty) header and footer.
        sec.different_first_page_header_footer = True
        where = self.s["page"].get("page_number_position", "header")
        part = sec.header if where == "header" else sec.footer
        para = part.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _add_field(para, "PAGE", self.font, float(self.s["font"].get("page_number_pt", 14)))
        sec.first_page_header.is_linked_to_previous = False
        sec.first_page_footer.is_linked_to_previous = False
        # Explicit empty paragraphs so the first-page parts exist in the file.
        sec.first_page_header.paragraphs[0].text = ""
        sec.first_page_footer.paragraphs[0].text = ""

    def _setup_styles(self) -> None:
        f = self.s["font"]
        styles = self.doc.styles
        normal = styles["Normal"]
        _style_font(normal, self.font, self.body_pt)
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), "vi-VN")
        lang.set(qn("w:eastAsia"), "vi-VN")
        normal.element.get_or_add_rPr().append(lang)
        pf = normal.paragraph_format
        pf.space_before = Pt(0)
        pf.space_after = Pt(float(f.get("space_after_pt", 6)))
        pf.line_spacing = float(f.get("line_spacing", 1.15))
        for name in ("Header", "Footer", "Caption", "Title", "Subtitle", "List Bullet"):
            if name in [s.name for s in styles]:
                _style_font(styles[name], self.font, self.body_pt)
        for level, (bold, italic) in enumerate(
            [(True, False), (True, False), (True, True)], start=1
        ):
            st = styles[f"Heading {level}"]
            _style_font(st, self.font, self.body_pt, bold=bold, italic=italic)
            st.paragraph_format.space_before = Pt(6)
            st.paragraph_format.space_after = Pt(6)
            st.paragraph_format.keep_with_next = True
            st.paragraph_format.first_line_indent = Mm(float(f.get("first_line_indent_mm", 10)))
            st.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    # -- helpers ------------------------------------------------------------------------
    def _para(
        self,
        container: Any,
        text: str,
        size: float | None = None,
        bold: bool = False,
        italic: bool = False,
        align: Any = None,
        underline: bool = False,
        first: bool = False,
        space_after: float | None = 0,
    ) -> Any:
        p = container.paragraphs[0] if first else container.add_paragraph()
        if text:
            run = p.add_run(text)
            _set_run_font(run, self.font, size or self.body_pt)
            run.bold = bold
            run.italic = italic
            run.underline = underline
        if align is not None:
            p.alignment = align
        pf = p.paragraph_format
        pf.first_line_indent = Mm(0)
        if space_after is not None:
            pf.space_after = Pt(space_after)
        pf.line_spacing = 1.0
        return p

    # -- front matter ------------------------------------------------------------------
    def header_block(self, date: dt.date | None, numbered: bool = True) -> None:
        """The two-column borderless block: issuing body and number | Party name and date.

        A questionnaire (Anket) prints the block without number and date (`numbered=False`,
        `date=None`).
        """
        iss = self.s["issuer"]
        size = float(self.s["font"].get("header_pt", 14))
        table = self.doc.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        _no_borders(table)
        widths = (Mm(75), Mm(90))
        for cell, w in zip(table.rows[0].cells, widths, strict=True):
            cell.width = w
        left, right = table.rows[0].cells
        center = WD_ALIGN_PARAGRAPH.CENTER
        self._para(left, iss["superior"], size, align=center, first=True)
        self._para(left, iss["name"], size, bold=True, align=center)
        self._para(left, "*", size, align=center)
        number = str(iss.get("number") or "").strip()
        # Party documents write "Số" without a colon; the number is left blank for the văn thư.
        num_text = f"Số {number}-{iss['symbol']}" if number else f"Số      -{iss['symbol']}"
        if numbered:
            self._para(left, num_text, size, align=center)
        self._para(
            right,
            iss["party"],
            float(self.s["font"].get("party_name_pt", 15)),
            bold=True,
            underline=True,
            align=center,
            first=True,
            space_after=6,
        )
        if date is not None:
            self._para(right, vn.fmt_doc_date(date, iss["place"]), size, italic=True, align=center)

    def title_block(self, title: str, subject: str) -> None:
        """ "BÁO CÁO" and the subject (trích yếu), bold and centred."""
        f = self.s["font"]
        center = WD_ALIGN_PARAGRAPH.CENTER
        p = self._para(self.doc, "", space_after=0)
        p.paragraph_format.space_before = Pt(12)
        self._para(self.doc, title, float(f.get("title_pt", 16)), bold=True, align=center)
        for line in subject.split("\n"):
            self._para(self.doc, line, float(f.get("subject_pt", 14)), bold=True, align=center)
        self._para(self.doc, "-----", self.body_pt, align=center, space_after=6)

    # -- body --------------------------------------------------------------------------
    def heading(self, text: str, level: int) -> None:
        """Numbered heading (the number is part of the text: "I. …", "1. …", "1.1. …")."""
        self.doc.add_heading(text, level=level)

    def paragraph(self, text: str, italic: bool = False, bold: bool = False) -> None:
        """Body text: justified, first-line indent."""
        f = self.s["font"]
        p = self.doc.add_paragraph()
        run = p.add_run(text)
        _set_run_font(run, self.font, self.body_pt)
        run.italic, run.bold = italic, bold
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        p.paragraph_format.first_line_indent = Mm(float(f.get("first_line_indent_mm", 10)))

    def bullets(self, items: list[str]) -> None:
        """Dash list as used in Party documents ("- …")."""
        for item in items:
            self.paragraph(f"- {item}")

    def note(self, text: str) -> None:
        """Small italic note (under tables and charts)."""
        p = self._para(
            self.doc, text, float(self.s["font"].get("note_pt", 11)), italic=True, space_after=6
        )
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    def caption(self, text: str) -> None:
        """Bold centred caption of a table or chart."""
        p = self._para(
            self.doc, text, float(self.s["font"].get("table_pt", 12)) + 1, bold=True, space_after=3
        )
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.keep_with_next = True

    def text_table(
        self,
        rows: list[list[str]],
        caption: str | None = None,
        widths_mm: list[float] | None = None,
    ) -> None:
        """A plain table of texts; the first row is the header."""
        if caption:
            self._table_no += 1
            self.caption(f"Bảng {self._table_no}. {caption}")
        size = float(self.s["font"].get("table_pt", 12))
        ncols = max(len(r) for r in rows)
        # Every column is at least as wide as its longest word (no syllable is ever broken
        # across lines); when they cannot all fit, the table's font gets smaller.
        widths_mm, size = fit_columns(rows, ncols, _text_width_mm(self.s), size, widths_mm)
        table = self.doc.add_table(rows=len(rows), cols=ncols)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _grid_borders(table)
        # Cells are written as XML directly (the same elements python-docx would write through
        # paragraph/run properties, which costs a schema look-up per property and per cell).
        widths_dxa = [str(int(Mm(w).twips)) for w in widths_mm or []]
        for i, (row, tr) in enumerate(zip(rows, table._tbl.tr_lst, strict=True)):
            for j, tc in enumerate(tr.tc_lst[:ncols]):
                text = row[j] if j < len(row) else ""
                align = "center" if (i == 0 or j > 0) else "left"
                _fill_cell(tc, text, self.font, size, bold=(i == 0), align=align)
                if j < len(widths_dxa):
                    tcw = tc.get_or_add_tcPr().get_or_add_tcW()
                    tcw.set(qn("w:type"), "dxa")
                    tcw.set(qn("w:w"), widths_dxa[j])
        if widths_mm:
            table.autofit = False
            for j, w in enumerate(widths_mm[:ncols]):
                table.columns[j].width = Mm(w)
        _repeat_header(table.rows[0])
        self._para(self.doc, "", size, space_after=2)

    def result_table(self, table: ResultTable, show_moe: bool = True) -> None:
        """A result table: % per column (weighted, one decimal), base n and margins of error."""
        rows = result_table_rows(table, show_moe=show_moe)
        ncols = len(rows[0])
        first = 70.0 if ncols > 2 else 100.0
        rest = (165.0 - first) / max(ncols - 1, 1)
        self.text_table(rows, caption=table.title, widths_mm=[first] + [rest] * (ncols - 1))
        for note in table.notes:
            self.note(note)

    def chart(self, spec: dict[str, Any]) -> None:
        """A chart spec drawn to PNG and placed as an image with its caption."""
        c = self.s.get("chart", {})
        png = render_png(spec, dpi=int(c.get("dpi", 200)), width_in=float(c.get("width_in", 6.3)))
        shape = self.doc.add_picture(io.BytesIO(png), width=Mm(160))
        # Alternative text for screen readers: the chart title and its notes.
        shape._inline.docPr.set(
            "descr", " ".join([str(spec.get("title", ""))] + list(spec.get("notes", [])))
        )
        self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.doc.paragraphs[-1].paragraph_format.first_line_indent = Mm(0)
        self.doc.paragraphs[-1].paragraph_format.keep_with_next = True
        self._chart_no += 1
        self.caption(f"Biểu đồ {self._chart_no}. {spec.get('title', '')}")

    def page_break(self) -> None:
        """Start a new page."""
        self.doc.add_page_break()

    # -- closing -----------------------------------------------------------------------
    def closing_block(self) -> None:
        """ "Nơi nhận:" (left) and the signature (right) side by side."""
        f = self.s["font"]
        sig = self.s["signature"]
        recipients = list(self.s.get("recipients", {}).get("list", []))
        table = self.doc.add_table(rows=1, cols=2)
        table.autofit = False
        _no_borders(table)
        left, right = table.rows[0].cells
        left.width, right.width = Mm(80), Mm(85)
        self._para(
            left,
            "Nơi nhận:",
            float(f.get("recipients_label_pt", 12)),
            bold=True,
            italic=True,
            first=True,
        )
        for r in recipients:
            self._para(left, f"- {r}", float(f.get("recipients_pt", 11)))
        center = WD_ALIGN_PARAGRAPH.CENTER
        first = True
        for line in (sig.get("authority", ""), sig.get("title", "")):
            if line:
                self._para(right, line, self.body_pt, bold=True, align=center, first=first)
                first = False
        for _ in range(4):
            self._para(right, "", self.body_pt, align=center)
        self._para(right, sig.get("name", "") or "", self.body_pt, bold=True, align=center)

    # -- output -------------------------------------------------------------------------
    def set_properties(
        self, title: str, date: dt.date, subject: str = "", keywords: str = ""
    ) -> None:
        """Core properties with fixed dates so the same input gives the same bytes."""
        cp = self.doc.core_properties
        stamp = dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)
        cp.title = title
        cp.subject = subject
        cp.author = self.s["issuer"]["name"]
        cp.last_modified_by = self.s["issuer"]["name"]
        cp.keywords = keywords
        cp.comments = ""
        cp.created = stamp
        cp.modified = stamp
        cp.last_printed = stamp
        cp.revision = 1

    def to_bytes(self) -> bytes:
        """The document as .docx bytes with fixed zip timestamps."""
        buf = io.BytesIO()
        self.doc.save(buf)
        return normalize_zip(buf.getvalue())


def _text_width_mm(settings: dict[str, Any]) -> float:
    p = settings["page"]
    return 210.0 - float(p["margin_left_mm"]) - float(p["margin_right_mm"])


_WIDE = set("mwMWĐÔƠƯ@%")


def word_width_mm(word: str, size: float, bold: bool = False) -> float:
    """Conservative width of one word in a Times-like font (em fractions per character)."""
    em = 0.0
    for c in word:
        if c in _WIDE:
            em += 0.85
        elif c.isupper() or c.isdigit():
            em += 0.70
        elif c in "iljtf.,;:()|'!":
            em += 0.33
        else:
            em += 0.52
    return em * size * 0.3528 * (1.08 if bold else 1.0)


def fit_columns(
    rows: list[list[str]],
    ncols: int,
    total: float,
    size: float,
    preferred: list[float] | None = None,
    pad_mm: float = 4.2,
    smallest: float = 8.0,
) -> tuple[list[float], float]:
    """Column widths (mm) and font size such that the longest word of every cell fits its
    column; the rest of the width goes where the texts are longest (or as `preferred`)."""
    while True:
        mins = []
        for j in range(ncols):
            m = 0.0
            for i, r in enumerate(rows):
                if j < len(r) and r[j]:
                    for w in str(r[j]).split():
                        m = max(m, word_width_mm(w, size, bold=(i == 0)))
            mins.append(m + pad_mm)
        if sum(mins) <= total or size <= smallest:
            break
        size -= 0.5
    if preferred and len(preferred) >= ncols:
        want = [max(a, b) for a, b in zip(mins, preferred[:ncols], strict=True)]
    else:
        want = [
            max(
                mins[j],
                min(60.0, max((len(str(r[j])) for r in rows if j < len(r)), default=0) * 2.0),
            )
            for j in range(ncols)
        ]
    extra = total - sum(mins)
    if extra <= 0:
        return mins, size
    grow = [w - m for w, m in zip(want, mins, strict=True)]
    g = sum(grow)
    if g <= 0:
        return [m + extra / ncols for m in mins], size
    widths = [m + extra * (d / g) for m, d in zip(mins, grow, strict=True)]
    return widths, size


def _auto_widths(rows: list[list[str]], ncols: int, total: float) -> list[float]:
    """Column widths from the longest word/line per column, scaled to the text width."""
    need = []
    for j in range(ncols):
        texts = [r[j] for r in rows if j < len(r)]
        longest = max((len(t) for t in texts[1:]), default=0)
        head_word = max((len(w) for w in (texts[0].split() if texts else [])), default=0)
        need.append(max(6.0, min(float(max(longest, head_word)), 40.0)))
    scale = total / sum(need)
    return [w * scale for w in need]


def normalize_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry timestamps and order, so equal content gives equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def result_table_rows(table: ResultTable, show_moe: bool = True) -> list[list[str]]:
    """Text cells of a result table (header row first); hidden cells are "–"."""
    single = len(table.col_labels) == 1
    header = [table.row_header]
    if single:
        header += ["Tỷ lệ (%)"] + (["Sai số ± (%)"] if show_moe else [])
    else:
        header += [
            f"{c} (%)" + (" (*)" if j in table.caution_cols else "")
            for j, c in enumerate(table.col_labels)
        ]
    rows = [header]
    for r, label in enumerate(table.row_labels):
        row = [label]
        for c in range(len(table.col_labels)):
            est = table.cell(r, c)
            row.append(vn.fmt_pct_value(est.value) if est is not None else vn.DASH)
            if single and show_moe:
                m = est.moe if est is not None else None
                row.append(vn.fmt_pct_value(m) if m is not None else vn.DASH)
        rows.append(row)
    if table.additive:
        total = ["Tổng"]
        for c in range(len(table.col_labels)):
            total.append(vn.DASH if c in table.suppressed_cols else vn.fmt_num(100.0, 1))
            if single and show_moe:
                total.append("")
        rows.append(total)
    if not single and show_moe:
        moe_row = ["Sai số lớn nhất ± (%)"]
        for c in range(len(table.col_labels)):
            ms = [e.moe for e in table.column(c) if e is not None and e.moe is not None]
            moe_row.append(
                vn.fmt_pct_value(max(ms)) if ms and c not in table.suppressed_cols else vn.DASH
            )
        rows.append(moe_row)
    n_row = ["Số người trả lời (n)"]
    for c in range(len(table.col_labels)):
        mark = " (*)" if single and c in table.caution_cols else ""
        n_row.append(vn.DASH if c in table.suppressed_cols else vn.fmt_int(table.bases[c]) + mark)
        if single and show_moe:
            n_row.append("")
    rows.append(n_row)
    return rows


def write_docx(report: ReportDoc, path: str | Path | None = None) -> bytes:
    """Write a ReportDoc as a Party-format .docx; returns the bytes (and writes path if given)."""
    pd_ = PartyDocument(report.settings)
    pd_.header_block(report.date)
    pd_.title_block(report.title, report.subject)
    for block in report.blocks:
        _write_block(pd_, block)
    if not any(b.kind == "closing" for b in report.blocks):
        pd_.closing_block()
    digest = (report.manifest or {}).get("data_sha256", "")
    pd_.set_properties(
        report.title + " " + report.subject.replace("\n", " "),
        report.date,
        report.subject.replace("\n", " "),
        keywords=f"khaosat; data-sha256:{digest}" if digest else "khaosat",
    )
    data = pd_.to_bytes()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _write_block(w: PartyDocument, b: Block) -> None:
    if b.kind in ("heading1", "heading2", "heading3"):
        w.heading(b.text, int(b.kind[-1]))
    elif b.kind == "paragraph":
        w.paragraph(b.text, italic=b.italic, bold=b.bold)
    elif b.kind == "bullets":
        w.bullets(b.items or [])
    elif b.kind == "note":
        w.note(b.text)
    elif b.kind == "table" and b.table is not None:
        w.result_table(b.table)
    elif b.kind == "rows" and b.rows:
        w.text_table(b.rows, caption=b.text or None)
    elif b.kind == "chart" and b.chart is not None:
        if w.s.get("chart", {}).get("enabled", True):
            w.chart(b.chart)
    elif b.kind == "pagebreak":
        w.page_break()
    elif b.kind == "closing":
        w.closing_block()
    else:
        raise ValueError(f"unknown block kind {b.kind!r}")

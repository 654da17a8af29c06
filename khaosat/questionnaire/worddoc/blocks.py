"""A .docx as a list of blocks in body order: paragraphs (with Word's automatic number printed
as the reader sees it) interleaved with tables, each with its place (page, paragraph number).

Pages are counted from the page breaks in the file: explicit breaks, "page break before",
section breaks, and the breaks Word records where it last laid out a page
(`lastRenderedPageBreak`), which a document saved by Word carries on every page.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from khaosat.questionnaire.errors import QuestionnaireError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class DocxReadError(QuestionnaireError):
    """The file cannot be read as a Word document."""


@dataclass
class Para:
    """One non-empty paragraph of the body (or of a table cell)."""

    text: str  # as printed: automatic number + text, NFC, spaces collapsed
    index: int  # 1-based among the non-empty paragraphs of the body
    page: int | None
    auto_number: str = ""  # the printed automatic number ("Câu 3.", "a)"), "" when typed
    auto_level: int = 0
    bullet: str = ""  # the bullet character of an automatic bullet list
    bold: bool = False
    italic: bool = False
    centered: bool = False
    style: str = ""

    def place(self) -> str:
        """'trang 2, đoạn 14' (or 'đoạn 14' when the document has no page breaks)."""
        where = f"đoạn {self.index}"
        return f"trang {self.page}, {where}" if self.page else where


@dataclass
class Table:
    """A table of the body: rows of cell texts, merged cells once."""

    rows: list[list[str]]
    index: int  # 1-based among the tables
    page: int | None
    after: int  # the paragraph number before it
    nested: bool = False
    cell_paras: list[list[list[Para]]] = field(default_factory=list)

    def place(self, row: int | None = None) -> str:
        where = f"bảng {self.index}" + (f", dòng {row}" if row else "")
        return f"trang {self.page}, {where}" if self.page else where


Block = Para | Table


def clean(text: str) -> str:
    """NFC, non-breaking and repeated spaces collapsed (tabs kept as two spaces)."""
    text = unicodedata.normalize("NFC", text or "")
    text = text.replace("\u00a0", " ").replace("\t", "  ").replace("\u200b", "")
    lines = [" ".join(part.split(" ")).strip() for part in text.split("\n")]
    return "\n".join(line for line in lines if line)


# -- Word's automatic numbering -------------------------------------------------------------
_ROMAN = [
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
]


def roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out += letters
            n -= value
    return out


def _letters(n: int) -> str:
    n = max(n, 1)
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _format(n: int, fmt: str) -> str:
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return roman(n)
    if fmt == "upperRoman":
        return roman(n).upper()
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1


class Numbering:
    """The numbering part: levels of each list and the running counters, as Word prints them."""

    def __init__(self, doc: Any) -> None:
        self.levels: dict[str, dict[int, _Level]] = {}
        self.abstract_of: dict[str, str] = {}
        self.overrides: dict[str, dict[int, int]] = {}
        self.counters: dict[str, list[int]] = {}
        self.started: set[str] = set()
        try:
            root = doc.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        for an in root.findall(f"{W}abstractNum"):
            levels = {}
            for lvl in an.findall(f"{W}lvl"):
                levels[int(lvl.get(f"{W}ilvl", "0"))] = _Level(
                    fmt=_val(lvl, "numFmt") or "decimal",
                    text=_val(lvl, "lvlText") or "",
                    start=int(_val(lvl, "start") or 1),
                )
            self.levels[an.get(f"{W}abstractNumId")] = levels
        for num in root.findall(f"{W}num"):
            nid = num.get(f"{W}numId")
            self.abstract_of[nid] = _val(num, "abstractNumId") or ""
            self.overrides[nid] = {
                int(o.get(f"{W}ilvl", "0")): int(_val(o, "startOverride"))
                for o in num.findall(f"{W}lvlOverride")
                if _val(o, "startOverride")
            }

    def label(self, num_id: str, ilvl: int) -> tuple[str, str]:
        """(printed number, numFmt) of the next paragraph of list `num_id` at level `ilvl`."""
        aid = self.abstract_of.get(num_id)
        if aid is None or num_id == "0":
            return "", ""
        levels = self.levels.get(aid, {})
        level = levels.get(ilvl, _Level())
        counts = self.counters.setdefault(aid, [0] * 10)
        if num_id not in self.started:
            self.started.add(num_id)
            for lv, start in self.overrides.get(num_id, {}).items():
                counts[lv] = start - 1
        for lv in range(10):
            if counts[lv] == 0 and lv < ilvl:
                counts[lv] = levels.get(lv, _Level()).start
        counts[ilvl] = max(counts[ilvl], level.start - 1) + 1
        for lv in range(ilvl + 1, 10):
            counts[lv] = 0
        if level.fmt == "bullet":
            return level.text, "bullet"
        text = level.text
        for lv in range(ilvl, -1, -1):
            fmt = levels.get(lv, _Level()).fmt
            text = text.replace(f"%{lv + 1}", _format(counts[lv], fmt))
        return text, level.fmt


def _val(el: Any, tag: str) -> str | None:
    child = el.find(f"{W}{tag}")
    return child.get(f"{W}val") if child is not None else None


def _style_numpr(doc: Any) -> dict[str, tuple[str, int]]:
    """Numbering given by paragraph styles (e.g. "List Number"): style id -> (numId, ilvl)."""
    out: dict[str, tuple[str, int]] = {}
    try:
        styles = doc.styles.element
    except (KeyError, AttributeError):
        return out
    based: dict[str, str] = {}
    for st in styles.findall(f"{W}style"):
        sid = st.get(f"{W}styleId")
        parent = _val(st, "basedOn")
        if parent:
            based[sid] = parent
        numpr = st.find(f"{W}pPr/{W}numPr")
        if numpr is not None and _val(numpr, "numId"):
            out[sid] = (_val(numpr, "numId"), int(_val(numpr, "ilvl") or 0))
    for sid, parent in based.items():
        seen = {sid}
        while sid not in out and parent in based and parent not in seen:
            seen.add(parent)
            parent = based[parent]
        if sid not in out and parent in out:
            out[sid] = out[parent]
    return out


# -- reading the body -----------------------------------------------------------------------
class _Reader:
    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.numbering = Numbering(doc)
        self.style_num = _style_numpr(doc)
        self.style_names = {
            st.get(f"{W}styleId"): (_val(st, "name") or "")
            for st in doc.styles.element.findall(f"{W}style")
        }
        body = doc.element.body
        self.rendered = body.find(f".//{W}lastRenderedPageBreak") is not None
        self.has_breaks = (
            self.rendered
            or any(
                el.tag != f"{W}br" or el.get(f"{W}type") == "page"
                for el in body.iter(f"{W}br", f"{W}pageBreakBefore")
            )
            or any(True for _ in body.iter(f"{W}pPr"))
            and any(el.getparent().tag == f"{W}pPr" for el in body.iter(f"{W}sectPr"))
        )
        self.page = 1
        self.count = 0
        self.tables = 0
        self.blocks: list[Block] = []

    def run(self) -> list[Block]:
        self._children(self.doc.element.body)
        return self.blocks

    def _children(self, parent: Any) -> None:
        for child in parent:
            if child.tag == f"{W}p":
                para = self._para(child, count=True)
                if para is not None:
                    self.blocks.append(para)
            elif child.tag == f"{W}tbl":
                self.blocks.append(self._table(child))
            elif child.tag == f"{W}sdt":
                content = child.find(f"{W}sdtContent")
                if content is not None:
                    self._children(content)

    def _breaks(self, p: Any) -> tuple[int, int]:
        """Page breaks (before the paragraph's text, after it)."""
        before = after = 0
        ppr = p.find(f"{W}pPr")
        if not self.rendered and ppr is not None:
            pbb = ppr.find(f"{W}pageBreakBefore")
            if pbb is not None and pbb.get(f"{W}val", "true") not in ("0", "false"):
                before += 1
            sect = ppr.find(f"{W}sectPr")
            if sect is not None and (_val(sect, "type") or "nextPage") != "continuous":
                after += 1
        seen_text = False
        for el in p.iter(f"{W}t", f"{W}br", f"{W}lastRenderedPageBreak"):
            if el.tag == f"{W}t":
                seen_text = seen_text or bool((el.text or "").strip())
                continue
            is_break = (
                el.tag == f"{W}lastRenderedPageBreak"
                if self.rendered
                else (el.tag == f"{W}br" and el.get(f"{W}type") == "page")
            )
            if is_break:
                if seen_text:
                    after += 1
                else:
                    before += 1
        return before, after

    def _number(self, p: Any) -> tuple[str, int, str]:
        ppr = p.find(f"{W}pPr")
        num_id, ilvl = None, 0
        if ppr is not None:
            numpr = ppr.find(f"{W}numPr")
            if numpr is not None:
                num_id, ilvl = _val(numpr, "numId"), int(_val(numpr, "ilvl") or 0)
            style = _val(ppr, "pStyle")
            if num_id is None and style in self.style_num:
                num_id, ilvl = self.style_num[style]
        if not num_id:
            return "", 0, ""
        text, fmt = self.numbering.label(num_id, ilvl)
        return text, ilvl, fmt

    def _para(self, p: Any, count: bool) -> Para | None:
        from docx.text.paragraph import Paragraph

        before, after = self._breaks(p)
        self.page += before
        number, ilvl, fmt = self._number(p)
        body = clean(Paragraph(p, self.doc).text)
        page = self.page if self.has_breaks else None
        self.page += after
        if not body:
            return None
        if count:
            self.count += 1
        runs = [
            r for r in p.iter(f"{W}r") if "".join(t.text or "" for t in r.iter(f"{W}t")).strip()
        ]
        ppr = p.find(f"{W}pPr")
        style = _val(ppr, "pStyle") if ppr is not None else None
        jc = _val(ppr, "jc") if ppr is not None else None
        bullet = clean(number) or "•" if fmt == "bullet" else ""
        printed = "" if fmt == "bullet" else clean(number)
        return Para(
            text=(printed + " " + body).strip() if printed else body,
            index=self.count,
            page=page,
            auto_number=printed,
            auto_level=ilvl,
            bullet=bullet,
            bold=bool(runs) and all(_on(r, "b") for r in runs) or _style_bold(self, style),
            italic=bool(runs) and all(_on(r, "i") for r in runs),
            centered=jc == "center",
            style=self.style_names.get(style or "", style or ""),
        )

    def _table(self, tbl: Any) -> Table:
        self.tables += 1
        table = Table(rows=[], index=self.tables, page=None, after=self.count)
        first_page = None
        for tr in tbl.findall(f"{W}tr"):
            row, paras = [], []
            for tc in tr.findall(f"{W}tc"):
                cell = [self._para(p, count=False) for p in tc.findall(f"{W}p")]
                cell = [c for c in cell if c is not None]
                if tc.find(f".//{W}tbl") is not None:
                    table.nested = True
                if first_page is None and cell:
                    first_page = cell[0].page
                row.append("\n".join(c.text for c in cell))
                paras.append(cell)
            table.rows.append(row)
            table.cell_paras.append(paras)
        table.page = (
            first_page if first_page is not None else (self.page if self.has_breaks else None)
        )
        return table


def _on(run: Any, tag: str) -> bool:
    rpr = run.find(f"{W}rPr")
    if rpr is None:
        return False
    el = rpr.find(f"{W}{tag}")
    return el is not None and el.get(f"{W}val", "true") not in ("0", "false")


def _style_bold(reader: _Reader, style: str | None) -> bool:
    name = reader.style_names.get(style or "", "")
    return name.lower().startswith(("heading", "title"))


def read_blocks(data: bytes, filename: str = "") -> list[Block]:
    """The body of a .docx as blocks; DocxReadError when it is not a readable Word file."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    label = filename or "tải lên"
    try:
        doc = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise DocxReadError(
            f"Không đọc được tệp {label} như một tài liệu Word (.docx): hãy mở bằng Word, lưu "
            "thành «Tài liệu Word (*.docx)» rồi thử lại."
        ) from exc
    except Exception as exc:  # noqa: BLE001 - lxml/zip errors of a damaged file
        raise DocxReadError(
            f"Tệp {label} bị hỏng, không đọc được ({type(exc).__name__}): hãy mở lại bằng Word, "
            "lưu thành .docx rồi thử lại."
        ) from exc
    return _Reader(doc).run()

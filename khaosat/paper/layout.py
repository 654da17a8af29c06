"""Page layout of a printed form, computed deterministically from questionnaire + version.

The same layout drives printing (draw operations) and reading (boxes and write-in areas in
millimetres from the page's top-left corner). It is identical for every serial; only the
header line and the QR code differ per form and they sit at fixed places.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from reportlab.lib.utils import simpleSplit

from khaosat.paper import logic
from khaosat.paper.errors import PaperError
from khaosat.paper.fonts import check_glyphs, nfc, register_fonts
from khaosat.questionnaire.model import Group, Question, Questionnaire, pick_text

SCHEMA = "khaosat.paper.layout/1"
PAGE_W, PAGE_H = 210.0, 297.0
MARKER_SIZE = 9.0
MARKER_DICT = "DICT_4X4_50"
# ArUco id -> top-left corner (mm) of the marker square; ids go clockwise from the top-left.
MARKERS: dict[int, tuple[float, float]] = {
    0: (8.0, 8.0),
    1: (PAGE_W - 8.0 - MARKER_SIZE, 8.0),
    2: (PAGE_W - 8.0 - MARKER_SIZE, PAGE_H - 8.0 - MARKER_SIZE),
    3: (8.0, PAGE_H - 8.0 - MARKER_SIZE),
}
QR_RECT = (166.5, 5.5, 18.5, 18.5)  # x, y, w, h of the QR code including nothing around it
HEADER_BASELINE = 14.0
FOOTER_BASELINE = PAGE_H - 10.5
X0, X1 = 14.0, 196.0  # content columns
Y0, Y1 = 25.0, 278.0  # content rows
BOX = 4.6  # answer box side (mm)
BODY = 9.0  # pt
SMALL = 7.5
LINE = 4.0  # mm per body line
SMALL_LINE = 3.3
PT = 25.4 / 72.0

PAPER_TYPES_ONE = {"select_one"}
PAPER_TYPES_MULTI = {"select_multiple"}
WRITE_TYPES = {"text", "integer", "decimal", "date"}


@dataclass(frozen=True)
class Box:
    """One answer box: the choice `code` of `variable`, rectangle in mm on its page."""

    variable: str
    code: int | str
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class WriteIn:
    """An area for handwriting (open question), rectangle in mm on its page."""

    variable: str
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Op:
    """A draw operation in page mm (y downwards): text, rect, line or fill."""

    kind: str
    args: tuple


@dataclass
class PageLayout:
    """One page of a form: its number (1-based), boxes, write-in areas and drawing."""

    number: int
    boxes: list[Box] = field(default_factory=list)
    writeins: list[WriteIn] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)


@dataclass(frozen=True)
class QuestionInfo:
    """What the reader needs to know about a question that has boxes or a write-in area."""

    name: str
    kind: str  # 'one' | 'multi' | 'write'
    number: str  # as printed, e.g. "C7.3"
    label: str
    codes: tuple
    relevant: tuple  # expressions of the question and its enclosing groups
    constraint: str
    max_choices: int | None
    page: int


@dataclass
class FormLayout:
    """Layout of one form (any serial): pages, questions, and identity of the questionnaire."""

    survey: str
    version: str
    title: str
    pages: list[PageLayout]
    questions: dict[str, QuestionInfo]
    fingerprint: str = ""

    @property
    def page_count(self) -> int:
        """Pages per form (always even, for duplex printing)."""
        return len(self.pages)

    def boxes_of(self, variable: str) -> list[tuple[int, Box]]:
        """(page number, box) of a variable, in choice order."""
        return [(p.number, b) for p in self.pages for b in p.boxes if b.variable == variable]


# -- text helpers -------------------------------------------------------------------------


_UNITS = "km|m|cm|kg|ha|%|tuổi|năm|tháng|ngày|giờ|phút|lần|người|triệu|nghìn|tỷ|đồng|lượt"
_GLUE = re.compile(r"(?<=\d) (?=(?:" + _UNITS + r")(?![\w]))")


def glue_units(text: str) -> str:
    """A number and its unit (2 km, 45 tuổi, 10 %) joined by a no-break space: never split."""
    return _GLUE.sub("\u00a0", text)


def wrap(text: str, font: str, size: float, width_mm: float) -> list[str]:
    """Lines of `text` wrapped to a width in mm with the real font metrics.

    A number stays on the line of its unit ("km" is never alone on a line).
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth

    register_fonts()
    limit = width_mm / PT
    lines: list[str] = []
    for para in glue_units(nfc(text)).split("\n"):
        # break only at ordinary spaces (reportlab's splitter also breaks at no-break spaces)
        words = [w for w in para.split(" ") if w]
        if not words:
            lines.append("")
            continue
        line = ""
        for w in words:
            trial = f"{line} {w}" if line else w
            if not line or stringWidth(trial, font, size) <= limit:
                line = trial
                continue
            lines.append(line)
            line = w
        for piece in [line]:
            if stringWidth(piece, font, size) > limit and " " not in piece:
                lines.extend(simpleSplit(piece, font, size, limit) or [piece])
            else:
                lines.append(piece)
    return lines


def text_width(text: str, font: str, size: float) -> float:
    """Width of a single line in mm."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    register_fonts()
    return stringWidth(nfc(text), font, size) * PT


def display_number(name: str) -> str:
    """How a variable is numbered on paper: c7_1 -> C7.1."""
    return name.upper().replace("_", ".")


def _strip_number(label: str, number: str) -> str:
    pattern = r"^\s*(câu\s+)?" + re.escape(number) + r"\s*[.:)\-–]\s*"
    return re.sub(pattern, "", label, flags=re.IGNORECASE).strip()


def _join_codes(codes: list[Any]) -> str:
    text = [str(c) for c in codes]
    if len(text) == 1:
        return text[0]
    return ", ".join(text[:-1]) + " hoặc " + text[-1]


# -- the block builder -------------------------------------------------------------------


class _Block:
    """Content placed together (never split across pages); y is relative to the block top."""

    def __init__(self) -> None:
        self.ops: list[Op] = []
        self.boxes: list[Box] = []
        self.writeins: list[WriteIn] = []
        self.vars: list[str] = []
        self.height = 0.0
        self.keep_with_next = False

    def text(self, x: float, y: float, s: str, font: str = "BVP", size: float = BODY, **kw) -> None:
        check_glyphs(s, font, kw.pop("where", ""))
        self.ops.append(
            Op("text", (x, y, nfc(s), font, size, kw.get("grey", 0.0), kw.get("align", "left")))
        )

    def para(
        self,
        x: float,
        y: float,
        width: float,
        s: str,
        font: str = "BVP",
        size: float = BODY,
        line: float = LINE,
        where: str = "",
        grey: float = 0.0,
    ) -> float:
        """Write wrapped text with its first baseline at y + ascent; return the height used."""
        lines = wrap(s, font, size, width)
        asc = size * PT * 0.78
        for i, ln in enumerate(lines):
            self.text(x, y + asc + i * line, ln, font, size, where=where, grey=grey)
        return len(lines) * line


def _offset(block: _Block, page: PageLayout, dy: float) -> None:
    for op in block.ops:
        a = list(op.args)
        if op.kind == "text":
            a[1] += dy
        elif op.kind in ("rect", "fill"):
            a[1] += dy
        elif op.kind == "line":
            a[1] += dy
            a[3] += dy
        page.ops.append(Op(op.kind, tuple(a)))
    page.boxes.extend(
        Box(b.variable, b.code, b.x, round(b.y + dy, 3), b.w, b.h) for b in block.boxes
    )
    page.writeins.extend(
        WriteIn(w.variable, w.x, round(w.y + dy, 3), w.w, w.h) for w in block.writeins
    )


class _Builder:
    def __init__(self, q: Questionnaire, lang: str | None) -> None:
        self.q = q
        self.lang = q.resolve_language(lang or "vi")
        self.infos: dict[str, QuestionInfo] = {}
        self.units: list[tuple[str, Any, tuple]] = []  # ('question'|'matrix', item, relevant)
        self._flatten(q.items, ())
        self.skip_notes, self.skipped = self._skips()

    # the printable units in order, with the relevant expressions of their enclosing groups
    def _flatten(self, items: list[Any], rel: tuple) -> None:
        for it in items:
            if isinstance(it, Group):
                grel = rel + ((it.relevant,) if it.relevant else ())
                if "table-list" in (it.appearance or "") and self._is_matrix(it):
                    self.units.append(("matrix", it, grel))
                    continue
                if it.label(self.lang, self.q.default_language) and not it.repeat:
                    self.units.append(("section", it, grel))
                self._flatten(it.children, grel)
            elif isinstance(it, Question):
                if (
                    it.type in PAPER_TYPES_ONE | PAPER_TYPES_MULTI | WRITE_TYPES
                    or it.type == "note"
                ):
                    own = rel + ((it.relevant,) if it.relevant else ())
                    self.units.append(("question", it, own))

    def _is_matrix(self, g: Group) -> bool:
        rows = [c for c in g.children if isinstance(c, Question) and c.type != "note"]
        return bool(rows) and all(
            isinstance(c, Question) and c.type == "select_one" and c.list_name == rows[0].list_name
            for c in rows
        )

    def label(self, item: Any) -> str:
        return item.label(self.lang, self.q.default_language) or item.name

    def number(self, item: Any) -> str:
        return display_number(item.name)

    def choices(self, question: Question) -> list[tuple[Any, str]]:
        return [
            (c.code, c.label(self.lang, self.q.default_language) or str(c.name))
            for c in self.q.choices_of(question)
        ]

    def _answer_units(self) -> list[int]:
        return [
            i
            for i, u in enumerate(self.units)
            if u[0] in ("question", "matrix") and not (u[0] == "question" and u[1].type == "note")
        ]

    def _skips(self) -> tuple[dict[str, list[str]], set[int]]:
        """Skip notes per select_one question, and the units a skip note routes around."""
        notes: dict[str, list[str]] = {}
        skipped: set[int] = set()
        order = self._answer_units()
        for pos, i in enumerate(order):
            kind, item, _ = self.units[i]
            if kind != "question" or item.type != "select_one":
                continue
            targets: dict[str, list[Any]] = {}
            for code, _label in self.choices(item):
                target = "END"
                for j in order[pos + 1 :]:
                    rel = self.units[j][2]
                    refs = set().union(*(logic.references(r) for r in rel)) if rel else set()
                    if not rel or refs - {item.name} or not refs:
                        target = self.number(self.units[j][1])
                        break
                    if all(logic.evaluate(r, {item.name: code}) for r in rel):
                        target = self.number(self.units[j][1])
                        break
                next_number = (
                    self.number(self.units[order[pos + 1]][1]) if pos + 1 < len(order) else "END"
                )
                if target != next_number:
                    targets.setdefault(target, []).append(code)
            lines = []
            for target, codes in targets.items():
                where = "phần cuối phiếu" if target == "END" else f"câu {target}"
                lines.append(f"Nếu chọn {_join_codes(codes)}, chuyển sang {where}.")
                for j in order[pos + 1 :]:
                    if target != "END" and self.number(self.units[j][1]) == target:
                        break
                    skipped.add(j)
            if lines:
                notes[item.name] = lines
        return notes, skipped

    def only_if(self, index: int) -> str:
        """'(Chỉ trả lời nếu ở câu A4 chọn 1)' for a unit whose relevance is not routed by a skip."""
        if index in self.skipped:
            return ""
        rel = self.units[index][2]
        if not rel:
            return ""
        refs = set().union(*(logic.references(r) for r in rel))
        if len(refs) == 1:
            (var,) = refs
            try:
                src = self.q.question(var)
            except KeyError:
                return ""
            if src.type in PAPER_TYPES_ONE | PAPER_TYPES_MULTI:
                ok = []
                for code, _ in self.choices(src):
                    value = [code] if src.type in PAPER_TYPES_MULTI else code
                    if all(logic.evaluate(r, {var: value}) for r in rel):
                        ok.append(code)
                if ok:
                    verb = "có chọn" if src.type in PAPER_TYPES_MULTI else "chọn"
                    return f"(Chỉ trả lời nếu ở câu {self.number(src)} {verb} {_join_codes(ok)})"
        return "(Chỉ trả lời nếu thuộc trường hợp được hỏi theo hướng dẫn)"


def _question_title(b: _Block, number: str, text: str, y: float) -> float:
    b.text(X0, y + BODY * PT * 0.78, f"{number}.", "BVP-Bold", BODY, where=f"câu {number}")
    h = b.para(X0 + 10.0, y, X1 - X0 - 10.0, text, "BVP-SemiBold", BODY, where=f"câu {number}")
    return y + h


def _choice_cell(
    b: _Block, variable: str, number: str, cx: float, y: float, code: Any, lbl: str, lw: float
) -> None:
    """Code, box and label of one choice; the box top is at y + 0.6."""
    by = y + 0.6
    b.text(
        cx + 3.6,
        by + BOX - 1.0,
        str(code),
        "BVP",
        SMALL,
        grey=0.25,
        align="right",
        where=f"câu {number}",
    )
    b.ops.append(Op("rect", (cx + 4.4, by, BOX, BOX, 0.35, 0.0, 1.0)))
    b.boxes.append(Box(variable, code, round(cx + 4.4, 3), round(by, 3), BOX, BOX))
    b.para(cx + 4.4 + BOX + 1.6, y + 1.3, lw, lbl, "BVP", BODY, where=f"câu {number}")


def _choice_grid(
    b: _Block,
    variable: str,
    number: str,
    choices: list[tuple[Any, str]],
    y: float,
    ordered: bool = False,
) -> float:
    """Lay choices out in the column count that needs the least height (labels <= 3 lines).

    An ordered list (a single choice: a scale) goes in one row, or else one column, in scale
    order: a grid would invite reading down its columns.
    """
    x0 = X0 + 10.0
    width = X1 - x0
    n = len(choices)
    best: tuple[float, int] | None = None
    ks = [k for k in (n, 1) if k <= 6] if ordered else range(1, min(n, 6) + 1)
    for k in ks:
        lw = width / k - 11.0
        lines = [len(wrap(lbl, "BVP", BODY, lw)) for _, lbl in choices]
        if max(lines) > 3 and k > 1:
            continue
        height = sum(max(BOX + 1.4, max(lines[i : i + k]) * LINE + 1.6) for i in range(0, n, k))
        if best is None or height <= best[0] + 0.01:
            best = (height, k)
    k = best[1] if best else 1
    cw = width / k
    for i in range(0, n, k):
        row = choices[i : i + k]
        heights = [len(wrap(lbl, "BVP", BODY, cw - 11.0)) for _, lbl in row]
        rh = max(BOX + 1.4, max(heights) * LINE + 1.6)
        for col, (code, lbl) in enumerate(row):
            _choice_cell(b, variable, number, x0 + col * cw, y, code, lbl, cw - 11.0)
        y += rh
    return y


def _cell_width(lbl: str) -> float:
    return 4.4 + BOX + 1.6 + text_width(lbl, "BVP", BODY) + 4.0


INLINE_COLUMN = X0 + 88.0  # choices of short questions start here when the title allows


def _inline_fits(title: str, choices: list[tuple[Any, str]]) -> float | None:
    """x where the choices start when title and choices fit on one line, else None."""
    tw = text_width(title, "BVP-SemiBold", BODY)
    total = sum(_cell_width(lbl) for _, lbl in choices)
    start = max(X0 + 10.0 + tw + 5.0, INLINE_COLUMN)
    if start + total <= X1:
        return start
    start = X0 + 10.0 + tw + 5.0
    return start if start + total <= X1 else None


def _build_question(bd: _Builder, index: int, q: Question) -> _Block:
    b = _Block()
    number = bd.number(q)
    label = _strip_number(bd.label(q), number)
    y = 1.2
    if q.type == "note":
        y += b.para(X0, y, X1 - X0, label, "BVP-Italic", BODY, where=f"ghi chú {q.name}")
        b.height = y + 1.0
        return b
    inline = None
    if q.type in PAPER_TYPES_ONE | PAPER_TYPES_MULTI and bd.choices(q):
        inline = _inline_fits(label, bd.choices(q))
    if inline is not None:
        b.text(X0, y + BODY * PT * 0.78, f"{number}.", "BVP-Bold", BODY, where=f"câu {number}")
        b.text(X0 + 10.0, y + BODY * PT * 0.78, label, "BVP-SemiBold", BODY, where=f"câu {number}")
        x = inline
        for code, lbl in bd.choices(q):
            _choice_cell(b, q.name, number, x, y - 1.2, code, lbl, 200.0)
            x += _cell_width(lbl)
        y += BOX + 0.4
    else:
        y = _question_title(b, number, label, y)
    notes = []
    hint = q.hint(bd.lang, bd.q.default_language)
    if hint and q.name in bd.skip_notes and "chuyển" in hint.lower():
        hint = ""  # the skip instruction derived from the logic says it (with the codes)
    if hint:
        notes.append(hint)
    only = bd.only_if(index)
    if only:
        notes.append(only)
    kind = "write"
    maxc = None
    codes: tuple = ()
    if q.type in PAPER_TYPES_MULTI:
        kind = "multi"
        maxc = logic.max_choices(q.constraint)
        if not hint:
            notes.append(
                f"(Chọn tối đa {maxc} phương án)" if maxc else "(Có thể chọn nhiều phương án)"
            )
    elif q.type in PAPER_TYPES_ONE:
        kind = "one"
    for note in notes:
        y += b.para(
            X0 + 10.0,
            y,
            X1 - X0 - 10.0,
            note,
            "BVP-Italic",
            SMALL + 0.5,
            line=SMALL_LINE + 0.2,
            where=f"câu {number}",
            grey=0.2,
        )
    if kind in ("one", "multi"):
        choices = bd.choices(q)
        if not choices:
            raise PaperError(
                f"Câu {number} ({q.name}) không có phương án trả lời (danh sách «{q.list_name}» "
                "trống hoặc thiếu trong sheet choices). Hãy bổ sung rồi in lại."
            )
        codes = tuple(c for c, _ in choices)
        if inline is None:
            y = _choice_grid(b, q.name, number, choices, y + 0.4, ordered=kind == "one")
        for line in bd.skip_notes.get(q.name, []):
            y += b.para(
                X0 + 10.0, y + 0.3, X1 - X0 - 10.0, line, "BVP-Italic", BODY, where=f"câu {number}"
            )
    else:
        multiline = "multiline" in (q.appearance or "") or q.type == "text" and not q.relevant
        h = 19.0 if (multiline and q.type == "text") else 8.0
        w = X1 - X0 - 10.0 if q.type == "text" else 50.0
        top = y + 1.2
        b.ops.append(Op("rect", (X0 + 10.0, top, w, h, 0.3, 0.45, None)))
        if h > 10:
            yy = top + 7.5
            while yy < top + h - 1:
                b.ops.append(Op("line", (X0 + 12.0, yy, X0 + 8.0 + w, yy, 0.2, 0.75)))
                yy += 7.0
        b.writeins.append(WriteIn(q.name, X0 + 10.0, round(top, 3), w, h))
        y = top + h
    b.height = y + 1.8
    bd.infos[q.name] = QuestionInfo(
        q.name, kind, number, label, codes, bd.units[index][2], q.constraint or "", maxc, 0
    )
    b.vars.append(q.name)
    return b


def _build_matrix(bd: _Builder, index: int, g: Group) -> _Block:
    b = _Block()
    number = bd.number(g)
    rows = [c for c in g.children if isinstance(c, Question) and c.type != "note"]
    choices = bd.choices(rows[0])
    y = _question_title(b, number, _strip_number(bd.label(g), number), 1.2)
    notes = []
    hint = pick_text(g.hints, bd.lang, bd.q.default_language)
    if hint:
        notes.append(hint)
    only = bd.only_if(index)
    if only:
        notes.append(only)
    if not hint:
        notes.append("(Mỗi dòng chọn một ô)")
    for note in notes:
        y += b.para(
            X0 + 10.0,
            y,
            X1 - X0 - 10.0,
            note,
            "BVP-Italic",
            SMALL + 0.5,
            line=SMALL_LINE + 0.2,
            where=f"câu {number}",
            grey=0.2,
        )
    ncol = len(choices)
    colw = min(17.0, (X1 - X0 - 70.0) / ncol)
    gx = X1 - ncol * colw
    label_w = gx - (X0 + 10.0) - 2.0
    # header: the scale labels over their columns
    head_lines = [wrap(lbl, "BVP", SMALL, colw - 1.2) for _, lbl in choices]
    hh = max(len(h) for h in head_lines) * SMALL_LINE + 1.6
    y += 0.8
    b.ops.append(Op("fill", (gx, y, ncol * colw, hh, 0.9)))
    for i, lines in enumerate(head_lines):
        cx = gx + i * colw + colw / 2
        for k, ln in enumerate(lines):
            b.text(
                cx,
                y + 1.0 + SMALL * PT * 0.78 + k * SMALL_LINE,
                ln,
                "BVP",
                SMALL,
                align="center",
                where=f"câu {number}",
            )
    y += hh
    codes = tuple(c for c, _ in choices)
    for r, row in enumerate(rows):
        rnum = bd.number(row)
        text = _strip_number(bd.label(row), rnum)
        lines = wrap(text, "BVP", BODY - 0.5, label_w - 8.0)
        rh = max(BOX + 2.0, len(lines) * (LINE - 0.2) + 1.6)
        if r % 2 == 0:
            b.ops.append(Op("fill", (X0 + 10.0, y, X1 - X0 - 10.0, rh, 0.93)))
        b.text(
            X0 + 10.5,
            y + 1.0 + (BODY - 0.5) * PT * 0.78,
            f"{r + 1}.",
            "BVP",
            BODY - 0.5,
            where=f"câu {rnum}",
        )
        for k, ln in enumerate(lines):
            b.text(
                X0 + 17.0,
                y + 1.0 + (BODY - 0.5) * PT * 0.78 + k * (LINE - 0.2),
                ln,
                "BVP",
                BODY - 0.5,
                where=f"câu {rnum}",
            )
        by = y + (rh - BOX) / 2
        for i, (code, _) in enumerate(choices):
            bx = gx + i * colw + (colw - BOX) / 2 + 1.2
            b.text(
                bx - 0.8,
                by + BOX - 1.0,
                str(code),
                "BVP",
                SMALL - 0.5,
                grey=0.35,
                align="right",
                where=f"câu {rnum}",
            )
            b.ops.append(Op("rect", (bx, by, BOX, BOX, 0.35, 0.0, 1.0)))
            b.boxes.append(Box(row.name, code, round(bx, 3), round(by, 3), BOX, BOX))
        rel = bd.units[index][2] + ((row.relevant,) if row.relevant else ())
        bd.infos[row.name] = QuestionInfo(
            row.name,
            "one",
            rnum,
            f"{bd.label(g)} — {text}",
            codes,
            rel,
            row.constraint or "",
            None,
            0,
        )
        b.vars.append(row.name)
        y += rh
    b.ops.append(Op("line", (X0 + 10.0, y, X1, y, 0.3, 0.5)))
    b.height = y + 2.4
    return b


def _build_section(bd: _Builder, g: Group) -> _Block:
    b = _Block()
    label = bd.label(g)
    if not re.match(r"^\s*[A-ZĐ]\s*[.:)]", label) and len(g.name) == 1:
        label = f"{g.name.upper()}. {label}"
    h = b.para(X0, 2.0, X1 - X0, label.upper(), "BVP-Bold", BODY + 0.5, where=f"nhóm {g.name}")
    b.ops.append(Op("line", (X0, 2.0 + h + 0.6, X1, 2.0 + h + 0.6, 0.5, 0.0)))
    b.height = h + 3.4
    b.keep_with_next = True
    return b


def _title_block(bd: _Builder, header: dict[str, str]) -> _Block:
    b = _Block()
    y = 0.0
    if header.get("commissioner"):
        y += b.para(
            X0,
            y,
            90.0,
            header["commissioner"].upper(),
            "BVP-SemiBold",
            SMALL + 0.5,
            line=SMALL_LINE,
            where="tiêu đề phiếu",
        )
    y = max(y, 0.0) + 2.0
    b.text(
        (X0 + X1) / 2,
        y + 5.0,
        "PHIẾU KHẢO SÁT",
        "BVP-Bold",
        14.0,
        align="center",
        where="tiêu đề phiếu",
    )
    y += 7.5
    for ln in wrap(bd.q.title or bd.q.form_id, "BVP-SemiBold", BODY + 1.0, X1 - X0 - 20.0):
        b.text(
            (X0 + X1) / 2,
            y + 3.4,
            ln,
            "BVP-SemiBold",
            BODY + 1.0,
            align="center",
            where="tiêu đề phiếu",
        )
        y += LINE + 0.4
    y += 2.0
    intro = header.get("intro") or (
        "Phiếu khảo sát không ghi họ tên, địa chỉ, số điện thoại của người trả lời. Ý kiến của "
        "Ông/Bà chỉ được tổng hợp chung cùng các phiếu khác, không dùng để xác định cá nhân. "
        "Xin trân trọng cảm ơn sự hợp tác của Ông/Bà."
    )
    top = y
    y += b.para(
        X0 + 2.0,
        y + 1.5,
        X1 - X0 - 4.0,
        intro,
        "BVP-Italic",
        BODY - 0.5,
        line=LINE - 0.3,
        where="lời giới thiệu",
    )
    y += 2.5
    # marking instructions with drawn examples (the font has no tick or ballot-box glyphs)
    b.text(X0 + 2.0, y + 3.0, "Cách đánh dấu:", "BVP-Bold", BODY - 0.5, where="hướng dẫn")
    ex = [
        ("Đánh dấu X", "cross"),
        ("hoặc ✓", "tick"),
        ("Muốn sửa: tô kín ô đã đánh dấu sai", "fill"),
    ]
    x = X0 + 28.0
    for text, style in ex:
        shown = text.replace("✓", "dấu V")
        b.ops.append(Op("rect", (x, y, BOX, BOX, 0.35, 0.0, 1.0)))
        if style == "cross":
            b.ops.append(Op("line", (x + 0.8, y + 0.8, x + BOX - 0.8, y + BOX - 0.8, 0.5, 0.1)))
            b.ops.append(Op("line", (x + BOX - 0.8, y + 0.8, x + 0.8, y + BOX - 0.8, 0.5, 0.1)))
        elif style == "tick":
            b.ops.append(Op("line", (x + 0.8, y + 2.5, x + 1.9, y + BOX - 0.8, 0.5, 0.1)))
            b.ops.append(Op("line", (x + 1.9, y + BOX - 0.8, x + BOX - 0.6, y + 0.6, 0.5, 0.1)))
        else:
            b.ops.append(Op("fill", (x, y, BOX, BOX, 0.1)))
        b.text(x + BOX + 1.5, y + 3.4, shown, "BVP", BODY - 0.5, where="hướng dẫn")
        x += BOX + 3.5 + text_width(shown, "BVP", BODY - 0.5) + 4.0
    y += BOX + 1.5
    y += b.para(
        X0 + 2.0,
        y,
        X1 - X0 - 4.0,
        "rồi đánh dấu vào ô đúng. Mỗi câu chọn một ô, trừ khi có ghi «chọn nhiều» hoặc "
        "«chọn tối đa». Dùng bút bi hoặc bút mực màu xanh, đen; không viết vào lề và các "
        "ô vuông đen ở bốn góc.",
        "BVP",
        BODY - 0.5,
        line=LINE - 0.3,
        where="hướng dẫn",
    )
    y += 1.0
    b.ops.append(Op("rect", (X0, top, X1 - X0, y - top, 0.3, 0.5, None)))
    b.height = y + 3.0
    return b


def compute_layout(
    questionnaire: Questionnaire, lang: str | None = "vi", header: dict[str, str] | None = None
) -> FormLayout:
    """The layout of one form of this questionnaire (same for every serial)."""
    register_fonts()
    bd = _Builder(questionnaire, lang)
    header = dict(header or {})
    # a note before the first group is the form's introduction: it goes in the title block
    if bd.units and bd.units[0][0] == "question" and bd.units[0][1].type == "note":
        if not header.get("intro"):
            header["intro"] = bd.label(bd.units[0][1])
        bd.units[0] = ("skip", bd.units[0][1], ())
    if not header.get("commissioner"):
        header["commissioner"] = questionnaire.settings_extra.get("commissioner", "")
    blocks: list[_Block] = [_title_block(bd, header)]
    for i, (kind, item, _) in enumerate(bd.units):
        if kind == "skip":
            continue
        if kind == "section":
            blocks.append(_build_section(bd, item))
        elif kind == "matrix":
            blocks.append(_build_matrix(bd, i, item))
        else:
            blocks.append(_build_question(bd, i, item))
    # page flow: a block never splits; a section title stays with what follows
    pages: list[PageLayout] = [PageLayout(1)]
    y = Y0
    room = Y1 - Y0
    i = 0
    while i < len(blocks):
        group = [blocks[i]]
        while group[-1].keep_with_next and i + len(group) < len(blocks):
            group.append(blocks[i + len(group)])
        need = sum(g.height for g in group)
        if need > room:
            raise PaperError(
                f"Câu {', '.join(v for g in group for v in g.vars) or '(tiêu đề)'} dài hơn một "
                "trang A4; hãy rút gọn nhãn hoặc tách câu rồi in lại."
            )
        if y + need > Y1:
            pages.append(PageLayout(len(pages) + 1))
            y = Y0
        for g in group:
            _offset(g, pages[-1], y)
            for v in g.vars:
                info = bd.infos[v]
                bd.infos[v] = QuestionInfo(**{**asdict(info), "page": pages[-1].number})
            y += g.height
        i += len(group)
    if len(pages) % 2:
        last = PageLayout(len(pages) + 1)
        last.ops.append(
            Op(
                "text",
                (PAGE_W / 2, PAGE_H / 2, "Trang này để trống.", "BVP-Italic", BODY, 0.4, "center"),
            )
        )
        pages.append(last)
    lay = FormLayout(
        survey=questionnaire.form_id or "khaosat",
        version=questionnaire.version or "0",
        title=questionnaire.title or questionnaire.form_id,
        pages=pages,
        questions=bd.infos,
    )
    lay.fingerprint = _fingerprint(lay)
    return lay


def _fingerprint(lay: FormLayout) -> str:
    data = json.dumps(
        [lay.survey, lay.version, [_page_dict(p) for p in lay.pages]],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(data.encode()).hexdigest()[:10]


def _r(v: float) -> float:
    return round(float(v), 2)


def _page_dict(p: PageLayout) -> dict[str, Any]:
    return {
        "page": p.number,
        "boxes": [
            {"variable": b.variable, "code": b.code, "rect": [_r(b.x), _r(b.y), _r(b.w), _r(b.h)]}
            for b in p.boxes
        ],
        "writeins": [
            {"variable": w.variable, "rect": [_r(w.x), _r(w.y), _r(w.w), _r(w.h)]}
            for w in p.writeins
        ],
    }


def layout_to_json(
    lay: FormLayout,
    unit: str | None = None,
    serials: list[str] | None = None,
    cover_pages: int = 0,
) -> dict[str, Any]:
    """The layout document (docs/paper-layout.md): template pages plus every page of the batch."""
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "survey": lay.survey,
        "version": lay.version,
        "fingerprint": lay.fingerprint,
        "units": "mm",
        "origin": "top-left",
        "page_size": [PAGE_W, PAGE_H],
        "pages_per_form": lay.page_count,
        "markers": {
            "dictionary": MARKER_DICT,
            "size": MARKER_SIZE,
            "ids": {str(k): [v[0], v[1]] for k, v in MARKERS.items()},
        },
        "qr": list(QR_RECT),
        "questions": [
            {
                "variable": qi.name,
                "number": qi.number,
                "kind": qi.kind,
                "page": qi.page,
                "codes": list(qi.codes),
                "max_choices": qi.max_choices,
            }
            for qi in lay.questions.values()
        ],
        "form": [_page_dict(p) for p in lay.pages],
        "unit": unit,
        "cover_pages": list(range(cover_pages)),
        "pages": [],
    }
    for k, serial in enumerate(serials or []):
        for p in lay.pages:
            doc["pages"].append(
                {"pdf_page": cover_pages + k * lay.page_count + p.number - 1, "serial": serial}
                | _page_dict(p)
            )
    return doc


def layout_from_json(doc: dict[str, Any]) -> dict[str, Any]:
    """Validate a layout document and return it (raises PaperError naming the problem)."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise PaperError(
            f"Tệp bố cục không đúng định dạng {SCHEMA}. Hãy tạo lại bằng «khaosat paper layout»."
        )
    for key in ("survey", "version", "fingerprint", "pages_per_form", "form", "pages"):
        if key not in doc:
            raise PaperError(
                f"Tệp bố cục thiếu mục «{key}». Hãy tạo lại bằng «khaosat paper layout»."
            )
    return doc

"""A questionnaire as a Word Anket, in the commission's layout (`khaosat questionnaire to-docx`).

The page, fonts and header block are the report's (`docx_writer.PartyDocument`, Hướng dẫn
36-HD/VPTW): issuing body on the left, "ĐẢNG CỘNG SẢN VIỆT NAM" on the right; then
"PHIẾU KHẢO SÁT" and the title, the introduction, each section, "Câu A1." numbered questions
with their hint, "☐ 1. Nam" options with their codes, matrices as tables, dotted lines for
open answers, and the skip logic in words. The words are the ones the Word reader
(`khaosat.questionnaire.worddoc`) reads back, so an Anket written here imports to the same
questions, choices and skips. It lives in the report area because the questionnaire area
imports no other area and the Party format is the report's.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from khaosat.paper import logic
from khaosat.questionnaire.model import Group, Question, Questionnaire, pick_text
from khaosat.questionnaire.worddoc.blocks import roman
from khaosat.questionnaire.worddoc.words import BOX, fold
from khaosat.questionnaire.wording import bare_label, printed_number
from khaosat.report.docx_writer import PartyDocument, _set_run_font, _text_width_mm
from khaosat.report.settings import load_settings

TITLE = "PHIẾU KHẢO SÁT"
DOTS = "…" * 60
ASKED = frozenset({"select_one", "select_multiple", "text", "integer", "decimal", "date", "rank"})
_NUMBERED = re.compile(r"^\s*(?:Câu\s+)?[A-ZĐ]{0,3}\d+(?:[._]\d+)*[a-z]?\s*[.):]\s+", re.I)
_ASKED_IF = re.compile(r"\$\{(\w+)\}=(\w+)|selected\(\$\{(\w+)\},'(\w+)'\)")
_SECTION = re.compile(r"^\s*(?:[IVXL]+|[A-Z]|Phần\s+\S+)\s*[.):\-–]\s*", re.I)


def _squash_spaces(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


@dataclass
class Unit:
    """A printed question or matrix, with the conditions that decide whether it is asked."""

    item: Question | Group
    number: str
    conditions: tuple[str, ...]
    skip_lines: list[str] = field(default_factory=list)
    routed: bool = False


def _join_codes(codes: list[Any]) -> str:
    text = [str(c) for c in codes]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " hoặc " + text[-1]


def _is_matrix(g: Group) -> bool:
    rows = [c for c in g.children if isinstance(c, Question) and c.type != "note"]
    return (
        "table-list" in (g.appearance or "")
        and bool(rows)
        and all(r.type == "select_one" and r.list_name == rows[0].list_name for r in rows)
    )


class AnketPlan:
    """The printable units in order, their numbers and the skip instructions in words."""

    def __init__(self, q: Questionnaire) -> None:
        self.q = q
        self.units: list[Unit] = []
        self.others: dict[str, set[str]] = {}  # select -> codes whose text is asked after it
        self.hidden: set[str] = set()
        self._count = 0
        self._walk(q.items, ())
        self.by_name = {u.item.name: u for u in self.units}
        self._skips()

    def number(self, item: Question | Group) -> str:
        if _NUMBERED.match(item.label() or ""):
            return printed_number(item)  # type: ignore[arg-type]
        self._count += 1
        return str(self._count)

    def _walk(self, items: list[Any], rel: tuple[str, ...]) -> None:
        previous = None
        for it in items:
            if previous is not None and self._other_text(previous, it):
                previous = None
                continue  # printed as "Khác (ghi rõ): ……" on its option
            previous = it if isinstance(it, Question) and it.is_select else None
            own = rel + ((it.relevant,) if it.relevant else ())
            if isinstance(it, Group):
                if _is_matrix(it):
                    self.units.append(Unit(it, self.number(it), own))
                else:
                    self._walk(it.children, own)
            elif it.type in ASKED:
                self.units.append(Unit(it, self.number(it), own))

    def _other_text(self, select: Question, it: Any) -> bool:
        """Whether `it` is the text that specifies the «Khác» option of `select`, just before."""
        if not isinstance(it, Question) or it.type != "text":
            return False
        m = _ASKED_IF.fullmatch(_squash_spaces(it.relevant))
        if m is None or select.name not in (m.group(1), m.group(3)):
            return False
        code = m.group(2) or m.group(4)
        choice = next((c for c in self.q.choices_of(select) if c.name == code), None)
        if choice is None or not fold(choice.label()).startswith("khac"):
            return False
        self.others.setdefault(select.name, set()).add(code)
        self.hidden.add(it.name)
        return True

    def _skips(self) -> None:
        for pos, unit in enumerate(self.units):
            item = unit.item
            if not isinstance(item, Question) or item.type != "select_one":
                continue
            targets: dict[str, list[Any]] = {}
            for choice in self.q.choices_of(item):
                target = self._target(pos, item.name, choice.code)
                following = self.units[pos + 1].number if pos + 1 < len(self.units) else "END"
                if target != following:
                    targets.setdefault(target, []).append(choice.code)
            for target, codes in targets.items():
                where = "phần cuối phiếu" if target == "END" else f"câu {target}"
                unit.skip_lines.append(f"Nếu chọn {_join_codes(codes)}, chuyển sang {where}.")
                for later in self.units[pos + 1 :]:
                    if later.number == target:
                        break
                    later.routed = True

    def _target(self, pos: int, name: str, code: Any) -> str:
        for later in self.units[pos + 1 :]:
            refs = set().union(*(logic.references(r) for r in later.conditions))
            if not later.conditions or refs != {name}:
                return later.number
            if all(logic.evaluate(r, {name: code}) for r in later.conditions):
                return later.number
        return "END"

    def only_if(self, unit: Unit) -> str:
        """'(Chỉ trả lời nếu ở câu A4 chọn 1)' for a unit asked of some, not routed by a skip."""
        if unit.routed or not unit.conditions:
            return ""
        refs = set().union(*(logic.references(r) for r in unit.conditions))
        if len(refs) == 1:
            (var,) = refs
            src = self.by_name.get(var)
            if src is not None and isinstance(src.item, Question) and src.item.is_select:
                multi = src.item.is_multiple
                ok = []
                for c in self.q.choices_of(src.item):
                    value = [c.code] if multi else c.code
                    if all(logic.evaluate(r, {var: value}) for r in unit.conditions):
                        ok.append(c.code)
                if ok:
                    verb = "có chọn" if multi else "chọn"
                    return f"(Chỉ trả lời nếu ở câu {src.number} {verb} {_join_codes(ok)})"
        return "(Chỉ trả lời nếu thuộc trường hợp được hỏi theo hướng dẫn)"


class AnketWriter:
    def __init__(self, q: Questionnaire, settings: dict[str, Any]) -> None:
        self.q = q
        self.plan = AnketPlan(q)
        self.w = PartyDocument(settings)
        self.font = self.w.font
        self.size = self.w.body_pt
        self.sections = 0

    def para(self, parts: list[tuple[str, str]], indent_mm: float = 0, align: Any = None) -> Any:
        """A paragraph of runs (text, style) with style in '', 'b', 'i', 'bi'."""
        p = self.w.doc.add_paragraph()
        for text, style in parts:
            run = p.add_run(text)
            _set_run_font(run, self.font, self.size)
            run.bold, run.italic = "b" in style, "i" in style
        pf = p.paragraph_format
        pf.first_line_indent = Mm(0)
        pf.left_indent = Mm(indent_mm)
        pf.space_after = Pt(2)
        if align is not None:
            p.alignment = align
        return p

    def write(self, date: dt.date) -> bytes:
        w = self.w
        w.header_block(None, numbered=False)
        w.title_block(TITLE, self.q.title or self.q.form_id)
        self.items(self.q.items, top=True)
        w.set_properties(f"{TITLE} {self.q.title}", date, self.q.title, keywords="khaosat; anket")
        return w.to_bytes()

    def items(self, items: list[Any], top: bool = False) -> None:
        for it in items:
            if isinstance(it, Group):
                if it.name in self.plan.by_name:
                    self.matrix(self.plan.by_name[it.name])
                else:
                    self.section(it)
                    self.items(it.children)
            elif it.type == "note":
                self.note(it)
            elif it.name in self.plan.hidden:
                continue
            elif it.name in self.plan.by_name:
                self.question(self.plan.by_name[it.name])

    def section(self, g: Group) -> None:
        label = g.label(None, self.q.default_language)
        if not label:
            return
        self.sections += 1
        if not _SECTION.match(label):
            label = f"{roman(self.sections).upper()}. {label}"
        p = self.para([(label, "b")])
        p.paragraph_format.space_before = Pt(8)
        p.paragraph_format.keep_with_next = True

    def note(self, q: Question) -> None:
        for line in (q.label(None, self.q.default_language) or "").split("\n"):
            if line.strip():
                p = self.para([(line.strip(), "i")], align=WD_ALIGN_PARAGRAPH.JUSTIFY)
                p.paragraph_format.first_line_indent = Mm(10)

    def heading(self, unit: Unit) -> None:
        item = unit.item
        label = bare_label(item, limit=100_000)  # type: ignore[arg-type]
        p = self.para([(f"Câu {unit.number}. ", "b"), (label, "")])
        p.paragraph_format.space_before = Pt(6)
        p.paragraph_format.keep_with_next = True
        only = self.plan.only_if(unit)
        if only:
            self.para([(only, "i")], indent_mm=5).paragraph_format.keep_with_next = True
        hint = pick_text(item.hints, None, self.q.default_language)
        if hint and not (unit.skip_lines and "chuyển" in hint.lower()):
            text = hint if hint.startswith("(") else f"({hint})"
            self.para([(text, "i")], indent_mm=5).paragraph_format.keep_with_next = True

    def question(self, unit: Unit) -> None:
        q = unit.item
        assert isinstance(q, Question)
        self.heading(unit)
        if q.is_select:
            for c in self.q.choices_of(q):
                label = c.label(None, self.q.default_language) or c.name
                if c.name in self.plan.others.get(q.name, ()) and "…" not in label:
                    label += ": ……………………"
                self.para([(f"{BOX} {c.name}. {label}", "")], indent_mm=10)
            if q.or_other:
                self.para([(f"{BOX} Khác (ghi rõ): ……………………", "")], indent_mm=10)
        elif q.type in ("integer", "decimal"):
            self.para([("……………… (ghi số)", "")], indent_mm=10)
        elif q.type == "date":
            self.para([("Ngày ……/……/………… (ngày/tháng/năm)", "")], indent_mm=10)
        else:
            lines = 3 if "multiline" in (q.appearance or "") else 2
            for _ in range(lines):
                self.para([(DOTS, "")], indent_mm=5)
        for line in unit.skip_lines:
            self.para([(f"({line})", "i")], indent_mm=5)

    def matrix(self, unit: Unit) -> None:
        g = unit.item
        assert isinstance(g, Group)
        self.heading(unit)
        rows = [c for c in g.children if isinstance(c, Question) and c.type != "note"]
        scale = self.q.choices_of(rows[0])
        lang = self.q.default_language
        header = ["Nội dung"] + [f"{c.label(None, lang)} ({c.name})" for c in scale]
        body = [
            [f"{k}. {r.label(None, lang) or r.name}"] + [BOX] * len(scale)
            for k, r in enumerate(rows, start=1)
        ]
        first = 70.0
        rest = (_text_width_mm(self.w.s) - first) / max(len(scale), 1)
        self.w.text_table([header, *body], widths_mm=[first] + [rest] * len(scale))
        for line in unit.skip_lines:
            self.para([(f"({line})", "i")], indent_mm=5)


def write_anket_docx(
    q: Questionnaire,
    path: str | Path | None = None,
    settings: dict[str, Any] | str | Path | None = None,
    date: dt.date | None = None,
) -> bytes:
    """Write a questionnaire as a Word Anket; returns the bytes (and writes `path` if given)."""
    s = settings if isinstance(settings, dict) and "font" in settings else load_settings(settings)
    data = AnketWriter(q, s).write(date or dt.date.today())
    if path is not None:
        Path(path).write_bytes(data)
    return data

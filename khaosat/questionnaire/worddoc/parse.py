"""Blocks of a Word Anket -> its parts: title, introduction, sections, questions with their
options, instructions and tables. What cannot be placed with confidence goes to the review."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from khaosat.questionnaire.worddoc import words as Wd
from khaosat.questionnaire.worddoc.blocks import Block, Para, Table
from khaosat.questionnaire.worddoc.review import ReviewItem, short

_MARKS = re.compile(rf"[{Wd.BOXES}]|\[\s\]|\(\s\)")


@dataclass
class Option:
    label: str
    code: int | None
    place: str
    text: str
    goto: str | None = None  # printed number of the target, "END", or "phan:X"
    other: bool = False


@dataclass
class Rule:
    """An instruction in words: a skip from this question, or who answers it."""

    kind: str  # "goto" (what -> target), "only_if" (src + what), "only_for" (who)
    what: str
    target: str = ""
    place: str = ""
    text: str = ""


@dataclass
class RawQuestion:
    number: str
    text: str
    para: Para
    hints: list[str] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    mode: str | None = None  # "one" | "multi"
    max_n: int | None = None
    round_marks: bool = False
    rules: list[Rule] = field(default_factory=list)
    dots: bool = False
    matrix: tuple[list[str], list[int], list[str]] | None = None  # scale, codes, items
    matrix_place: str = ""
    note: bool = False  # a note, not a question (text between questions)
    answer: str = ""  # "number" or "date" when the answer line says so


@dataclass
class RawSection:
    number: str
    label: str
    place: str
    items: list[RawQuestion] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)


@dataclass
class RawAnket:
    title: list[str] = field(default_factory=list)
    intro: list[str] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)
    sections: list[RawSection] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)


def _is_answer_cell(text: str) -> bool:
    t = text.strip()
    return not t or bool(re.fullmatch(rf"[{Wd.BOXES}\s]*\(?\d{{0,2}}\)?[{Wd.BOXES}\s]*", t))


class Parser:
    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = blocks
        self.out = RawAnket()
        self.section: RawSection | None = None
        self.q: RawQuestion | None = None
        self.front = True
        self.title_open = False
        self.pending: list[Rule] = []  # "only for" instructions waiting for the next question
        paras = [b for b in blocks if isinstance(b, Para)]
        self.cau_style = sum(1 for p in paras if Wd.Q_CAU.match(Wd.fold(p.text))) >= 2
        self.last_number = 0

    def review(self, place: str, text: str, message: str, level: str = "check") -> None:
        self.out.review.append(ReviewItem(place, short(text), message, level))

    def run(self) -> RawAnket:
        for b in self.blocks:
            if isinstance(b, Table):
                self.table(b)
            else:
                self.para(b)
        self.close_question()
        for rule in self.pending:
            self.review(
                rule.place,
                rule.text,
                "Hướng dẫn này không đứng trước câu hỏi nào nên chưa dùng được.",
            )
        return self.out

    # -- structure -----------------------------------------------------------------------
    def ensure_section(self) -> RawSection:
        if self.section is None:
            self.section = RawSection("", "", "")
            self.out.sections.append(self.section)
        return self.section

    def close_question(self) -> None:
        q = self.q
        if q is None:
            return
        self.q = None
        self.ensure_section().items.append(q)

    def start_question(self, number: str, text: str, p: Para) -> None:
        self.close_question()
        self.front = self.title_open = False
        q = RawQuestion(number=number, text=text, para=p)
        q.rules.extend(self.pending)
        self.pending = []
        q.text = self.instructions_in_label(q, text, p)
        self.q = q
        digits = re.fullmatch(r"\d+", number)
        if digits:
            self.last_number = int(number)

    # -- paragraphs ----------------------------------------------------------------------
    def para(self, p: Para) -> None:
        t, f = p.text, Wd.fold(p.text)
        if self.front and self.front_matter(p, t, f):
            return
        section = self.section_heading(p, t, f)
        if section is not None:
            self.close_question()
            self.front = self.title_open = False
            self.section = section
            self.out.sections.append(section)
            return
        number = self.question_start(p, t, f)
        if number is not None:
            self.start_question(number[0], number[1], p)
            return
        if self.q is not None and not self.q.note and self.option_line(p, t, f):
            return
        answer = Wd.answer_line(t)
        if answer is not None:
            if self.q is not None:
                self.q.dots = True
                self.q.answer = self.q.answer or answer
            return
        if Wd.RULE_RE.match(t):
            self.review(p.place(), t, "Đường kẻ trang trí: không đưa vào bảng hỏi.", "note")
            return
        if Wd.THANKS_RE.search(f) and (
            self.q is None or self.q.options or self.q.dots or self.q.matrix
        ):
            self.close_question()
            self.out.closing.append(t)
            return
        if self.instruction(p, t, f):
            return
        self.loose(p, t, f)

    def front_matter(self, p: Para, t: str, f: str) -> bool:
        if Wd.RULE_RE.match(t):
            self.review(p.place(), t, "Đường kẻ trang trí: không đưa vào bảng hỏi.", "note")
            return True
        if not self.out.title and Wd.HEADER_RE.match(f.strip()):
            self.review(
                p.place(),
                t,
                "Phần đầu phiếu (tên cơ quan, tiêu đề): không đưa vào bảng hỏi.",
                "note",
            )
            return True
        if not self.out.title and (Wd.TITLE_RE.match(f.strip()) or (p.bold and p.centered)):
            self.out.title.append(t)
            self.title_open = True
            return True
        if (
            self.title_open
            and (p.bold or (t.isupper() and len(t) > 3))
            and not Wd.SECTION_PART.match(f)
        ):
            if self.question_start(p, t, f) is None and self.section_heading(p, t, f) is None:
                self.out.title.append(t)
                return True
        self.title_open = False
        if self.question_start(p, t, f) is None and self.section_heading(p, t, f) is None:
            if not self.instruction_only(f):
                self.out.intro.append(t)
                return True
        return False

    def section_heading(self, p: Para, t: str, f: str) -> RawSection | None:
        m = Wd.SECTION_PART.match(f)
        if m is None:
            m = Wd.SECTION_MARK.match(f)
            if m is None:
                if p.style.lower().startswith("heading") and not Wd.Q_CAU.match(f):
                    return RawSection("", t, p.place())
                return None
            rest = t[m.start("rest") :]
            letters = [c for c in rest if c.isalpha()]
            upper = bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)
            if not (upper or p.bold or p.style.lower().startswith("heading")):
                return None
            if (
                m.group("num") in "abcdefgh"
                and self.q is not None
                and not self.q.options
                and not upper
            ):
                return None  # "a) …" under a question is an option
        return RawSection(m.group("num"), t, p.place())

    def question_start(self, p: Para, t: str, f: str) -> tuple[str, str] | None:
        m = Wd.Q_CAU.match(f)
        if m:
            return t[m.start("num") : m.end("num")].upper(), t[m.start("rest") :].strip()
        m = Wd.Q_CODE.match(f)
        if m and t[m.start("num")].isupper():
            return t[m.start("num") : m.end("num")].upper(), t[m.start("rest") :].strip()
        if p.auto_level > 0:
            return None
        m = Wd.Q_DIGIT.match(f)
        if m is None or self.cau_style:
            return None
        number, rest = m.group("num"), t[m.start("rest") :].strip()
        if self._digit_is_question(p, int(number), rest):
            return number, rest
        return None

    def _digit_is_question(self, p: Para, n: int, rest: str) -> bool:
        q = self.q
        if q is None or q.note or q.matrix or q.dots:
            return True
        cue = (
            rest.rstrip().endswith(("?", ":"))
            or bool(Wd.TRAILING_DOTS.search(rest))
            or (p.bold and not q.options)
            or bool(re.search(r"\b(ong/ba|anh/chi|ong ba|ban co|ban hay)\b", Wd.fold(rest)))
            or len(rest) > 70
        )
        expected_option = len(q.options) + 1
        if n == self.last_number + 1 and cue:
            return True
        if not q.options and n == 1:
            return False
        if n == expected_option or (q.options and q.options[-1].code == n - 1):
            return False
        return cue

    # -- options -------------------------------------------------------------------------
    def option_line(self, p: Para, t: str, f: str) -> bool:
        q = self.q
        assert q is not None
        opts: list[tuple[int | None, str]] = []
        if p.bullet:
            opts = self.marked(t) or [(None, t)]
            if p.bullet in Wd.ROUND:
                q.round_marks = True
        elif _MARKS.search(t) and (
            _MARKS.match(t.strip())
            or re.match(r"^\s*\d{1,3}\s*[.)]?\s*" + _MARKS.pattern, t)
            or _MARKS.search(t.rstrip()[-1:])
        ):
            opts = self.marked(t)
            if any(c in Wd.ROUND for c in t[:3]):
                q.round_marks = True
        else:
            m = Wd.Q_DIGIT.match(f) or (Wd.OPT_LETTER.match(f) if not Wd.Q_CAU.match(f) else None)
            if m is None:
                return False
            opts = _numbered_options(t)
        if not opts:
            return False
        for code, label in opts:
            self.add_option(q, code, label, p.place(), t)
        return True

    def marked(self, t: str) -> list[tuple[int | None, str]]:
        parts = _MARKS.split(t)
        head = parts[0].strip()
        out: list[tuple[int | None, str]] = []
        if head and not re.fullmatch(r"\d{1,3}\s*[.)]?", head):
            # "Nam ☐   Nữ ☐": labels before their boxes
            return [(None, part.strip()) for part in parts[:-1] if part.strip()]
        first_code = int(re.match(r"\d+", head).group()) if head else None
        for k, part in enumerate(parts[1:]):
            part = part.strip()
            if not part:
                continue
            m = re.match(r"^(\d{1,3})\s*[.):\-]?\s+(\S.*)$", part, re.S)
            code = first_code if k == 0 else None
            if m:
                code, part = int(m.group(1)), m.group(2)
            out.append((code, part))
        return out

    def add_option(
        self, q: RawQuestion, code: int | None, label: str, place: str, text: str
    ) -> None:
        opt = Option(label=label, code=code, place=place, text=text)
        folded = Wd.fold(label)
        m = Wd.OPTION_GOTO_RE.search(folded)
        if m and re.search(
            r"->|→|=>|>>|⇒|chuyen|bo qua|nhay|sang|den",
            folded[: m.end()][max(0, m.start() - 2) :] + folded[m.start() : m.end()],
        ):
            opt.goto = _target(m)
            label = label[: m.start()].rstrip(" ,;.-–(")
        else:
            m = Wd.OPTION_END_RE.search(folded)
            if m and m.start() > 0 and Wd.STOP_WORDS.search(label[m.start() :]):
                opt.goto = "END"
                label = label[: m.start()].rstrip(" ,;.-–(")
        folded = Wd.fold(label)
        if Wd.OTHER_RE.match(folded) and (
            Wd.SPECIFY_RE.search(folded) or Wd.TRAILING_DOTS.search(label)
        ):
            opt.other = True
        label = Wd.TRAILING_DOTS.sub("", label).strip().rstrip(":").strip()
        opt.label = label
        if not label:
            self.review(place, text, "Phương án không có chữ nào; đã bỏ qua.")
            return
        q.options.append(opt)
        if opt.goto:
            q.rules.append(Rule("goto", f"«{label}»", opt.goto, place, text))

    # -- instructions --------------------------------------------------------------------
    def instruction_only(self, f: str) -> bool:
        return bool(Wd.GOTO_RE.search(f) or Wd.ONLY_IF_RE.search(f) or Wd.ONLY_FOR_RE.match(f))

    def parse_instruction(
        self, text: str, place: str
    ) -> tuple[list[Rule], str | None, int | None, bool]:
        """(rules, mode, max, understood) of one instruction text."""
        f = Wd.fold(text)
        rules: list[Rule] = []
        mode, max_n = None, None
        for m in Wd.GOTO_RE.finditer(f):
            rules.append(
                Rule("goto", text[m.start("what") : m.end("what")], _target(m), place, text)
            )
        if not rules:
            for m in Wd.END_RE.finditer(f):
                if not Wd.STOP_WORDS.search(text[m.start() :]):
                    continue
                rules.append(
                    Rule("goto", text[m.start("what") : m.end("what")], "END", place, text)
                )
        m = Wd.ONLY_IF_RE.search(f)
        if m:
            rules.append(
                Rule("only_if", text[m.start("what") :].rstrip(" .)"), m.group("src"), place, text)
            )
        else:
            m = Wd.FOR_ANSWER_RE.search(f)
            if m:
                rules.append(
                    Rule(
                        "only_if",
                        text[m.start("what") : m.end("what")],
                        m.group("src"),
                        place,
                        text,
                    )
                )
            else:
                m = Wd.ONLY_FOR_RE.match(f)
                if m:
                    rules.append(
                        Rule("only_for", text[m.start("who") : m.end("who")], "", place, text)
                    )
        for m in Wd.EXCLUSIVE_RE.finditer(f):
            rules.append(Rule("exclusive", text[m.start("what") : m.end("what")], "", place, text))
        mm = Wd.MAX_RE.search(f)
        if mm and Wd.number_word(mm.group(1)) > 1:
            mode, max_n = "multi", Wd.number_word(mm.group(1))
        elif Wd.MULTI_RE.search(f):
            mode = "multi"
        elif Wd.ONE_RE.search(f):
            mode = "one"
        return rules, mode, max_n, bool(rules or mode)

    def apply(self, q: RawQuestion, rules: list[Rule], mode: str | None, max_n: int | None) -> None:
        q.rules.extend(rules)
        if mode and not q.mode:
            q.mode = mode
        if max_n:
            q.max_n = max_n

    def instructions_in_label(self, q: RawQuestion, text: str, p: Para) -> str:
        """Take the instructions in parentheses out of a question's text (who-answers stays)."""
        kept = text
        for m in Wd.PAREN_RE.finditer(text):
            inner = m.group(1)
            rules, mode, max_n, ok = self.parse_instruction(inner, p.place())
            if not ok:
                continue
            self.apply(q, rules, mode, max_n)
            if any(r.kind == "only_for" for r in rules):
                continue
            if mode:
                q.hints.append(inner.strip())
            kept = kept.replace(m.group(0), " ")
        rules, mode, max_n, ok = self.parse_instruction(kept, p.place())
        if ok:
            goto = [r for r in rules if r.kind == "goto"]
            self.apply(q, goto, mode, max_n)
            cut = Wd.fold(kept).find("neu") if goto else -1
            if cut > 0:
                kept = kept[:cut]
        kept = " ".join(kept.split())
        if Wd.TRAILING_DOTS.search(kept):
            q.dots = True
        return Wd.TRAILING_DOTS.sub("", kept).strip()

    def instruction(self, p: Para, t: str, f: str) -> bool:
        text = t.strip()
        inner = text[1:-1] if text.startswith("(") and text.endswith(")") else text
        rules, mode, max_n, ok = self.parse_instruction(inner, p.place())
        q = self.q
        if not ok:
            if (
                q is not None
                and not (q.options or q.matrix or q.dots)
                and (text.startswith("(") or p.italic)
            ):
                q.hints.append(inner.strip())
                return True
            return False
        goto = [r for r in rules if r.kind == "goto"]
        who = [r for r in rules if r.kind != "goto"]
        if q is not None and goto:
            self.apply(q, goto, None, None)
        elif goto:
            self.review(
                p.place(), t, "Hướng dẫn chuyển câu không đứng sau câu hỏi nào nên chưa dùng được."
            )
        if who:
            if q is not None and not q.options and not q.matrix and not q.dots:
                q.rules.extend(who)
            elif self.section is not None and self.section.items == [] and q is None:
                self.section.rules.extend(who)
            else:
                self.close_question()
                self.pending.extend(who)
        if q is not None and mode and not q.options:
            self.apply(q, [], mode, max_n)
            q.hints.append(inner.strip())
        elif q is not None and mode:
            self.apply(q, [], mode, max_n)
        return True

    def loose(self, p: Para, t: str, f: str) -> None:
        q = self.q
        if q is not None and not q.options and not q.matrix and not q.dots and not q.note:
            q.hints.append(t)
            self.review(
                p.place(),
                t,
                f"Đoạn này đứng sau câu {q.number} nhưng không phải phương án trả lời; đã coi là "
                "lời giải thích của câu đó. Hãy kiểm tra.",
            )
            return
        if q is None and self.section is not None and not self.section.items:
            note = RawQuestion(number="", text=t, para=p, note=True)
            self.section.items.append(note)
            return
        self.review(
            p.place(),
            t,
            "Không hiểu đoạn này (không phải câu hỏi có số, phương án hay hướng dẫn); chưa đưa vào "
            "bảng hỏi. Nếu là câu hỏi, hãy đánh số «Câu …» cho nó.",
        )

    # -- tables --------------------------------------------------------------------------
    def table(self, t: Table) -> None:
        rows = [[c.strip() for c in r] for r in t.rows if any(c.strip() for c in r)]
        if not rows:
            return
        flat = Wd.fold(" ".join(" ".join(r) for r in rows))
        if (
            self.front
            and not self.out.title
            and Wd.HEADER_RE.search(flat.replace("\n", " "))
            or (self.front and "dang cong san viet nam" in flat)
        ):
            self.review(
                t.place(),
                rows[0][0] if rows[0] else "",
                "Phần đầu phiếu (tên cơ quan, tiêu đề): không đưa vào bảng hỏi.",
                "note",
            )
            return
        if t.nested:
            self.review(
                t.place(), "", "Bảng này có bảng lồng bên trong; phần lồng bên trong chưa được đọc."
            )
        matrix = _matrix(rows)
        if matrix is not None:
            self.matrix(t, matrix, rows)
            return
        if self.q is not None and not self.q.options and self.options_table(t, rows):
            return
        self.review(
            t.place(),
            short(" | ".join(rows[0])),
            "Không hiểu bảng này (không phải bảng phương án hay bảng nhiều nội dung × thang đo); "
            "chưa đưa vào bảng hỏi.",
        )

    def matrix(
        self, t: Table, m: tuple[list[str], list[int], list[str]], rows: list[list[str]]
    ) -> None:
        q = self.q
        if q is None or q.options or q.matrix or q.dots or q.note:
            self.close_question()
            number = f"B{t.index}"
            q = RawQuestion(
                number=number, text=rows[0][0] or f"Bảng {t.index}", para=Para("", t.after, t.page)
            )
            self.review(
                t.place(),
                short(" | ".join(rows[0])),
                f"Bảng nhiều nội dung này không đứng ngay sau một câu hỏi; đã tạo câu {number} cho nó. "
                "Hãy đặt số câu và lời câu hỏi.",
            )
            self.q = q
        q.matrix = m
        q.matrix_place = t.place()

    def options_table(self, t: Table, rows: list[list[str]]) -> bool:
        q = self.q
        assert q is not None
        found: list[tuple[int | None, str]] = []
        for r in rows:
            cells = [c for c in r if c]
            codes = [c for c in cells if re.fullmatch(r"\(?\d{1,3}\)?[.)]?", c)]
            texts = [c for c in cells if c not in codes]
            if len(codes) == 1 and len(texts) == 1:
                found.append((int(re.sub(r"\D", "", codes[0])), _MARKS.sub("", texts[0]).strip()))
            elif not codes and texts:
                for c in texts:
                    found.extend(self.marked(c) if _MARKS.search(c) else [(None, c)])
            else:
                return False
        if not found:
            return False
        for code, label in found:
            self.add_option(q, code, label, t.place(), label)
        return True


_NEXT_OPTION = re.compile(r"\s{2,}(?=(?:\d{1,3}|[a-zđ])\s*[.)]\s*\S)", re.I)


def _numbered_options(t: str) -> list[tuple[int | None, str]]:
    """ "1. Có    2. Không" (or "a) …  b) …"): the options of one line, by their numbers."""
    out: list[tuple[int | None, str]] = []
    for part in _NEXT_OPTION.split(t):
        m = re.match(r"^\s*(\d{1,3}|[a-zđ])\s*[.)]\s*(\S.*)$", part, re.S | re.I)
        if m is None:
            return [(None, t.strip())]
        num = m.group(1)
        out.append((int(num) if num.isdigit() else None, m.group(2).strip()))
    return out


def _target(m: re.Match) -> str:
    target = m.group("target").replace(" ", "").upper()
    return f"PHAN:{target}" if m.group("kind") in ("phan", "muc") else target


def _strip_item(text: str) -> str:
    return re.sub(
        r"^\s*(?:\d{1,3}|[a-zđ])\s*[.)\-–]\s+|^\s*[-–+•]\s*", "", text, flags=re.I
    ).strip()


def _matrix(rows: list[list[str]]) -> tuple[list[str], list[int], list[str]] | None:
    """(scale labels, codes, item labels) of a table of items × a scale, or None."""
    if len(rows) < 2 or max(len(r) for r in rows) < 3:
        return None
    width = len(rows[0])
    body = [r + [""] * (width - len(r)) for r in rows[1:]]
    first = 1
    if all(re.fullmatch(r"\d{1,3}[.)]?", r[0] or "") for r in body) and all(r[1] for r in body):
        first = 2  # a "STT" column before the items
    scale = [c for c in rows[0][first:]]
    if len(scale) < 2 or not all(scale) or not all(r[first - 1] for r in body):
        return None
    if not all(_is_answer_cell(c) for r in body for c in r[first:]):
        return None
    codes = _codes(scale, body, first)
    labels = [
        re.sub(r"^\s*\(?\d{1,2}\)?\s*[.)\-–]?\s+|\s*\(\d{1,2}\)\s*$", "", s).strip() or s
        for s in scale
    ]
    return labels, codes, [_strip_item(r[first - 1]) for r in body]


def _codes(scale: list[str], body: list[list[str]], first: int) -> list[int]:
    by_cells = []
    for j in range(len(scale)):
        digits = {re.sub(r"\D", "", r[first + j]) for r in body}
        by_cells.append(int(digits.pop()) if len(digits) == 1 and "" not in digits else None)
    if all(c is not None for c in by_cells) and len(set(by_cells)) == len(by_cells):
        return by_cells
    by_header = []
    for s in scale:
        m = re.search(r"\((\d{1,2})\)\s*$", s) or re.match(r"^\s*(\d{1,2})\s*[.)\-–]?\s+", s)
        by_header.append(int(m.group(1)) if m else None)
    if all(c is not None for c in by_header) and len(set(by_header)) == len(by_header):
        return by_header
    return list(range(1, len(scale) + 1))

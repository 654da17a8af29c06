"""The parts of a Word Anket -> a draft Questionnaire (XLSForm), skips as `relevant`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from khaosat.questionnaire.model import Choice, ChoiceList, Group, Question, Questionnaire
from khaosat.questionnaire.worddoc import words as Wd
from khaosat.questionnaire.worddoc.parse import Option, RawAnket, RawQuestion, RawSection, Rule
from khaosat.questionnaire.worddoc.review import ReviewItem, short

VI = "Tiếng Việt (vi)"


def name_of(number: str) -> str:
    """The variable name of a printed number: A1 -> a1, 5 -> cau5, C7.1 -> c7_1."""
    base = Wd.fold(number).replace(".", "_").replace(" ", "")
    base = re.sub(r"[^a-z0-9_]", "", base)
    return f"cau{base}" if not base or base[0].isdigit() else base


@dataclass
class Unit:
    """A question or matrix as it takes part in skips: its item and printed number."""

    raw: RawQuestion
    item: Question | Group
    section: int
    conditions: list[str] = field(default_factory=list)


class Builder:
    def __init__(self, raw: RawAnket, form_id: str) -> None:
        self.raw = raw
        self.review = list(raw.review)
        self.q = Questionnaire(
            form_id=form_id,
            version=dt.datetime.now().strftime("%Y%m%d%H%M"),
            title=_title(raw.title),
            default_language=VI,
            languages=[VI],
        )
        self.units: list[Unit] = []
        self.names: set[str] = set()
        self.by_number: dict[str, int] = {}
        self.section_first: dict[str, int] = {}
        self.group_conditions: dict[int, list[str]] = {}
        self.groups: dict[int, Group] = {}

    def say(self, place: str, text: str, message: str, level: str = "check") -> None:
        self.review.append(ReviewItem(place, short(text), message, level))

    def unique(self, name: str) -> str:
        base, k = name, 2
        while name in self.names:
            name = f"{base}_{k}"
            k += 1
        self.names.add(name)
        return name

    def run(self) -> Questionnaire:
        q = self.q
        if not self.raw.title:
            self.say(
                "đầu phiếu",
                "",
                "Không thấy tên phiếu (dòng «PHIẾU KHẢO SÁT…»); hãy đặt tên cho bảng hỏi.",
            )
        if self.raw.intro:
            q.items.append(self.note("gioi_thieu", "\n".join(self.raw.intro)))
        for k, sec in enumerate(self.raw.sections):
            self.section(k, sec)
        if self.raw.closing:
            q.items.append(self.note("cam_on", "\n".join(self.raw.closing)))
        for k, unit in enumerate(self.units):
            for rule in unit.raw.rules:
                self.rule(k, unit, rule)
        for k, sec in enumerate(self.raw.sections):
            for rule in sec.rules:
                self.section_rule(k, sec, rule)
        for unit in self.units:
            if unit.conditions:
                unit.item.relevant = _and(unit.conditions)
        for group, conds in self.group_conditions.items():
            if conds:
                self.groups[group].relevant = _and(conds)
        return q

    def note(self, name: str, text: str) -> Question:
        return Question(name=self.unique(name), type="note", labels={VI: text})

    # -- sections and questions ----------------------------------------------------------
    def section(self, k: int, sec: RawSection) -> None:
        target = self.q.items
        if sec.label:
            name = self.unique(
                name_of(sec.number)
                if sec.number and not sec.number.isdigit()
                else f"phan_{len(self.groups) + 1}"
            )
            group = Group(name=name, labels={VI: sec.label})
            self.groups[k] = group
            self.q.items.append(group)
            target = group.children
            if sec.number:
                self.section_first.setdefault(Wd.fold(sec.number).upper(), len(self.units))
            self.section_first.setdefault(f"#{k}", len(self.units))
        for raw in sec.items:
            if raw.note:
                target.append(self.note(f"ghi_chu_{k + 1}", raw.text))
                continue
            item = self.question(raw)
            if item is None:
                continue
            target.append(item)
            if raw.number:
                self.by_number.setdefault(Wd.fold(raw.number).upper(), len(self.units))
            self.units.append(Unit(raw, item, k))
            extra = getattr(raw, "_follow", None)
            if extra is not None:
                target.append(extra)

    def question(self, raw: RawQuestion) -> Question | Group | None:
        if raw.number and Wd.fold(raw.number).upper() in self.by_number:
            self.say(
                raw.para.place(),
                raw.para.text,
                f"Số câu {raw.number} bị trùng với một câu trước; đã đặt tên biến khác cho câu này.",
            )
        name = self.unique(name_of(raw.number or "cau"))
        label = f"{raw.number}. {raw.text}" if raw.number else raw.text
        hint = " ".join(h for h in raw.hints if h)
        if raw.matrix is not None:
            return self.matrix(raw, name, label, hint)
        if raw.options:
            return self.select(raw, name, label, hint)
        return self.open(raw, name, label, hint)

    def choices(self, name: str, options: list[Option], place: str, text: str) -> str:
        codes: list[int] = []
        used: set[int] = set()
        for k, opt in enumerate(options):
            code = opt.code if opt.code is not None else k + 1
            if code in used:
                code = max(used) + 1
                self.say(
                    opt.place,
                    opt.text,
                    f"Mã {opt.code} của phương án «{opt.label}» bị trùng; đã đổi thành {code}.",
                )
            used.add(code)
            codes.append(code)
        cl = ChoiceList(
            name, [Choice(str(c), {VI: o.label}) for c, o in zip(codes, options, strict=True)]
        )
        for other in self.q.choice_lists.values():
            if [(c.name, c.labels) for c in other.choices] == [
                (c.name, c.labels) for c in cl.choices
            ]:
                return other.name
        self.q.choice_lists[name] = cl
        return name

    def select(self, raw: RawQuestion, name: str, label: str, hint: str) -> Question:
        list_name = self.choices(name, raw.options, raw.para.place(), raw.para.text)
        multi = raw.mode == "multi" or (raw.mode is None and raw.max_n is not None)
        q = Question(
            name=name,
            type="select_multiple" if multi else "select_one",
            list_name=list_name,
            labels={VI: label},
            hints={VI: hint} if hint else {},
        )
        q.type_text = f"{q.type} {list_name}"
        if multi and raw.max_n:
            q.constraint = f"count-selected(.) <= {raw.max_n}"
            q.constraint_message = {VI: f"Chỉ chọn tối đa {raw.max_n} phương án."}
        if (
            raw.mode is None
            and not raw.round_marks
            and re.search(r"\bnhung\b.*\bnao\b", Wd.fold(raw.text))
        ):
            self.say(
                raw.para.place(),
                raw.para.text,
                f"Câu {raw.number} không nói chọn một hay nhiều phương án; đã coi là chọn một. Hãy kiểm tra.",
            )
        for k, opt in enumerate(raw.options):
            if opt.other:
                code = self.q.choice_lists[list_name].choices[k].name
                cond = f"selected(${{{name}}}, '{code}')" if multi else f"${{{name}}} = {code}"
                follow = Question(
                    name=self.unique(f"{name}_khac"),
                    type="text",
                    labels={VI: f"Ghi rõ phương án «{opt.label}» của câu {raw.number}"},
                    relevant=cond,
                )
                follow.type_text = "text"
                raw._follow = follow  # type: ignore[attr-defined]
        return q

    def open(self, raw: RawQuestion, name: str, label: str, hint: str) -> Question:
        f = Wd.fold(raw.text)
        q = Question(name=name, type="text", labels={VI: label}, hints={VI: hint} if hint else {})
        year = dt.date.today().year
        if raw.answer == "date":
            q.type = "date"
        elif Wd.YEAR_RE.search(f):
            q.type = "integer"
            q.constraint = f". >= 1900 and . <= {year}"
            q.constraint_message = {VI: f"Năm phải từ 1900 đến {year}."}
        elif Wd.AGE_RE.search(f):
            q.type = "integer"
            q.constraint = ". >= 0 and . <= 120"
            q.constraint_message = {VI: "Tuổi phải từ 0 đến 120."}
        elif Wd.COUNT_RE.search(f):
            q.type = "integer"
            q.constraint = ". >= 0"
            q.constraint_message = {VI: "Hãy ghi một số không âm."}
        elif raw.answer == "number":
            q.type = "integer"
        elif not raw.dots and not raw.text.rstrip().endswith(("…", "...")):
            self.say(
                raw.para.place(),
                raw.para.text,
                f"Câu {raw.number} không có phương án trả lời; đã coi là câu hỏi mở (ghi chữ). Hãy kiểm tra.",
            )
        if q.type == "text" and raw.dots:
            q.appearance = "multiline"
        q.type_text = q.type
        return q

    def matrix(self, raw: RawQuestion, name: str, label: str, hint: str) -> Group:
        scale, codes, items = raw.matrix  # type: ignore[misc]
        options = [Option(s, c, raw.matrix_place, s) for s, c in zip(scale, codes, strict=True)]
        list_name = self.choices(name, options, raw.matrix_place, "")
        group = Group(
            name=name, labels={VI: label}, hints={VI: hint} if hint else {}, appearance="table-list"
        )
        for k, item in enumerate(items, start=1):
            row = Question(
                name=self.unique(f"{name}_{k}"),
                type="select_one",
                list_name=list_name,
                labels={VI: item},
            )
            row.type_text = f"select_one {list_name}"
            group.children.append(row)
        return group

    # -- skips ---------------------------------------------------------------------------
    def codes_in(self, unit: Unit, what: str, place: str, text: str) -> list[str] | None:
        choices = self.q.choices_of(unit.item) if isinstance(unit.item, Question) else []
        codes = [c.name for c in choices]
        folded = Wd.fold(what)
        quoted = re.findall(r"[«\"“'‘]([^»\"”'’]+)[»\"”'’]", what)
        found: list[str] = []
        if quoted:
            for part in quoted:
                hit = [c.name for c in choices if Wd.squash(c.label()) == Wd.squash(part)]
                found.extend(hit)
                if not hit:
                    return None
        elif re.search(r"\d", folded) and not re.search(
            r"[a-z]{4,}", re.sub(r"phuong an|ma so|ma|so|hoac|va|cau|o", "", folded)
        ):
            found = [n for n in re.findall(r"\d+", folded) if n in codes]
            if not found:
                return None
        else:
            rest = " " + Wd.squash(what) + " "
            for c in sorted(choices, key=lambda c: -len(Wd.squash(c.label()))):
                key = " " + Wd.squash(c.label()) + " "
                if key.strip() and key in rest:
                    found.append(c.name)
                    rest = rest.replace(key, " | ")
            if not found:
                return None
        return list(dict.fromkeys(found))

    def condition(self, unit: Unit, codes: list[str], keep: bool) -> str:
        """The condition on `unit`'s answer: one of `codes` (keep) or none of them."""
        q = unit.item
        assert isinstance(q, Question)
        if q.is_multiple:
            parts = [f"selected(${{{q.name}}}, '{c}')" for c in codes]
            joined = " or ".join(parts)
            return joined if keep else f"not({joined})"
        allowed = codes if keep else [c.name for c in self.q.choices_of(q) if c.name not in codes]
        return " or ".join(f"${{{q.name}}} = {c}" for c in allowed)

    def rule(self, k: int, unit: Unit, rule: Rule) -> None:
        if rule.kind == "goto":
            self.goto(k, unit, rule)
        elif rule.kind == "exclusive":
            self.exclusive(unit, rule)
        elif rule.kind == "only_if":
            src = self.by_number.get(Wd.fold(rule.target).upper())
            if src is None or src >= k or not self.is_select(self.units[src]):
                self.say(
                    rule.place,
                    rule.text,
                    f"Hướng dẫn nhắc đến câu {rule.target.upper()} nhưng không tìm thấy câu có phương án nào mang số đó ở phía trước; chưa dùng được.",
                )
                return
            codes = self.codes_in(self.units[src], rule.what, rule.place, rule.text)
            if not codes:
                self.say(
                    rule.place,
                    rule.text,
                    f"Không nhận ra phương án nào của câu {rule.target.upper()} trong hướng dẫn này; chưa dùng được.",
                )
                return
            _add(unit.conditions, self.condition(self.units[src], codes, keep=True))
        else:
            cond = self.only_for(k, rule)
            if cond:
                _add(unit.conditions, cond)

    def exclusive(self, unit: Unit, rule: Rule) -> None:
        """'nếu chọn «Không gặp khó khăn» thì không chọn phương án khác' -> a constraint."""
        q = unit.item
        codes = (
            self.codes_in(unit, rule.what, rule.place, rule.text) if self.is_select(unit) else None
        )
        if not isinstance(q, Question) or not q.is_multiple or not codes:
            self.say(
                rule.place,
                rule.text,
                f"Không nhận ra phương án chọn riêng của câu {unit.raw.number}; chưa đặt ràng buộc.",
            )
            return
        for code in codes:
            cond = f"not(selected(., '{code}') and count-selected(.) > 1)"
            q.constraint = f"{q.constraint} and {cond}" if q.constraint else cond
        labels = ", ".join(f"«{c.label()}»" for c in self.q.choices_of(q) if c.name in codes)
        message = f"Nếu chọn {labels} thì không chọn phương án khác."
        old = q.constraint_message.get(VI, "")
        q.constraint_message = {VI: f"{old} {message}".strip()}

    def is_select(self, unit: Unit) -> bool:
        return isinstance(unit.item, Question) and unit.item.is_select

    def goto(self, k: int, unit: Unit, rule: Rule) -> None:
        number = unit.raw.number
        if not self.is_select(unit):
            self.say(
                rule.place,
                rule.text,
                f"Hướng dẫn chuyển câu đứng ở câu {number}, là câu không có phương án; chưa dùng được.",
            )
            return
        codes = self.codes_in(unit, rule.what, rule.place, rule.text)
        if not codes:
            self.say(
                rule.place,
                rule.text,
                f"Không nhận ra phương án nào của câu {number} trong hướng dẫn chuyển câu; chưa dùng được.",
            )
            return
        end = self.target(rule.target)
        if end is None or end <= k:
            where = rule.target.replace("PHAN:", "phần ")
            self.say(
                rule.place,
                rule.text,
                f"Không tìm thấy câu hay phần «{where}» ở sau câu {number}; chưa dùng được hướng dẫn chuyển câu này.",
            )
            return
        cond = self.condition(unit, codes, keep=False)
        if not cond:
            self.say(
                rule.place,
                rule.text,
                f"Mọi phương án của câu {number} đều chuyển câu; chưa dùng được.",
            )
            return
        for j in range(k + 1, end):
            _add(self.units[j].conditions, cond)

    def target(self, target: str) -> int | None:
        if target == "END":
            return len(self.units)
        if target.startswith("PHAN:"):
            key = target[5:]
            return self.section_first.get(Wd.fold(key).upper())
        return self.by_number.get(Wd.fold(target).upper())

    def only_for(self, k: int, rule: Rule) -> str | None:
        terms = [Wd.squash(t) for t in re.split(r",|;|/|\bvà\b|\bhoặc\b", rule.what)]
        terms = [t for t in terms if len(t) >= 4]
        best: list[tuple[int, int, list[str]]] = []
        for j in range(k - 1, -1, -1):
            unit = self.units[j]
            if not isinstance(unit.item, Question) or unit.item.type != "select_one":
                continue
            hits = []
            score = 0
            for c in self.q.choices_of(unit.item):
                label = Wd.squash(c.label())
                n = sum(1 for t in terms if t in label or (label and label in t))
                if n:
                    hits.append(c.name)
                    score = max(score, n)
            if hits:
                best.append((score, j, hits))
        text = rule.text
        if not best:
            self.say(
                rule.place,
                text,
                "Không tìm thấy câu hỏi phía trước có phương án hợp với đối tượng này; chưa đặt điều kiện hỏi. Hãy đặt điều kiện trong bảng hỏi.",
            )
            return None
        best.sort(key=lambda b: (-b[0], -b[1]))
        if len(best) > 1 and best[0][0] == best[1][0]:
            self.say(
                rule.place,
                text,
                "Đối tượng này hợp với phương án của nhiều câu phía trước; chưa đặt điều kiện hỏi. Hãy chọn câu trong bảng hỏi.",
            )
            return None
        score, j, hits = best[0]
        src = self.units[j]
        labels = ", ".join(f"«{c.label()}»" for c in self.q.choices_of(src.item) if c.name in hits)
        self.say(
            rule.place,
            text,
            f"Đã hiểu là chỉ hỏi người ở câu {src.raw.number} chọn {labels}.",
            "note",
        )
        return self.condition(src, hits, keep=True)

    def section_rule(self, k: int, sec: RawSection, rule: Rule) -> None:
        first = self.section_first.get(f"#{k}")
        if first is None or k not in self.groups:
            return
        fake = Unit(
            RawQuestion("", "", sec.items[0].para if sec.items else None), self.groups[k], k
        )  # type: ignore[arg-type]
        if rule.kind == "only_for":
            cond = self.only_for(first, rule)
        else:
            cond = None
            self.rule(first, fake, rule)
            cond = fake.conditions[0] if fake.conditions else None
        if cond:
            _add(self.group_conditions.setdefault(k, []), cond)


def _add(conds: list[str], cond: str) -> None:
    if cond and cond not in conds:
        conds.append(cond)


def _and(conds: list[str]) -> str:
    if len(conds) == 1:
        return conds[0]
    return " and ".join(f"({c})" if " or " in c else c for c in conds)


def _title(lines: list[str]) -> str:
    if not lines:
        return ""
    if len(lines) > 1 and Wd.GENERIC_TITLE_RE.match(Wd.fold(lines[0]).strip()):
        lines = lines[1:]
    return " ".join(" ".join(lines).split())

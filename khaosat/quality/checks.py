"""Quality checks: named rules run on one response as it arrives (`check_response`) and on a
whole survey on demand (`check_survey`). Each finding is a `Flag` (khaosat.quality.flags).

Rules (see flags.RULES for the Vietnamese explanations):

* per response: constraint, skip_logic, invalid_value, missing_required (via
  khaosat.questionnaire.validate), implausible (the questionnaire's `checks` sheet and rules
  written in the web app: an expression in the XLSForm language that must hold, checked only
  when every question it names is answered), straight_lining (same column in every row of a
  matrix: a table-list group, or a group of >= 3 select_one rows sharing one choice list),
  too_many_dont_know (code 9), too_many_missing, serial_unit;
* across responses: duplicate_serial, near_duplicate (within a unit, share of equal answers over
  the items answered in either form >= 0.95), unit_identical, unit_outlier (mean Jensen–Shannon
  divergence of a unit's answer distributions from the pooled other units, far above the other
  units'), fast_entry (>= 10 keyed forms of a unit each under 20 seconds apart on average).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from khaosat.quality.errors import QualityError
from khaosat.quality.flags import WARNING, Flag, make_flag
from khaosat.questionnaire import expr as X
from khaosat.questionnaire import validate as V
from khaosat.questionnaire.model import Question, Questionnaire
from khaosat.questionnaire.wording import merge_skips

DONT_KNOW = 9


@dataclass(frozen=True)
class CheckRule:
    """A cross-question rule. By default `expression` must hold (the checks sheet's way);
    with `wrong` it is the combination that is wrong ("Tuổi 18–30 mà đã nghỉ hưu") and a form
    that matches it is flagged. `message` (Vietnamese) is what the flag says."""

    name: str
    expression: str
    message: str = ""
    severity: str = WARNING
    wrong: bool = False


@dataclass(frozen=True)
class CheckConfig:
    """Thresholds of the rules (defaults explained in khaosat/quality/README.md)."""

    near_duplicate_similarity: float = 0.95
    near_duplicate_min_items: int = 10
    straight_line_min_rows: int = 4
    dont_know_share: float = 0.5
    dont_know_min_items: int = 10
    missing_share: float = 0.3
    unit_min_responses: int = 8
    unit_identical_share: float = 0.8
    unit_outlier_jsd: float = 0.15
    unit_outlier_z: float = 4.0
    fast_entry_seconds: float = 20.0
    fast_entry_min_forms: int = 10
    fast_entry_sources: frozenset[str] = frozenset({"keyed", "web", "odk"})
    rules: tuple[CheckRule, ...] = ()


@dataclass
class ResponseRecord:
    """What the checks need of one stored response."""

    key: str
    unit: str
    answers: Mapping[str, Any]
    serial: str | None = None
    created_at: _dt.datetime | None = None
    source: str = ""
    created_by: str = ""
    printed: tuple[tuple[int, int], ...] = ()  # serial ranges printed for the unit
    issued: int | None = None  # forms printed for the unit, when only the count is known
    unit_codes: tuple[str, ...] = ()  # other codes of the unit (placeholders it replaced)


@dataclass
class CheckContext:
    """Where a response arriving at the capture door comes from (all optional)."""

    key: str | None = None
    unit: str | None = None
    serial: str | None = None
    config: CheckConfig = field(default_factory=CheckConfig)
    today: _dt.date | None = None
    issued: int | None = None  # forms printed for the unit, when known
    printed: tuple[tuple[int, int], ...] = ()  # serial ranges printed for the unit
    unit_codes: tuple[str, ...] = ()  # other codes of the unit (placeholders it replaced)


# -- what the checks know of a questionnaire --------------------------------------------------


@dataclass
class Matrix:
    """A battery of select_one rows answered on one scale (e.g. c7, e1)."""

    name: str
    rows: tuple[str, ...]


class Plan:
    """A questionnaire analysed once for the checks: logic, matrices, items, check rules."""

    def __init__(self, q: Questionnaire | V.FormLogic) -> None:
        self.logic = V.compile_logic(q)
        self.questionnaire = self.logic.questionnaire
        qn = self.questionnaire
        self.matrices = find_matrices(qn)
        # substantive items: asked of the respondent, closed (no text, calculate, metadata)
        self.items: list[str] = []
        self.select_one: list[str] = []
        self.dont_know_items: set[str] = set()
        self.codes: dict[str, tuple] = {}
        for r in self.logic.rules:
            if r.kind in ("select1", "selectN", "int", "float", "date"):
                if r.name.endswith("_other"):
                    continue
                self.items.append(r.name)
            if r.kind == "select1":
                self.select_one.append(r.name)
                self.codes[r.name] = tuple(r.codes)
                if DONT_KNOW in r.codes:
                    self.dont_know_items.add(r.name)


_PLANS: dict[int, tuple[object, Plan]] = {}


def plan_of(q: Questionnaire | V.FormLogic | Plan) -> Plan:
    """The Plan of a questionnaire, cached by object identity (the last few)."""
    if isinstance(q, Plan):
        return q
    hit = _PLANS.get(id(q))
    if hit is not None and hit[0] is q:
        return hit[1]
    p = Plan(q)
    if len(_PLANS) > 16:
        _PLANS.clear()
    _PLANS[id(q)] = (q, p)
    return p


def find_matrices(q: Questionnaire) -> list[Matrix]:
    """Matrices: groups with appearance table-list (or the older list-nolabel rows) holding
    >= 3 select_one rows."""
    out = []
    for g in q.iter_groups():
        rows = [c for c in g.children if isinstance(c, Question) and c.type == "select_one"]
        if len(rows) < 3:
            continue
        table = "table-list" in (g.appearance or "")
        old_style = any("list-nolabel" in (r.appearance or "") for r in rows)
        if table or old_style:
            out.append(Matrix(g.name, tuple(r.name for r in rows)))
    return out


def parse_rules(rows: Iterable[Mapping[str, Any]]) -> tuple[list[CheckRule], list[str]]:
    """CheckRules from rows with name/expression/message; Vietnamese problems for bad rows."""
    rules, problems = [], []
    for i, row in enumerate(rows, start=1):
        name = str(row.get("name") or f"quy_tac_{i}").strip()
        text = str(row.get("expression") or row.get("constraint") or "").strip()
        msg = next((str(v) for k, v in row.items() if str(k).startswith("message") and v), "")
        if not text:
            problems.append(f"Quy tắc {name} (dòng {i}): thiếu biểu thức; hãy điền cột expression.")
            continue
        try:
            X.parse(text)
        except X.ExprSyntaxError as exc:
            problems.append(f"Quy tắc {name} (dòng {i}): biểu thức «{text}» bị lỗi: {exc}.")
            continue
        rules.append(CheckRule(name, text, msg, str(row.get("severity") or WARNING)))
    return rules, problems


def check_rule_expression(q: Questionnaire | V.FormLogic | Plan, text: str) -> None:
    """Raise QualityError (Vietnamese) when a rule expression cannot be used with this form."""
    try:
        e = X.parse(text)
    except X.ExprSyntaxError as exc:
        raise QualityError(f"Biểu thức «{text}» bị lỗi cú pháp: {exc}. Hãy sửa lại.") from exc
    plan = plan_of(q)
    unknown = sorted(r for r in e.references() if r not in plan.logic.by_name)
    if unknown:
        raise QualityError(
            f"Biểu thức nhắc đến biến không có trong bảng hỏi: {', '.join(unknown)}. "
            "Hãy dùng tên biến như ${c8}."
        )
    if not e.references():
        raise QualityError("Biểu thức phải nhắc đến ít nhất một câu hỏi, ví dụ ${a2} >= 18.")
    for name, code in _compared_codes(e):
        rule = plan.logic.by_name[name]
        if rule.is_select and rule.codes and code not in [str(c) for c in rule.codes]:
            q_ = rule.question
            from khaosat.questionnaire.wording import printed_name

            choices = "; ".join(f"{c.code} «{c.label()}»" for c in rule.choices)
            number = printed_name(plan.questionnaire, q_.name)
            raise QualityError(f"Câu {number} không có mã {code}. Các mã của câu này: {choices}.")


def _compared_codes(e: X.Expr) -> list[tuple[str, str]]:
    """(question, code) pairs a rule compares: ${x} = 3, 3 != ${x}, selected(${x}, '3')."""
    out = []
    for node in e.walk():
        if isinstance(node, X.BinOp) and node.op in ("=", "!="):
            for a, b in ((node.left, node.right), (node.right, node.left)):
                if isinstance(a, X.Ref) and isinstance(b, X.Num | X.Str):
                    v = b.value
                    if isinstance(v, float) and v.is_integer():
                        v = int(v)
                    out.append((a.name, str(v)))
        if isinstance(node, X.Call) and node.name == "selected" and len(node.args) == 2:
            a, b = node.args
            if isinstance(a, X.Ref) and isinstance(b, X.Num | X.Str):
                v = b.value
                if isinstance(v, float) and v.is_integer():
                    v = int(v)
                out.append((a.name, str(v)))
    return out


def rule_fires(
    q: Questionnaire | V.FormLogic | Plan,
    rule: CheckRule,
    answer_sets: Iterable[Mapping[str, Any]],
) -> int:
    """How many of `answer_sets` (e.g. simulated forms) the rule would flag."""
    plan = plan_of(q)
    n = 0
    for answers in answer_sets:
        try:
            _rel, values, _ = plan.logic.walk(answers)
        except X.ExprEvalError:
            continue
        if _apply_rule(rule, values, None, {}, plan) is not None:
            n += 1
    return n


def rule_can_fire(
    q: Questionnaire | V.FormLogic | Plan,
    rule: CheckRule,
    answer_sets: Sequence[Mapping[str, Any]],
    budget: int = 600,
) -> bool:
    """Whether some answers the form allows make the rule flag: the simulated forms first, then
    each simulated form with the rule's questions set to every combination of their codes
    (and the numbers the rule compares with), kept only when the form's own logic accepts it."""
    if rule_fires(q, rule, answer_sets):
        return True
    plan = plan_of(q)
    try:
        e = X.parse(rule.expression)
    except X.ExprSyntaxError:
        return False
    names = sorted(e.references())
    numbers = sorted(
        {float(n.value) for n in e.walk() if isinstance(n, X.Num)}
        | {float(n.value) + d for n in e.walk() if isinstance(n, X.Num) for d in (-1, 1)}
    )
    options: list[list[Any]] = []
    for n in names:
        r = plan.logic.by_name.get(n)
        if r is None:
            return False
        if r.kind == "select1":
            options.append(list(r.codes))
        elif r.kind == "selectN":
            options.append([[c] for c in r.codes] + [list(r.codes[:2])])
        elif r.kind in ("int", "float"):
            options.append([int(x) if r.kind == "int" else x for x in numbers] or [0])
        else:
            return False  # text, dates: the simulated forms decide
    combos = list(itertools.islice(itertools.product(*options), 500))
    if not combos:
        return False
    tries = 0
    bad = {V.NOT_RELEVANT, V.CONSTRAINT, V.UNKNOWN_CODE, V.TYPE}
    for base in answer_sets:
        for combo in combos:
            tries += 1
            if tries > budget:
                return False
            answers = {**base, **dict(zip(names, combo, strict=True))}
            if any(p.variable in names and p.code in bad for p in V.validate(plan.logic, answers)):
                continue
            if rule_fires(plan, rule, [answers]):
                return True
    return False


# -- per response -----------------------------------------------------------------------------

_PROBLEM_RULE = {
    V.CONSTRAINT: "constraint",
    V.NOT_RELEVANT: "skip_logic",
    V.UNKNOWN_CODE: "invalid_value",
    V.TYPE: "invalid_value",
    V.UNKNOWN_VARIABLE: "invalid_value",
    V.CALCULATION: "invalid_value",
    V.CHECK: "implausible",
}


def _answered(v: Any) -> bool:
    return v is not None and v != "" and v != []


def _ctx(context: CheckContext | Mapping[str, Any] | None) -> CheckContext:
    if context is None:
        return CheckContext()
    if isinstance(context, CheckContext):
        return context
    known = {k: v for k, v in context.items() if k in CheckContext.__dataclass_fields__}
    return CheckContext(**known)


def check_response(
    q: Questionnaire | V.FormLogic | Plan,
    answers: Mapping[str, Any],
    context: CheckContext | Mapping[str, Any] | None = None,
) -> list[Flag]:
    """Flags of one response (the capture door calls this for every response it stores).

    `context` (CheckContext or a dict with the same keys): key, unit, serial, config, today.
    """
    ctx = _ctx(context)
    plan = plan_of(q)
    cfg = ctx.config
    where = {"key": ctx.key, "unit": ctx.unit}
    flags: list[Flag] = []

    problems = V.validate(plan.logic, answers, ctx.today)
    missing_required = []
    # answers to questions skipped for one cause make one flag («… câu C2–C9»)
    skips = [p for p in problems if p.code == V.NOT_RELEVANT]
    for idx, text in merge_skips([p.message_vi for p in skips]):
        fields = tuple(skips[i].variable for i in idx)
        flags.append(make_flag("skip_logic", text, fields=fields, **where))
    problems = [p for p in problems if p.code != V.NOT_RELEVANT]
    for p in problems:
        if p.code == V.REQUIRED:
            missing_required.append(p.variable)
            continue
        rule = _PROBLEM_RULE.get(p.code)
        if rule is None:
            continue  # expression errors are the questionnaire's, not the response's
        fields = (p.variable,) if p.variable and rule != "implausible" else ()
        if rule == "implausible":
            fields = _check_fields(plan, p.variable)
        flags.append(make_flag(rule, p.message_vi, fields=fields, **where))

    # relevance once, for the share of missing answers and the extra rules
    try:
        rel, values, _ = plan.logic.walk(answers, ctx.today)
    except X.ExprEvalError:
        rel, values = {}, plan.logic.xpath_values(answers)
    relevant_items = [n for n in plan.items if rel.get(n, True)]
    missing = [n for n in relevant_items if not _answered(answers.get(n))]
    if relevant_items and len(missing) / len(relevant_items) > cfg.missing_share:
        flags.append(
            make_flag(
                "too_many_missing",
                f"Bỏ trống {len(missing)}/{len(relevant_items)} câu phải trả lời "
                f"({_pct(len(missing) / len(relevant_items))}), vượt ngưỡng "
                f"{_pct(cfg.missing_share)}.",
                fields=tuple(missing[:20]),
                **where,
            )
        )
    elif missing_required:
        flags.append(
            make_flag(
                "missing_required",
                "Chưa có trả lời cho câu bắt buộc: "
                + ", ".join(_number(plan, n) for n in missing_required[:15])
                + ".",
                fields=tuple(missing_required),
                severity="info",
                **where,
            )
        )

    dk_items = [n for n in plan.items if n in plan.dont_know_items and _answered(answers.get(n))]
    dk = [n for n in dk_items if answers.get(n) == DONT_KNOW]
    if len(dk_items) >= cfg.dont_know_min_items and len(dk) / len(dk_items) > cfg.dont_know_share:
        flags.append(
            make_flag(
                "too_many_dont_know",
                f"Chọn «Không rõ» (mã 9) ở {len(dk)}/{len(dk_items)} câu "
                f"({_pct(len(dk) / len(dk_items))}), vượt ngưỡng {_pct(cfg.dont_know_share)}.",
                fields=tuple(dk),
                **where,
            )
        )

    for m in plan.matrices:
        given = [(r, answers[r]) for r in m.rows if _answered(answers.get(r))]
        need = max(cfg.straight_line_min_rows, math.ceil(0.8 * len(m.rows)))
        if len(given) >= need and len({v for _, v in given}) == 1:
            value = given[0][1]
            flags.append(
                make_flag(
                    "straight_lining",
                    f"Cả {len(given)} dòng của bảng {m.name} cùng chọn mã {value}.",
                    fields=tuple(r for r, _ in given),
                    **where,
                )
            )

    for rule in cfg.rules:
        flag = _apply_rule(rule, values, ctx.today, where, plan)
        if flag is not None:
            flags.append(flag)

    flag = serial_range(ctx.serial, ctx.printed, ctx.issued, where)
    if flag is not None:
        flags.append(flag)
    if ctx.serial and ctx.unit:
        unit_of_serial = str(ctx.serial).rsplit("-", 1)[0]
        own = {ctx.unit, *ctx.unit_codes}
        if "-" in str(ctx.serial) and unit_of_serial not in own:
            flags.append(
                make_flag(
                    "serial_unit",
                    f"Số phiếu {ctx.serial} mang mã đơn vị {unit_of_serial}, nhưng phiếu được "
                    f"ghi cho đơn vị {ctx.unit}.",
                    **where,
                )
            )
    return flags


def _ranges_text(ranges: Sequence[tuple[int, int]]) -> str:
    return ", ".join(f"{a:04d}–{b:04d}" if a != b else f"{a:04d}" for a, b in ranges)


def serial_range(
    serial: str | None,
    printed: Sequence[Sequence[int]] = (),
    issued: int | None = None,
    where: Mapping[str, Any] | None = None,
) -> Flag | None:
    """A flag when the serial's running number is outside the ranges printed for its unit
    (or above the count issued, when only the count is known)."""
    if not serial:
        return None
    number = str(serial).rsplit("-", 1)[-1]
    if not number.isdigit():
        return None
    n = int(number)
    where = dict(where or {})
    ranges = [(int(a), int(b)) for a, b in printed]
    if ranges:
        if any(a <= n <= b for a, b in ranges):
            return None
        total = sum(b - a + 1 for a, b in ranges)
        return make_flag(
            "serial_range",
            f"Số phiếu {serial} nằm ngoài dãy số phiếu đã in cho đơn vị "
            f"({_ranges_text(ranges)}, {total} phiếu).",
            **where,
        )
    if issued and n > issued:
        return make_flag(
            "serial_range",
            f"Số phiếu {serial}: đơn vị chỉ được phát {issued} phiếu (từ 0001 đến {issued:04d}).",
            **where,
        )
    return None


def over_quota(unit: str, valid: int, quota: int | None) -> Flag | None:
    """A unit flag when the unit has more valid forms than its quota."""
    if not quota or valid <= quota:
        return None
    return make_flag(
        "over_quota",
        f"Đơn vị {unit} đã vượt chỉ tiêu: có {valid} phiếu, chỉ tiêu {quota} phiếu "
        f"(thừa {valid - quota}).",
        unit=unit,
    )


def _number(plan: Plan, name: str) -> str:
    """The printed number of a question ("C1"), its name when unknown."""
    from khaosat.questionnaire.wording import printed_name

    return printed_name(plan.questionnaire, name)


def _check_fields(plan: Plan, name: str) -> tuple[str, ...]:
    for row in plan.questionnaire.checks:
        if row.get("name") == name:
            text = next(
                (row[k] for k in ("constraint", "check", "expression", "condition") if row.get(k)),
                "",
            )
            try:
                return tuple(sorted(X.parse(text).references()))
            except X.ExprSyntaxError:
                return ()
    return ()


def _apply_rule(
    rule: CheckRule, values: Mapping[str, Any], today: Any, where: dict, plan: Plan | None = None
) -> Flag | None:
    try:
        e = X.parse(rule.expression)
        refs = e.references()
        if any(r not in values for r in refs):
            return None  # applies only when every question it names is answered and relevant
        holds = X.evaluate_bool(e, values, today=today)
    except (X.ExprSyntaxError, X.ExprEvalError):
        return None
    if holds != rule.wrong:
        return None
    seen = _answers_seen(plan, refs, values)
    if rule.wrong:
        why = rule.message
        if not why and plan is not None:
            from khaosat.questionnaire.wording import describe_condition

            text = describe_condition(plan.questionnaire, rule.expression)
            why = f"Kết hợp trả lời sai: {text}"
        why = why or f"Kết hợp trả lời sai (quy tắc {rule.name})"
        seen = "" if not rule.message else seen
    else:
        why = f"Phiếu không thỏa quy tắc {rule.name}" + (
            f": {rule.message}" if rule.message else ""
        )
    if seen:
        why += f" ({seen})"
    return make_flag(
        "implausible", why, fields=tuple(sorted(refs)), severity=rule.severity, **where
    )


def _answers_seen(plan: Plan | None, names: Iterable[str], values: Mapping[str, Any]) -> str:
    """'câu A2 chọn «Từ 18 đến 30 tuổi», câu A4 chọn «Hưu trí»' for the named questions."""
    if plan is None:
        return ""
    from khaosat.questionnaire.wording import answered_as

    qn = plan.questionnaire
    parts = []
    for n in sorted(names, key=lambda n: list(plan.logic.by_name).index(n)):
        rule = plan.logic.by_name.get(n)
        if rule is None:
            continue
        v = values.get(n)
        if rule.kind == "selectN" and isinstance(v, str):
            v = v.split()
        parts.append(answered_as(qn, rule.question, v))
    return ", ".join(parts)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}".replace(".", ",") + "%"


# -- across responses ---------------------------------------------------------------------------


def _record(r: ResponseRecord | Mapping[str, Any]) -> ResponseRecord:
    if isinstance(r, ResponseRecord):
        return r
    known = {k: v for k, v in r.items() if k in ResponseRecord.__dataclass_fields__}
    known["key"] = str(known.get("key") or r.get("serial") or r.get("id"))
    return ResponseRecord(**known)


def check_survey(
    q: Questionnaire | V.FormLogic | Plan,
    responses: Iterable[ResponseRecord | Mapping[str, Any]],
    config: CheckConfig | None = None,
    *,
    per_response: bool = True,
    today: _dt.date | None = None,
    quotas: Mapping[str, int] | None = None,
) -> list[Flag]:
    """Flags over a whole survey: every response's own flags plus the cross-response rules.

    `quotas` (unit code -> forms due) adds the over-quota unit flags. Without `today`, each
    response is checked as of the day it was stored.
    """
    cfg = config or CheckConfig()
    plan = plan_of(q)
    recs = [_record(r) for r in responses]
    flags: list[Flag] = []
    if per_response:
        for r in recs:
            # the context the response had when it arrived: its unit's printed serials, its
            # own date for today()
            ctx = CheckContext(
                key=r.key,
                unit=r.unit,
                serial=r.serial,
                config=cfg,
                today=today or (r.created_at.date() if r.created_at else None),
                issued=r.issued,
                printed=r.printed,
                unit_codes=r.unit_codes,
            )
            flags.extend(check_response(plan, r.answers, ctx))
    flags.extend(duplicate_serials(recs))
    by_unit: dict[str, list[ResponseRecord]] = defaultdict(list)
    for r in recs:
        by_unit[r.unit].append(r)
    matrix = encode(plan, recs)
    index = {id(r): i for i, r in enumerate(recs)}
    identical_units = set()
    for unit, members in sorted(by_unit.items()):
        rows = matrix[[index[id(r)] for r in members]]
        f_unit = unit_identical(unit, members, rows, cfg)
        if f_unit is not None:
            identical_units.add(unit)
            flags.append(f_unit)
        flags.extend(near_duplicates(unit, members, rows, cfg))
        flags.extend(fast_entry(unit, members, cfg))
        f_quota = over_quota(unit, len(members), (quotas or {}).get(unit))
        if f_quota is not None:
            flags.append(f_quota)
    flags.extend(unit_outliers(plan, recs, cfg, skip=identical_units))
    return flags


def duplicate_serials(recs: Sequence[ResponseRecord]) -> list[Flag]:
    """One flag per response whose serial is also another response's serial."""
    groups: dict[str, list[ResponseRecord]] = defaultdict(list)
    for r in recs:
        if r.serial:
            groups[str(r.serial).strip().upper()].append(r)
    flags = []
    for serial, members in groups.items():
        if len(members) < 2:
            continue
        for r in members:
            others = tuple(o.key for o in members if o is not r)
            flags.append(
                make_flag(
                    "duplicate_serial",
                    f"Số phiếu {serial} xuất hiện {len(members)} lần.",
                    key=r.key,
                    unit=r.unit,
                    related=others,
                )
            )
    return flags


def encode(plan: Plan, recs: Sequence[ResponseRecord]) -> np.ndarray:
    """Answers as an int matrix (responses x substantive items); -1 where not answered."""
    items = plan.items
    out = np.full((len(recs), len(items)), -1, dtype=np.int32)
    vocab: list[dict[Any, int]] = [{} for _ in items]
    for i, r in enumerate(recs):
        a = r.answers
        for j, name in enumerate(items):
            v = a.get(name)
            if not _answered(v):
                continue
            try:
                v = tuple(v) if isinstance(v, list) else v
                hash(v)
            except TypeError:  # unhashable (not a contract value): compare by its text
                v = repr(v)
            out[i, j] = vocab[j].setdefault(v, len(vocab[j]))
    return out


def similarity_rows(rows: np.ndarray, i: int) -> tuple[np.ndarray, np.ndarray]:
    """(similarity, items answered in either) of row i with every later row."""
    a, rest = rows[i], rows[i + 1 :]
    either = (a >= 0) | (rest >= 0)
    equal = (rest == a) & (a >= 0)
    n = either.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.where(n > 0, equal.sum(axis=1) / np.maximum(n, 1), 0.0)
    return sim, n


def near_duplicates(
    unit: str,
    members: Sequence[ResponseRecord],
    rows: np.ndarray,
    cfg: CheckConfig,
    first_only: bool = False,
) -> list[Flag]:
    """Flags for responses of one unit nearly identical to another (O(n^2) over n per unit).

    With first_only, only the pairs of the first member (a response arriving) with the others
    are compared (O(n)): its flag, and one flag for each partner naming it."""
    partners: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for i in range(min(1, len(members) - 1) if first_only else len(members) - 1):
        sim, n = similarity_rows(rows, i)
        hits = np.nonzero(
            (sim >= cfg.near_duplicate_similarity) & (n >= cfg.near_duplicate_min_items)
        )[0]
        for h in hits:
            j = i + 1 + int(h)
            partners[i].append((j, float(sim[h])))
            partners[j].append((i, float(sim[h])))
    flags = []
    for i, ps in sorted(partners.items()):
        ps.sort(key=lambda t: -t[1])
        best = ps[0][1]
        names = ", ".join(members[j].serial or members[j].key for j, _ in ps[:5])
        more = f" và {len(ps) - 5} phiếu khác" if len(ps) > 5 else ""
        flags.append(
            make_flag(
                "near_duplicate",
                f"Giống {_pct(best)} số câu có trả lời với phiếu {names}{more} cùng đơn vị.",
                key=members[i].key,
                unit=unit,
                related=tuple(members[j].key for j, _ in ps),
            )
        )
    return flags


def unit_identical(
    unit: str, members: Sequence[ResponseRecord], rows: np.ndarray, cfg: CheckConfig
) -> Flag | None:
    """A unit flag when (almost) every response of the unit has the same answers."""
    n = len(members)
    if n < max(3, min(cfg.unit_min_responses, 5)):
        return None
    counts = Counter(map(bytes, np.ascontiguousarray(rows)))
    top = counts.most_common(1)[0][1]
    if top / n >= cfg.unit_identical_share:
        return make_flag(
            "unit_identical",
            f"{top}/{n} phiếu của đơn vị {unit} có bộ câu trả lời giống hệt nhau.",
            unit=unit,
            related=tuple(r.key for r in members),
        )
    # almost identical: mean pairwise similarity
    total, pairs = 0.0, 0
    for i in range(n - 1):
        sim, _ = similarity_rows(rows, i)
        total += float(sim.sum())
        pairs += len(sim)
    mean = total / pairs if pairs else 0.0
    if mean >= cfg.near_duplicate_similarity - 0.05:
        return make_flag(
            "unit_identical",
            f"Các phiếu của đơn vị {unit} giống nhau trung bình {_pct(mean)} số câu.",
            unit=unit,
            related=tuple(r.key for r in members),
        )
    return None


def fast_entry(unit: str, members: Sequence[ResponseRecord], cfg: CheckConfig) -> list[Flag]:
    """A unit flag when a run of keyed forms was entered faster than a form can be read."""
    k = cfg.fast_entry_min_forms
    timed = sorted(
        (r for r in members if r.created_at is not None and r.source in cfg.fast_entry_sources),
        key=lambda r: r.created_at,
    )
    for i in range(len(timed) - k + 1):
        span = (timed[i + k - 1].created_at - timed[i].created_at).total_seconds()
        if span < (k - 1) * cfg.fast_entry_seconds:
            return [
                make_flag(
                    "fast_entry",
                    f"{k} phiếu của đơn vị {unit} được nhập trong {int(span)} giây "
                    f"(từ {timed[i].created_at:%H:%M:%S %d/%m/%Y}).",
                    unit=unit,
                    related=tuple(r.key for r in timed[i : i + k]),
                )
            ]
    return []


def _jsd(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen–Shannon divergence (base 2, in [0, 1]) of two count vectors."""
    p = p / p.sum()
    q = q / q.sum()
    m = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(p > 0, p * np.log2(p / m), 0.0).sum()
        b = np.where(q > 0, q * np.log2(q / m), 0.0).sum()
    return float((a + b) / 2)


def unit_scores(plan: Plan, recs: Sequence[ResponseRecord], min_n: int = 5) -> dict[str, float]:
    """Mean Jensen–Shannon divergence of each unit's select_one answers from the other units'."""
    items = plan.select_one
    units = sorted({r.unit for r in recs})
    if len(units) < 3 or not items:
        return {}
    u_index = {u: i for i, u in enumerate(units)}
    scores: dict[str, list[float]] = defaultdict(list)
    for name in items:
        codes = {c: i for i, c in enumerate(plan.codes.get(name, ()))}
        if not codes:
            continue
        counts = np.zeros((len(units), len(codes)))
        for r in recs:
            c = codes.get(r.answers.get(name))
            if c is not None:
                counts[u_index[r.unit], c] += 1
        total = counts.sum(axis=0)
        for u, i in u_index.items():
            own = counts[i]
            rest = total - own
            if own.sum() >= min_n and rest.sum() > 0:
                scores[u].append(_jsd(own, rest))
    return {u: float(np.mean(v)) for u, v in scores.items() if v}


def unit_outliers(
    plan: Plan, recs: Sequence[ResponseRecord], cfg: CheckConfig, skip: set[str] = frozenset()
) -> list[Flag]:
    """Unit flags for answer distributions far from the rest (robust z of the JSD score)."""
    sizes = Counter(r.unit for r in recs)
    eligible = [r for r in recs if sizes[r.unit] >= cfg.unit_min_responses]
    scores = unit_scores(plan, eligible)
    if len(scores) < 3:
        return []
    values = np.array(list(scores.values()))
    med = float(np.median(values))
    mad = max(float(np.median(np.abs(values - med))) * 1.4826, 0.01)
    flags = []
    for unit, s in sorted(scores.items()):
        z = (s - med) / mad
        if unit in skip or s < cfg.unit_outlier_jsd or z < cfg.unit_outlier_z:
            continue
        flags.append(
            make_flag(
                "unit_outlier",
                f"Khoảng cách Jensen–Shannon trung bình của đơn vị {unit} so với các đơn vị còn "
                f"lại là {s:.3f}".replace(".", ",")
                + f" (trung vị các đơn vị {med:.3f}".replace(".", ",")
                + f", điểm z bền vững {z:.1f}".replace(".", ",")
                + ").",
                unit=unit,
            )
        )
    return flags


def answered_share(q: Questionnaire | V.FormLogic | Plan, answers: Mapping[str, Any]) -> float:
    """Share of the relevant closed questions that have an answer (1.0 when none apply)."""
    plan = plan_of(q)
    try:
        rel = plan.logic.walk(answers)[0]
    except X.ExprEvalError:
        rel = {}
    relevant = [n for n in plan.items if rel.get(n, True)]
    if not relevant:
        return 1.0
    return sum(1 for n in relevant if _answered(answers.get(n))) / len(relevant)

"""Simulated responses for any XLSForm: valid, skip-aware, with realistic structure.

Every response walks the form in order as a respondent would: groups and questions are asked
only when relevant given the answers so far, calculations are computed on the way, each
answer is redrawn (a bounded number of times) until its constraint and choice_filter hold,
and non-required questions are sometimes left blank.

Shape: every rating scale follows a target distribution of its levels — by default a positive
lean for agreement, satisfaction and quality scales (most answers "đồng tình"/"hài lòng", few at
the negative end, as in the commission's earlier surveys) and a milder one for other scales
(knowledge, frequency). An author sets any select_one question's distribution, and any
question's share of blanks, in an optional survey-sheet column `simulate`, e.g.
`5=25 4=45 3=18 2=7 1=3 9=2 trống=4` (shares of codes, normalised; `trống`/`blank` = share left
unanswered when the question is not required), or with `simulate(..., marginals=)`. Item
non-response varies by question and by respondent (some leave many blanks, most leave none).

Structure: each respondent has a latent attitude (normal). Answers of the respondent block
at the start of the form (the select_one questions before the first scale item) and of the
calculates there (e.g. `nhom`) shift it, with known effects for the Hưng Yên Anket variables
(cán bộ, đảng viên more positive; older and urban slightly more positive) and small seeded
effects for other forms. Scale items (choices 1..k, optionally a "không rõ" code such as 9)
follow an ordered-probit mapping of the attitude plus a factor shared by the items of the
same group (matrix rows correlate more), with some "không rõ" answers. select_multiple draws a
plausible number of options, honouring a `count-selected(.) <= n` maximum and exclusive
options.

Every response is marked: `SimulatedResponse.simulated` is True and the table written by
`write_responses` has a column `_simulated` = 1, so simulated data never passes for real.
Deterministic for a seed (no use of Python's salted hash()).
"""

from __future__ import annotations

import datetime as _dt
import math
import random
import re
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import Any

from khaosat.questionnaire import expr as X
from khaosat.questionnaire.model import Group, Item, Questionnaire, code_value
from khaosat.questionnaire.validate import OTHER_CODE, FormLogic, Rule, compile_logic
from khaosat.safety.cells import safe_frame

__all__ = [
    "ANKET_EFFECTS",
    "ANKET_MARGINALS",
    "SimulatedResponse",
    "SimulationError",
    "responses_frame",
    "simulate",
    "write_responses",
]

# Shifts of the latent attitude (in SD units) by answer code, for variables of the Anket.
ANKET_EFFECTS: dict[str, dict[int | str, float]] = {
    "nhom": {1: 0.9, 2: 0.0},
    "a2": {1: -0.12, 2: 0.0, 3: 0.08, 4: 0.18},
    "a6": {1: 0.0, 2: 0.12},
    "a3": {1: 0.05, 2: 0.0, 3: 0.0, 4: -0.03, 5: -0.06, 6: -0.08},
}
# Shares of the respondent block of the Anket (roughly the province's adult population:
# 93 of 104 units are communes; party members about a quarter of respondents).
ANKET_MARGINALS: dict[str, dict[int | str, float]] = {
    "a1": {1: 0.49, 2: 0.51},
    "a2": {1: 0.22, 2: 0.30, 3: 0.28, 4: 0.20},
    "a3": {1: 0.08, 2: 0.25, 3: 0.32, 4: 0.15, 5: 0.17, 6: 0.03},
    "a4": {1: 0.14, 2: 0.03, 3: 0.16, 4: 0.24, 5: 0.10, 6: 0.11, 7: 0.05, 8: 0.13, 10: 0.04},
    "a5": {1: 0.27, 2: 0.73},
    "a6": {1: 0.84, 2: 0.16},
}
DONT_KNOW_CODES = (9, 99, 98, 0, 8)
# Scale items: intercept ~ N(mean, sd) per item, loading on the attitude ~ U(lo, hi), weight
# of the factor shared by the items of one group (matrix). Chosen so that matrix rows
# correlate about 0.25 and about 1 respondent in 250 gives one answer to every row.
SCALE_MU = (0.0, 0.12)
SCALE_LOADING = (0.35, 0.6)
GROUP_WEIGHT = 0.6
MAX_TRIES = 40
# Default shares of the levels of a rating scale, from the most negative level to the most
# positive: an evaluative scale (agreement, satisfaction, quality) leans positive, others less.
POSITIVE_LEAN: dict[int, tuple[float, ...]] = {
    3: (0.10, 0.30, 0.60),
    4: (0.05, 0.15, 0.50, 0.30),
    5: (0.03, 0.07, 0.20, 0.45, 0.25),
    7: (0.02, 0.03, 0.07, 0.15, 0.25, 0.30, 0.18),
}
MILD_LEAN: dict[int, tuple[float, ...]] = {
    3: (0.20, 0.45, 0.35),
    4: (0.10, 0.30, 0.40, 0.20),
    5: (0.06, 0.14, 0.35, 0.30, 0.15),
    7: (0.04, 0.07, 0.14, 0.25, 0.25, 0.17, 0.08),
}
# Words of an evaluative scale's labels (the positive lean applies).
_EVALUATIVE_WORDS = ("đồng tình", "đồng ý", "hài lòng", "tốt", "hiệu quả", "thuận tiện", "tin")
SIM_COLUMN = "simulate"  # optional survey-sheet column: the author's distribution
_BLANK_KEYS = ("trống", "trong", "blank", "_")
# Respondents differ in how many questions they leave blank: a respondent's propensity is
# Gamma(shape, 1/shape) (mean 1), so a few leave many blanks and most leave none.
BLANK_PROPENSITY_SHAPE = 0.6

_PHRASES_POS = [
    "Cán bộ xã nhiệt tình, hướng dẫn tận tình",
    "Thủ tục hành chính nhanh gọn hơn trước",
    "Trung tâm phục vụ hành chính công sạch sẽ, khang trang",
    "Chính quyền gần dân, lắng nghe ý kiến người dân",
    "Làm hồ sơ trực tuyến thuận tiện",
    "An ninh trật tự ở địa phương được giữ vững",
]
_PHRASES_NEG = [
    "Đường đến trung tâm hành chính xa, đi lại khó khăn",
    "Phải đi lại nhiều lần mới xong hồ sơ",
    "Phần mềm dịch vụ công hay bị lỗi",
    "Cán bộ còn thiếu chuyên môn về đất đai",
    "Giải quyết đơn thư, kiến nghị còn chậm",
    "Chưa được hướng dẫn sử dụng VNeID",
]
_PHRASES_ASK = [
    "Cần tăng cường tập huấn cho cán bộ cấp xã",
    "Đầu tư thêm trang thiết bị cho trung tâm hành chính công",
    "Đẩy mạnh tuyên truyền về mô hình chính quyền hai cấp",
    "Rút ngắn thời gian giải quyết thủ tục đất đai",
    "Tổ công nghệ số cộng đồng hỗ trợ người cao tuổi",
]


def _point(rng: random.Random) -> str:
    # somewhere in Hưng Yên
    return f"{rng.uniform(20.4, 21.0):.6f} {rng.uniform(105.9, 106.6):.6f} 0 5"


_PLACEHOLDERS: dict[str, Callable[[random.Random], str]] = {
    "geopoint": _point,
    "geotrace": lambda r: ";".join(_point(r) for _ in range(2)),
    "geoshape": lambda r: ";".join([p := _point(r), _point(r), _point(r), p]),
    "barcode": lambda r: str(r.randrange(10**11, 10**12)),
    "image": lambda r: "mo_phong.jpg",
    "audio": lambda r: "mo_phong.m4a",
    "video": lambda r: "mo_phong.mp4",
    "file": lambda r: "mo_phong.pdf",
    "background-audio": lambda r: "mo_phong.m4a",
    "time": lambda r: f"{r.randrange(7, 18):02d}:{r.randrange(60):02d}:00.000+07:00",
    "dateTime": lambda r: (
        f"2026-06-{r.randrange(1, 29):02d}T{r.randrange(7, 18):02d}:00:00.000+07:00"
    ),
    "acknowledge": lambda r: "OK",
    "xml-external": lambda r: "",
}


class SimulationError(ValueError):
    """A simulation request that cannot be carried out (Vietnamese message)."""


@dataclass
class SimulatedResponse:
    """One simulated respondent's answers (docs/data-contract.md format); always `simulated=True`."""

    index: int
    answers: dict[str, Any]
    simulated: bool = True
    unanswerable: list[str] = field(default_factory=list)  # required but no valid value found


# ---- plans: how to draw each question ---------------------------------------------------


@dataclass
class _Plan:
    rule: Rule
    kind: str  # scale cat multi int float date text calc skip
    codes: list[Any] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    tilt: list[float] = field(default_factory=list)
    scale_k: int = 0
    dk_code: Any = None
    dk_p: float = 0.0
    mu: float = 0.0
    lam: float = 0.7
    thresholds: list[float] = field(default_factory=list)
    group: str = ""
    lo: float = 0.0
    hi: float = 100.0
    max_k: int = 0
    min_k: int = 1
    exclusive: set[Any] = field(default_factory=set)
    effects: dict[Any, float] = field(default_factory=dict)
    text_p: float = 0.3
    blank_p: float = 0.0  # share left blank when not required (times the respondent's propensity)
    reverse: bool = False
    draw: Any = None  # callable(plan, state, allowed) -> value
    conv: Any = None  # callable(value) -> expression value


_DK_WORDS = ("không rõ", "khó trả lời", "khó đánh giá", "không biết", "don't know", "không ý kiến")
_SCALE_WORDS = ("rất", "hoàn toàn", "very", "strongly", "hơn nhiều")
_POSITIVE_WORDS = (
    "tốt",
    "thành công",
    "hài lòng",
    "đồng ý",
    "tin",
    "thuận tiện",
    "hiệu quả",
    "good",
)
_NEGATIVE_WORDS = ("không", "kém", "chưa", "khó", "bad", "poor")


def _scale_shape(codes: list[Any], labels: dict[Any, str]) -> tuple[int, Any, bool] | None:
    """(k, don't-know code, reversed) when the list is a rating scale 1..k (+ "không rõ").

    A scale has consecutive integer codes 1..k (3 <= k <= 10) and at most one extra code
    that is a don't-know code (9, 99 ... or labelled "không rõ"/"khó đánh giá"); it counts as
    a scale when it has that code, has 5 or 7 points, or its labels say "rất ...". It is
    `reversed` when code 1 is labelled positively ("rất tốt", "rất hài lòng").
    """
    if not codes or not all(isinstance(c, int) for c in codes):
        return None
    rest = sorted(codes)
    dk = None
    for c in rest:
        if any(w in labels.get(c, "") for w in _DK_WORDS):
            dk = c
    if dk is None and not any(labels.values()):
        # no labels to read: a 9/99/98 next to a short run 1..k is taken as "không rõ"
        dks = [c for c in rest if c in DONT_KNOW_CODES and c not in range(1, 6)]
        dk = dks[-1] if dks else None
    scale = [c for c in rest if c != dk]
    k = len(scale)
    if scale != list(range(1, k + 1)) or not 3 <= k <= 10:
        return None
    words = any(w in labels.get(c, "") for c in scale for w in _SCALE_WORDS)
    if dk is None and k not in (5, 7) and not words:
        return None
    first = labels.get(1, "")
    rev = any(w in first for w in _POSITIVE_WORDS) and not any(w in first for w in _NEGATIVE_WORDS)
    return k, dk, rev


def _num(e: X.Expr) -> float | None:
    if isinstance(e, X.Num):
        return e.value
    if isinstance(e, X.Neg) and isinstance(e.operand, X.Num):
        return -e.operand.value
    return None


def _bounds(c: X.Expr | None, integer: bool) -> tuple[float | None, float | None]:
    """Numeric bounds on `.` found in a constraint (a strict bound is moved by 1 for integers;
    for decimals the redraw rejects the rare draw on the bound itself)."""
    lo: float | None = None
    hi: float | None = None
    step = 1 if integer else 0
    if c is None:
        return lo, hi
    flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
    for node in c.walk():
        if not isinstance(node, X.BinOp) or node.op not in flip:
            continue
        op = node.op
        if isinstance(node.left, X.Current) and _num(node.right) is not None:
            v = _num(node.right)
        elif isinstance(node.right, X.Current) and _num(node.left) is not None:
            v, op = _num(node.left), flip[op]
        else:
            continue
        assert v is not None
        if op in (">", ">="):
            v2 = v + (step if op == ">" else 0)
            lo = v2 if lo is None else max(lo, v2)
        else:
            v2 = v - (step if op == "<" else 0)
            hi = v2 if hi is None else min(hi, v2)
    return lo, hi


def _count_bounds(c: X.Expr | None) -> tuple[int, int | None, set[str]]:
    """(min, max) of count-selected(.) and exclusive codes found in a constraint."""
    mn, mx = 1, None
    excl: set[str] = set()
    if c is None:
        return mn, mx, excl

    def is_count(e: X.Expr) -> bool:
        return (
            isinstance(e, X.Call)
            and e.name == "count-selected"
            and len(e.args) == 1
            and isinstance(e.args[0], X.Current)
        )

    flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}
    for node in c.walk():
        if isinstance(node, X.BinOp) and node.op in flip:
            if is_count(node.left) and _num(node.right) is not None:
                op, v = node.op, _num(node.right)
            elif is_count(node.right) and _num(node.left) is not None:
                op, v = flip[node.op], _num(node.left)
            else:
                continue
            assert v is not None
            if op == "<=":
                mx = int(v) if mx is None else min(mx, int(v))
            elif op == "<":
                mx = int(v) - 1 if mx is None else min(mx, int(v) - 1)
            elif op == ">=":
                mn = max(mn, int(v))
            elif op == ">":
                mn = max(mn, int(v) + 1)
            elif op == "=":
                mn, mx = int(v), int(v)
        if (
            isinstance(node, X.Call)
            and node.name == "selected"
            and isinstance(node.args[0], X.Current)
            and isinstance(node.args[1], X.Str | X.Num)
        ):
            excl.add(X.to_string(node.args[1]._ev(X._Ctx({}, None, "", None))).strip())
    return mn, mx, excl


def _label_of(rule: Rule, code: Any) -> str:
    for ch in rule.choices:
        if ch.code == code:
            return ch.label().strip().lower()
    return ""


class _Simulator:
    def __init__(
        self,
        q: Questionnaire | FormLogic,
        seed: int,
        today: str,
        nonresponse: float,
        dont_know: float,
        effects: Mapping[str, Mapping[Any, float]] | None,
        marginals: Mapping[str, Mapping[Any, float]] | None = None,
    ) -> None:
        self.logic = compile_logic(q)
        self.q = self.logic.questionnaire
        self.seed = seed
        self.today = today
        self.nonresponse = nonresponse
        self.dont_know = dont_know
        self.effects = {k: dict(v) for k, v in (effects or ANKET_EFFECTS).items()}
        self.marginals = {k: dict(v) for k, v in ANKET_MARGINALS.items()}
        # the caller's shares first, then the form's `simulate` column, then the Anket's
        self.user_marginals = {k: dict(v) for k, v in (marginals or {}).items()}
        self.plans: dict[str, _Plan] = {}
        self._norm = NormalDist()
        self._build_plans()
        self.forward = self._has_forward_refs()
        self._center_scales()

    def _rng_for(self, name: str) -> random.Random:
        return random.Random(f"khaosat-sim:{self.seed}:{name}")

    def _build_plans(self) -> None:
        first_scale_seen = False
        for rule in self.logic.rules:
            r = self._rng_for(rule.name)
            plan = _Plan(
                rule=rule, kind="skip", group=rule.group_names[-1] if rule.group_names else ""
            )
            author, blank = _author_shares(rule)
            if rule.name in self.user_marginals:
                author = self.user_marginals[rule.name]
            if author and rule.codes and not set(author) <= set(rule.codes):
                unknown = ", ".join(str(c) for c in author if c not in rule.codes)
                raise SimulationError(
                    f"Phân bố mô phỏng của câu {rule.name} có mã {unknown} không có trong danh "
                    f"sách lựa chọn ({', '.join(str(c) for c in rule.codes)})."
                )
            plan.blank_p = blank if blank is not None else self.nonresponse * r.uniform(0.5, 1.5)
            k = rule.kind
            if k == "calc":
                plan.kind = "calc"
                if rule.name in self.effects:
                    plan.effects = self.effects[rule.name]
            elif k == "select1" and rule.codes:
                codes = list(rule.codes)
                labels = {c: _label_of(rule, c) for c in codes}
                shape = _scale_shape([c for c in codes if c != OTHER_CODE], labels)
                if shape:
                    first_scale_seen = True
                    plan.kind = "scale"
                    plan.scale_k, plan.dk_code, plan.reverse = shape
                    plan.codes = codes
                    plan.mu = r.gauss(*SCALE_MU)
                    plan.lam = r.uniform(*SCALE_LOADING)
                    target, dk_share = self._scale_target(rule, plan, labels, author)
                    plan.thresholds = _thresholds(target, plan.lam, self._norm)
                    if dk_share is not None:
                        plan.dk_p = dk_share
                    else:
                        plan.dk_p = (
                            self.dont_know * r.uniform(0.4, 1.6) if plan.dk_code is not None else 0
                        )
                else:
                    plan.kind = "cat"
                    plan.codes = codes
                    w = [r.gammavariate(2.0, 1.0) for _ in codes]
                    marg = author or self.marginals.get(rule.name)
                    if marg and set(marg) <= set(codes):
                        w = [float(marg.get(c, 0.0)) for c in codes]
                    for i, c in enumerate(codes):
                        label = _label_of(rule, c)
                        if (c == OTHER_CODE or label.startswith("khác")) and not marg:
                            w[i] *= 0.2
                    plan.weights = w
                    if not first_scale_seen:
                        if rule.name in self.effects:
                            plan.effects = self.effects[rule.name]
                        else:
                            plan.effects = {c: r.gauss(0, 0.1) for c in codes}
                    else:
                        plan.tilt = [r.gauss(0, 0.35) for _ in codes]
            elif k == "selectN" and rule.codes:
                plan.kind = "multi"
                plan.codes = list(rule.codes)
                mn, mx, excl = _count_bounds(rule.constraint)
                plan.min_k, plan.max_k = mn, (mx if mx is not None else len(plan.codes))
                plan.exclusive = {c for c in plan.codes if str(c) in excl} if mx != 1 else set()
                w = [r.gammavariate(1.5, 1.0) for _ in plan.codes]
                for i, c in enumerate(plan.codes):
                    label = _label_of(rule, c)
                    if c == OTHER_CODE or label.startswith("khác"):
                        w[i] *= 0.2
                    if c in plan.exclusive:
                        w[i] *= 0.4
                plan.weights = w
            elif k in ("int", "float"):
                plan.kind = k
                lo, hi = _bounds(rule.constraint, k == "int")
                if lo is None and hi is None:
                    lo, hi = 0, 100
                elif lo is None:
                    lo = min(0, hi - 100)  # type: ignore[operator]
                elif hi is None:
                    hi = lo + 100
                plan.lo, plan.hi = float(lo), float(hi)  # type: ignore[arg-type]
            elif k == "date":
                plan.kind = "date"
            elif k == "str":
                plan.kind = "text"
                qt = rule.question.type
                if qt in _PLACEHOLDERS:
                    plan.kind = "placeholder"  # geopoint, image, barcode ...: a stand-in value
                plan.text_p = 0.3 if blank is None else 1 - blank
            elif k in ("select1", "selectN"):
                # external list (select_one_from_file ...): codes unknown, a stand-in code
                plan.kind = "placeholder"
            if plan.kind not in ("skip", "calc"):
                plan.draw = self._drawer(plan)
            plan.conv = _converter(rule)
            self.plans[rule.name] = plan

    def _scale_target(
        self,
        rule: Rule,
        plan: _Plan,
        labels: dict[Any, str],
        author: Mapping[Any, float] | None,
    ) -> tuple[list[float], float | None]:
        """Shares of the scale's levels from the most negative to the most positive, and the
        share of its don't-know code when the author set one (else None)."""
        k = plan.scale_k
        if author:
            levels = [float(author.get(c, 0.0)) for c in range(1, k + 1)]
            dk = float(author.get(plan.dk_code, 0.0)) if plan.dk_code is not None else 0.0
            total = sum(levels) + dk
            if sum(levels) <= 0:
                raise SimulationError(
                    f"Phân bố mô phỏng của câu {rule.name} không cho mức nào của thang đo."
                )
            target = [x / sum(levels) for x in levels]
            if plan.reverse:
                target.reverse()
            return target, (dk / total if plan.dk_code is not None else None)
        text = " ".join(labels.values())
        table = POSITIVE_LEAN if any(w in text for w in _EVALUATIVE_WORDS) else MILD_LEAN
        if k in table:
            return list(table[k]), None
        # another length: a normal with the lean's mean, cut into k equal-width bands
        shift = 0.6 if table is POSITIVE_LEAN else 0.25
        cuts = [self._norm.inv_cdf(j / k) for j in range(1, k)]
        cdf = [0.0] + [self._norm.cdf(c - shift) for c in cuts] + [1.0]
        return [b - a for a, b in zip(cdf, cdf[1:], strict=False)], None

    def _center_scales(self, n: int = 120) -> None:
        """Shift every scale item by the mean attitude that the respondent block gives (found on
        a small pilot with a seed of its own), so that the levels keep their target shares."""
        scales = [p for p in self.plans.values() if p.kind == "scale"]
        if not scales:
            return
        rng = random.Random(f"khaosat-sim-pilot:{self.seed}")
        total = 0.0
        for _ in range(n):
            st = _State(rng, rng.gauss(0.0, 0.85))
            self._walk(self.q.items, st)
            total += st.theta
        mean = total / n
        for p in scales:
            p.mu -= p.lam * mean

    def _has_forward_refs(self) -> bool:
        seen: set[str] = set()
        for rule in self.logic.rules:
            exprs = [*rule.relevant, rule.constraint, rule.calculation, rule.choice_filter]
            if isinstance(rule.required, X.Expr):
                exprs.append(rule.required)
            for e in exprs:
                if e is None:
                    continue
                if any(n in self.logic.by_name and n not in seen for n in e.references()):
                    return True
            seen.add(rule.name)
        return False

    # -- one response --------------------------------------------------------------------
    def one(self, index: int, rng: random.Random) -> SimulatedResponse:
        state = _State(rng, rng.gauss(0.0, 0.85))
        k = BLANK_PROPENSITY_SHAPE
        state.blank_propensity = rng.gammavariate(k, 1.0 / k) if self.nonresponse else 0.0
        self._walk(self.q.items, state)
        if self.forward:
            self._settle(state)
        return SimulatedResponse(index, state.answers, True, state.unanswerable)

    def _walk(self, items: list[Item], st: _State) -> None:
        logic = self.logic
        for item in items:
            if isinstance(item, Group):
                g = logic.group_relevant.get(item.name)
                if g is not None and not X.to_boolean(
                    g._ev(X._Ctx(st.vals, None, self.today, None))
                ):
                    continue
                self._walk(item.children, st)
                continue
            rule = logic.by_name.get(item.name)
            if rule is None:
                continue
            own = rule.own_relevant
            if own is not None and not X.to_boolean(
                own._ev(X._Ctx(st.vals, None, self.today, None))
            ):
                continue
            self._ask(rule, st)
            if rule.question.or_other:
                other = logic.by_name.get(f"{rule.name}_other")
                if other is not None and self._is_other(rule.name, st):
                    self._set(other, self._text(st, other), st)

    def _is_other(self, name: str, st: _State) -> bool:
        v = st.answers.get(name)
        return v == OTHER_CODE or (isinstance(v, list) and OTHER_CODE in v)

    def _set(self, rule: Rule, value: Any, st: _State) -> None:
        if value is None:
            st.answers.pop(rule.name, None)
            st.vals.pop(rule.name, None)
            return
        st.answers[rule.name] = value
        st.vals[rule.name] = self.plans[rule.name].conv(value)

    def _required(self, rule: Rule, st: _State) -> bool:
        return self.logic.is_required(rule, st.vals, self.today)

    def _ask(self, rule: Rule, st: _State) -> None:
        plan = self.plans[rule.name]
        if plan.kind == "calc":
            if rule.calculation is None:  # empty or broken (reported by validate)
                return
            value = self.logic.calculate(rule, st.vals, self.today)
            self._set(rule, value, st)
            if value is not None and plan.effects:
                st.theta += plan.effects.get(value, 0.0)
            return
        if plan.kind == "skip":
            return
        required = self._required(rule, st)
        if not required:
            if plan.kind == "text":
                p_blank = 1 - plan.text_p
            else:
                p_blank = min(0.95, plan.blank_p * st.blank_propensity)
            if st.rng.random() < p_blank:
                return
        value = self._draw_valid(plan, st)
        if value is None and required:
            st.unanswerable.append(rule.name)
        self._set(rule, value, st)
        if value is not None and plan.effects:
            st.theta += plan.effects.get(value, 0.0)

    def _ok(self, rule: Rule, value: Any, st: _State, allowed: list[Any] | None) -> bool:
        if allowed is not None:
            given = value if isinstance(value, list) else [value]
            if any(c not in allowed for c in given):
                return False
        if rule.constraint is None:
            return True
        cur = self.plans[rule.name].conv(value)
        return X.to_boolean(rule.constraint._ev(X._Ctx(st.vals, cur, self.today, None)))

    def _draw_valid(self, plan: _Plan, st: _State) -> Any:
        rule = plan.rule
        allowed = (
            self.logic.allowed_codes(rule, st.vals, self.today)
            if rule.choice_filter is not None and rule.choices
            else None
        )
        if allowed is not None and not allowed:
            return None
        draw = plan.draw
        if rule.constraint is None and allowed is None:
            v = draw(plan, st, None)
            if v is not None:
                return v
        for _ in range(MAX_TRIES):
            v = draw(plan, st, allowed)
            if v is not None and self._ok(rule, v, st, allowed):
                return v
        # Fall back to trying every single option (selects) before giving up.
        if plan.kind in ("scale", "cat", "multi") and plan.codes:
            pool = allowed if allowed is not None else plan.codes
            for c in pool:
                v = [c] if plan.kind == "multi" else c
                if self._ok(rule, v, st, allowed):
                    return v
        if plan.kind == "text":
            for v in ("1", "0912345678", "abc", "Không"):
                if self._ok(rule, v, st, allowed):
                    return v
        return None

    def _drawer(self, plan: _Plan) -> Callable[[_Plan, _State, list[Any] | None], Any]:
        return {
            "scale": self._scale,
            "cat": self._cat,
            "multi": self._multi,
            "int": self._int,
            "float": self._float,
            "date": self._date,
            "text": lambda p, s, a: self._text(s, p.rule),
            "placeholder": self._placeholder,
        }[plan.kind]

    def _scale(self, p: _Plan, st: _State, allowed: list[Any] | None) -> Any:
        rng = st.rng
        if p.dk_code is not None and rng.random() < p.dk_p:
            return p.dk_code
        gf = st.group_factor(p.group)
        z = (
            p.mu
            + p.lam * (st.theta + GROUP_WEIGHT * gf)
            + math.sqrt(1 - p.lam * p.lam) * rng.gauss(0, 1)
        )
        v = bisect_right(p.thresholds, z) + 1
        if p.reverse:
            v = p.scale_k + 1 - v
        if allowed is not None and v not in allowed:
            return rng.choice(allowed)
        return v

    def _cat(self, p: _Plan, st: _State, allowed: list[Any] | None) -> Any:
        w = p.weights
        if p.tilt:
            th = st.theta
            w = [wi * math.exp(ti * th) for wi, ti in zip(w, p.tilt, strict=True)]
        codes = p.codes
        if allowed is not None:
            pairs = [(c, wi) for c, wi in zip(codes, w, strict=True) if c in allowed]
            codes = [c for c, _ in pairs]
            w = [wi for _, wi in pairs]
        return st.rng.choices(codes, weights=w)[0]

    def _multi(self, p: _Plan, st: _State, allowed: list[Any] | None) -> Any:
        rng = st.rng
        pool = [
            (c, w)
            for c, w in zip(p.codes, p.weights, strict=True)
            if allowed is None or c in allowed
        ]
        if not pool:
            return None
        hi = max(1, min(p.max_k, len(pool)))
        lo = min(max(1, p.min_k), hi)
        k = lo + _poisson(rng, 0.9 + 0.25 * max(0.0, -st.theta))
        k = min(k, hi)
        # weighted sampling without replacement (Efraimidis-Spirakis keys)
        if p.exclusive:
            ex = [c for c, _ in pool if c in p.exclusive]
            if ex and rng.random() < 0.12:
                return [rng.choice(ex)]
            pool = [(c, w) for c, w in pool if c not in p.exclusive] or pool
        # weighted sampling without replacement (Efraimidis-Spirakis keys)
        keyed = sorted(pool, key=lambda cw: -(rng.random() ** (1.0 / cw[1])))
        chosen = [c for c, _ in keyed[:k]]
        order = {c: i for i, c in enumerate(p.codes)}
        return sorted(chosen, key=order.__getitem__)

    def _int(self, p: _Plan, st: _State, allowed: list[Any] | None) -> Any:
        lo, hi = math.ceil(p.lo), math.floor(p.hi)
        if hi < lo:
            return None
        # triangular towards the middle looks more like real answers than uniform
        return int(round(st.rng.triangular(lo, hi)))

    def _float(self, p: _Plan, st: _State, allowed: list[Any] | None) -> Any:
        if p.hi < p.lo:
            return None
        return round(st.rng.uniform(p.lo, p.hi), 1)

    def _date(self, p: _Plan, st: _State, allowed: list[Any] | None) -> Any:
        today = _dt.date.fromisoformat(self.today)
        return (today - _dt.timedelta(days=st.rng.randrange(0, 3 * 365))).isoformat()

    def _placeholder(self, p: _Plan, st: _State, allowed: list[Any] | None) -> Any:
        rng = st.rng
        if p.rule.kind == "select1":
            return 1
        if p.rule.kind == "selectN":
            return [1]
        maker = _PLACEHOLDERS.get(p.rule.question.type)
        return maker(rng) if maker else "mo_phong"

    def _text(self, st: _State, rule: Rule) -> str:
        rng = st.rng
        name = rule.name.lower()
        if name.endswith("_other"):
            return rng.choice(["Ý kiến khác", "Khác: chưa rõ", "Nội dung khác"])
        if st.theta < -0.3:
            bank = _PHRASES_NEG + _PHRASES_ASK
        elif st.theta > 0.3:
            bank = _PHRASES_POS + _PHRASES_ASK
        else:
            bank = _PHRASES_POS + _PHRASES_NEG + _PHRASES_ASK
        return rng.choice(bank)

    # -- forward references --------------------------------------------------------------
    def _settle(self, st: _State) -> None:
        """Make answers consistent when expressions name later questions."""
        for _ in range(4):
            rel, _vals, calcs = self.logic.walk(st.answers, self.today)
            changed = False
            for rule in self.logic.rules:
                name = rule.name
                if rule.kind == "meta":
                    continue
                if rule.kind == "calc":
                    want = calcs.get(name)
                    if st.answers.get(name) != want:
                        self._set(rule, want, st)
                        changed = True
                    continue
                if not rel.get(name, True):
                    if name in st.answers:
                        self._set(rule, None, st)
                        changed = True
                    continue
                if name not in st.answers and self._required(rule, st):
                    plan = self.plans[name]
                    if plan.kind not in ("skip", "calc"):
                        v = self._draw_valid(plan, st)
                        if v is not None:
                            self._set(rule, v, st)
                            changed = True
                elif name in st.answers and not self._ok(
                    rule,
                    st.answers[name],
                    st,
                    self.logic.allowed_codes(rule, st.vals, self.today)
                    if rule.choice_filter is not None and rule.choices
                    else None,
                ):
                    self._set(rule, self._draw_valid(self.plans[name], st), st)
                    changed = True
            if not changed:
                return


def _thresholds(target: list[float], lam: float, norm: NormalDist) -> list[float]:
    """Cut points on the latent scale so that its levels have the target shares.

    The latent value of a scale item is mu + lam·(attitude + group factor) + noise, with a
    variance a little over 1; cutting its normal approximation at the target's cumulative
    shares gives those shares overall, while respondents keep their order (correlations and
    group differences come from the attitude)."""
    sd = math.sqrt(1.0 + lam * lam * 0.08)
    out, cum = [], 0.0
    for share in target[:-1]:
        cum += share
        out.append(sd * norm.inv_cdf(min(max(cum, 1e-6), 1 - 1e-6)))
    return out


def _author_shares(rule: Rule) -> tuple[dict[Any, float] | None, float | None]:
    """({code: share} or None, blank share or None) from the question's `simulate` column."""
    text = (rule.question.extra.get(SIM_COLUMN) or "").strip()
    if not text:
        return None, None
    shares: dict[Any, float] = {}
    blank: float | None = None
    for part in re.split(r"[\s;]+", text):
        if not part:
            continue
        m = re.fullmatch(r"([^=:]+)[=:]([0-9]+(?:[.,][0-9]+)?)%?", part)
        if not m:
            raise SimulationError(
                f"Cột {SIM_COLUMN} của câu {rule.name}: «{part}» không đọc được. Viết từng mã "
                "với tỷ lệ của nó, ví dụ «5=25 4=45 3=18 2=7 1=3 9=2 trống=4»."
            )
        key, value = m.group(1).strip(), float(m.group(2).replace(",", "."))
        if key.lower() in _BLANK_KEYS:
            blank = value / 100 if value > 1 else value
            if not 0 <= blank < 1:
                raise SimulationError(
                    f"Cột {SIM_COLUMN} của câu {rule.name}: tỷ lệ để trống phải dưới 100%."
                )
        else:
            shares[code_value(key)] = value
    return (shares or None), blank


def _code_text(c: Any) -> str:
    return c if isinstance(c, str) else str(c)


def _converter(rule: Rule) -> Callable[[Any], Any]:
    """Answer value -> expression value for one rule (validate.FormLogic.xpath_value, fast)."""
    if rule.kind == "select1":
        return _code_text
    if rule.kind == "selectN":
        return lambda v: " ".join(map(_code_text, v))
    if rule.kind in ("int", "float"):
        return float
    return X.xpath_value


class _State:
    __slots__ = ("rng", "theta", "answers", "vals", "unanswerable", "blank_propensity", "_gf")

    def __init__(self, rng: random.Random, theta: float) -> None:
        self.rng = rng
        self.theta = theta
        self.answers: dict[str, Any] = {}
        self.vals: dict[str, Any] = {}
        self.unanswerable: list[str] = []
        self.blank_propensity = 1.0
        self._gf: dict[str, float] = {}

    def group_factor(self, group: str) -> float:
        f = self._gf.get(group)
        if f is None:
            f = self._gf[group] = self.rng.gauss(0.0, 1.0)
        return f


def _poisson(rng: random.Random, lam: float) -> int:
    limit = math.exp(-lam)
    k, p = 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


# ---- public API ---------------------------------------------------------------------------


def simulate(
    q: Questionnaire | FormLogic,
    n: int,
    seed: int = 0,
    *,
    today: _dt.date | str | None = None,
    nonresponse: float = 0.03,
    dont_know: float = 0.05,
    effects: Mapping[str, Mapping[Any, float]] | None = None,
    marginals: Mapping[str, Mapping[Any, float]] | None = None,
) -> list[SimulatedResponse]:
    """Draw `n` simulated responses valid for the form; deterministic for (form, n, seed).

    `effects` ({variable: {code: shift of the latent attitude}}) and `marginals` ({variable:
    {code: share}}) default to the Anket's (ANKET_EFFECTS, ANKET_MARGINALS); they apply to the
    variables a form has, with codes that exist in its lists. `today` defaults to 01/07/2026
    so that the output does not change with the calendar.
    """
    if n < 0:
        raise SimulationError("Số phiếu mô phỏng phải là số không âm.")
    if not 0 <= nonresponse < 1 or not 0 <= dont_know < 1:
        raise SimulationError("Tỷ lệ bỏ trống và tỷ lệ «không rõ» phải nằm trong khoảng [0; 1).")
    t = X._today_text(today if today is not None else _dt.date(2026, 7, 1))
    sim = _Simulator(q, seed, t, nonresponse, dont_know, effects, marginals)
    rng = random.Random(f"khaosat-sim:{seed}")
    return [sim.one(i + 1, rng) for i in range(n)]


def _columns(logic: FormLogic) -> list[tuple[str, Rule]]:
    return [(r.name, r) for r in logic.rules if r.kind != "meta"]


def responses_frame(q: Questionnaire | FormLogic, responses: list[SimulatedResponse]) -> Any:
    """A pandas DataFrame: `_simulated` = 1, `_index`, then the flat data set of docs/data-contract.md.

    The variable columns come from khaosat.questionnaire.dataset.to_dataframe (one column per
    variable; select_multiple -> one 0/1 column per option `{name}_{code}`, NaN when not
    answered), so simulated files have exactly the layout of real exports.
    """
    import pandas as pd

    from khaosat.questionnaire.dataset import to_dataframe

    logic = compile_logic(q)
    frame = to_dataframe(logic.questionnaire, [r.answers for r in responses], keep_extra=False)
    marks = pd.DataFrame(
        {
            "_simulated": pd.array([1 if r.simulated else 0 for r in responses], dtype="Int64"),
            "_index": pd.array([r.index for r in responses], dtype="Int64"),
        }
    )
    return pd.concat([marks, frame.reset_index(drop=True)], axis=1)


def write_responses(
    q: Questionnaire | FormLogic, responses: list[SimulatedResponse], path: str | Path
) -> Path:
    """Write simulated responses as .csv, .xlsx or .parquet (chosen by the file extension)."""
    path = Path(path)
    frame = responses_frame(q, responses)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        safe_frame(frame).to_csv(path, index=False, encoding="utf-8")
    elif suffix == ".xlsx":
        safe_frame(frame).to_excel(path, index=False, sheet_name="mo_phong")
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        raise SimulationError(
            f"Không ghi được «{path.name}»: chỉ hỗ trợ đuôi .csv, .xlsx hoặc .parquet."
        )
    return path


def answers_from_row(q: Questionnaire | FormLogic, row: Mapping[str, Any]) -> dict[str, Any]:
    """Inverse of one row of responses_frame (for round trips in tests and imports)."""
    import pandas as pd

    logic = compile_logic(q)
    out: dict[str, Any] = {}
    for name, rule in _columns(logic):
        if rule.kind == "selectN":
            flags = [(c, row.get(f"{name}_{c}")) for c in rule.codes if c != OTHER_CODE]
            if all(v is None or pd.isna(v) for _, v in flags):
                continue
            out[name] = [c for c, v in flags if v == 1]
            other = row.get(f"{name}_{OTHER_CODE}") if rule.question.or_other else None
            if isinstance(other, str) and other:
                out[name].append(OTHER_CODE)
            continue
        v = row.get(name)
        if v is None or pd.isna(v):
            continue
        if hasattr(v, "item"):  # numpy scalar
            v = v.item()
        if rule.kind == "select1":
            v = code_value(v)
        elif rule.kind == "int" and isinstance(v, float) and v.is_integer():
            v = int(v)
        out[name] = v
    return out

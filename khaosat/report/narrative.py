"""The claim rules of the report: every sentence's words are decided here from estimates, their
confidence intervals and design-based tests (nothing is recomputed here).

- "đa số" / "quá nửa" (and "tuyệt đại đa số") only when the CI's lower bound is above the
  word's threshold (50%, 80%); a share whose CI straddles 50% is "khoảng một nửa".
- "cao nhất" / "thấp nhất" only when the item differs significantly from every other one
  (a `Ranking` carries those tests); otherwise the items are named as "ngang nhau".
- A difference is called a difference only when the design-based test (Rao–Scott, the same one
  the dashboard shows) rejects at alpha; otherwise "chưa đủ cơ sở để kết luận có khác biệt"
  with both numbers.
- Every percentage carries its margin of error ("45,5% (sai số ±3,2%)"), or its base when a
  margin makes no sense.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from khaosat.report import vn
from khaosat.report.model import Comparison, DriverModel, Estimate, TestResult

NOT_SIGNIFICANT = "chưa đủ cơ sở để kết luận có khác biệt"
TEST_FAILED = "không tính được kiểm định thống kê cho bảng này"
RAO_SCOTT = "kiểm định Rao–Scott"
ABOUT_HALF = "khoảng một nửa số ý kiến"
MAJORITY_WORDS = ("tuyệt đại đa số", "đa số", "quá nửa")


def fmt_p(p: float) -> str:
    """p-value as written in the text: "p < 0,001", "p = 0,034"."""
    if p < 0.001:
        return "p < 0,001"
    return "p = " + vn.fmt_num(p, 3)


def moe_text(est: Estimate) -> str:
    """ "sai số ±3,2%", or "n = 322" when the margin cannot be estimated."""
    m = est.moe
    if m is not None and math.isfinite(m):
        return f"sai số {vn.fmt_moe(m)}"
    return f"n = {vn.fmt_int(est.n)}"


def pct(est: Estimate, with_n: bool = False) -> str:
    """ "45,5% (sai số ±3,2%)" — the only way a percentage enters a sentence."""
    inner = moe_text(est)
    if with_n and not inner.startswith("n ="):
        inner += f"; n = {vn.fmt_int(est.n)}"
    return f"{vn.fmt_pct(est.value)} ({inner})"


def pct_inner(est: Estimate) -> str:
    """ "45,5%, sai số ±3,2%" — a percentage already inside parentheses."""
    return f"{vn.fmt_pct(est.value)}, {moe_text(est)}"


def amount_word(est: Estimate, thresholds: Sequence[tuple[float, str]] | None = None) -> str:
    """The quantifier for a share, decided from its confidence interval.

    Words from a threshold of 50% up ("đa số", "tuyệt đại đa số") need the CI's lower bound
    above the threshold; a share at or above 50% whose lower bound is not above 50% is "khoảng
    một nửa số ý kiến". Lower words follow the estimate itself."""
    table = sorted(
        thresholds
        or [
            (0.80, "tuyệt đại đa số"),
            (0.50, "đa số"),
            (0.30, "nhiều"),
            (0.10, "một số ý kiến"),
            (0.0, "ít ý kiến"),
        ],
        reverse=True,
    )
    low = est.ci_low if est.ci_low is not None else float("-inf")
    for t, word in table:
        if t >= 0.5:
            if low > t:
                return word
            continue
        if est.value >= 0.5:
            return ABOUT_HALF
        if est.value >= t:
            return word
    return table[-1][1]


def quantified_sentence(
    est: Estimate,
    predicate: str,
    thresholds: Sequence[tuple[float, str]] | None = None,
    subject: str = "ý kiến",
    lead: str = "",
) -> str:
    """ "Ở câu B3 (…), đa số ý kiến (62,3%, sai số ±3,0%) chọn …" with the word from the CI."""
    word = amount_word(est, thresholds)
    head = word if word.endswith(subject) else f"{word} {subject}"
    inner = f"{vn.fmt_pct(est.value)}, {moe_text(est)}"
    if lead:
        return f"{vn.capitalize_first(lead)}{head} ({inner}) {predicate}."
    return f"{vn.capitalize_first(head)} ({inner}) {predicate}."


def share_sentence(est: Estimate, predicate: str, subject: str = "ý kiến") -> str:
    """ "Có 78,5% (sai số ±3,2%) ý kiến đánh giá hài lòng."""
    return f"Có {pct(est)} {subject} {predicate}."


def _group_phrase(label: str) -> str:
    return (
        label
        if label.lower().startswith(("nhóm", "khu vực", "độ tuổi", "người", "địa bàn"))
        else f"nhóm {label}"
    )


def is_difference(test: TestResult | None, alpha: float) -> bool:
    """A difference may be called one only when the design-based test rejects."""
    return (
        test is not None
        and not test.failed
        and test.p_value is not None
        and math.isfinite(test.p_value)
        and test.p_value < alpha
    )


def comparison_sentence(comp: Comparison, alpha: float = 0.05) -> str:
    """Compare an estimate across groups; a "difference" only when the Rao–Scott test rejects."""
    parts = [
        f"{_group_phrase(g)} {pct(e)}" for g, e in zip(comp.groups, comp.estimates, strict=True)
    ]
    listing = "; ".join(parts)
    test = comp.test
    if test is not None and test.failed:
        return (
            f"Tỷ lệ {comp.subject} theo {comp.group_title}: {listing}; "
            f"{TEST_FAILED} ({test.error}), nên chưa kết luận được có khác biệt hay không."
        )
    if test is None or test.p_value is None or not math.isfinite(test.p_value):
        return (
            f"Tỷ lệ {comp.subject} theo {comp.group_title}: {listing}; "
            "chưa đủ dữ liệu để kiểm định khác biệt."
        )
    p = f"{RAO_SCOTT}, {fmt_p(test.p_value)}"
    if is_difference(test, alpha):
        if len(comp.estimates) == 2:
            a, b = comp.estimates
            ga, gb = (_group_phrase(g) for g in comp.groups)
            higher, lower = (ga, gb) if a.value >= b.value else (gb, ga)
            return (
                f"Tỷ lệ {comp.subject} ở {higher} cao hơn {lower} ({listing}); "
                f"khác biệt có ý nghĩa thống kê ({p})."
            )
        return (
            f"Tỷ lệ {comp.subject} khác nhau giữa các nhóm theo {comp.group_title} ({listing}); "
            f"khác biệt có ý nghĩa thống kê ({p})."
        )
    return (
        f"Tỷ lệ {comp.subject} theo {comp.group_title}: {listing}; "
        f"{NOT_SIGNIFICANT} giữa các nhóm ({p})."
    )


@dataclass
class RankedItem:
    """One item of a ranking: its key (variable), label and estimate."""

    key: str
    label: str
    estimate: Estimate
    base_label: str = ""  # the question it belongs to ("câu C7"), for citing


@dataclass
class Ranking:
    """Items ordered by their share (highest first) with the tests that allow "cao nhất" /
    "thấp nhất": `top_tests[i]` tests item 0 against item i, `bottom_tests[i]` the last item
    against item i (design-based tests on the same respondents)."""

    items: list[RankedItem]
    top_tests: dict[int, TestResult] = field(default_factory=dict)
    bottom_tests: dict[int, TestResult] = field(default_factory=dict)
    alpha: float = 0.05

    def top_group(self) -> list[RankedItem]:
        """The highest item, with every item not significantly below it ("ngang nhau")."""
        if not self.items:
            return []
        return [self.items[0]] + [
            it
            for i, it in enumerate(self.items[1:], start=1)
            if not is_difference(self.top_tests.get(i), self.alpha)
        ]

    def bottom_group(self) -> list[RankedItem]:
        """The lowest item, with every item not significantly above it."""
        if not self.items:
            return []
        last = len(self.items) - 1
        return [self.items[last]] + [
            self.items[i]
            for i in range(last - 1, -1, -1)
            if not is_difference(self.bottom_tests.get(i), self.alpha)
        ]

    def weakest(self) -> RankedItem | None:
        """The lowest item (what a recommendation about "the weakest" refers to)."""
        return self.items[-1] if self.items else None


def _listing(items: Sequence[RankedItem]) -> str:
    return "; ".join(f"{it.label}: {pct(it.estimate)}" for it in items)


def ranking_sentence(ranking: Ranking, predicate: str, lowest: bool = False) -> str:
    """Which item is highest (lowest), only when it differs significantly from all others;
    otherwise the items that do not differ from it are named as "ngang nhau"."""
    if len(ranking.items) < 2:
        return ""
    group = ranking.bottom_group() if lowest else ranking.top_group()
    which = "thấp nhất" if lowest else "cao nhất"
    if len(group) == 1:
        it = group[0]
        return (
            f"Tỷ lệ {predicate} {which} là {it.label} ({pct_inner(it.estimate)}); "
            "khác biệt với các nội dung còn lại có ý nghĩa thống kê."
        )
    if len(group) == len(ranking.items):
        return (
            f"Tỷ lệ {predicate} của các nội dung ngang nhau, chưa có nội dung nào cao hoặc thấp hơn "
            f"hẳn có ý nghĩa thống kê: {_listing(ranking.items)}."
        )
    return (
        f"Nhóm nội dung có tỷ lệ {predicate} {which}, ngang nhau (chênh lệch giữa chúng chưa có ý "
        f"nghĩa thống kê): {_listing(group)}."
    )


def top_listing(items: Sequence[tuple[str, Estimate]], top: int = 3) -> str:
    """ "a (45,5% (sai số ±3,1%)); b (…)": the most chosen answers with their margins."""
    ordered = sorted(items, key=lambda t: -t[1].value)
    out = list(ordered[:top])
    if out:
        last = vn.fmt_pct(out[-1][1].value)
        for item in ordered[top:]:
            if vn.fmt_pct(item[1].value) != last:
                break
            out.append(item)
    return "; ".join(f"{label}: {pct(est)}" for label, est in out)


def driver_sentences(outcome: str, model: DriverModel, alpha: float = 0.05) -> list[str]:
    """Sentences of a design-based logistic model: significant factors with odds ratios, their
    95% CIs and p, the model's n and who was left out; association, never causation."""
    if model.error:
        return [f"Chưa ước lượng được mô hình các yếu tố liên quan đến {outcome} ({model.error})."]
    head = (
        f"Mô hình hồi quy logistic theo thiết kế mẫu (n = {vn.fmt_int(model.n)} người trả lời đủ "
        f"các câu của mô hình"
        + (
            f"; {vn.fmt_int(model.dropped)} phiếu thiếu ít nhất một câu không đưa vào"
            if model.dropped
            else ""
        )
        + f") xét đồng thời {vn.fmt_int(len(model.terms))} yếu tố với {outcome}."
    )
    sig = [
        d
        for d in model.terms
        if d.p_value is not None and d.p_value < alpha and math.isfinite(d.coefficient)
    ]
    sig.sort(key=lambda d: -abs(math.log(d.coefficient)) if d.coefficient > 0 else 0)
    if not sig:
        return [head, f"Chưa yếu tố nào có liên hệ có ý nghĩa thống kê với {outcome}."]

    def one(d) -> str:
        ci = (
            f", khoảng tin cậy 95% từ {vn.fmt_num(d.ci_low, 2)} đến {vn.fmt_num(d.ci_high, 2)}"
            if d.ci_low is not None and d.ci_high is not None
            else ""
        )
        way = "cao hơn" if d.coefficient > 1 else "thấp hơn"
        return (
            f"người {d.label} có khả năng đánh giá tích cực về {outcome} "
            f"{way} (tỷ số chênh {vn.fmt_num(d.coefficient, 2)}{ci}; {fmt_p(d.p_value or 0.0)})"
        )

    body = "Khi các yếu tố khác như nhau, " + "; ".join(one(d) for d in sig[:3]) + "."
    caution = (
        "Đây là mối liên hệ thống kê giữa các đánh giá, không chứng minh quan hệ nhân quả; "
        "cần đối chiếu với ý kiến của chính người trả lời về nguyên nhân."
    )
    return [head, body, caution]


def wave_sentence(
    subject: str,
    first: tuple[str, Estimate],
    last: tuple[str, Estimate],
    test: TestResult | None,
    alpha: float = 0.05,
) -> str:
    """Change of an indicator between two waves, called a change only when p < alpha."""
    (wa, ea), (wb, eb) = first, last
    base = f"Tỷ lệ {subject} {wa} là {pct(ea)}, {wb} là {pct(eb)}"
    if test is not None and test.failed:
        return f"{base}; không tính được kiểm định sự thay đổi ({test.error})."
    if test is None or not math.isfinite(test.p_value):
        return base + "; chưa đủ dữ liệu để kiểm định sự thay đổi."
    if test.p_value < alpha:
        word = "tăng" if eb.value > ea.value else "giảm"
        return f"{base}; {word} có ý nghĩa thống kê ({fmt_p(test.p_value)})."
    return f"{base}; {NOT_SIGNIFICANT} giữa hai đợt ({fmt_p(test.p_value)})."


def projection_sentence(
    subject: str, projection: Estimate, next_wave: str = "đợt khảo sát tiếp theo"
) -> str:
    """Cautious next-wave projection from a linear trend over at least three waves."""
    lo = projection.ci_low if projection.ci_low is not None else projection.value
    hi = projection.ci_high if projection.ci_high is not None else projection.value
    return (
        f"Nếu xu hướng các đợt vừa qua tiếp tục, tỷ lệ {subject} ở {next_wave} ước khoảng "
        f"{vn.fmt_pct(projection.value)} (khoảng dự báo từ {vn.fmt_pct(lo)} đến {vn.fmt_pct(hi)}); "
        "đây là dự báo thận trọng, chỉ mang tính tham khảo."
    )


def balance_sentence(subject: str, better: Estimate, worse: Estimate, net: Estimate) -> str:
    """Net balance (better minus worse, in points) with its CI, worded by whether it excludes 0."""
    lo, hi = net.ci_low, net.ci_high
    ci = (
        f"khoảng tin cậy 95% từ {vn.fmt_num(100 * lo, 1)} đến {vn.fmt_num(100 * hi, 1)} điểm"
        if lo is not None and hi is not None
        else f"n = {vn.fmt_int(net.n)}"
    )
    head = (
        f"Về {subject}, {pct(better)} ý kiến cho là tốt hơn trước, {pct(worse)} cho là kém hơn; "
        f"cán cân (tốt hơn trừ kém hơn) là {vn.fmt_num(100 * net.value, 1)} điểm ({ci})"
    )
    if lo is not None and lo > 0:
        return head + ": chiều hướng được đánh giá tốt lên rõ rệt."
    if hi is not None and hi < 0:
        return head + ": chiều hướng được đánh giá kém đi, cần quan tâm."
    return head + f": {NOT_SIGNIFICANT} giữa số ý kiến thấy tốt hơn và kém hơn."


def _quote_list(labels: Sequence[str]) -> str:
    quoted = [f"“{lab}”" for lab in labels]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " và " + quoted[-1]


def most_chosen_sentence(lead: str, rows: Sequence[tuple[str, Estimate | None, bool]]) -> str:
    """Which answer of a single-choice question was chosen most, with margins.

    `rows`: (label, estimate or None when not quotable, is a "không rõ / khó trả lời" answer).
    When a "không rõ" answer is the largest it is said first, then the most chosen substantive
    answer. Answers that print the same are named together. "" when there is nothing to say."""
    shown = [(lab, e, dk) for lab, e, dk in rows if e is not None and math.isfinite(e.value)]
    substantive = [(lab, e) for lab, e, dk in shown if not dk]
    if not substantive:
        return ""
    top = max(e.value for _, e in substantive)
    top_text = vn.fmt_pct(top)
    dont_know = [(lab, e) for lab, e, dk in shown if dk]
    dk_top = max(dont_know, key=lambda x: x[1].value, default=None)
    lead = vn.capitalize_first(lead)
    tied = [(lab, e) for lab, e in substantive if vn.fmt_pct(e.value) == top_text]
    if len(tied) == 1:
        rest = f"“{tied[0][0]}” được chọn nhiều nhất với {pct(tied[0][1])} ý kiến"
    else:
        rest = f"{_quote_list([lab for lab, _ in tied])} được chọn nhiều nhất, cùng {pct(tied[0][1])} ý kiến"
    if dk_top is not None and dk_top[1].value > top and vn.fmt_pct(dk_top[1].value) != top_text:
        return (
            f"{lead}nhiều ý kiến nhất ({pct_inner(dk_top[1])}) chọn “{dk_top[0]}”; "
            f"trong các phương án trả lời cụ thể, {rest}."
        )
    if len(tied) == 1:
        return f"{lead}phương án {rest}."
    return f"{lead}các phương án {rest}."

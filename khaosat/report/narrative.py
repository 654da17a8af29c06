"""Sentences in Vietnamese generated from estimate objects.

Every number in a sentence is formatted from an Estimate / TestResult passed in (value, margin
of error, base n, p-value); nothing is recomputed here. A difference is called significant only
when the design-based test says p < alpha.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from khaosat.report import vn
from khaosat.report.model import Comparison, Driver, Estimate, TestResult

NOT_SIGNIFICANT = "không có khác biệt có ý nghĩa thống kê"
TEST_FAILED = "không tính được kiểm định thống kê cho bảng này"


def fmt_p(p: float) -> str:
    """p-value as written in the text: "p < 0,001", "p = 0,034"."""
    if p < 0.001:
        return "p < 0,001"
    return "p = " + vn.fmt_num(p, 3)


def _moe_part(est: Estimate) -> str:
    m = est.moe
    return f"sai số {vn.fmt_moe(m)}" if m is not None and math.isfinite(m) else ""


def share_sentence(
    est: Estimate, predicate: str, subject: str = "ý kiến", with_n: bool = False
) -> str:
    """ "Có 78,5% ý kiến đánh giá hài lòng hoặc rất hài lòng (sai số ±3,2%)."""
    extra = [p for p in (_moe_part(est), f"n = {vn.fmt_int(est.n)}" if with_n else "") if p]
    tail = f" ({'; '.join(extra)})" if extra else ""
    return f"Có {vn.fmt_pct(est.value)} {subject} {predicate}{tail}."


def quantified_sentence(
    est: Estimate,
    predicate: str,
    thresholds: Sequence[tuple[float, str]] | None = None,
    subject: str = "ý kiến",
    lead: str = "",
) -> str:
    """ "Đa số ý kiến (62,3%, sai số ±3,0%) đồng tình với …" with the word chosen by thresholds.

    `lead` is an optional opening such as "Về mức độ hài lòng chung, ".
    """
    word = vn.quantifier(est.value, thresholds)
    # "một số ý kiến"/"ít ý kiến" already contain the subject.
    head = word if word.endswith(subject) else f"{word} {subject}"
    inner = ", ".join(p for p in (vn.fmt_pct(est.value), _moe_part(est)) if p)
    if lead:
        return f"{vn.capitalize_first(lead)}{head} ({inner}) {predicate}."
    return f"{vn.capitalize_first(head)} ({inner}) {predicate}."


def _group_phrase(label: str) -> str:
    return (
        label
        if label.lower().startswith(("nhóm", "khu vực", "độ tuổi", "người"))
        else f"nhóm {label}"
    )


def comparison_sentence(comp: Comparison, alpha: float = 0.05) -> str:
    """Compare an estimate across groups; "significant" only when the test's p < alpha."""
    parts = [
        f"{_group_phrase(g)} {vn.fmt_pct(e.value)}"
        for g, e in zip(comp.groups, comp.estimates, strict=True)
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
    if test.p_value < alpha:
        if len(comp.estimates) == 2:
            a, b = comp.estimates
            ga, gb = (_group_phrase(g) for g in comp.groups)
            higher, lower = (ga, gb) if a.value >= b.value else (gb, ga)
            return (
                f"Tỷ lệ {comp.subject} ở {higher} cao hơn {lower} ({listing}); "
                f"khác biệt có ý nghĩa thống kê ({fmt_p(test.p_value)})."
            )
        return (
            f"Tỷ lệ {comp.subject} khác nhau giữa các nhóm theo {comp.group_title} ({listing}); "
            f"khác biệt có ý nghĩa thống kê ({fmt_p(test.p_value)})."
        )
    return (
        f"Tỷ lệ {comp.subject} theo {comp.group_title} ({listing}) "
        f"{NOT_SIGNIFICANT} ({fmt_p(test.p_value)})."
    )


def ranking_sentence(
    items: Sequence[tuple[str, Estimate]], predicate: str, top: int = 3, lowest: bool = False
) -> str:
    """ "Các nội dung được đánh giá hài lòng cao nhất là: a (81,2%), b (79,0%)…"."""
    ordered = _top_with_ties(sorted(items, key=lambda t: t[1].value, reverse=not lowest), top)
    listing = "; ".join(f"{label} ({vn.fmt_pct(est.value)})" for label, est in ordered)
    which = "thấp nhất" if lowest else "cao nhất"
    return f"Các nội dung có tỷ lệ {predicate} {which} là: {listing}."


def _top_with_ties(ordered: Sequence[tuple[str, Estimate]], top: int) -> list[tuple[str, Estimate]]:
    """The first `top` items, plus any that print the same as the last one kept (a tie)."""
    out = list(ordered[:top])
    if not out:
        return out
    last = vn.fmt_pct(out[-1][1].value)
    for item in ordered[top:]:
        if vn.fmt_pct(item[1].value) != last:
            break
        out.append(item)
    return out


def top_listing(items: Sequence[tuple[str, Estimate]], top: int = 3) -> str:
    """ "a (45,5%); b (40,1%); c (30,0%)": the largest shares (ties at the cut all named)."""
    ordered = _top_with_ties(sorted(items, key=lambda t: -t[1].value), top)
    return "; ".join(f"{label} ({vn.fmt_pct(est.value)})" for label, est in ordered)


def driver_sentence(
    outcome: str, drivers: Sequence[Driver], alpha: float = 0.05, top: int = 3
) -> str:
    """Key drivers: the items most associated with the outcome (significant ones only)."""
    sig = [d for d in drivers if d.p_value is not None and d.p_value < alpha and d.coefficient > 1]
    sig.sort(key=lambda d: d.coefficient, reverse=True)
    if not sig:
        return f"Chưa xác định được yếu tố nào có liên hệ có ý nghĩa thống kê với {outcome}."
    listing = "; ".join(
        f"{d.label} (tỷ số chênh {vn.fmt_num(d.coefficient, 2)}, {fmt_p(d.p_value or 0.0)})"
        for d in sig[:top]
    )
    jointly = all(d.measure == "OR" for d in drivers)
    head = "Khi xét đồng thời các yếu tố, những" if jointly else "Xét riêng từng yếu tố, những"
    return (
        f"{head} nội dung có liên hệ chặt chẽ nhất với {outcome} là: "
        f"{listing}. Đây là mối liên hệ thống kê, không khẳng định quan hệ nhân quả."
    )


def wave_sentence(
    subject: str,
    first: tuple[str, Estimate],
    last: tuple[str, Estimate],
    test: TestResult | None,
    alpha: float = 0.05,
) -> str:
    """Change of an indicator between two waves, called a change only when p < alpha."""
    (wa, ea), (wb, eb) = first, last
    base = f"Tỷ lệ {subject} {wa} là {vn.fmt_pct(ea.value)}, {wb} là {vn.fmt_pct(eb.value)}"
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


def _quote_list(labels: Sequence[str]) -> str:
    quoted = [f"“{lab}”" for lab in labels]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " và " + quoted[-1]


def most_chosen_sentence(
    lead: str,
    rows: Sequence[tuple[str, Estimate | None, bool]],
    hidden_share: float | None = None,
) -> str:
    """Which answer of a single-choice question was chosen most, never misstated.

    `rows`: (label, estimate or None when hidden/not quotable, is a "không rõ / khó trả lời"
    answer). `lead` opens the sentence ("Ở câu B4 (“…”), "). The comparison covers every shown
    answer: when a "không rõ" answer is the largest it is said first, then the most chosen
    substantive answer. Answers equal at the printed precision are named together. When hidden
    cells together (`hidden_share`) could exceed the top shown answer, the sentence says it
    compares only the answers whose figures are published. "" when there is nothing to say.
    """
    shown = [(lab, e, dk) for lab, e, dk in rows if e is not None and math.isfinite(e.value)]
    substantive = [(lab, e) for lab, e, dk in shown if not dk]
    if not substantive:
        return ""
    top = max(e.value for _, e in substantive)
    top_text = vn.fmt_pct(top)
    dont_know = [(lab, e) for lab, e, dk in shown if dk]
    dk_top = max(dont_know, key=lambda x: x[1].value, default=None)
    hidden = any(e is None for _, e, _ in rows)
    scope = ""
    if hidden and (hidden_share is None or hidden_share >= top - 1e-12):
        # A hidden answer could be the largest: compare only what is published.
        scope = "trong các phương án được công bố số liệu, "
    lead = vn.capitalize_first(lead)

    def detail(e: Estimate) -> str:
        m = _moe_part(e)
        return f" ({m})" if m else ""

    if dk_top is not None and dk_top[1].value > top and vn.fmt_pct(dk_top[1].value) != top_text:
        lab_dk, e_dk = dk_top
        tied = [lab for lab, e in substantive if vn.fmt_pct(e.value) == top_text]
        inner = ", ".join(p for p in (vn.fmt_pct(e_dk.value), _moe_part(e_dk)) if p)
        if len(tied) == 1:
            e_top = next(e for lab, e in substantive if lab == tied[0])
            rest = (
                f"trong các phương án trả lời cụ thể, “{tied[0]}” được chọn nhiều nhất "
                f"với {top_text} ý kiến{detail(e_top)}"
            )
        else:
            rest = (
                f"trong các phương án trả lời cụ thể, {_quote_list(tied)} được chọn nhiều nhất, "
                f"cùng {top_text} ý kiến"
            )
        head = f"nhiều ý kiến nhất ({inner}) chọn “{lab_dk}”"
        if scope:
            head = f"{scope}{head}"
        return f"{lead}{head}; {rest}."
    tied = [(lab, e) for lab, e, _ in shown if vn.fmt_pct(e.value) == top_text]
    if len(tied) == 1:
        lab, e = tied[0]
        return (
            f"{lead}{scope}phương án được chọn nhiều nhất là “{lab}” "
            f"với {top_text} ý kiến{detail(e)}."
        )
    return (
        f"{lead}{scope}các phương án {_quote_list([lab for lab, _ in tied])} "
        f"được chọn nhiều nhất, cùng {top_text} ý kiến."
    )

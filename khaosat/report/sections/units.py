"""Kết quả theo đơn vị (appendix): key indicators in each unit whose base passes the
suppression rule, and a one-paragraph reading (units significantly below the rest)."""

from __future__ import annotations

from khaosat.report import narrative, vn
from khaosat.report.sections.context import Context


def reading(ctx: Context) -> str:
    below = [u for u in ctx.unit_results if u.below]
    if not ctx.unit_results:
        return ""
    if not below:
        return (
            "Chưa có đơn vị nào có chỉ tiêu chính thấp hơn phần còn lại của tỉnh một cách có ý nghĩa "
            f"thống kê ({narrative.RAO_SCOTT}, p < {vn.fmt_num(ctx.alpha, 2)}); chênh lệch giữa các "
            "đơn vị phần lớn nằm trong sai số."
        )
    names = {i.name: i.label for i in ctx.unit_indicators}
    parts = []
    for u in below:
        what = "; ".join(
            f"{names[k][:1].lower() + names[k][1:]} {narrative.pct(u.estimates[k])}"
            for k in u.below
        )
        parts.append(f"{u.name} ({what})")
    return (
        "Các đơn vị có chỉ tiêu thấp hơn phần còn lại của tỉnh một cách có ý nghĩa thống kê "
        f"({narrative.RAO_SCOTT}, p < {vn.fmt_num(ctx.alpha, 2)}), cần được chỉ đạo: "
        + "; ".join(parts)
        + "."
    )


def build(ctx: Context) -> None:
    if not ctx.unit_results or not ctx.unit_indicators:
        return
    ctx.add("pagebreak")
    ctx.add("heading1", "PHỤ LỤC 1. KẾT QUẢ THEO ĐƠN VỊ")
    head = ["Đơn vị", "n"] + [f"{i.label} (%)" for i in ctx.unit_indicators]
    rows = [head]
    total = ["Toàn tỉnh", vn.fmt_int(len(ctx.df))] + [
        f"{vn.fmt_pct_value(i.estimate.value)} ±{vn.fmt_pct_value(i.estimate.moe)}"
        if i.estimate.moe is not None
        else vn.fmt_pct_value(i.estimate.value)
        for i in ctx.unit_indicators
    ]
    for u in ctx.unit_results:
        n = max((e.n for e in u.estimates.values()), default=0)
        row = [u.name, vn.fmt_int(n)]
        for ind in ctx.unit_indicators:
            e = u.estimates.get(ind.name)
            if e is None or not ctx.safe(e):
                row.append(vn.DASH)
                continue
            cell = vn.fmt_pct_value(e.value)
            if e.moe is not None:
                cell += f" ±{vn.fmt_pct_value(e.moe)}"
            if ctx.cautious(e):
                cell += " (*)"
            if ind.name in u.below:
                cell += " ↓"
            row.append(cell)
        rows.append(row)
    rows.append(total)
    ctx.add("paragraph", reading(ctx))
    ctx.add(
        "rows", "Tỷ lệ đánh giá tích cực ở các chỉ tiêu chính theo đơn vị (%, sai số ±%)", rows=rows
    )
    ctx.add(
        "note",
        f"Dấu “–”: đơn vị có dưới {ctx.min_cell} người trả lời câu này, không công bố; (*): dưới "
        f"{ctx.caution} người, cần thận trọng; ↓: thấp hơn phần còn lại của tỉnh có ý nghĩa thống kê.",
    )

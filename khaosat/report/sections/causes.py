"""III. Khó khăn, hạn chế và nguyên nhân: the weakest indicators (from the rankings), risk
signals, the respondents' own reasons, design-based models of key outcomes (odds ratios, 95%
CIs, n; association, never causation), and the comparison by group (Rao–Scott)."""

from __future__ import annotations

from khaosat.report import charts, narrative, vn
from khaosat.report.sections.context import Context


def build(ctx: Context) -> None:
    ctx.add("heading1", "III. KHÓ KHĂN, HẠN CHẾ VÀ NGUYÊN NHÂN")
    ctx.add("heading2", "1. Những hạn chế, vấn đề cần quan tâm")
    said = False
    general = ctx.rankings.get("chung")
    if general is not None and len(general.items) >= 2:
        ctx.add(
            "paragraph",
            "Trong các chỉ tiêu chung, "
            + narrative.ranking_sentence(general, "đánh giá tích cực", lowest=True)[:1].lower()
            + narrative.ranking_sentence(general, "đánh giá tích cực", lowest=True)[1:],
        )
        said = True
    for name, r in ctx.rankings.items():
        if name == "chung" or len(r.items) < 2:
            continue
        ctx.add(
            "paragraph",
            f"Ở câu {name.upper()}, "
            + narrative.ranking_sentence(r, "đánh giá tích cực", lowest=True)[:1].lower()
            + narrative.ranking_sentence(r, "đánh giá tích cực", lowest=True)[1:],
        )
        said = True
    for what, e in ctx.risks:
        ctx.add(
            "paragraph",
            f"Tín hiệu cần lưu ý: có {narrative.pct(e, with_n=True)} ý kiến {what}.",
            bold=True,
        )
        said = True
    if not said:
        ctx.add("paragraph", "Chưa đủ số liệu để xác định các hạn chế nổi bật.")
    ctx.add("heading2", "2. Nguyên nhân theo ý kiến của người trả lời")
    reasons = (ctx.s.get("causes") or {}).get("reasons", ["f1", "e3"])
    any_reason = False
    for name in reasons:
        top = ctx.top_options(name, 3)
        info = ctx.by_name.get(name)
        if not top or info is None:
            continue
        t = ctx.table_for(info)
        ctx.add(
            "paragraph",
            f"Khi được hỏi ở {ctx.ref(info)} (n = {vn.fmt_int(t.bases[0])}), những khó khăn được nêu "
            f"nhiều nhất là: {narrative.top_listing(top, 3)}.",
        )
        any_reason = True
    if not any_reason:
        ctx.add(
            "paragraph", "Phiếu không có câu hỏi về nguyên nhân, khó khăn đủ số liệu để tổng hợp."
        )
    ctx.add("heading2", "3. Các yếu tố liên quan đến những đánh giá chính")
    if not ctx.models:
        ctx.add("paragraph", "Chưa đủ câu hỏi để phân tích các yếu tố liên quan.")
    for outcome, model in ctx.models:
        for sentence in narrative.driver_sentences(outcome, model, ctx.alpha):
            ctx.add("paragraph", sentence)
        if model.terms and not model.error:
            rows = [["Yếu tố", "Tỷ số chênh", "Khoảng tin cậy 95%", "p"]]
            for d in model.terms:
                ci = (
                    f"{vn.fmt_num(d.ci_low, 2)} – {vn.fmt_num(d.ci_high, 2)}"
                    if d.ci_low is not None and d.ci_high is not None
                    else vn.DASH
                )
                p = (
                    narrative.fmt_p(d.p_value).replace("p = ", "").replace("p ", "")
                    if d.p_value is not None
                    else vn.DASH
                )
                rows.append([vn.capitalize_first(d.label), vn.fmt_num(d.coefficient, 2), ci, p])
            ctx.add(
                "rows",
                f"Mô hình các yếu tố liên quan đến {outcome} (n = {vn.fmt_int(model.n)})",
                rows=rows,
            )
    comparisons(ctx)
    ctx.section_extensions("causes")


def comparisons(ctx: Context) -> None:
    if not ctx.comparisons:
        return
    ctx.add("heading2", "4. So sánh giữa các nhóm người trả lời")
    ctx.add(
        "paragraph",
        "Một chênh lệch giữa các nhóm chỉ được coi là khác biệt khi kiểm định Rao–Scott theo thiết "
        f"kế mẫu cho p < {vn.fmt_num(ctx.alpha, 2)}; nếu không, báo cáo ghi “chưa đủ cơ sở để kết "
        "luận có khác biệt” và nêu cả hai số liệu.",
    )
    for j, (g, comps, table) in enumerate(ctx.comparisons, start=1):
        ctx.add("heading3", f"4.{j}. Theo {g.title}")
        failed = []
        for comp in comps:
            if comp.test is not None and comp.test.failed:
                failed.append(f"{comp.subject} ({comp.test.error})")
            if all(ctx.safe(e) for e in comp.estimates):
                ctx.add("paragraph", narrative.comparison_sentence(comp, ctx.alpha))
        ctx.add("table", table=table)
        if failed:
            ctx.add(
                "note",
                f"Không tính được kiểm định khác biệt theo {g.title} cho: "
                + "; ".join(failed)
                + ".",
            )
        ctx.chart(charts.grouped_spec(table))

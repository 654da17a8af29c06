"""Tóm tắt: the key findings (numbered, with their margins), risk signals and the main
recommendations, on at most one page, before section I."""

from __future__ import annotations

from khaosat.report import narrative
from khaosat.report.sections import recommendations
from khaosat.report.sections.context import Context


def build(ctx: Context) -> None:
    ctx.add("heading1", "TÓM TẮT")
    if ctx.findings:
        ctx.add("heading3", "Những kết quả chính")
        for f in ctx.findings:
            ctx.add("paragraph", f"{f.number}. {f.text}")
    if ctx.risks and not any(f.key.startswith("risk:") for f in ctx.findings):
        ctx.add(
            "paragraph",
            "Tín hiệu cần lưu ý: "
            + "; ".join(f"{narrative.pct(e)} ý kiến {what}" for what, e in ctx.risks)
            + ".",
            bold=True,
        )
    recs = recommendations.items(ctx)
    if recs:
        ctx.add("heading3", "Kiến nghị chính")
        ctx.add("bullets", items=[text for _, texts in recs[:3] for text in texts[:1]])
    ctx.section_extensions("summary")

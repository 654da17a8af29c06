"""Coded open answers in the report: the leading themes of a question with their shares and
margins (design-based, among those who wrote an answer), and one or two quotations per theme,
scrubbed and never from a small group.

Used as an extension of a section: `build_report(..., extensions={"causes": [theme_blocks(
"g2", book, ...)]})`. The data set carries the 0/1 columns `<question>_theme_<code>` made by
the coding (khaosat.text, khaosat/web/openanswers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from khaosat.report.model import Block
from khaosat.text.coding import theme_column
from khaosat.text.quotes import choose_quotes
from khaosat.text.themes import NO_OPINION, OTHER, Codebook


def has_themes(df, variable: str, book: Codebook) -> bool:
    return any(theme_column(variable, c) in df.columns for c in book.codes)


def theme_blocks(
    variable: str,
    book: Codebook,
    *,
    heading: str,
    intro: str,
    top: int = 5,
    quotes_per_theme: int = 2,
) -> Callable[[Any], list[Block]]:
    """A builder of the blocks for one coded question (see the module's docstring)."""

    def make(ctx) -> list[Block]:
        from khaosat.report import narrative, vn

        df = ctx.df
        if not has_themes(df, variable, book):
            return []
        info = ctx.by_name.get(variable)
        ref = ctx.ref(info) if info is not None else f"câu {variable.upper()}"
        rows = []
        for code in book.codes:
            col = theme_column(variable, code)
            if col not in df.columns:
                continue
            e = ctx.share(col, [1])
            if ctx.safe(e):
                rows.append((code, e))
        # Numbered after the section's own headings ("5. …" after "4. So sánh …").
        last = max((i for i, b in enumerate(ctx.blocks) if b.kind == "heading1"), default=-1)
        k = sum(1 for b in ctx.blocks[last + 1 :] if b.kind == "heading2") + 1
        blocks = [Block(kind="heading2", text=f"{k}. {heading}")]
        if not rows:
            blocks.append(
                Block(
                    kind="paragraph",
                    text=f"Số ý kiến ghi ở {ref} chưa đủ để tổng hợp theo chủ đề.",
                )
            )
            return blocks
        rows.sort(key=lambda r: -r[1].value)
        base = rows[0][1].n
        blocks.append(
            Block(
                kind="paragraph",
                text=(
                    f"{intro} Ở {ref}, {vn.fmt_int(base)} người đã ghi ý kiến; các ý kiến được mã "
                    "hóa theo chủ đề (một ý kiến có thể thuộc nhiều chủ đề). Tỷ lệ dưới đây là tỷ lệ "
                    "trong số người có ghi ý kiến, kèm sai số theo thiết kế mẫu."
                ),
            )
        )
        table = [["Chủ đề", "Tỷ lệ", "Sai số", "Số người ghi ý kiến"]]
        for code, e in rows[:top]:
            table.append(
                [
                    book.label(code),
                    vn.fmt_pct(e.value),
                    vn.fmt_moe(e.moe) if getattr(e, "moe", None) is not None else vn.DASH,
                    vn.fmt_int(e.n),
                ]
            )
        blocks.append(
            Block(
                kind="rows",
                text=f"Các chủ đề được nêu nhiều nhất ở câu {variable.upper()}",
                rows=table,
            )
        )
        from khaosat.report.sections.context import lower_first

        lead = [f"“{lower_first(book.label(c))}” ({narrative.pct_inner(e)})" for c, e in rows[:3]]
        blocks.append(Block(kind="paragraph", text="Nêu nhiều nhất là: " + "; ".join(lead) + "."))
        texts_col = df[variable] if variable in df.columns else None
        if texts_col is not None and quotes_per_theme > 0:
            groups = df["unit"].astype(str) if "unit" in df.columns else None
            items = []
            for code, _e in rows[:3]:
                mask = df[theme_column(variable, code)] == 1
                mask = mask.fillna(False).astype(bool)
                texts = texts_col[mask].astype(str).tolist()
                g = groups[mask].tolist() if groups is not None else None
                chosen = choose_quotes(
                    texts, groups=g, k=quotes_per_theme, min_group=ctx.min_cell // 2 or 1
                )
                items += [f"{book.label(code)}: “{q}”" for q in chosen]
            if items:
                blocks.append(
                    Block(
                        kind="paragraph",
                        text="Một số ý kiến tiêu biểu (đã lược bỏ thông tin cá nhân):",
                    )
                )
                blocks.append(Block(kind="bullets", items=items))
        rest = [
            (c, ctx.share(theme_column(variable, c), [1]))
            for c in (OTHER, NO_OPINION)
            if theme_column(variable, c) in df.columns
        ]
        rest = [(c, e) for c, e in rest if ctx.safe(e) and e.value > 0]
        if rest:
            blocks.append(
                Block(
                    kind="note",
                    text="; ".join(f"{book.label(c)}: {narrative.pct(e)}" for c, e in rest) + ".",
                )
            )
        return blocks

    return make

"""II. Kết quả khảo sát, by theme (block) of the questionnaire: a sentence from the claim rules,
the table (n, %, margins) and the chart of each question; matrices with n and margins."""

from __future__ import annotations

import pandas as pd

from khaosat.report import charts, narrative, vn
from khaosat.report.sections.context import DONT_KNOW, POSITIVE, Context, lower_first
from khaosat.report.tables import QuestionInfo


def build(ctx: Context) -> None:
    ctx.add("heading1", "II. KẾT QUẢ KHẢO SÁT")
    blocks: list[tuple[str, str, list[QuestionInfo]]] = []
    for info in ctx.infos:
        if info.group == "a" or not info.group:
            continue
        if not blocks or blocks[-1][0] != info.group:
            blocks.append((info.group, info.group_label, []))
        blocks[-1][2].append(info)
    k = 0
    for _, label, infos in blocks:
        k += 1
        ctx.add("heading2", f"{k}. {label}")
        done: set[str] = set()
        for info in infos:
            if info.matrix:
                if info.matrix not in done:
                    done.add(info.matrix)
                    matrix(ctx, [i for i in infos if i.matrix == info.matrix])
                continue
            question(ctx, info)
    ctx.section_extensions("results")


def question(ctx: Context, info: QuestionInfo) -> None:
    if info.kind in ("single", "scale5"):
        t = ctx.table_for(info)
        if t.bases[0] == 0:
            return
        ind = next((i for i in ctx.indicators if i.name == info.name), None)
        if ind is not None:
            if ctx.safe(ind.estimate):
                ctx.add(
                    "paragraph",
                    narrative.quantified_sentence(
                        ind.estimate,
                        f"chọn “{ctx.options_text(info, ind.codes)}”",
                        ctx.quant,
                        lead=f"Ở {ctx.ref(info)}, ",
                    ),
                )
        else:
            rows = [
                (lab, e if ctx.safe(e) else None, code in DONT_KNOW)
                for lab, e, code in zip(t.row_labels, t.column(0), t.row_codes, strict=True)
            ]
            sentence = narrative.most_chosen_sentence(f"Ở {ctx.ref(info)}, ", rows)
            if sentence:
                ctx.add("paragraph", sentence)
        ctx.add("table", table=t)
        if info.kind == "scale5":
            scale = [c for c in info.codes if c != 9]
            labels = [lab for c, lab in zip(info.codes, info.labels, strict=True) if c != 9]
            order = sorted(range(len(scale)), key=lambda i: scale[i])
            subject = ctx.subject(info.name)
            ctx.chart(
                charts.diverging_spec(
                    [(vn.capitalize_first(subject) if subject else f"Câu {info.number}", t)],
                    [scale[i] for i in order],
                    [labels[i] for i in order],
                    f"Câu {info.number}. {info.label}",
                )
            )
        else:
            ctx.chart(charts.bar_spec(t))
    elif info.kind == "multiple":
        t = ctx.table_for(info)
        if t.bases[0] == 0:
            return
        ranked = [
            (t.row_labels[r], e) for r, e in enumerate(t.column(0)) if e is not None and ctx.safe(e)
        ]
        if ranked:
            ctx.add(
                "paragraph",
                f"Ở {ctx.ref(info)} (chọn nhiều phương án, n = {vn.fmt_int(t.bases[0])}), "
                f"các phương án được chọn nhiều nhất là: {narrative.top_listing(ranked, 3)}.",
            )
        ctx.add("table", table=t)
        ctx.chart(charts.bar_spec(t))
    elif info.kind == "text":
        quotes(ctx, info)
    elif info.kind == "numeric" and info.name in ctx.df:
        e = ctx.est.mean(ctx.df, pd.to_numeric(ctx.df[info.name], errors="coerce"))
        if ctx.safe(e):
            moe = f"sai số ±{vn.fmt_num(e.moe, 1)}; " if e.moe is not None else ""
            ctx.add(
                "paragraph",
                f"Ở {ctx.ref(info)}, giá trị trung bình là {vn.fmt_num(e.value, 1)} "
                f"({moe}n = {vn.fmt_int(e.n)}).",
            )


def matrix(ctx: Context, items: list[QuestionInfo]) -> None:
    first = items[0]
    tables = [(i, ctx.table_for(i)) for i in items]
    scale = [c for c in first.codes if c != 9]
    labels = [lab for c, lab in zip(first.codes, first.labels, strict=True) if c != 9]
    order = sorted(range(len(scale)), key=lambda i: scale[i])
    number = first.matrix.upper()
    title = f"Câu {number}. {first.matrix_label}"
    head = (
        ["Nội dung"]
        + [labels[i] for i in order]
        + ([first.labels[first.codes.index(9)]] if 9 in first.codes else [])
        + [f"{vn.capitalize_first(ctx.options_text(first, POSITIVE))} (%)", "Sai số ± (%)", "n"]
    )
    rows = [head]
    inds = {i.name: i for i in ctx.matrix_items.get(first.matrix, [])}
    for info, t in tables:
        by_code = {c: r for r, c in enumerate(t.row_codes)}
        row = [info.label]
        for c in [scale[i] for i in order] + ([9] if 9 in first.codes else []):
            e = t.cell(by_code[c]) if c in by_code else None
            row.append(vn.fmt_pct_value(e.value) if e is not None else vn.DASH)
        ind = inds.get(info.name)
        pos = ind.estimate if ind is not None and ctx.safe(ind.estimate) else None
        row.append(vn.fmt_pct_value(pos.value) if pos is not None else vn.DASH)
        row.append(
            vn.fmt_pct_value(pos.moe) if pos is not None and pos.moe is not None else vn.DASH
        )
        row.append(vn.fmt_int(t.bases[0]))
        rows.append(row)
    ranking = ctx.rankings.get(first.matrix)
    pos_word = f"“{ctx.options_text(first, POSITIVE)}”"
    if ranking is not None and len(ranking.items) >= 2:
        ctx.add(
            "paragraph",
            f"Ở câu {number} (“{first.matrix_label}”), "
            + lower_first(narrative.ranking_sentence(ranking, pos_word))
            + " "
            + narrative.ranking_sentence(ranking, pos_word, lowest=True),
        )
    ctx.add("rows", title + " (tỷ lệ %, có trọng số)", rows=rows)
    notes = list(dict.fromkeys(n for _, t in tables for n in t.notes))
    for note in notes:
        ctx.add("note", note)
    ctx.chart(
        charts.diverging_spec(
            [(i.label, t) for i, t in tables],
            [scale[i] for i in order],
            [labels[i] for i in order],
            title,
        )
    )


def quotes(ctx: Context, info: QuestionInfo) -> None:
    """A few answers of an open question, chosen by khaosat.text.quotes: scrubbed, long enough,
    never one that named someone, never from a unit with few answers."""
    from khaosat.text.quotes import choose_quotes

    if info.name not in ctx.df:
        return
    col = ctx.df[info.name]
    written = col.notna() & col.astype(str).str.strip().ne("")
    texts = col[written].astype(str).str.strip().tolist()
    if not texts:
        return
    limit = int(ctx.s.get("report", {}).get("quotes_per_question", 5))
    freq = pd.Series(texts).value_counts()
    groups = ctx.df.loc[written, "unit"].astype(str).tolist() if "unit" in ctx.df else None
    chosen = choose_quotes(
        texts,
        scores=[float(freq[t]) for t in texts],
        groups=groups,
        k=limit,
        min_group=max(1, ctx.min_cell // 2),
    )
    ctx.add(
        "paragraph",
        f"Ở {ctx.ref(info)}, có {vn.fmt_int(len(texts))} ý kiến ghi vào phiếu"
        + ("; một số ý kiến tiêu biểu (đã lược bỏ thông tin cá nhân):" if chosen else "."),
    )
    if chosen:
        ctx.add("bullets", items=[f"“{q}”" for q in chosen])

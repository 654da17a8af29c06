"""IV. Xu hướng và dự báo: from the questions that measure change (net balance "better minus
worse" with its CI) and expectation, and from earlier waves when given (tested changes and a
cautious projection interval from three waves or more)."""

from __future__ import annotations

import pandas as pd

from khaosat.report import narrative, vn
from khaosat.report.sections.context import Context, binary, lower_first
from khaosat.report.tables import _as_codes


def _balance(ctx: Context, name: str, better, worse) -> pd.Series:
    """+1 better, −1 worse, 0 any other substantive answer, missing for "không rõ" / no answer."""
    y = _as_codes(ctx.df[name])
    return pd.to_numeric(
        y.map(
            lambda v: (
                None
                if v is None or v == 9
                else (1.0 if v in better else (-1.0 if v in worse else 0.0))
            )
        ),
        errors="coerce",
    )


def change(ctx: Context) -> int:
    conf = (ctx.s.get("outlook") or {}).get("change") or {}
    said = 0
    for name, spec in conf.items():
        better, worse = tuple(spec.get("better", [])), tuple(spec.get("worse", []))
        subject = str(spec.get("subject") or name)
        items = [i for i in ctx.infos if i.matrix == name] or (
            [ctx.by_name[name]] if name in ctx.by_name else []
        )
        items = [i for i in items if i.name in ctx.df]
        if not items:
            continue
        if len(items) == 1:
            info = items[0]
            b = ctx.share(info.name, better, exclude=(9,))
            w = ctx.share(info.name, worse, exclude=(9,))
            net = ctx.est.mean(ctx.df, _balance(ctx, info.name, better, worse))
            if ctx.safe(b) and ctx.safe(net):
                ctx.add(
                    "paragraph",
                    narrative.balance_sentence(f"{subject} (câu {info.number})", b, w, net),
                )
                said += 1
            continue
        # A matrix: each item's balance, and the respondent's average balance over the items.
        frame = pd.concat([_balance(ctx, i.name, better, worse) for i in items], axis=1)
        overall = ctx.est.mean(ctx.df, frame.mean(axis=1, skipna=True))
        rows = [
            [
                "Mặt công tác",
                "Tốt hơn (%)",
                "Kém hơn (%)",
                "Cán cân (điểm)",
                "Khoảng tin cậy 95%",
                "n",
            ]
        ]
        for info, col in zip(items, frame.columns, strict=True):
            b = ctx.share(info.name, better, exclude=(9,))
            w = ctx.share(info.name, worse, exclude=(9,))
            net = ctx.est.mean(ctx.df, frame[col])
            if not ctx.safe(net):
                rows.append([info.label, vn.DASH, vn.DASH, vn.DASH, vn.DASH, vn.fmt_int(net.n)])
                continue
            ci = (
                f"{vn.fmt_num(100 * net.ci_low, 1)} – {vn.fmt_num(100 * net.ci_high, 1)}"
                if net.ci_low is not None and net.ci_high is not None
                else vn.DASH
            )
            rows.append(
                [
                    info.label,
                    vn.fmt_pct_value(b.value),
                    vn.fmt_pct_value(w.value),
                    vn.fmt_num(100 * net.value, 1),
                    ci,
                    vn.fmt_int(net.n),
                ]
            )
        if ctx.safe(overall):
            lo, hi = overall.ci_low, overall.ci_high
            ci = (
                f"khoảng tin cậy 95% từ {vn.fmt_num(100 * lo, 1)} đến {vn.fmt_num(100 * hi, 1)} điểm"
                if lo is not None and hi is not None
                else f"n = {vn.fmt_int(overall.n)}"
            )
            if lo is not None and lo > 0:
                word = "nhìn chung được đánh giá tốt lên so với trước"
            elif hi is not None and hi < 0:
                word = "nhìn chung được đánh giá kém đi so với trước, cần quan tâm"
            else:
                word = f"{narrative.NOT_SIGNIFICANT} giữa số ý kiến thấy tốt hơn và kém hơn"
            first = items[0]
            ctx.add(
                "paragraph",
                f"Ở câu {first.matrix.upper()} (“{first.matrix_label}”), cán cân bình quân (tỷ lệ "
                f"thấy tốt hơn trừ tỷ lệ thấy kém hơn, bình quân các mặt) là "
                f"{vn.fmt_num(100 * overall.value, 1)} điểm ({ci}): {subject} {word}.",
            )
            said += 1
        ctx.add(
            "rows",
            f"Cán cân đánh giá tốt hơn – kém hơn so với trước, câu {name.upper()}",
            rows=rows,
        )
    return said


def expectation(ctx: Context) -> int:
    names = (ctx.s.get("outlook") or {}).get("expectation", [])
    said = 0
    for name in names:
        ind = next((i for i in ctx.indicators if i.name == name), None)
        if ind is None or not ctx.safe(ind.estimate) or ind.info is None:
            continue
        text = narrative.quantified_sentence(
            ind.estimate,
            f"{ind.compare.replace('đánh giá tích cực về ', 'bày tỏ ')}",
            ctx.quant,
            lead=f"Về kỳ vọng thời gian tới (câu {ind.info.number}), ",
        )
        if ind.negative is not None and ctx.safe(ind.negative):
            text = text.rstrip(".") + f"; {narrative.pct(ind.negative)} chưa tin tưởng."
        ctx.add("paragraph", text)
        said += 1
    return said


def waves(ctx: Context) -> int:
    if len(ctx.waves) < 2:
        return 0
    said = 0
    (la, da), (lb, db) = ctx.waves[0], ctx.waves[-1]
    for ind in ctx.indicators:
        if ind.name not in da or ind.name not in db:
            continue
        ea = ctx.est.proportions(da, binary(da, ind.name, ind.codes), [1])[0]
        eb = ctx.est.proportions(db, binary(db, ind.name, ind.codes), [1])[0]
        if not (ctx.safe(ea) and ctx.safe(eb)):
            continue
        test = ctx.est.wave_test(ea, eb)
        ctx.add(
            "paragraph", narrative.wave_sentence(ind.compare, (la, ea), (lb, eb), test, ctx.alpha)
        )
        said += 1
        project = getattr(ctx.est, "projection", None)
        if project is not None and len(ctx.waves) >= 3:
            series = [
                (lab, d, binary(d, ind.name, ind.codes)) for lab, d in ctx.waves if ind.name in d
            ]
            proj = project(series)
            if proj is not None:
                ctx.add("paragraph", narrative.projection_sentence(ind.compare, proj))
    return said


def build(ctx: Context) -> None:
    ctx.add("heading1", "IV. XU HƯỚNG VÀ DỰ BÁO")
    ctx.add("heading2", "1. Những thay đổi so với trước khi thực hiện mô hình")
    if not change(ctx):
        ctx.add("paragraph", "Phiếu không có câu hỏi đo sự thay đổi đủ số liệu để tổng hợp.")
    ctx.add("heading2", "2. Kỳ vọng và dự báo")
    n_exp = expectation(ctx)
    n_waves = waves(ctx)
    if not n_waves:
        weakest = ctx.rankings.get("chung")
        low = weakest.bottom_group() if weakest is not None else []
        topics = "; ".join(lower_first(it.label) for it in low[:3])
        ctx.add(
            "paragraph",
            "Đây là đợt khảo sát đầu tiên nên chưa có số liệu theo thời gian để dự báo bằng xu hướng; "
            "nhận định về chiều hướng dư luận dựa trên đánh giá thay đổi và kỳ vọng nêu trên"
            + (f", cần theo dõi trước hết ở các nội dung: {topics}" if topics else "")
            + ". Các đợt khảo sát sau dùng cùng bộ câu hỏi sẽ cho phép kiểm định sự thay đổi.",
        )
    elif not n_exp:
        pass
    ctx.section_extensions("outlook")

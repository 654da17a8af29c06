"""Phụ lục: full frequency tables, methods detail, the questionnaire."""

from __future__ import annotations

from khaosat.report import vn
from khaosat.report.sections.context import Context


def build(ctx: Context) -> None:
    k = 2 if ctx.unit_results and ctx.unit_indicators else 1
    ctx.add("pagebreak")
    ctx.add("heading1", f"PHỤ LỤC {k}. BẢNG TẦN SUẤT ĐẦY ĐỦ")
    for info in ctx.infos:
        if info.kind not in ("single", "scale5", "multiple"):
            continue
        t = ctx.table_for(info)
        if t.bases[0] == 0:
            continue
        ctx.add("table", table=t)
    ctx.add("pagebreak")
    ctx.add("heading1", f"PHỤ LỤC {k + 1}. CHI TIẾT PHƯƠNG PHÁP")
    di = ctx.design_info
    rows = [["Nội dung", "Giá trị"]]
    rows.append(["Số phiếu hợp lệ", vn.fmt_int(len(ctx.df))])
    rows.append(["Số tầng tính sai số", vn.fmt_int(di.get("strata", 1))])
    rows.append(["Số cụm (đơn vị mẫu cấp 1)", vn.fmt_int(di.get("psus", len(ctx.df)))])
    if di.get("kish_n_eff"):
        rows.append(["Cỡ mẫu hiệu dụng do trọng số", vn.fmt_int(round(di["kish_n_eff"]))])
    if "median_deff" in di:
        rows.append(["Hệ số ảnh hưởng thiết kế (deff) trung vị", vn.fmt_num(di["median_deff"], 2)])
    rows.append(["Mức tin cậy", vn.fmt_pct(float(ctx.s["stats"].get("confidence", 0.95)), 0)])
    rows.append(["Mức ý nghĩa của kiểm định", vn.fmt_num(ctx.alpha, 2)])
    ctx.add("rows", "Các thông số của thiết kế mẫu và ước lượng", rows=rows)
    key = [i for i in ctx.indicators if ctx.safe(i.estimate)]
    if key:
        rows = [["Chỉ tiêu", "Tỷ lệ (%)", "Sai số ± (%)", "deff", "n"]]
        for i in key:
            e = i.estimate
            rows.append(
                [
                    i.label,
                    vn.fmt_pct_value(e.value),
                    vn.fmt_pct_value(e.moe) if e.moe is not None else vn.DASH,
                    vn.fmt_num(e.deff, 2) if e.deff is not None else vn.DASH,
                    vn.fmt_int(e.n),
                ]
            )
        ctx.add("rows", "Sai số và hệ số ảnh hưởng thiết kế của các chỉ tiêu chính", rows=rows)
    ctx.add("pagebreak")
    ctx.add("heading1", f"PHỤ LỤC {k + 2}. PHIẾU KHẢO SÁT")
    group = None
    for info in ctx.infos:
        if info.group_label and info.group_label != group:
            group = info.group_label
            ctx.add("heading3", group)
        line = f"Câu {info.number}. {info.label}"
        if info.codes:
            line += " — " + "; ".join(
                f"{c}. {lab}" for c, lab in zip(info.codes, info.labels, strict=True)
            )
        ctx.add("paragraph", line)

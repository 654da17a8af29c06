"""I. Mục đích, phương pháp: frame, selection of units and inside units (as it happened),
mode, dates, forms and response rates, item non-response, weighting, the estimator in one
plain sentence, and what a margin of error does and does not cover."""

from __future__ import annotations

import math
import re

import pandas as pd

from khaosat.report import vn
from khaosat.report.sections.analysis import deff_warning
from khaosat.report.sections.context import DONT_KNOW, Context
from khaosat.report.survey import UnitCount, mode_sentence

Z = 1.959963984540054


def _simulated_rows(df: pd.DataFrame) -> int:
    for col in ("_simulated", "mo_phong"):
        if col in df:
            return int((pd.to_numeric(df[col], errors="coerce").fillna(0) > 0).sum())
    return 0


def plan_sentence(ctx: Context) -> str:
    """ "Thực hiện Kế hoạch số 15-KH/BTGDVTU ngày 10/5/2026 của …" (number left blank if unknown)."""
    sv = ctx.survey
    if not sv.plan:
        return ""
    text = sv.plan.rstrip(".")
    if sv.plan_number or sv.plan_date:
        where = text.find(" của ")
        number = f"số {sv.plan_number}" if sv.plan_number else ""
        date = f"ngày {vn.fmt_date(sv.plan_date)}" if sv.plan_date else ""
        tail = " ".join(p for p in (number, date) if p)
        if where > 0:
            text = f"{text[:where]} {tail}{text[where:]}"
        else:
            text = f"{text} {tail}"
    return text + "."


def build(ctx: Context) -> None:
    sv, df = ctx.survey, ctx.df
    n = len(df)
    ctx.add("heading1", "I. MỤC ĐÍCH, PHƯƠNG PHÁP KHẢO SÁT")
    ctx.add("heading2", "1. Mục đích, căn cứ")
    plan = plan_sentence(ctx)
    if plan:
        ctx.add("paragraph", plan)
    ctx.add("paragraph", sv.purpose)
    sim = _simulated_rows(df)
    if sim:
        ctx.add(
            "paragraph",
            f"Lưu ý: {vn.fmt_int(sim)}/{vn.fmt_int(n)} phiếu trong dữ liệu là phiếu mô phỏng "
            "(không phải ý kiến thật); mọi số liệu trong báo cáo này chỉ để minh họa.",
            bold=True,
        )
    ctx.add("heading2", "2. Đối tượng, địa bàn, cách chọn mẫu và thời gian khảo sát")
    items = [
        f"Cơ quan chủ trì: {sv.sponsor}; đơn vị thực hiện: {sv.conducted_by}.",
        f"Đối tượng khảo sát: {sv.population}.",
        f"Khung mẫu: {sv.frame}.",
        f"Chọn đơn vị khảo sát: {selection_text(ctx)}",
        f"Chọn người trả lời trong đơn vị: {sv.selection_inside.rstrip('.')}. Vì vậy sai số trong "
        "báo cáo được tính như thể người trả lời trong mỗi đơn vị là một mẫu ngẫu nhiên; kết quả "
        "phản ánh ý kiến của những người được mời trả lời và cần được đọc với hạn chế này.",
        f"Hình thức: {mode_sentence(sv).rstrip('.')}.",
    ]
    if sv.field_start and sv.field_end:
        items.append(f"Thời gian khảo sát: {vn.fmt_date_range(sv.field_start, sv.field_end)}.")
    items.append("Nội dung phiếu hỏi: xem nguyên văn tại phụ lục cuối báo cáo.")
    ctx.add("bullets", items=items)
    ctx.add("heading2", "3. Số phiếu phát ra, thu về, hợp lệ và tỷ lệ trả lời")
    rows, rates = unit_rows(ctx)
    if rates:
        ctx.add("paragraph", rates)
    if len(rows) > 2:
        ctx.add("rows", "Số phiếu phát ra, thu về và hợp lệ theo đơn vị", rows=rows)
    nonresponse(ctx)
    ctx.add("heading2", "5. Gia quyền, ước lượng và sai số")
    ctx.add("paragraph", weighting_text(ctx))
    ctx.add("paragraph", estimator_text(ctx))
    ctx.add("paragraph", precision_text(ctx))
    ctx.add(
        "paragraph",
        f"Để bảo đảm bí mật người trả lời, số liệu của nhóm có dưới {vn.fmt_int(ctx.min_cell)} "
        f"người trả lời không được công bố (ghi “–”); nhóm có dưới {vn.fmt_int(ctx.caution)} người "
        "được đánh dấu (*) và cần thận trọng khi sử dụng. Ý kiến ghi trong phiếu đã được lược bỏ "
        "họ tên, số điện thoại, số giấy tờ tùy thân trước khi trích dẫn.",
    )
    composition(ctx)
    ctx.section_extensions("methods")


def selection_text(ctx: Context) -> str:
    sv = ctx.survey
    if sv.selection:
        text = sv.selection.rstrip(".")
    else:
        di = ctx.design_info
        n_units = ctx.df["unit"].nunique() if "unit" in ctx.df else 0
        if n_units:
            text = (
                f"chọn mẫu phân tầng ({vn.fmt_int(di.get('strata', 1))} tầng tính sai số), "
                f"{vn.fmt_int(n_units)} đơn vị có phiếu hợp lệ"
            )
        else:
            text = "dữ liệu không ghi đơn vị của phiếu nên không mô tả được cách chọn đơn vị"
    if sv.seed:
        text += f"; danh sách đơn vị được chọn ngẫu nhiên với hạt giống {sv.seed}, lưu trong hồ sơ chọn mẫu"
    return text + "."


def unit_rows(ctx: Context) -> tuple[list[list[str]], str]:
    sv, df = ctx.survey, ctx.df
    counts = df["unit"].astype(str).value_counts() if "unit" in df else pd.Series(dtype=int)
    if "unit" not in df:
        units: list[UnitCount] = []
    else:
        # Units of the plan that returned forms or are real units (placeholders "P01".. that
        # never got data are dropped), then units found only in the data.
        units = [
            u for u in sv.units if u.code in counts.index or not re.fullmatch(r"P\d{2}", u.code)
        ]
        known = {u.code for u in units}
        units += [
            UnitCount(code=c, returned=None, valid=int(k))
            for c, k in sorted(counts.items())
            if c not in known
        ]
    rows = [["STT", "Đơn vị", "Phát ra", "Thu về", "Hợp lệ", "Tỷ lệ thu về (%)"]]
    tot = [0, 0, 0]
    have = [False, False, False]
    for k, u in enumerate(units, start=1):
        name = u.name or sv.unit_names.get(u.code, u.code)
        valid = u.valid if u.valid is not None else int(counts.get(u.code, 0))
        vals = [u.issued, u.returned, valid]
        for j, v in enumerate(vals):
            if v is not None:
                tot[j] += v
                have[j] = True
        rate = (
            vn.fmt_pct_value(u.returned / u.issued)
            if u.issued and u.returned is not None
            else vn.DASH
        )
        rows.append(
            [str(k), name, *(vn.fmt_int(v) if v is not None else vn.DASH for v in vals), rate]
        )
    rate = vn.fmt_pct_value(tot[1] / tot[0]) if have[0] and have[1] and tot[0] else vn.DASH
    rows.append(
        [
            "",
            "Tổng cộng",
            *(vn.fmt_int(t) if h else vn.DASH for t, h in zip(tot, have, strict=True)),
            rate,
        ]
    )
    text = ""
    issued, returned, valid = tot
    every = bool(units) and all(u.issued for u in units)
    if every and issued:
        # AAPOR: RR1 = complete / eligible issued; RR2 also counts returned forms that were not
        # valid (partials). Every issued form is taken as eligible (the units handed them out).
        rr1 = valid / issued
        text = (
            f"Phát ra {vn.fmt_int(issued)} phiếu, hợp lệ {vn.fmt_int(valid)} phiếu: tỷ lệ trả lời "
            f"theo chuẩn AAPOR RR1 (phiếu hợp lệ trên phiếu phát ra) là {vn.fmt_pct(rr1)}"
        )
        if all(u.returned is not None for u in units):
            text += (
                f"; thu về {vn.fmt_int(returned)} phiếu, RR2 (tính cả phiếu thu về chưa hợp lệ) là "
                f"{vn.fmt_pct(returned / issued)}"
            )
        text += ". Mọi phiếu phát ra được coi là phát đúng đối tượng."
    elif len(df):
        text = (
            f"Có {vn.fmt_int(len(df))} phiếu hợp lệ; dữ liệu không có số phiếu phát ra nên chưa "
            "tính được tỷ lệ trả lời."
        )
    return rows, text


def nonresponse(ctx: Context) -> None:
    """Item non-response of the key questions: not answered, and "không rõ / khó trả lời"."""
    keys = [i for i in ctx.indicators if i.info is not None]
    if not keys:
        return
    ctx.add("heading2", "4. Tỷ lệ không trả lời các câu hỏi chính")
    rows = [
        [
            "Câu hỏi",
            "Trả lời (n)",
            "Bỏ trống hoặc không thuộc diện trả lời",
            "Chọn “Không rõ / khó trả lời” (%)",
        ]
    ]
    n = len(ctx.df)
    for ind in keys:
        info = ind.info
        codes = ctx.codes_of(info)
        answered = int(codes.notna().sum())
        dk = int(codes.isin(list(DONT_KNOW)).sum())
        rows.append(
            [
                f"Câu {info.number}",
                vn.fmt_int(answered),
                vn.fmt_int(n - answered),
                vn.fmt_pct_value(dk / answered) if answered else vn.DASH,
            ]
        )
    ctx.add(
        "rows", "Số người trả lời và không trả lời các câu hỏi chính (không gia quyền)", rows=rows
    )


def weighting_text(ctx: Context) -> str:
    sv, df, di = ctx.survey, ctx.df, ctx.design_info
    if sv.weighting:
        return sv.weighting
    if "weight" not in di.get("arguments", {}):
        return (
            "Số liệu không gia quyền: mỗi phiếu hợp lệ được tính như nhau, nên kết quả là tỷ lệ "
            "trong số người đã trả lời, chưa điều chỉnh theo quy mô dân số của các đơn vị."
        )
    w = pd.to_numeric(df[di["arguments"]["weight"]], errors="coerce")
    parts = []
    if di.get("equal_per_unit"):
        parts.append(
            "Khung mẫu chưa có số dân của từng xã, phường, nên trọng số được tính để mỗi xã, phường "
            "được chọn có vai trò như nhau trong kết quả chung (mỗi xã, phường đại diện cho một số "
            "đơn vị như nhau của tầng), không theo số dân; kết quả vì vậy là ý kiến bình quân của "
            "các xã, phường, chưa phải của toàn bộ dân số tỉnh."
        )
    elif sv.weight_rule == "size":
        parts.append(
            "Kết quả được gia quyền theo nghịch đảo xác suất chọn đơn vị và quy mô của đơn vị, chia "
            "cho số phiếu hợp lệ của đơn vị, để mỗi đơn vị đóng góp theo quy mô của mình."
        )
    else:
        parts.append(
            "Kết quả được gia quyền theo trọng số thiết kế đi kèm bộ số liệu (nghịch đảo xác suất "
            "được chọn của mỗi phiếu)."
        )
    if getattr(ctx.est, "margins", None):
        names = ", ".join(
            f"câu {ctx.by_name[v].number}" if v in ctx.by_name else v for v in ctx.est.margins
        )
        parts.append(
            f"Trọng số được hiệu chỉnh (cân chỉnh lặp) theo cơ cấu dân số của tỉnh ({names})."
        )
    neff = di.get("kish_n_eff") or 0.0
    parts.append(
        f"Trọng số nhỏ nhất {vn.fmt_num(w.min(), 2)}, lớn nhất {vn.fmt_num(w.max(), 2)}; cỡ mẫu hiệu "
        f"dụng do trọng số không đều là khoảng {vn.fmt_int(round(neff))} trên {vn.fmt_int(len(df))} "
        "phiếu. Mọi tỷ lệ trong báo cáo là tỷ lệ có trọng số, làm tròn đến một chữ số thập phân; n là "
        "số người trả lời thực tế (không gia quyền)."
    )
    return " ".join(parts)


def estimator_text(ctx: Context) -> str:
    """The estimator, in one plain sentence (what the margins equal)."""
    di = ctx.design_info
    args = di.get("arguments", {})
    if "psu" not in args:
        return (
            "Sai số được tính theo phương pháp tuyến tính hóa Taylor, coi mẫu như chọn ngẫu nhiên "
            "đơn giản (dữ liệu không ghi đơn vị, cụm của phiếu), nên có thể thấp hơn sai số thật."
        )
    cert = ""
    if "unit" in ctx.df and "psu" in ctx.df:
        unit = ctx.df["unit"].astype(str)
        certain = sorted(set(unit[ctx.df["psu"].astype(str) != unit]))
        if certain:
            names = ", ".join(ctx.survey.unit_names.get(c, c) for c in certain)
            cert = (
                f" Các đơn vị được chọn chắc chắn ({names}) mỗi đơn vị là một tầng riêng, chỉ đóng "
                "góp sai số do chọn người trả lời trong đơn vị."
            )
    if di.get("ultimate_cluster", True):
        how = (
            "coi các xã, phường như được chọn có hoàn lại trong từng tầng (ước lượng theo cụm cuối "
            "cùng, không hiệu chỉnh tổng thể hữu hạn), nên sai số gồm cả phần do chọn người trả lời "
            "trong từng xã, phường"
        )
    else:
        how = "tính cả hai giai đoạn chọn (xã, phường rồi người trả lời) với quy mô tổng thể của từng giai đoạn"
    lonely = ""
    if di.get("lonely_strata"):
        lonely = " Tầng chỉ có một cụm được tính sai số quanh trung bình chung."
    strata = "phân tầng, " if "strata" in args else ""
    return (
        f"Sai số được ước lượng theo thiết kế mẫu ({strata}mỗi đơn vị được chọn là một cụm, có "
        f"trọng số) bằng phương pháp tuyến tính hóa Taylor, {how}.{cert}{lonely}"
    )


def precision_text(ctx: Context) -> str:
    deffs = []
    for info in ctx.infos:
        if info.kind not in ("single", "scale5") or info.group == "a":
            continue
        for e in ctx.est.proportions(ctx.df, ctx.codes_of(info), info.codes):
            if e.deff is not None and math.isfinite(e.deff) and 0.2 <= e.value <= 0.8:
                deffs.append(e.deff)
    n = len(ctx.df)
    deff = deff_warning(ctx, deffs)
    psus = int(ctx.design_info.get("psus", 2))
    if n == 0 or psus < 2 or deff <= 0:
        # One sampled unit (or no variance at all): the margin is not zero, it is unknown.
        return (
            f"Với {vn.fmt_int(n)} phiếu hợp lệ của {vn.fmt_int(psus)} đơn vị được chọn, không ước "
            "lượng được sai số do chọn mẫu: cần phiếu của ít nhất hai đơn vị được chọn. Các tỷ lệ "
            "trong báo cáo chỉ mô tả những người đã trả lời, chưa suy rộng được cho toàn tỉnh."
        )
    moe = Z * math.sqrt(deff * 0.25 / n)
    ctx.design_info["median_deff"] = deff
    ctx.design_info["overall_moe"] = moe
    return (
        f"Với {vn.fmt_int(n)} phiếu hợp lệ và hệ số ảnh hưởng của thiết kế mẫu (deff) trung vị "
        f"{vn.fmt_num(deff, 2)}, sai số lớn nhất của một tỷ lệ tính trên toàn mẫu là khoảng "
        f"{vn.fmt_moe(moe)} ở mức tin cậy 95%; sai số của từng tỷ lệ ghi trong các bảng, sai số của "
        "nhóm nhỏ lớn hơn. Sai số chỉ phản ánh dao động do chọn mẫu; không bao gồm sai lệch do cách "
        "mời người trả lời theo chỉ tiêu, do người không trả lời hay trả lời chưa đúng suy nghĩ."
    )


def composition(ctx: Context) -> None:
    comp = [i for i in ctx.infos if i.group == "a" and i.kind in ("single", "scale5")]
    if not comp:
        return
    ctx.add("heading2", "6. Cơ cấu mẫu khảo sát")
    ctx.add(
        "paragraph",
        f"Tổng số phiếu hợp lệ đưa vào phân tích là {vn.fmt_int(len(ctx.df))} phiếu. Cơ cấu người "
        "trả lời theo một số đặc điểm (tỷ lệ có trọng số) như sau:",
    )
    rows = [["Đặc điểm", "Phương án", "Số người (n)", "Tỷ lệ (%)"]]
    for info in comp:
        t = ctx.table_for(info)
        for r, label in enumerate(t.row_labels):
            e = t.cell(r)
            rows.append(
                [
                    info.label if r == 0 else "",
                    label,
                    vn.fmt_int(e.count) if e is not None and e.count is not None else vn.DASH,
                    vn.fmt_pct_value(e.value) if e is not None else vn.DASH,
                ]
            )
    ctx.add("rows", "Cơ cấu mẫu khảo sát", rows=rows)

"""V. Kiến nghị, đề xuất: by addressee; every recommendation cites the numbered finding it
follows from and the figure (with its margin), from the same ranked objects as the summary."""

from __future__ import annotations

from khaosat.report import narrative
from khaosat.report.sections.context import Context, lower_first


def _cite(ctx: Context, keys: list[str]) -> str:
    nums = sorted({f.number for f in ctx.findings if f.key in keys})
    if not nums:
        return ""
    return " (kết quả số " + ", ".join(str(n) for n in nums) + " phần Tóm tắt)"


def _items(ranked) -> str:
    return "; ".join(f"{lower_first(it.label)}: {narrative.pct(it.estimate)}" for it in ranked)


def items(ctx: Context) -> list[tuple[str, list[str]]]:
    """[(addressee, [recommendation, …])], each citing its finding."""
    recs: list[tuple[str, list[str]]] = []
    general = ctx.rankings.get("chung")
    bt = []
    if general is not None and general.items:
        low = general.bottom_group()[:3]
        bt.append(
            "Chỉ đạo tập trung khắc phục nội dung có tỷ lệ đánh giá tích cực thấp nhất trong các chỉ "
            f"tiêu chung: {_items(low)}{_cite(ctx, [it.key for it in low])}."
        )
    risk_keys = [f.key for f in ctx.findings if f.key.startswith("risk:")]
    for what, e in ctx.risks:
        bt.append(
            f"Chỉ đạo kiểm tra, chấn chỉnh kịp thời vì có {narrative.pct(e)} ý kiến {what}"
            f"{_cite(ctx, [k for k in risk_keys if what in k])}."
        )
    bt.append(
        "Tiếp tục lãnh đạo, chỉ đạo quán triệt, tuyên truyền sâu rộng về mô hình chính quyền địa "
        "phương hai cấp."
    )
    recs.append(("Đối với Ban Thường vụ Tỉnh ủy", bt))
    matrices = [(n, r) for n, r in ctx.rankings.items() if n != "chung" and r.items]
    ubnd = []
    if matrices:
        name, r = matrices[0]
        low = r.bottom_group()[:3]
        ubnd.append(
            "Chỉ đạo các sở, ngành hướng dẫn, hỗ trợ xã, phường khắc phục các nội dung có tỷ lệ đánh "
            f"giá tích cực thấp nhất ở câu {name.upper()}: {_items(low)}{_cite(ctx, [f'bottom:{name}'])}."
        )
    online = ctx.top_options((ctx.s.get("recommendations") or {}).get("online_difficulties"), 2)
    if online:
        ubnd.append(
            "Tháo gỡ các khó khăn khi dùng dịch vụ công trực tuyến được nêu nhiều nhất: "
            + narrative.top_listing(online, 2)
            + "."
        )
    if ubnd:
        recs.append(("Đối với UBND tỉnh", ubnd))
    local = []
    if len(matrices) > 1:
        name, r = matrices[1]
        low = r.bottom_group()[:3]
        local.append(
            "Tập trung cải thiện những mặt công tác được đánh giá thấp nhất ở câu "
            f"{name.upper()}: {_items(low)}{_cite(ctx, [f'bottom:{name}'])}."
        )
    below = [u for u in ctx.unit_results if u.below]
    if below:
        local.append(
            "Các đơn vị có chỉ tiêu thấp hơn có ý nghĩa thống kê so với phần còn lại của tỉnh (xem "
            "bảng kết quả theo đơn vị ở phần phụ lục) cần rà soát, có giải pháp khắc phục: "
            + ", ".join(u.name for u in below)
            + "."
        )
    local.append(
        "Nâng cao chất lượng tiếp dân, đối thoại; công khai, minh bạch kết quả giải quyết phản ánh, "
        "kiến nghị."
    )
    recs.append(("Đối với cấp ủy, chính quyền các xã, phường", local))
    channels = ctx.top_options(
        (ctx.s.get("recommendations") or {}).get("misinformation_channels"), 2
    )
    mt = [
        "Tăng cường nắm tình hình Nhân dân, giám sát, phản biện xã hội đối với hoạt động của chính "
        "quyền xã, phường."
    ]
    if channels:
        mt.append(
            "Phối hợp cung cấp thông tin chính xác, kịp thời, đấu tranh với thông tin sai lệch, tập "
            "trung vào các kênh người trả lời gặp thông tin sai lệch nhiều nhất: "
            + narrative.top_listing(channels, 2)
            + "."
        )
    recs.append(("Đối với Ủy ban MTTQ Việt Nam tỉnh và các đoàn thể chính trị - xã hội", mt))
    return recs


def build(ctx: Context) -> None:
    ctx.add("heading1", "V. KIẾN NGHỊ, ĐỀ XUẤT")
    for j, (addressee, texts) in enumerate(items(ctx), start=1):
        ctx.add("heading2", f"{j}. {addressee}")
        ctx.add("bullets", items=texts)
    ctx.section_extensions("recommendations")

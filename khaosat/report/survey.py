"""What the report says about the survey itself (AAPOR disclosure items, front matter)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class UnitCount:
    """Forms of one unit: issued (phát ra), returned (thu về), valid (hợp lệ)."""

    code: str
    name: str = ""
    issued: int | None = None
    returned: int | None = None
    valid: int | None = None


@dataclass
class GroupSpec:
    """A comparison dimension: a column of the data and its levels with labels."""

    column: str
    title: str  # "nhóm đối tượng", "nơi ở", "địa bàn", "nhóm tuổi"
    levels: list[tuple[Any, str]]


@dataclass
class SurveyInfo:
    """What section I says about the survey (AAPOR disclosure items) and the front matter."""

    subject: str = (
        "Kết quả khảo sát, nắm tình hình Nhân dân và dư luận xã hội về kết quả sau 01 năm\n"
        "thực hiện mô hình chính quyền địa phương hai cấp trên địa bàn tỉnh Hưng Yên"
    )
    report_date: dt.date = field(default_factory=lambda: dt.date(2026, 7, 1))
    purpose: str = (
        "Nắm bắt kịp thời tâm trạng, suy nghĩ, đánh giá của cán bộ, đảng viên và Nhân dân về kết quả "
        "thực hiện mô hình chính quyền địa phương hai cấp; làm cơ sở để tham mưu Ban Thường vụ Tỉnh ủy "
        "lãnh đạo, chỉ đạo khắc phục hạn chế, nâng cao hiệu quả hoạt động của chính quyền xã, phường."
    )
    plan: str = ""  # e.g. "Thực hiện Kế hoạch số 15-KH/BTGDVTU ngày 10/5/2026 của Ban Tuyên giáo và Dân vận Tỉnh ủy"
    sponsor: str = "Ban Tuyên giáo và Dân vận Tỉnh ủy Hưng Yên"
    conducted_by: str = (
        "Ban Tuyên giáo và Dân vận Tỉnh ủy Hưng Yên phối hợp với các đảng bộ xã, phường"
    )
    population: str = "Cán bộ, đảng viên và Nhân dân từ 18 tuổi trở lên đang sinh sống, công tác trên địa bàn tỉnh"
    frame: str = "Danh sách 104 xã, phường của tỉnh Hưng Yên (93 xã, 11 phường) và hai đảng ủy trực thuộc Tỉnh ủy"
    field_start: dt.date | None = None
    field_end: dt.date | None = None
    mode: str = ""  # "" : the sentence follows `sources`
    sources: list[str] = field(default_factory=list)  # paper | keyed | import | web | odk …
    sampling: str = ""
    weighting: str = ""
    units: list[UnitCount] = field(default_factory=list)
    unit_names: dict[str, str] = field(default_factory=dict)
    groups: list[GroupSpec] | None = None  # None: the Anket's default comparisons when present
    unit_regions: dict[str, str] = field(default_factory=dict)  # unit -> former province (region)
    selection_inside: str = (
        "Trong mỗi đơn vị, người trả lời do đầu mối đơn vị mời theo chỉ tiêu (cơ cấu cán bộ, "
        "đảng viên và Nhân dân, nam và nữ), không chọn ngẫu nhiên từ danh sách"
    )
    seed: str = ""  # the sampling plan's seed, when known
    selection: str = ""  # how units were chosen (method), when known
    weight_rule: str = ""  # the plan's: "size" (frame sizes) | "relative" (no sizes) | "" unknown
    plan_number: str = ""  # "15-KH/BTGDVTU"
    plan_date: dt.date | None = None


SOURCE_WORDS = {
    "paper": "phiếu giấy (đọc bằng máy quét)",
    "omr": "phiếu giấy (đọc bằng máy quét)",
    "keyed": "phiếu giấy (nhập liệu từ bàn phím)",
    "import": "phiếu giấy (nhập từ bảng tính của đơn vị)",
    "web": "phiếu điện tử (trên trình duyệt, máy tính bảng)",
    "odk": "phiếu điện tử (ứng dụng ODK Collect)",
}


def mode_sentence(info: SurveyInfo) -> str:
    """The mode as it happened: from the survey's actual sources, else its description."""
    if info.mode:
        return info.mode
    words = list(dict.fromkeys(SOURCE_WORDS.get(s, "") for s in info.sources if s))
    words = [w for w in words if w]
    paper = [w for w in words if w.startswith("phiếu giấy")]
    if paper and len(paper) == len(words):
        detail = "; ".join(w[len("phiếu giấy ") :].strip("()") for w in paper)
        return f"Phát phiếu hỏi tự điền bằng phiếu giấy, thu phiếu qua đầu mối đơn vị ({detail})"
    if words:
        return "Phát phiếu hỏi tự điền, thu phiếu qua đầu mối đơn vị: " + ", ".join(words)
    return "Phát phiếu hỏi tự điền, thu phiếu qua đầu mối đơn vị"

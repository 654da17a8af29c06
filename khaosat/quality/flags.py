"""Flags: what a quality rule found, with the rule's Vietnamese explanation and a severity."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ERROR = "error"  # must be fixed or the form rejected before approval
WARNING = "warning"  # look at it: probably a problem
INFO = "info"  # worth knowing

SEVERITY_LABELS = {ERROR: "Lỗi", WARNING: "Cần xem", INFO: "Lưu ý"}
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True)
class Rule:
    """A named quality rule: its code, Vietnamese title and explanation, default severity."""

    name: str
    title: str
    explanation: str
    severity: str
    scope: str = "response"  # "response": one form; "survey": across forms; "unit": a whole unit


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule(
            "duplicate_serial",
            "Trùng số phiếu",
            "Hai hoặc nhiều phiếu mang cùng một số phiếu. Mỗi số phiếu chỉ in một lần: kiểm tra "
            "lại phiếu giấy, giữ một bản, loại các bản còn lại với lý do «Phiếu trùng».",
            ERROR,
            "survey",
        ),
        Rule(
            "serial_unit",
            "Số phiếu không khớp đơn vị",
            "Mã đơn vị trong số phiếu khác đơn vị được ghi nhận. Đối chiếu phiếu giấy và sửa đơn "
            "vị hoặc số phiếu.",
            ERROR,
        ),
        Rule(
            "serial_range",
            "Số phiếu ngoài dãy đã phát",
            "Số thứ tự trong số phiếu nằm ngoài các dãy số phiếu đã in và giao cho đơn vị. Kiểm "
            "tra lại số in trên phiếu; phiếu không do khảo sát phát ra thì loại.",
            ERROR,
        ),
        Rule(
            "over_quota",
            "Đơn vị đã vượt chỉ tiêu",
            "Đơn vị đã gửi về nhiều phiếu hợp lệ hơn chỉ tiêu phiếu được giao. Kiểm tra xem có "
            "phiếu nhập hai lần, phiếu của đơn vị khác hoặc phiếu phát thêm ngoài kế hoạch không; "
            "phiếu thừa làm lệch trọng số của đơn vị.",
            WARNING,
            "unit",
        ),
        Rule(
            "near_duplicate",
            "Phiếu gần như trùng nhau",
            "Các câu trả lời giống nhau gần như hoàn toàn (từ 95% số câu có trả lời trở lên) với "
            "một phiếu khác cùng đơn vị. Có thể phiếu bị sao chép hoặc nhập hai lần: đối chiếu "
            "phiếu giấy.",
            WARNING,
            "survey",
        ),
        Rule(
            "straight_lining",
            "Trả lời một kiểu trong bảng câu hỏi",
            "Mọi dòng của một bảng câu hỏi (ma trận) được đánh cùng một cột. Người trả lời có thể "
            "đã không đọc từng ý: xem lại phiếu, loại nếu cả phiếu trả lời qua loa.",
            WARNING,
        ),
        Rule(
            "too_many_dont_know",
            "Quá nhiều «Không rõ»",
            "Tỷ lệ câu chọn «Không rõ / khó trả lời» (mã 9) cao bất thường. Kiểm tra việc nhập "
            "liệu; nếu phiếu đúng như vậy thì vẫn giữ.",
            WARNING,
        ),
        Rule(
            "too_many_missing",
            "Bỏ trống quá nhiều câu",
            "Nhiều câu phải trả lời bị bỏ trống. Phiếu bỏ trống quá nửa được tính là phiếu bỏ dở "
            "trong tỷ lệ trả lời; cân nhắc loại với lý do «Phiếu bỏ trống».",
            WARNING,
        ),
        Rule(
            "missing_required",
            "Thiếu câu bắt buộc",
            "Câu bắt buộc chưa có trả lời. Đối chiếu phiếu giấy: nếu phiếu bỏ trống thì giữ "
            "nguyên, nếu nhập sót thì sửa.",
            WARNING,
        ),
        Rule(
            "constraint",
            "Trả lời vi phạm điều kiện",
            "Giá trị không thỏa điều kiện (constraint) của câu hỏi trong bảng hỏi. Đối chiếu phiếu "
            "giấy và sửa giá trị nhập sai.",
            ERROR,
        ),
        Rule(
            "skip_logic",
            "Trả lời sai bước nhảy",
            "Có trả lời cho câu lẽ ra phải bỏ qua theo điều kiện hiển thị (relevant). Đối chiếu "
            "phiếu giấy: xóa trả lời thừa hoặc sửa câu điều kiện.",
            ERROR,
        ),
        Rule(
            "invalid_value",
            "Giá trị không hợp lệ",
            "Mã trả lời không có trong danh sách lựa chọn hoặc sai kiểu. Đối chiếu phiếu giấy và "
            "sửa.",
            ERROR,
        ),
        Rule(
            "implausible",
            "Kết hợp trả lời khó tin",
            "Phiếu có một kết hợp trả lời mà quy tắc kiểm tra coi là khó tin (quy tắc do người "
            "quản lý khảo sát đặt ở trang checks của bảng hỏi hoặc trang «Quy tắc kiểm tra»). "
            "Đối chiếu phiếu giấy: sửa nếu nhập sai, giữ nếu phiếu đúng như vậy.",
            WARNING,
        ),
        Rule(
            "unit_identical",
            "Mọi phiếu của đơn vị giống hệt nhau",
            "Gần như mọi phiếu của đơn vị có cùng một bộ câu trả lời. Rất có thể phiếu không do "
            "người trả lời tự điền: liên hệ đầu mối đơn vị trước khi dùng số liệu.",
            ERROR,
            "unit",
        ),
        Rule(
            "unit_outlier",
            "Phân bố trả lời của đơn vị khác thường",
            "Phân bố câu trả lời của đơn vị khác xa các đơn vị còn lại (khoảng cách "
            "Jensen–Shannon trung bình vượt ngưỡng). Có thể do đặc điểm thật của đơn vị, cũng có "
            "thể do cách phát, thu phiếu: tìm hiểu trước khi kết luận.",
            WARNING,
            "unit",
        ),
        Rule(
            "fast_entry",
            "Phiếu của đơn vị được nhập quá nhanh",
            "Nhiều phiếu của đơn vị được nhập trong vài phút, nhanh hơn mức có thể đọc và nhập "
            "một phiếu. Kiểm tra xem phiếu có được sao chép hay nhập khống không.",
            WARNING,
            "unit",
        ),
    )
}


@dataclass(frozen=True)
class Flag:
    """One finding: rule name, fields involved, why (Vietnamese), severity, and where.

    `key` identifies the response (its id or serial; None for a unit-level flag), `unit` its
    unit code, `related` the keys of other responses involved (e.g. the duplicate partner).
    """

    rule: str
    why: str
    severity: str
    fields: tuple[str, ...] = ()
    key: str | None = None
    unit: str | None = None
    related: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        """Vietnamese title of the rule."""
        r = RULES.get(self.rule)
        return r.title if r else self.rule

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "rule": self.rule,
            "why": self.why,
            "severity": self.severity,
            "fields": list(self.fields),
            "key": self.key,
            "unit": self.unit,
            "related": list(self.related),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Flag:
        """Inverse of to_dict."""
        return cls(
            rule=data["rule"],
            why=data["why"],
            severity=data["severity"],
            fields=tuple(data.get("fields") or ()),
            key=data.get("key"),
            unit=data.get("unit"),
            related=tuple(data.get("related") or ()),
        )


def make_flag(rule: str, why: str, **kw: Any) -> Flag:
    """A flag of `rule` with the rule's default severity unless `severity` is given."""
    severity = kw.pop("severity", None) or RULES[rule].severity
    return Flag(rule=rule, why=why, severity=severity, **kw)

"""The audit log as people read it: actions, objects and changed values by their Vietnamese
names, answers by question number and label (never `response.reject`, `{'issued': None}`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "account.create": _("Tạo tài khoản"),
    "account.unlock": _("Mở khóa đăng nhập"),
    "account.update": _("Sửa tài khoản"),
    "audit.export": _("Tải nhật ký"),
    "auth.login": _("Đăng nhập"),
    "auth.login_failed": _("Đăng nhập sai"),
    "auth.logout": _("Đăng xuất"),
    "backup.create": _("Sao lưu dữ liệu"),
    "bank.add": _("Lưu câu hỏi vào ngân hàng"),
    "bank.pick": _("Chọn câu hỏi từ ngân hàng"),
    "checkrule.create": _("Thêm quy tắc kiểm tra"),
    "checkrule.update": _("Sửa quy tắc kiểm tra"),
    "export.raw": _("Tải dữ liệu gốc"),
    "export.report": _("Tải báo cáo"),
    "import.partial": _("Nhập bảng tính (các dòng hợp lệ)"),
    "import.upload": _("Nhập bảng tính"),
    "odk.device.issue": _("Cấp mã cho máy tính bảng"),
    "odk.device.revoke": _("Thu hồi mã của máy tính bảng"),
    "odk.quarantine.dismiss": _("Bỏ phiếu ODK đang giữ lại"),
    "odk.quarantine.store": _("Lưu phiếu ODK đang giữ lại"),
    "paper.print": _("In phiếu"),
    "paper.read": _("Đọc lô phiếu quét"),
    "quality.recheck": _("Kiểm tra lại toàn bộ phiếu"),
    "questionnaire.create": _("Nạp bảng hỏi"),
    "questionnaire.replace": _("Thay bảng hỏi"),
    "report.build": _("Lập báo cáo"),
    "report.facts": _("Sửa thông tin văn bản báo cáo"),
    "response.adjudicate": _("Phân xử nhập hai lần"),
    "response.approve": _("Duyệt phiếu"),
    "response.change": _("Sửa câu trả lời"),
    "response.create": _("Lưu phiếu mới"),
    "response.reject": _("Loại phiếu"),
    "response.verify": _("Nhập lần 2"),
    "sampling.select": _("Chọn mẫu"),
    "sampling.sizes": _("Nhập quy mô khung mẫu"),
    "survey.create": _("Tạo khảo sát"),
    "text.autocode": _("Mã hóa tự động ý kiến mở"),
    "text.code": _("Mã hóa một ý kiến mở"),
    "text.codebook": _("Sửa bộ chủ đề ý kiến mở"),
}

OBJECTS = {
    "response": _("Phiếu"),
    "unit": _("Đơn vị"),
    "survey": _("Khảo sát"),
    "user": _("Tài khoản"),
    "importbatch": _("Lần nhập bảng tính"),
    "samplingrun": _("Lần chọn mẫu"),
    "questionnaireversion": _("Phiên bản bảng hỏi"),
    "checkrule": _("Quy tắc kiểm tra"),
    "auditevent": _("Nhật ký"),
    "job": _("Việc nền"),
    "scanbatch": _("Lô quét"),
    "paperform": _("Phiếu giấy"),
    "themebook": _("Bộ chủ đề"),
}

FIELDS = {
    "issued": _("số phiếu đã in"),
    "start": _("in từ số"),
    "count": _("số phiếu in"),
    "status": _("trạng thái"),
    "reject_reason": _("lý do loại"),
    "units": _("đơn vị"),
    "seed": _("hạt giống (seed)"),
    "method": _("phương pháp"),
    "frame_sha256": _("mã băm khung mẫu"),
    "sha256": _("mã băm tệp"),
    "replaced": _("đơn vị tạm được thay"),
    "removed": _("đơn vị bị bỏ"),
    "responses": _("số phiếu"),
    "flags": _("số cảnh báo"),
    "rows": _("số dòng"),
    "scope": _("phạm vi"),
    "file": _("tệp"),
    "filename": _("tệp"),
    "role": _("vai trò"),
    "username": _("tên đăng nhập"),
    "is_active": _("đang hoạt động"),
    "version": _("phiên bản"),
    "code": _("mã"),
    "name": _("tên"),
    "expression": _("biểu thức"),
    "message": _("giải thích"),
    "severity": _("mức độ"),
    "active": _("đang dùng"),
    "imported": _("số phiếu đã nhập"),
    "changed": _("số phiếu sửa"),
    "size_columns": _("cột quy mô"),
    "format": _("định dạng"),
    "simulated": _("dữ liệu mô phỏng"),
    "serial": _("số phiếu"),
    "pass": _("lần nhập"),
    "mismatches": _("số câu khác nhau"),
    "accounts": _("tài khoản"),
    "printed": _("phiếu đã in"),
    "old": _("cũ"),
    "new": _("mới"),
    "unit": _("đơn vị"),
    "number": _("số báo cáo"),
    "plan_number": _("số Kế hoạch"),
    "plan_date": _("ngày Kế hoạch"),
    "authority": _("thẩm quyền ký"),
    "title": _("chức vụ người ký"),
    "signer": _("người ký"),
    "recipients": _("nơi nhận"),
}


def action_label(action: str) -> str:
    """The Vietnamese name of an audit action ("response.reject" -> "Loại phiếu")."""
    return str(ACTIONS.get(action, _("Thao tác khác")))


def object_label(object_type: str) -> str:
    return str(OBJECTS.get(object_type, _("Bản ghi")))


def _status_label(value: Any) -> str | None:
    from khaosat.web.core.models import Response, Role

    for choices in (Response.Status, Role):
        if value in choices.values:
            return str(choices(value).label)
    return None


def describe(value: Any, questionnaire=None) -> str:
    """A changed value in plain words: «trạng thái: Không hợp lệ; lý do loại: …»; an answer
    change names the question by its printed number and the answer by its label."""
    if value is None:
        return ""
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            parts.append(f"{_key(k, questionnaire)}: {_value(k, v, questionnaire)}")
        return "; ".join(parts)
    return _value("", value, questionnaire)


def _key(key: str, questionnaire) -> str:
    if key in FIELDS:
        return str(FIELDS[key])
    q = _question(questionnaire, key)
    if q is not None:
        from khaosat.questionnaire.wording import printed_name

        return f"Câu {printed_name(questionnaire, key)}"
    return key.replace("_", " ")


def _question(questionnaire, name: str):
    if questionnaire is None:
        return None
    try:
        return questionnaire.question(name)
    except KeyError:
        return None


def _value(key: str, v: Any, questionnaire) -> str:
    if v is None or v == "" or v == []:
        return "—"
    q = _question(questionnaire, key)
    if q is not None:
        from khaosat.questionnaire.wording import answer_text

        return answer_text(questionnaire, q, v)
    if isinstance(v, bool):
        return str(_("có") if v else _("không"))
    if key in ("status", "role"):
        return _status_label(v) or str(v)
    if isinstance(v, list):
        return ", ".join(_value("", x, None) if isinstance(x, dict) else str(x) for x in v)
    if isinstance(v, dict):
        return "(" + describe(v) + ")"
    if isinstance(v, float):
        return f"{v:g}".replace(".", ",")
    return str(v)

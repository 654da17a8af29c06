"""Final dispositions of the forms of a hand-out/collect survey and AAPOR response rates.

How the AAPOR Standard Definitions (10th ed., 2023) map onto forms handed out and collected:

* Every issued form went to a selected, eligible person, so there are no cases of unknown
  eligibility (UH = UO = 0) and no ineligible cases.
* I  (complete)  = a returned, not rejected form with at least 80% of the relevant closed
  questions answered.
* P  (partial)   = a returned, not rejected form with 50% to under 80% answered.
* R  (break-off and refusal) = a returned form with under 50% answered (break-off), or a
  returned form rejected for any reason (blank, copied, fabricated, duplicate...).
* NC (not returned) = issued forms never collected: we cannot tell refusal from non-contact.
* RR1 = I / (I + P + R + NC) ;  RR2 = (I + P) / (I + P + R + NC), i.e. over forms issued.

Forms issued are the printed serials handed to the unit when known, else the unit's quota;
when more forms come back than were issued, issued is raised to the number returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

COMPLETE_AT = 0.8
PARTIAL_AT = 0.5

# Standard reasons for rejecting a form: (code, Vietnamese label). The label starts the stored
# Response.reject_reason ("Phiếu trùng — bản chụp của 12427-0007").
REJECT_REASONS: list[tuple[str, str]] = [
    ("blank", "Phiếu bỏ trống"),
    ("duplicate", "Phiếu trùng"),
    ("copied", "Phiếu sao chép, điền hộ"),
    ("straightlining", "Trả lời qua loa"),
    ("invalid", "Trả lời không hợp lệ"),
    ("wrong_unit", "Sai đơn vị, sai đối tượng"),
    ("other", "Lý do khác"),
]
REASON_LABEL = dict(REJECT_REASONS)

DEFINITIONS_VI = (
    "Phiếu phát ra: số phiếu đã in và giao cho đơn vị (nếu chưa có thì lấy chỉ tiêu phiếu). "
    "Mọi phiếu phát ra đều đến tay người thuộc đối tượng khảo sát, nên không có trường hợp "
    "không rõ tư cách. Phiếu đầy đủ (I): phiếu thu về, không bị loại, trả lời từ 80% số câu "
    "phải trả lời trở lên. Phiếu trả lời một phần (P): phiếu không bị loại, trả lời từ 50% đến "
    "dưới 80%. Phiếu bỏ dở, bị loại (R): phiếu trả lời dưới 50%, hoặc bị loại vì bất kỳ lý do "
    "nào. Phiếu không thu về (NC): phiếu phát ra nhưng không thu lại được. "
    "Tỷ lệ trả lời RR1 = I / phiếu phát ra; RR2 = (I + P) / phiếu phát ra "
    "(theo Định nghĩa chuẩn của AAPOR)."
)


def reason_code(text: str) -> str:
    """The standard reason code of a stored reject reason ('other' when none matches)."""
    t = (text or "").strip().lower()
    for code, label in REJECT_REASONS:
        if t.startswith(label.lower()) or t.startswith(code):
            return code
    return "other"


def reject_reason_text(code: str, detail: str = "") -> str:
    """The text stored in Response.reject_reason for a standard reason and a detail."""
    label = REASON_LABEL.get(code, REASON_LABEL["other"])
    detail = (detail or "").strip()
    return f"{label} — {detail}" if detail else label


@dataclass
class DispositionRow:
    """Counts of one unit (or the total) and its rates."""

    unit: str
    name: str = ""
    issued: int = 0
    returned: int = 0
    valid: int = 0
    complete: int = 0
    partial: int = 0
    breakoff: int = 0
    rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    not_returned: int = 0

    @property
    def rr1(self) -> float | None:
        """AAPOR RR1 = I / (I + P + R + NC)."""
        return self.complete / self.issued if self.issued else None

    @property
    def rr2(self) -> float | None:
        """AAPOR RR2 = (I + P) / (I + P + R + NC)."""
        return (self.complete + self.partial) / self.issued if self.issued else None

    @property
    def return_rate(self) -> float | None:
        """Forms returned / forms issued."""
        return self.returned / self.issued if self.issued else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form with the rates."""
        return {
            "unit": self.unit,
            "name": self.name,
            "issued": self.issued,
            "returned": self.returned,
            "valid": self.valid,
            "complete": self.complete,
            "partial": self.partial,
            "breakoff": self.breakoff,
            "rejected": self.rejected,
            "rejected_by_reason": dict(self.rejected_by_reason),
            "not_returned": self.not_returned,
            "rr1": self.rr1,
            "rr2": self.rr2,
            "return_rate": self.return_rate,
        }


@dataclass
class Dispositions:
    """Rows per unit, the total, and the definitions (Vietnamese) for the report."""

    rows: list[DispositionRow]
    total: DispositionRow
    reasons: list[tuple[str, str]]
    definitions: str = DEFINITIONS_VI

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "rows": [r.to_dict() for r in self.rows],
            "total": self.total.to_dict(),
            "reasons": [list(r) for r in self.reasons],
            "definitions": self.definitions,
        }


def dispositions(
    units: Iterable[Mapping[str, Any]],
    responses: Iterable[Mapping[str, Any]],
    *,
    questionnaire: Any = None,
    complete_at: float = COMPLETE_AT,
    partial_at: float = PARTIAL_AT,
) -> Dispositions:
    """Dispositions per unit and in total.

    units: dicts with `code`, optional `name`, and `issued` (printed serials) or `quota`.
    responses: dicts with `unit` (code), `status` ('rejected' or anything else), optional
    `reject_reason`, and `answered_share` (0..1) or `answers` (then `questionnaire` is needed,
    else every closed answer present counts as the share of the longest response).
    """
    share_of = _share_function(questionnaire)
    rows: dict[str, DispositionRow] = {}
    for u in units:
        issued = u.get("issued") or u.get("quota") or 0
        rows[str(u["code"])] = DispositionRow(str(u["code"]), str(u.get("name", "")), int(issued))
    longest = 0
    responses = list(responses)
    if questionnaire is None:
        longest = max((len(r.get("answers") or {}) for r in responses), default=0)
    for r in responses:
        code = str(r["unit"])
        row = rows.setdefault(code, DispositionRow(code))
        row.returned += 1
        if r.get("status") == "rejected":
            row.rejected += 1
            reason = reason_code(r.get("reject_reason", ""))
            row.rejected_by_reason[reason] = row.rejected_by_reason.get(reason, 0) + 1
            continue
        row.valid += 1
        share = r.get("answered_share")
        if share is None:
            answers = r.get("answers") or {}
            if share_of is not None:
                share = share_of(answers)
            else:
                share = len(answers) / longest if longest else 1.0
        if share >= complete_at:
            row.complete += 1
        elif share >= partial_at:
            row.partial += 1
        else:
            row.breakoff += 1
    total = DispositionRow("", "Tổng cộng")
    for row in rows.values():
        row.issued = max(row.issued, row.returned)
        row.not_returned = row.issued - row.returned
        for attr in ("issued", "returned", "valid", "complete", "partial", "breakoff"):
            setattr(total, attr, getattr(total, attr) + getattr(row, attr))
        total.rejected += row.rejected
        total.not_returned += row.not_returned
        for k, v in row.rejected_by_reason.items():
            total.rejected_by_reason[k] = total.rejected_by_reason.get(k, 0) + v
    ordered = [rows[k] for k in rows]
    return Dispositions(ordered, total, list(REJECT_REASONS))


def _share_function(questionnaire: Any):
    if questionnaire is None:
        return None
    from khaosat.quality.checks import answered_share, plan_of

    plan = plan_of(questionnaire)
    return lambda answers: answered_share(plan, answers)

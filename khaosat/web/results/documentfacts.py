"""The report's own facts as a document of the Party (36-HD/VPTW), set by the survey manager on
the reports page: the report's number, the plan it carries out (number and date), who signs
and who receives it.

`survey.toml` ([report.issuer], [report.plan], [report.signature], [report.recipients]) gives
the defaults a survey ships with; what the manager saves here is kept in `Survey.settings`
under "report_facts" and wins. `apply` puts the merged facts into the report's settings and
its SurveyInfo, so the DOCX never depends on editing a file on the server.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from khaosat.report.survey import SurveyInfo

KEY = "report_facts"
MAX_RECIPIENTS = 20
MAX_LINE = 200

# Valid pairings of authority and title for a ban of a Party committee (36-HD/VPTW).
SIGNING = {
    "kt": ("K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN"),
    "tb": ("", "TRƯỞNG BAN"),
}
SIGNING_CHOICES = [
    ("kt", _("Cấp phó ký thay: K/T TRƯỞNG BAN — PHÓ TRƯỞNG BAN")),
    ("tb", _("Trưởng ban ký: TRƯỞNG BAN")),
]


def _signing_of(signature: dict[str, Any]) -> str:
    pair = (str(signature.get("authority", "")), str(signature.get("title", "")))
    return next((k for k, v in SIGNING.items() if v == pair), "kt")


class ReportFactsForm(forms.Form):
    """What a văn thư and the signer fill in before the report goes up."""

    number = forms.CharField(
        label=_("Số báo cáo"),
        required=False,
        max_length=12,
        help_text=_("Chỉ phần số, ví dụ 125 (ký hiệu BC/… có sẵn). Để trống thì in chỗ trống."),
    )
    plan_number = forms.CharField(
        label=_("Số Kế hoạch khảo sát"),
        required=False,
        max_length=40,
        help_text=_("Ví dụ 15-KH/BTGDVTU."),
    )
    plan_date = forms.DateField(
        label=_("Ngày của Kế hoạch"),
        required=False,
        input_formats=["%d/%m/%Y"],
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
        error_messages={"invalid": _("Ngày viết theo dạng ngày/tháng/năm, ví dụ 10/05/2026.")},
    )
    signing = forms.ChoiceField(label=_("Thể thức ký"), choices=SIGNING_CHOICES)
    signer = forms.CharField(label=_("Họ tên người ký"), required=False, max_length=80)
    recipients = forms.CharField(
        label=_("Nơi nhận (mỗi dòng một nơi)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def clean_number(self) -> str:
        text = self.cleaned_data["number"].strip()
        if text and not text.isdigit():
            raise forms.ValidationError(_("Số báo cáo chỉ gồm chữ số, ví dụ 125."))
        return text

    def clean_recipients(self) -> list[str]:
        lines = [" ".join(x.split()) for x in self.cleaned_data["recipients"].splitlines()]
        lines = [x for x in lines if x]
        if len(lines) > MAX_RECIPIENTS:
            raise forms.ValidationError(
                _("Nơi nhận có %(n)s dòng; tối đa %(max)s dòng.")
                % {"n": len(lines), "max": MAX_RECIPIENTS}
            )
        for i, line in enumerate(lines, 1):
            if len(line) > MAX_LINE:
                raise forms.ValidationError(
                    _("Dòng %(i)s của Nơi nhận dài quá %(max)s ký tự; hãy viết gọn lại.")
                    % {"i": i, "max": MAX_LINE}
                )
        return lines

    def facts(self) -> dict[str, Any]:
        """The cleaned form as stored (JSON: the date as ISO text)."""
        d = self.cleaned_data
        authority, title = SIGNING[d["signing"]]
        return {
            "number": d["number"],
            "plan_number": d["plan_number"].strip(),
            "plan_date": d["plan_date"].isoformat() if d["plan_date"] else "",
            "authority": authority,
            "title": title,
            "signer": " ".join(d["signer"].split()),
            "recipients": d["recipients"],
        }


def shipped(cfg: dict[str, Any], info: SurveyInfo | None) -> dict[str, Any]:
    """The facts as the survey's files give them (settings merged with survey.toml)."""
    sig = cfg.get("signature", {})
    return {
        "number": str(cfg.get("issuer", {}).get("number", "") or ""),
        "plan_number": info.plan_number if info else "",
        "plan_date": info.plan_date.isoformat() if info and info.plan_date else "",
        "authority": str(sig.get("authority", "")),
        "title": str(sig.get("title", "")),
        "signer": str(sig.get("name", "") or ""),
        "recipients": [str(x) for x in cfg.get("recipients", {}).get("list", [])],
    }


def current(survey: Any, cfg: dict[str, Any], info: SurveyInfo | None) -> dict[str, Any]:
    """The facts the next report prints: the manager's saved ones over the shipped ones."""
    facts = shipped(cfg, info)
    saved = (survey.settings or {}).get(KEY) or {}
    facts.update({k: v for k, v in saved.items() if k in facts})
    return facts


def initial(facts: dict[str, Any]) -> dict[str, Any]:
    """The form's initial values for these facts."""
    return {
        "number": facts["number"],
        "plan_number": facts["plan_number"],
        "plan_date": dt.date.fromisoformat(facts["plan_date"]) if facts["plan_date"] else None,
        "signing": _signing_of(facts),
        "signer": facts["signer"],
        "recipients": "\n".join(facts["recipients"]),
    }


def apply(facts: dict[str, Any], cfg: dict[str, Any], info: SurveyInfo | None) -> None:
    """Put the facts into the report's settings and SurveyInfo (in place)."""
    cfg.setdefault("issuer", {})["number"] = facts["number"]
    cfg["signature"] = {
        **cfg.get("signature", {}),
        "authority": facts["authority"],
        "title": facts["title"],
        "name": facts["signer"],
    }
    cfg.setdefault("recipients", {})["list"] = list(facts["recipients"])
    if info is not None:
        info.plan_number = facts["plan_number"]
        info.plan_date = dt.date.fromisoformat(facts["plan_date"]) if facts["plan_date"] else None

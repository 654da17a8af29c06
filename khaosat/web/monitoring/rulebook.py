"""The check rules a manager writes (Quy tắc kiểm tra): switch one on or off, add one after
checking it against the questionnaire, and the rows the page shows in words.

The rules page calls these; the check itself (unknown variables, codes, a rule no answers can
fire) is `services.check_new_rule`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from khaosat.quality.errors import QualityError
from khaosat.questionnaire.model import Questionnaire
from khaosat.questionnaire.wording import describe_condition
from khaosat.web.core.models import AuditEvent, QuestionnaireVersion, Survey
from khaosat.web.monitoring import services
from khaosat.web.monitoring.models import CheckRule, Severity


def toggle(survey: Survey, pk: str, user) -> CheckRule:
    """Switch one rule of the survey on or off (audited); 404 for another survey's rule."""
    rule = get_object_or_404(CheckRule, survey=survey, pk=pk)
    rule.active = not rule.active
    rule.save(update_fields=["active"])
    AuditEvent.record(
        "checkrule.update",
        rule,
        user=user,
        survey=survey,
        old={"active": not rule.active},
        new={"active": rule.active},
    )
    return rule


@dataclass(frozen=True)
class Added:
    """The outcome of adding a rule: the rule and how often it fired on simulated forms, or
    the one sentence saying why it was refused (nothing stored then)."""

    rule: CheckRule | None = None
    fires: int = 0
    problem: str | None = None

    @property
    def message(self) -> str:
        return _(
            "Đã thêm quy tắc (báo ở %(n)s trong %(total)s phiếu mô phỏng). Bấm «Kiểm tra "
            "lại toàn bộ» để áp dụng cho phiếu đã có."
        ) % {"n": self.fires, "total": services.RULE_SIMULATIONS}


def _refusal(survey: Survey, version, name: str, expression: str, message: str):
    """(problem, fires): why the rule cannot be stored, or how often it fires."""
    if not name or not expression:
        return _("Quy tắc cần tên và biểu thức."), 0
    if CheckRule.objects.filter(survey=survey, name=name).exists():
        return _("Đã có quy tắc tên «%(n)s»; hãy đặt tên khác.") % {"n": name}, 0
    if version is None or services.questionnaire_for(version) is None:
        return _("Khảo sát chưa có bảng hỏi: nạp bảng hỏi trước khi đặt quy tắc."), 0
    try:
        return None, services.check_new_rule(version, expression, message)
    except QualityError as exc:
        return exc.message, 0


def add(survey: Survey, version: QuestionnaireVersion | None, form, user) -> Added:
    """Add the rule typed in `form` (name, expression, message, severity) when it passes the
    checks against the questionnaire; audited."""
    name = (form.get("name") or "").strip()
    expression = (form.get("expression") or "").strip()
    message = (form.get("message") or "").strip()
    severity = form.get("severity") or Severity.WARNING
    problem, fires = _refusal(survey, version, name, expression, message)
    if problem:
        return Added(problem=problem)
    rule = CheckRule.objects.create(
        survey=survey,
        name=name[:64],
        expression=expression,
        message=message,
        severity=severity if severity in Severity.values else Severity.WARNING,
        wrong=True,
        created_by=user,
    )
    AuditEvent.record(
        "checkrule.create",
        rule,
        user=user,
        survey=survey,
        new={"name": rule.name, "expression": expression, "message": message},
    )
    return Added(rule=rule, fires=fires)


def described(survey: Survey, q: Questionnaire | None) -> tuple[list[CheckRule], list[dict]]:
    """The survey's own rules and the questionnaire's checks sheet, each with its condition in
    words (`description`)."""
    stored = list(survey.check_rules.all())
    for r in stored:
        r.description = describe_condition(q, r.expression) if q else r.expression
    sheet: list[dict[str, Any]] = [dict(r) for r in q.checks] if q else []
    for row in sheet:
        text = row.get("expression") or row.get("constraint") or ""
        row["description"] = describe_condition(q, text)
    return stored, sheet

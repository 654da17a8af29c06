"""Monitoring records: quality flags of responses and units, and check rules written in the app.

Flags are derived data: `services.flag_response` replaces a response's own flags whenever its
answers are stored or changed; `services.recheck_survey` replaces all of a survey's flags.
Reviewer decisions live on the Response (status, reject_reason) and in the audit log; approving
a response marks its flags resolved (who, when, why), and a re-check keeps that for the same
finding.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khaosat.quality.flags import ERROR, INFO, RULES, WARNING
from khaosat.web.core.models import Response, Survey, Unit


class Severity(models.TextChoices):
    ERROR = ERROR, _("Lỗi")
    WARNING = WARNING, _("Cần xem")
    INFO = INFO, _("Lưu ý")


class QualityFlag(models.Model):
    """One finding of a quality rule on a response (or, with response NULL, on a unit)."""

    class Origin(models.TextChoices):
        RESPONSE = "response", _("Khi nhận phiếu")
        SURVEY = "survey", _("Kiểm tra toàn bộ")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="quality_flags")
    response = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.CASCADE, related_name="quality_flags"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="quality_flags"
    )
    rule = models.CharField(_("quy tắc"), max_length=64)
    severity = models.CharField(_("mức độ"), max_length=16, choices=Severity)
    fields = models.JSONField(_("câu liên quan"), default=list, blank=True)
    why = models.TextField(_("lý do"))
    related = models.JSONField(default=list, blank=True)
    origin = models.CharField(max_length=16, choices=Origin, default=Origin.RESPONSE)
    created_at = models.DateTimeField(default=timezone.now)
    # A person's decision on the flag; a re-check keeps it for the same finding.
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("xử lý lúc"), null=True, blank=True)
    resolution = models.TextField(_("cách xử lý"), blank=True)

    class Meta:
        ordering = ["survey", "response", "rule", "id"]
        indexes = [
            models.Index(fields=["survey", "severity"]),
            models.Index(fields=["survey", "rule"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.response or self.unit}"

    @property
    def title(self) -> str:
        r = RULES.get(self.rule)
        return r.title if r else self.rule

    @property
    def explanation(self) -> str:
        r = RULES.get(self.rule)
        return r.explanation if r else ""


class CheckRule(models.Model):
    """A cross-question rule a manager writes in the app: the combination of answers that is
    wrong ("Tuổi 18–30 mà đã nghỉ hưu"); a form matching it is flagged with the message.
    (Rules stored before had `wrong` False: their expression had to hold.)"""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="check_rules")
    name = models.SlugField(_("tên quy tắc"), max_length=64)
    expression = models.TextField(_("điều kiện"))
    message = models.TextField(_("lời cảnh báo"), blank=True)
    wrong = models.BooleanField(_("điều kiện là kết hợp sai"), default=True)
    severity = models.CharField(
        _("mức độ"), max_length=16, choices=Severity, default=Severity.WARNING
    )
    active = models.BooleanField(_("đang dùng"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["survey", "name"]
        constraints = [models.UniqueConstraint(fields=["survey", "name"], name="check_rule_name")]

    def __str__(self) -> str:
        return self.name

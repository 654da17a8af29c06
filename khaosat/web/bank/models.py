"""The question bank shared by every survey: one row per bank question (khaosat.questionnaire.bank)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BankQuestion(models.Model):
    """A question of the bank: its identity, and its definition as the core keeps it."""

    bank_id = models.CharField(_("mã ngân hàng"), max_length=64, unique=True)
    name = models.CharField(_("tên biến"), max_length=128)
    number = models.CharField(_("số câu"), max_length=32, blank=True)
    type = models.CharField(_("loại câu"), max_length=64)
    label = models.TextField(_("câu hỏi"), blank=True)
    definition = models.JSONField(_("định nghĩa"), default=dict)
    origin = models.CharField(_("lấy từ"), max_length=255, blank=True)
    origin_survey = models.ForeignKey(
        "core.Survey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number", "name", "id"]
        verbose_name = _("câu hỏi trong ngân hàng")

    def __str__(self) -> str:
        return f"{self.number} {self.label[:60]}"

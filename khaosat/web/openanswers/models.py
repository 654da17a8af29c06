"""Codebooks of themes per open question, and the themes of each answer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from khaosat.web.core.models import Response, Survey


class ThemeBook(models.Model):
    """The codebook (TOML, as `khaosat.text.themes` reads it) of one open question."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="theme_books")
    variable = models.CharField(_("câu hỏi"), max_length=64)
    toml = models.TextField(_("bộ chủ đề"), blank=True)
    # Themes proposed by clustering, waiting for a manager to accept or discard them.
    suggestions = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "variable"], name="one_book_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.survey.code} {self.variable}"


class AnswerCode(models.Model):
    """The themes of one response's answer to one open question."""

    class Source(models.TextChoices):
        AUTO = "auto", _("Tự động")
        MANUAL = "manual", _("Người mã hóa")

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answer_codes")
    variable = models.CharField(max_length=64)
    # Hash of the text that was coded: a corrected answer is coded again (unless manual).
    text_sha256 = models.CharField(max_length=64)
    themes = models.JSONField(default=list)
    confidence = models.FloatField(default=0.0)
    source = models.CharField(max_length=8, choices=Source, default=Source.AUTO)
    coded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "variable"], name="one_code_per_answer")
        ]
        indexes = [models.Index(fields=["variable", "source", "confidence"])]

    def __str__(self) -> str:
        return f"{self.response_id} {self.variable} {self.themes}"

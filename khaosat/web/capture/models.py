"""Capture records: keyed passes (double entry), field mismatches to adjudicate, the log of
accepted submissions with their source metadata, and spreadsheet import batches."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khaosat.web.core.models import Response, Survey, Unit


class EntryPass(models.Model):
    """One keyed pass of a form: 1 = first entry, 2 = blind second entry (verify mode)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="entry_passes")
    number = models.PositiveSmallIntegerField(_("lần nhập"))
    answers = models.JSONField(_("câu trả lời đã gõ"), default=dict)
    keyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    keyed_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(null=True, blank=True)
    keystrokes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["response", "number"]
        constraints = [
            models.UniqueConstraint(fields=["response", "number"], name="entry_pass_number")
        ]

    def __str__(self) -> str:
        return f"{self.response} #{self.number}"


class Discrepancy(models.Model):
    """A field keyed differently on the two passes, open until a person decides."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="discrepancies")
    variable = models.CharField(_("biến"), max_length=64)
    first = models.JSONField(_("lần 1"), null=True, blank=True)
    second = models.JSONField(_("lần 2"), null=True, blank=True)
    decided = models.BooleanField(default=False)
    value = models.JSONField(_("giá trị chọn"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["response", "id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "variable"], name="discrepancy_variable")
        ]

    def __str__(self) -> str:
        return f"{self.response} {self.variable}"


class Submission(models.Model):
    """An accepted submit through the door that created or changed a response."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="submissions")
    source = models.CharField(max_length=16, choices=Response.Source)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    created = models.BooleanField(default=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.response} {self.source}"


class ImportBatch(models.Model):
    """One uploaded spreadsheet of a unit: what was found, what was imported, what waits."""

    class Status(models.TextChoices):
        REFUSED = "refused", _("Chưa nhập (còn lỗi)")
        IMPORTED = "imported", _("Đã nhập")
        PARTIAL = "partial", _("Đã nhập các dòng hợp lệ")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="import_batches")
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status, default=Status.REFUSED)
    rows = models.JSONField(default=list)  # valid rows: {row, serial, answers}
    problems = models.JSONField(default=list)  # {row, column, variable, message}
    changes = models.JSONField(default=list)  # rows differing from stored: {row, serial, diff}
    counts = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.filename}"

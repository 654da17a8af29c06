"""Paper forms on the server: upload batches of scans, forms read from them (waiting for a
person or stored through capture's door), and their page images (content-addressed files)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from khaosat.web.core.models import Job, Response, Survey, Unit


class ScanBatch(models.Model):
    """One upload of scan files (PDF/images); read by a background job."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="scan_batches")
    job = models.OneToOneField(Job, null=True, blank=True, on_delete=models.SET_NULL)
    files = models.JSONField(_("tệp"), default=list)  # [{"name", "size", "sha256"}]
    problems = models.JSONField(_("thông báo"), default=list)  # [{"source", "message", "kind"}]
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Lô quét #{self.pk}"


class PaperForm(models.Model):
    """One form read from scans: its certain answers and what a person must still decide."""

    class Status(models.TextChoices):
        REVIEW = "review", _("Chờ xem lại")
        STORED = "stored", _("Đã lưu")

    batch = models.ForeignKey(ScanBatch, on_delete=models.CASCADE, related_name="forms")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="paper_forms")
    serial = models.CharField(_("số phiếu"), max_length=64)
    status = models.CharField(max_length=8, choices=Status, default=Status.REVIEW)
    answers = models.JSONField(_("câu trả lời đọc chắc chắn"), default=dict)
    # [{"kind", "variable", "number", "message", "codes", "value", "crop", "question_kind"}]
    items = models.JSONField(_("mục cần xem"), default=list)
    note = models.TextField(blank=True)  # e.g. why the door refused the answers as read
    metadata = models.JSONField(default=dict)  # form.metadata() from the reader
    response = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["serial", "id"]
        indexes = [models.Index(fields=["survey", "status"])]

    def __str__(self) -> str:
        return self.serial


class PaperPage(models.Model):
    """A straightened page image of a form, stored at DATA_DIR/scans/<sha[:2]>/<sha>.jpg."""

    form = models.ForeignKey(PaperForm, on_delete=models.CASCADE, related_name="pages")
    page = models.PositiveSmallIntegerField(_("trang"))
    sha256 = models.CharField(max_length=64, db_index=True)
    source = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["form", "page"]

    def __str__(self) -> str:
        return f"{self.form.serial} trang {self.page}"

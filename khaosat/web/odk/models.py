"""ODK Collect: device tokens (one unit, one survey, stored hashed), the instance ids an edit
gave a response, attachments (content-addressed files) and the quarantine of submissions the
door refused (kept whole, never lost)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khaosat.web.core.models import Response, Survey, Unit


def token_hash(token: str) -> str:
    """What is stored of a device token: its SHA-256 (the token is shown once)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class DeviceToken(models.Model):
    """A device's key: it may fetch the survey's forms and send forms of one unit only."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="odk_devices")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="odk_devices")
    name = models.CharField(_("tên thiết bị"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_submission_at = models.DateTimeField(_("gửi phiếu gần nhất"), null=True, blank=True)
    submissions = models.PositiveIntegerField(_("số lần gửi phiếu"), default=0)

    class Meta:
        ordering = ["unit__code", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit.code})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class InstanceAlias(models.Model):
    """An instanceID Collect gave an edited form (<orx:deprecatedID> names the one it replaced)."""

    instance_id = models.UUIDField(unique=True)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="odk_aliases")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.instance_id)


class Quarantine(models.Model):
    """A submission the door refused (invalid answers, unknown form version, unreadable XML):
    the XML and its files are kept as received until a manager decides."""

    class Status(models.TextChoices):
        OPEN = "open", _("Chờ xử lý")
        STORED = "stored", _("Đã nhận vào (chờ duyệt)")
        DISMISSED = "dismissed", _("Đã xem, không nhận")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="odk_quarantine")
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device = models.ForeignKey(
        DeviceToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="quarantined"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    instance_id = models.CharField(max_length=64, blank=True)
    form_id = models.CharField(max_length=128, blank=True)
    version = models.CharField(max_length=64, blank=True)
    xml = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    message = models.TextField(_("lý do"))
    problems = models.JSONField(default=list)  # [{"variable", "message"}]
    files = models.JSONField(default=list)  # [{"name", "sha256", "size", "content_type"}]
    status = models.CharField(max_length=16, choices=Status, default=Status.OPEN)
    received_at = models.DateTimeField(default=timezone.now)
    times = models.PositiveIntegerField(_("số lần nhận"), default=1)
    response = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "sha256"], name="odk_quarantine_sha")
        ]

    def __str__(self) -> str:
        return self.instance_id or self.sha256[:12]


class Attachment(models.Model):
    """A file sent with a form (a photo of the paper form, …), stored under its SHA-256 at
    DATA_DIR/odk/<sha[:2]>/<sha>, like scanned pages."""

    response = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.CASCADE, related_name="odk_attachments"
    )
    instance_id = models.UUIDField(db_index=True)
    question = models.CharField(max_length=64, blank=True)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance_id", "filename"], name="odk_attachment_filename"
            )
        ]

    def __str__(self) -> str:
        return self.filename

"""The records every stage shares: surveys, units, questionnaire versions, responses,
roles with unit scope, background jobs, and the append-only, hash-chained audit log.

Responses hold answers as codes keyed by variable name, never personal data.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Survey(models.Model):
    """One survey round (cuộc khảo sát); `series` + `wave` tie repeats together."""

    class Status(models.TextChoices):
        DESIGN = "design", _("Thiết kế")
        FIELDWORK = "fieldwork", _("Đang thu phiếu")
        PROCESSING = "processing", _("Xử lý, phân tích")
        REPORTED = "reported", _("Đã báo cáo")

    class DoubleEntry(models.TextChoices):
        NONE = "none", _("Không nhập lại")
        SAMPLE = "sample", _("Nhập lại một tỷ lệ phiếu")
        ALL = "all", _("Nhập lại toàn bộ")

    code = models.SlugField(_("mã"), max_length=64, unique=True)
    series = models.SlugField(_("bộ khảo sát"), max_length=64, blank=True)
    wave = models.PositiveSmallIntegerField(_("đợt"), default=1)
    title = models.TextField(_("tên khảo sát"))
    commissioner = models.CharField(_("cơ quan thực hiện"), max_length=255, blank=True)
    superior = models.CharField(_("cơ quan cấp trên"), max_length=255, blank=True)
    plan_reference = models.CharField(_("kế hoạch"), max_length=255, blank=True)
    description = models.TextField(_("mô tả"), blank=True)
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status, default=Status.DESIGN)
    small_cell = models.PositiveSmallIntegerField(_("ngưỡng ô nhỏ"), default=10)
    double_entry = models.CharField(
        _("nhập lại lần 2"), max_length=8, choices=DoubleEntry, default=DoubleEntry.SAMPLE
    )
    double_entry_share = models.FloatField(_("tỷ lệ nhập lại"), default=0.1)
    settings = models.JSONField(_("thiết lập khác"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "code"]
        verbose_name = _("khảo sát")

    def __str__(self) -> str:
        return self.title

    @property
    def quota_total(self) -> int:
        return sum(u.quota for u in self.units.all())


class Milestone(models.Model):
    """A dated step of the survey's timeline."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="milestones")
    code = models.SlugField(max_length=64)
    title = models.CharField(_("mốc"), max_length=255)
    start = models.DateField(_("bắt đầu"), null=True, blank=True)
    due = models.DateField(_("hạn"))
    done_at = models.DateField(_("hoàn thành ngày"), null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]
        constraints = [models.UniqueConstraint(fields=["survey", "code"], name="milestone_code")]

    def __str__(self) -> str:
        return self.title

    def status(self, today: dt.date | None = None) -> str:
        """'done', 'late' (past due, not done), 'due' (in progress or due today) or 'upcoming'."""
        today = today or timezone.localdate()
        if self.done_at:
            return "done"
        if today > self.due:
            return "late"
        if (self.start and self.start <= today) or today == self.due:
            return "due"
        return "upcoming"


class Unit(models.Model):
    """Where forms are handed out and collected (đảng bộ xã/phường, đảng ủy trực thuộc)."""

    class Kind(models.TextChoices):
        COMMUNE = "xa", _("Xã")
        WARD = "phuong", _("Phường")
        PROVINCIAL = "tinh", _("Đảng ủy trực thuộc Tỉnh ủy")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="units")
    code = models.CharField(_("mã đơn vị"), max_length=32)
    name = models.CharField(_("tên đơn vị"), max_length=255)
    kind = models.CharField(_("loại"), max_length=8, choices=Kind)
    stratum = models.CharField(_("tầng"), max_length=64, blank=True)
    quota = models.PositiveIntegerField(_("chỉ tiêu phiếu"))
    frame_code = models.CharField(_("mã trong khung mẫu"), max_length=32, blank=True)
    placeholder = models.BooleanField(_("đơn vị tạm (chưa chọn mẫu)"), default=False)
    certainty = models.BooleanField(_("chọn chắc chắn"), default=False)
    inclusion_prob = models.FloatField(_("xác suất chọn"), null=True, blank=True)
    base_weight = models.FloatField(_("trọng số cơ sở"), null=True, blank=True)
    selection_order = models.PositiveIntegerField(null=True, blank=True)
    size = models.FloatField(_("quy mô"), null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["survey", "code"]
        constraints = [models.UniqueConstraint(fields=["survey", "code"], name="unit_code")]
        verbose_name = _("đơn vị")

    def __str__(self) -> str:
        return self.name

    def all_codes(self) -> set[str]:
        """The unit's code and the codes of placeholders it replaced (printed on their forms)."""
        return {self.code, *(self.attributes or {}).get("former_codes", [])}


def unit_by_code(survey, code: str) -> Unit | None:
    """The survey's unit with `code`, or the unit that replaced a placeholder of that code."""
    unit = Unit.objects.filter(survey=survey, code=code).order_by().first()
    if unit is not None:
        return unit
    for u in Unit.objects.filter(survey=survey, placeholder=False).order_by("code"):
        if code in (u.attributes or {}).get("former_codes", []):
            return u
    return None


class QuestionnaireVersion(models.Model):
    """One version of a survey's questionnaire: the XLSForm as uploaded and its parsed model."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questionnaires")
    version = models.CharField(_("phiên bản"), max_length=64)
    form_id = models.CharField(max_length=128)
    title = models.TextField(blank=True)
    xlsform = models.BinaryField(_("tệp XLSForm"))
    filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    definition = models.JSONField(_("mô hình bảng hỏi"), default=dict)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["survey", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "version"], name="questionnaire_version")
        ]

    def __str__(self) -> str:
        return f"{self.form_id} {self.version}"

    @property
    def locked(self) -> bool:
        """A version with responses is frozen: changes make a new version."""
        return self.responses.exists()


class Response(models.Model):
    """One respondent's answers (codes keyed by variable name). Never personal data."""

    class Source(models.TextChoices):
        KEYED = "keyed", _("Nhập từ bàn phím")
        IMPORT = "import", _("Nhập từ bảng tính")
        WEB = "web", _("Phiếu web / máy tính bảng")
        PAPER = "paper", _("Quét phiếu giấy")
        ODK = "odk", _("ODK Collect")
        SIMULATED = "simulated", _("Mô phỏng")

    class Status(models.TextChoices):
        ENTERED = "entered", _("Đã nhập")
        VERIFIED = "verified", _("Đã kiểm tra (nhập 2 lần)")
        APPROVED = "approved", _("Hợp lệ, đã duyệt")
        REJECTED = "rejected", _("Không hợp lệ")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="responses")
    questionnaire = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="responses"
    )
    # NULL, not "": responses without a serial (web, ODK) must not collide on the unique key.
    serial = models.CharField(_("số phiếu"), max_length=64, null=True, blank=True)  # noqa: DJ001
    instance_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(_("nguồn"), max_length=16, choices=Source)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status, default=Status.ENTERED
    )
    simulated = models.BooleanField(_("dữ liệu mô phỏng"), default=False)
    answers = models.JSONField(_("câu trả lời"), default=dict)
    reject_reason = models.TextField(_("lý do loại"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["survey", "unit", "serial", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "serial"], name="response_serial"),
        ]
        indexes = [
            models.Index(fields=["survey", "status"]),
            models.Index(fields=["unit", "status"]),
        ]

    def __str__(self) -> str:
        return self.serial or str(self.instance_id)

    @property
    def counts_in_results(self) -> bool:
        return self.status != self.Status.REJECTED


class Role(models.TextChoices):
    ADMIN = "admin", _("Quản trị hệ thống")
    MANAGER = "manager", _("Quản lý khảo sát")
    COORDINATOR = "coordinator", _("Đầu mối đơn vị")
    KEYER = "keyer", _("Nhập liệu")
    VIEWER = "viewer", _("Lãnh đạo (xem kết quả)")


UNIT_SCOPED_ROLES = {Role.COORDINATOR, Role.KEYER}


class Membership(models.Model):
    """A user's role and, for coordinators and keyers, the units they may see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField(_("vai trò"), max_length=16, choices=Role)
    units = models.ManyToManyField(Unit, blank=True, related_name="members")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


def role_of(user) -> str | None:
    """The user's role, or None for anonymous users and accounts without one."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return Role.ADMIN
    m = getattr(user, "membership", None) if hasattr(user, "membership") else None
    return m.role if m else None


class Job(models.Model):
    """Long work run in the background (scans, imports, reports), with progress."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ")
        RUNNING = "running", _("Đang chạy")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Lỗi")

    kind = models.CharField(max_length=64)
    survey = models.ForeignKey(Survey, null=True, blank=True, on_delete=models.CASCADE)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: D401 - the log is append-only
        raise PermissionDenied("Nhật ký kiểm tra chỉ được ghi thêm, không được sửa.")

    def delete(self):
        raise PermissionDenied("Nhật ký kiểm tra chỉ được ghi thêm, không được xóa.")


class AuditEvent(models.Model):
    """Append-only log; each event's keyed hash covers the row and the previous hash, so
    tampering shows (khaosat.web.core.audit)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(_("hành động"), max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    survey = models.ForeignKey(
        Survey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.username} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Nhật ký kiểm tra chỉ được ghi thêm, không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Nhật ký kiểm tra chỉ được ghi thêm, không được xóa.")

    def payload(self) -> bytes:
        from khaosat.web.core import audit

        return audit.payload_of(self)

    def compute_hash(self) -> str:
        """HMAC-SHA256 of the whole row with the audit key (kept outside the database)."""
        from khaosat.web.core import audit

        return audit.sign(self.payload())

    @classmethod
    def record(
        cls,
        action: str,
        obj=None,
        *,
        user=None,
        survey=None,
        unit=None,
        old=None,
        new=None,
        reason: str = "",
        object_type: str = "",
        object_id: str = "",
    ) -> AuditEvent:
        """Append one event, chained to the last one (serialised across processes)."""
        from khaosat.web.core import audit

        if obj is not None:
            object_type = object_type or obj._meta.model_name
            object_id = object_id or str(obj.pk)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", [0x6B686173])
            last = cls.objects.order_by("-id").values_list("hash", flat=True).first()
            ev = cls(
                user=user if getattr(user, "is_authenticated", False) else None,
                username=getattr(user, "username", "") or "",
                action=action,
                object_type=object_type,
                object_id=object_id,
                survey=survey,
                unit=unit,
                old=json.loads(_canonical(old)) if old is not None else None,
                new=json.loads(_canonical(new)) if new is not None else None,
                reason=reason,
                prev_hash=last or "0" * 64,
            )
            ev.at = timezone.now().replace(microsecond=(timezone.now().microsecond // 1000) * 1000)
            ev.hash = ev.compute_hash()
            ev.save()
            audit.schedule_checkpoint()  # after the commit: one checkpoint per batch
            return ev

    @classmethod
    def verify_chain(cls) -> AuditEvent | None:
        """The first event that does not verify (see khaosat.web.core.audit.verify), or None."""
        from khaosat.web.core import audit

        return audit.verify().event

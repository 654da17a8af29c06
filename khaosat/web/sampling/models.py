"""The survey's sampling frame and every selection run on it (the applied one drives units)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from khaosat.web.core.models import Survey


class SamplingFrame(models.Model):
    """The frame and design a survey selects from (one per survey; replaced by uploads)."""

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="frame")
    frame = models.JSONField(_("khung mẫu"))
    design = models.JSONField(_("thiết kế mẫu"))
    sha256 = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.survey.code}: {len(self.frame.get('rows', []))} đơn vị"


class SamplingRun(models.Model):
    """One selection: who ran it, when, with what seed and method, and the plan it produced."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sampling_runs")
    seed = models.BigIntegerField(_("hạt giống (seed)"))
    method = models.CharField(_("phương pháp"), max_length=16)
    plan = models.JSONField(_("kế hoạch"))
    applied = models.BooleanField(_("đang áp dụng"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.survey.code} seed={self.seed} ({self.method})"

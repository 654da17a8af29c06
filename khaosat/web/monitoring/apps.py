import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


def _flag_on_save(sender, instance, created, update_fields=None, **kwargs):
    """Check every response as it arrives or its answers change, after the save commits: the
    checks never hold the save's transaction (SQLite's single write lock) and never fail it."""
    if update_fields is not None and "answers" not in update_fields:
        return
    from django.db import transaction

    pk = instance.pk
    transaction.on_commit(lambda: _flag_after_commit(pk))


def _flag_after_commit(pk: int) -> None:
    from khaosat.web.core.models import Response
    from khaosat.web.monitoring.services import flag_response

    try:
        response = (
            Response.objects.select_related("survey", "unit", "questionnaire").filter(pk=pk).first()
        )
        if response is not None:
            flag_response(response)
    except Exception:  # noqa: BLE001 - flags can be rebuilt by a recheck; the save must stand
        log.exception("Không kiểm tra được phiếu %s", pk)


class MonitoringConfig(AppConfig):
    name = "khaosat.web.monitoring"
    label = "monitoring"
    verbose_name = _("Giám sát thu phiếu và chất lượng")

    def ready(self):
        from django.db.models.signals import post_save

        from khaosat.web.core.models import Response
        from khaosat.web.core.nav import NavItem, register
        from khaosat.web.monitoring.services import register_jobs

        register_jobs()
        post_save.connect(_flag_on_save, sender=Response, dispatch_uid="monitoring_flag_response")
        register(NavItem("monitoring_progress", _("Tiến độ"), "survey.follow", 60))
        register(NavItem("monitoring_queue", _("Duyệt phiếu"), "responses.review", 61))
        register(NavItem("monitoring_dispositions", _("Tỷ lệ trả lời"), "results.view", 62))
        register(NavItem("monitoring_rules", _("Quy tắc kiểm tra"), "survey.manage", 63))
        register(NavItem("monitoring_audit", _("Nhật ký"), "audit.view", 90))

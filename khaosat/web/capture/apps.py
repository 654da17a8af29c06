from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaptureConfig(AppConfig):
    name = "khaosat.web.capture"
    label = "capture"

    def ready(self) -> None:
        from khaosat.web.core.nav import NavItem, register

        register(NavItem("capture_home", _("Nhập phiếu"), "responses.enter", order=30))

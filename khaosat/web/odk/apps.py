from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OdkConfig(AppConfig):
    name = "khaosat.web.odk"
    label = "odk"
    verbose_name = "ODK Collect"

    def ready(self) -> None:
        from khaosat.web.core.nav import NavItem, register

        register(NavItem("odk_devices", _("ODK Collect"), "responses.review", order=35))

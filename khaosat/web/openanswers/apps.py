from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenAnswersConfig(AppConfig):
    name = "khaosat.web.openanswers"
    label = "openanswers"
    verbose_name = _("Ý kiến trả lời mở")

    def ready(self) -> None:
        from khaosat.web.core.nav import NavItem, register
        from khaosat.web.openanswers.services import register_jobs

        register_jobs()
        register(NavItem("openanswers_home", _("Ý kiến mở"), "text.code", order=70))

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SamplingConfig(AppConfig):
    name = "khaosat.web.sampling"
    label = "sampling"

    def ready(self):
        from khaosat.web.core.nav import NavItem, register

        register(NavItem("sampling_plan", _("Chọn mẫu"), "survey.follow", order=20))

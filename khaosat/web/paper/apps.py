from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaperConfig(AppConfig):
    name = "khaosat.web.paper"
    label = "paper"
    verbose_name = _("Phiếu giấy")

    def ready(self):
        from khaosat.web.core.nav import NavItem, register
        from khaosat.web.paper import jobs  # noqa: F401  (registers the print and scan jobs)

        register(NavItem("paper_home", _("Phiếu giấy"), "responses.enter", order=35))

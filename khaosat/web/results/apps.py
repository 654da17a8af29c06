from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "khaosat.web.results"
    label = "results"

    def ready(self):
        from khaosat.web.core.nav import NavItem, register
        from khaosat.web.results import jobs  # noqa: F401  (registers the report job)

        register(NavItem("results_dashboard", _("Kết quả"), "results.view", order=60))
        register(NavItem("results_reports", _("Báo cáo"), "results.view", order=70))

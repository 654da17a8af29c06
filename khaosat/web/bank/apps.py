from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BankConfig(AppConfig):
    name = "khaosat.web.bank"
    label = "bank"
    verbose_name = _("Ngân hàng câu hỏi")

    def ready(self):
        from khaosat.web.core.nav import NavItem, register

        register(NavItem("bank", _("Ngân hàng câu hỏi"), "survey.manage", order=11))

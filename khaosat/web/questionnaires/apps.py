from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionnairesConfig(AppConfig):
    name = "khaosat.web.questionnaires"
    label = "questionnaires"

    def ready(self):
        from khaosat.web.core.nav import NavItem, register

        register(NavItem("questionnaire_list", _("Bảng hỏi"), "survey.view", order=10))

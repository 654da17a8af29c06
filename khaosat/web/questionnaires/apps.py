from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "khaosat.web.questionnaires"
    label = "questionnaires"

from django.apps import AppConfig


class PaperConfig(AppConfig):
    name = "khaosat.web.paper"
    label = "paper"

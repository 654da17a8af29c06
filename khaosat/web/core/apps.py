from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "khaosat.web.core"
    label = "core"
    verbose_name = "khaosat"

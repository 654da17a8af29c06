from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "khaosat.web.monitoring"
    label = "monitoring"

from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "khaosat.web.results"
    label = "results"

from django.apps import AppConfig


class SamplingConfig(AppConfig):
    name = "khaosat.web.sampling"
    label = "sampling"

from django.apps import AppConfig


class CaptureConfig(AppConfig):
    name = "khaosat.web.capture"
    label = "capture"

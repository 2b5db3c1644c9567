from django.apps import AppConfig


class WhistleConfig(AppConfig):
    name = "whistle"
    verbose_name = "Public intake"

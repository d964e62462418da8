from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "yikatong.notices"
    label = "notices"
    verbose_name = "逐项告知"

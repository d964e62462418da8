from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "yikatong.checks"
    label = "checks"
    verbose_name = "核查监控"

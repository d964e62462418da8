from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "yikatong.performance"
    label = "performance"
    verbose_name = "绩效双监控"

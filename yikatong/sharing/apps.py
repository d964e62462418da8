from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "yikatong.sharing"
    label = "sharing"
    verbose_name = "数据共享"

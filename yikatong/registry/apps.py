from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "yikatong.registry"
    label = "registry"
    verbose_name = "受益人登记"

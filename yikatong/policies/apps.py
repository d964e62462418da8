from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "yikatong.policies"
    label = "policies"
    verbose_name = "补贴政策清单"

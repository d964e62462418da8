from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "yikatong.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

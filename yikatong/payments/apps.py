from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "yikatong.payments"
    label = "payments"
    verbose_name = "资金发放"

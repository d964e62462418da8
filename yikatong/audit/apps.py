from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "yikatong.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yikatong.accounts.roles import Role
        from yikatong.core.menu import MenuEntry, register

        register(
            MenuEntry(_("审计日志"), "audit:events", frozenset({Role.AUDITOR, Role.ADMIN}), group=_("监督"))
        )

from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "yikatong.checks"
    label = "checks"
    verbose_name = "核查监控"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yikatong.accounts.roles import Role
        from yikatong.core.menu import MenuEntry, register

        watchers = frozenset({Role.FINANCE, Role.AUDITOR, Role.DEPT_REVIEWER, Role.ADMIN})
        group = _("核查监控")
        register(
            MenuEntry(_("事中跟踪监控"), "checks:monitor", watchers | {Role.TOWNSHIP_REVIEWER}, group=group)
        )
        register(MenuEntry(_("核查疑点"), "checks:findings", watchers, group=group))
        register(MenuEntry(_("核查批次"), "checks:runs", watchers, group=group))
        register(
            MenuEntry(
                _("事后专项核查"), "checks:posthoc", frozenset({Role.AUDITOR, Role.FINANCE}), group=group
            )
        )
        register(
            MenuEntry(_("核查规则设置"), "checks:rules", frozenset({Role.FINANCE, Role.ADMIN}), group=group)
        )

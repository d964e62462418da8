from django.apps import AppConfig


class RostersConfig(AppConfig):
    name = "yikatong.rosters"
    label = "rosters"
    verbose_name = "申报名册"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yikatong.accounts.roles import Role
        from yikatong.core.menu import MenuEntry, register

        workers = frozenset({Role.VILLAGE_CLERK, Role.TOWNSHIP_REVIEWER, Role.DEPT_REVIEWER})
        register(MenuEntry(_("我的待办"), "rosters:todo", workers, group=_("申报与审核")))
        register(
            MenuEntry(
                _("申报名册"),
                "rosters:list",
                workers | {Role.FINANCE, Role.AUDITOR, Role.ADMIN},
                group=_("申报与审核"),
            )
        )

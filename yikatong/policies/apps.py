from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "yikatong.policies"
    label = "policies"
    verbose_name = "补贴政策清单"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yikatong.accounts.roles import Role
        from yikatong.core.menu import ALL_STAFF, MenuEntry, register

        register(MenuEntry(_("补贴政策清单"), "policies:list", ALL_STAFF, group=_("政策清单")))
        register(
            MenuEntry(
                _("导入政策清单"),
                "policies:import",
                frozenset({Role.FINANCE, Role.DEPT_REVIEWER, Role.ADMIN}),
                group=_("政策清单"),
            )
        )

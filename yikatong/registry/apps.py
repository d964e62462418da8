from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "yikatong.registry"
    label = "registry"
    verbose_name = "受益人登记"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yikatong.accounts.roles import Role
        from yikatong.core.menu import ALL_STAFF, MenuEntry, register

        everyone_but_banks = ALL_STAFF - {Role.BANK_OPERATOR}
        register(
            MenuEntry(_("人员查询"), "registry:person_search", everyone_but_banks, group=_("受益人登记"))
        )
        register(
            MenuEntry(
                _("数据导入"),
                "registry:import_list",
                frozenset({Role.HRSS, Role.ADMIN, Role.VILLAGE_CLERK, Role.DEPT_REVIEWER, Role.FINANCE}),
                group=_("受益人登记"),
            )
        )
        register(MenuEntry(_("代发银行"), "registry:bank_list", ALL_STAFF, group=_("受益人登记")))
        register(
            MenuEntry(_("比对数据快照"), "registry:snapshot_list", everyone_but_banks, group=_("受益人登记"))
        )

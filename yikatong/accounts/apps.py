from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "yikatong.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yikatong.accounts.roles import Role
        from yikatong.core.menu import ALL_STAFF, MenuEntry, register

        register(
            MenuEntry(
                _("工作人员"), "accounts:staff", frozenset({Role.ADMIN, Role.AUDITOR}), group=_("基础数据")
            )
        )
        register(MenuEntry(_("API令牌"), "accounts:tokens", ALL_STAFF, group=_("数据共享")))

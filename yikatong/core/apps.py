from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yikatong.core"
    label = "core"
    verbose_name = "基础数据"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yikatong.core.menu import ALL_STAFF, MenuEntry, register

        register(MenuEntry(_("工作台"), "core:workbench", ALL_STAFF))
        register(MenuEntry(_("行政区划"), "core:regions", ALL_STAFF, group=_("基础数据")))

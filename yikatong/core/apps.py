from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yikatong.core"
    label = "core"
    verbose_name = "基础数据"

    def ready(self) -> None:
        from yikatong.core.menu import ALL_STAFF, MenuEntry, register

        register(MenuEntry("工作台", "core:workbench", ALL_STAFF))
        register(MenuEntry("行政区划", "core:regions", ALL_STAFF, group="基础数据"))

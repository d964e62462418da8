from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "yikatong.tasks"
    label = "tasks"
    verbose_name = "后台任务"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yikatong.core.menu import ALL_STAFF, MenuEntry, register

        register(MenuEntry(_("后台任务"), "tasks:list", ALL_STAFF, group=_("工作台")))

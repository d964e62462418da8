from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "yikatong.tasks"
    label = "tasks"
    verbose_name = "后台任务"

    def ready(self) -> None:
        from yikatong.core.menu import ALL_STAFF, MenuEntry, register

        register(MenuEntry("后台任务", "tasks:list", ALL_STAFF, group="工作台"))

from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "yikatong.tasks"
    label = "tasks"
    verbose_name = "后台任务"

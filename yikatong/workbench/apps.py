from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    """The staff workbench: the landing page, the menu, region pages, the admin site, template helpers.

    It sits above every app (it may import any of them; none imports it), so that ``core`` imports no app.
    """

    name = "yikatong.workbench"
    label = "workbench"
    verbose_name = "工作台"

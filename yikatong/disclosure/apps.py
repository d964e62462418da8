from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "yikatong.disclosure"
    label = "disclosure"
    verbose_name = "补贴发放公开"

    def ready(self) -> None:
        """The personal lookup's one-time codes live in their own module beside the disclosure models."""
        from yikatong.disclosure import lookup_models  # noqa: F401

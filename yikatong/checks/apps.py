from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "yikatong.checks"
    label = "checks"
    verbose_name = "核查监控"

    def ready(self) -> None:
        """The department's approval of a roster waits on the pre-payment checks (事前比对)."""
        from yikatong.checks.services import approval_gate
        from yikatong.rosters.services import approval_gate_add

        approval_gate_add(approval_gate())

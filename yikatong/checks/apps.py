from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "yikatong.checks"
    label = "checks"
    verbose_name = "核查监控"

    def ready(self) -> None:
        """The department's approval of a roster, and a disbursement plan, wait on the checks (事前比对)."""
        from yikatong.checks.services import approval_gate
        from yikatong.rosters.services import approval_gate_add

        approval_gate_add(approval_gate())

        # Disbursement plans wait on the same checks over their lines (payment history included).
        from yikatong.checks.services.plans import plan_gate
        from yikatong.payments.services import plan_gate_add

        plan_gate_add(plan_gate())

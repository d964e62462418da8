"""The demo's 绩效双监控: 高龄津贴 2026's budget and performance targets, drafted by 民政局 and approved by
finance together, adjusted once (version 2, the first stays readable), the satisfaction survey entered.

The figures are then the platform's own: 永丰村's September payments (one failed on a closed card, paid on
the second try) make the failed-payment rate miss its target, and with October's plan still waiting for
finance the budget's execution lags the curve; the dual-monitoring page warns about both.
The evaluation report opens from there and prints (HTML, PDF, Excel); 政务公开 (disclosure) may publish its
summary to the public column.
"""

from __future__ import annotations

from yikatong.accounts.models import User
from yikatong.performance import services
from yikatong.performance.models import TargetSet
from yikatong.policies.models import Policy

YEAR = 2026
POLICY = "GLJT"

# 2026 on the platform: the county's elders from September on (the platform went live then).
FIRST_BUDGET_FEN = 60_000_00
ADJUSTED_BUDGET_FEN = 6_000_00
TARGETS = {
    "persons": {"target": "20", "weight": "10"},
    "paid": {"target": "1000", "weight": "10"},
    "card_share": {"target": "95", "weight": "10"},
    "pay_days": {"target": "5", "weight": "15"},
    "disclosed_on_time": {"target": "90", "weight": "10"},
    "steps_on_time": {"target": "50", "weight": "5"},
    "failed_rate": {"target": "2", "weight": "10"},
    "complaints_on_time": {"target": "90", "weight": "10"},
    "satisfaction": {"target": "90", "weight": "20"},
}
SURVEY = "93.5"


def load_demo_performance() -> TargetSet:
    """Draft, approve, adjust and approve again 高龄津贴 2026's budget and targets; enter the survey."""
    department = User.objects.get(username="dept_civil")
    finance = User.objects.get(username="finance")
    policy = Policy.objects.get(code=POLICY)
    first = services.target_set_draft(
        user=department,
        policy=policy,
        year=YEAR,
        budget_fen=FIRST_BUDGET_FEN,
        targets=TARGETS,
        lag_margin="10",
        budget_line="塔财社〔2026〕18号",
    )
    services.target_set_submit(user=department, target_set=first)
    services.target_set_approve(user=finance, target_set=first, comment="同意，同步下达")
    adjusted = services.target_set_draft(
        user=department,
        policy=policy,
        year=YEAR,
        budget_fen=ADJUSTED_BUDGET_FEN,
        targets=TARGETS,
        lag_margin="10",
        budget_line="塔财社〔2026〕41号",
        reason="平台9月上线，全年只发放9至12月，调减预算",
    )
    services.target_set_submit(user=department, target_set=adjusted)
    approved = services.target_set_approve(user=finance, target_set=adjusted, comment="同意调整")
    services.satisfaction_record(user=department, target_set=approved, value=SURVEY)
    return approved

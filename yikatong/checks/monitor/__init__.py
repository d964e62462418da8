"""Reads for 事中跟踪监控: rosters in flight by stage and township, time limits near or passed, open findings.

Every figure is one grouped query through the model's ``restrict(user, "view")``, so a township sees only
its own villages and a department only its own policies; nothing here loops over roster lines in Python.
Disbursement plans and payments do not exist yet: the page says so instead of showing numbers.
"""

from yikatong.checks.monitor.figures import monitor_overview
from yikatong.checks.monitor.filters import period_choices, policy_choices, read_filters, townships_in_scope
from yikatong.checks.monitor.shapes import Figure, Filters, Overview, TownshipStages

__all__ = [
    "Figure",
    "Filters",
    "Overview",
    "TownshipStages",
    "monitor_overview",
    "period_choices",
    "policy_choices",
    "read_filters",
    "townships_in_scope",
]

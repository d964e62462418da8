"""Region isolation cases for the monitoring page (collected by tests/test_region_isolation.py)."""

from __future__ import annotations

from tests.support.isolation import Case, Target, url
from tests.support.world import TOWN_A

# The monitor's drill-down into township A's drafts links township A's roster; township B must not see it.
CASES: list[Case] = [
    Case(
        "checks:monitor",
        "GET",
        role,
        lambda w, r: Target(
            url("checks:monitor") + f"?period=all&township={TOWN_A}&state=draft",
            marker=url("rosters:detail", pk=r["roster"].pk),
        ),
    )
    for role in ("finance", "auditor", "dept_reviewer", "township_reviewer")
]
EXEMPT: dict[str, str] = {}

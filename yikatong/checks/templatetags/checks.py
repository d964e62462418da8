"""Template helpers of the checks: the findings panel another app's page shows (a roster's page).

Pages of lower apps load this by name (``{% load checks %}``) instead of importing the checks app, so that
rosters do not depend on the checks that judge them.
"""

from __future__ import annotations

from typing import Any

from django import template

from yikatong.checks import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def roster_findings(context: dict[str, Any], roster: Any) -> dict[str, Any]:
    """`{% roster_findings roster as panel %}`: the roster's findings the user may see, and how many block."""
    user = context["request"].user
    return {
        "findings": selectors.finding_list(user=user, filters=selectors.FindingFilters(roster=roster.pk)),
        "open_blocking": selectors.roster_open_blocking_count(user=user, roster=roster),
    }


# The audit actions a finding's history shows, in the words of the page.
FINDING_ACTIONS = {
    "checks.finding_settle": "处理疑点",
    "checks.finding_reopen": "疑点重新出现",
    "checks.finding_close": "系统关闭疑点",
}


@register.filter
def finding_action(code: str) -> str:
    """A finding history entry's action in Chinese (the code itself when it has no name yet)."""
    return FINDING_ACTIONS.get(code, code)

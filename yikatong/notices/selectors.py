"""Reads of the notices: the outbox as a user may see it (their region's notices), filtered and counted."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from yikatong.core.models import Region, RegionLevel
from yikatong.notices.domain import outbox
from yikatong.notices.models import Notification


def notification_list(*, user: Any, state: str = "", region: str = "") -> QuerySet[Notification]:
    """The notices of the user's region, of one state and one township or village if asked."""
    rows = Notification.objects.restrict(user).select_related("village")
    if state in outbox.LABELS:
        rows = rows.filter(state=state)
    if region:
        prefix = region[:9] if region.endswith("000") else region
        rows = rows.filter(village__code__startswith=prefix)
    return rows


def state_counts(*, user: Any, region: str = "") -> dict[str, int]:
    """How many of the user's notices are in each state (every state named, zero or not)."""
    rows = notification_list(user=user, region=region).order_by()
    counted = dict(rows.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return {state: int(counted.get(state, 0)) for state in outbox.LABELS}


def region_choices(user: Any) -> list[Region]:
    """The townships and villages a user may filter the notices by."""
    return list(Region.objects.restrict(user).exclude(level=RegionLevel.COUNTY).order_by("code"))

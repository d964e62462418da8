"""Reads of rosters: lists, a user's task queue (待办) ordered by deadline, and the public notices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from yikatong.core.periods import Period
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import LineState, Roster, RosterLine

# Which states wait on which role.
WAITING_ON: dict[str, tuple[str, ...]] = {
    "village_clerk": (workflow.DRAFT, workflow.RETURNED, workflow.PUBLICIZING),
    "township_reviewer": (workflow.PUBLICIZED,),
    "dept_reviewer": (workflow.TOWNSHIP_REVIEWED,),
}


def roster_list(*, user: Any) -> QuerySet[Roster]:
    """Rosters the user may see, newest first, with their line counts."""
    return (
        Roster.objects.restrict(user, "view")
        .select_related("policy", "policy_version", "village")
        .annotate(line_count=Count("lines"))
        .order_by("-created_at")
    )


@dataclass(frozen=True)
class TodoItem:
    """One roster waiting on the user, with how its deadline stands."""

    roster: Roster
    overdue: bool


def todo(*, user: Any) -> list[TodoItem]:
    """The rosters waiting on the user's role, earliest deadline first, overdue ones marked."""
    states = WAITING_ON.get(getattr(user, "role", ""), ())
    if not states:
        return []
    now = timezone.now()
    rosters = roster_list(user=user).filter(state__in=states).order_by("deadline", "created_at")
    return [TodoItem(r, r.deadline is not None and r.deadline < now) for r in rosters]


def public_notices() -> QuerySet[Roster]:
    """Rosters in public notice now: anyone may read them (masked) and object."""
    return (
        Roster.objects.filter(state=workflow.PUBLICIZING)
        .filter(Q(publicity_end__gt=timezone.now()) | Q(publicity_end__isnull=True))
        .select_related("policy_version", "village__parent")
        .order_by("publicity_end")
    )


def prefill_nothing_reason(roster: Roster) -> str:
    """Why rolling last period's roster over gave no line: no approved lines then, or none still due."""
    previous = str(Period.parse(roster.period).previous())
    approved = RosterLine.objects.filter(
        policy_id=roster.policy_id,
        period=previous,
        state=LineState.APPROVED,
        roster__village_id=roster.village_id,
    ).count()
    if approved == 0:
        return f"上期（{previous}）本村没有该项目已审批的名册行，无可预填；请逐人添加或上传名册文件"
    return f"上期（{previous}）已审批的{approved}人均已登记死亡或已迁出本村，未预填；请核实后逐人添加"

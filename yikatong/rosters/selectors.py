"""Reads of rosters: lists, a user's task queue (待办) ordered by deadline, and the public notices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
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


# Lines no longer in a roster's declaration: upheld objections, the township's rejections, withdrawals.
LINES_OUT = (LineState.REMOVED, LineState.REJECTED, LineState.WITHDRAWN)


def roster_list(*, user: Any) -> QuerySet[Roster]:
    """Rosters the user may see, newest first, with how many people they declare and for how much."""
    declared = ~Q(lines__state__in=LINES_OUT)
    return (
        Roster.objects.restrict(user, "view")
        .select_related("policy", "policy_version", "village")
        .annotate(
            line_count=Count("lines", filter=declared),
            amount_fen=Coalesce(Sum("lines__amount_fen", filter=declared), 0),
        )
        .order_by("-created_at")
    )


def roster_totals(roster: Roster) -> dict[str, int]:
    """How many people the roster still declares and for how much (fen), as the roster list counts them."""
    totals = roster.lines.exclude(state__in=LINES_OUT).aggregate(
        lines=Count("pk"), amount_fen=Coalesce(Sum("amount_fen"), 0)
    )
    return {key: int(value or 0) for key, value in totals.items()}


@dataclass(frozen=True)
class TodoItem:
    """One roster waiting on the user, with how its deadline stands, and what in it waits: the whole
    roster's step, or lines (sent back by a confirmed finding, or corrected and awaiting approval)."""

    roster: Roster
    overdue: bool
    task: str = ""
    lines: tuple[RosterLine, ...] = ()


# Lines that wait on a role whatever the roster's own state: returned ones on the village, corrected ones
# of an approved roster on the department.
LINES_WAITING_ON: dict[str, tuple[str, tuple[str, ...], str]] = {
    "village_clerk": (
        LineState.RETURNED,
        (workflow.PUBLICIZED, workflow.TOWNSHIP_REVIEWED, workflow.APPROVED),
        "核查退回的行：更正或撤回",
    ),
    "dept_reviewer": (LineState.ACCEPTED, (workflow.APPROVED,), "更正后重新报送的行：复核审批"),
}


def todo(*, user: Any) -> list[TodoItem]:
    """The rosters waiting on the user's role, earliest deadline first, overdue ones marked; then the
    rosters with lines waiting on the user."""
    role = getattr(user, "role", "")
    states = WAITING_ON.get(role, ())
    now = timezone.now()
    items = []
    if states:
        rosters = roster_list(user=user).filter(state__in=states).order_by("deadline", "created_at")
        items = [
            TodoItem(r, r.deadline is not None and r.deadline < now, workflow.AWAITED[r.state][0])
            for r in rosters
        ]
    if role in LINES_WAITING_ON:
        line_state, roster_states, task = LINES_WAITING_ON[role]
        waiting = (
            RosterLine.objects.restrict(user, "view")
            .filter(state=line_state, roster__state__in=roster_states)
            .select_related("person", "roster__policy_version", "roster__village", "roster__policy")
            .order_by("roster_id", "line_no")
        )
        by_roster: dict[int, list[RosterLine]] = {}
        for line in waiting[:500]:
            by_roster.setdefault(line.roster_id, []).append(line)
        items += [TodoItem(lines[0].roster, False, task, tuple(lines)) for lines in by_roster.values()]
    return items


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

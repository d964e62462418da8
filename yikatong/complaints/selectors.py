"""Complaint reads: the staff's lists (restricted by region and department), who may see the complainant,
what is overdue, the monitoring page's figures, what the complainant's status page shows, and the open
complaints one ID number filed (for the personal lookup)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from yikatong.accounts.permissions import allowed
from yikatong.accounts.roles import Role
from yikatong.complaints.domain import rules
from yikatong.complaints.models import Attachment, Complaint, ComplaintEvent
from yikatong.core.masking import mask_id_number, mask_name, mask_phone
from yikatong.core.models import Region


def complaints_visible(user: Any) -> QuerySet[Complaint]:
    """The complaints the user may see: their region's subtree, a department only its own."""
    return Complaint.objects.restrict(user, "view").select_related("policy", "region", "department")


def open_overdue(complaints: QuerySet[Complaint], today: dt.date | None = None) -> QuerySet[Complaint]:
    """Those still open past their deadline."""
    return complaints.filter(state__in=rules.OPEN_STATES, due_on__lt=today or timezone.localdate())


def handled_by(user: Any) -> QuerySet[Complaint]:
    """The open complaints waiting on the user's department (their 待办)."""
    if user is None or not allowed(user, "complaint.handle"):
        return Complaint.objects.none()
    return complaints_visible(user).filter(department_id=user.department_id, state__in=rules.OPEN_STATES)


@dataclass(frozen=True)
class Todo:
    """The handler's figures: open complaints of their department and how many are overdue."""

    open: int
    overdue: int


def todo_for(user: Any, today: dt.date | None = None) -> Todo:
    """How many complaints wait on the user's department, and how many of them are overdue (one query)."""
    day = today or timezone.localdate()
    counts = (
        handled_by(user).order_by().aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=day)))
    )
    return Todo(counts["open"], counts["overdue"])


def identity_visible(user: Any, complaint: Complaint) -> bool:
    """Whether the user sees who filed it: the handling department and auditors, nobody else."""
    if user is None:
        return True
    if not allowed(user, "complaint.identity"):
        return False
    return user.role == Role.AUDITOR or user.department_id == complaint.department_id


@dataclass(frozen=True)
class Identity:
    """The complainant as one reader may see them."""

    anonymous: bool
    name: str
    phone: str
    id_number: str
    clear: bool


def identity_for(user: Any, complaint: Complaint) -> Identity:
    """The complainant in clear for the handling department and auditors, masked for everyone else."""
    clear = identity_visible(user, complaint)
    if complaint.anonymous:
        return Identity(True, "", "", "", clear)
    if clear:
        return Identity(
            False, complaint.contact_name, complaint.contact_phone, complaint.contact_id_number, True
        )
    return Identity(
        False,
        mask_name(complaint.contact_name),
        mask_phone(complaint.contact_phone),
        mask_id_number(complaint.contact_id_number) if complaint.contact_id_number else "",
        False,
    )


def about_person_for(user: Any, complaint: Complaint) -> str:
    """The person complained about, in clear for those who see the complainant, masked for others."""
    if not complaint.about_person:
        return ""
    return complaint.about_person if identity_visible(user, complaint) else mask_name(complaint.about_person)


def trail_for(user: Any, complaint: Complaint) -> list[ComplaintEvent]:
    """The whole trail of a complaint (the department's internal notes included) for the staff."""
    return list(
        ComplaintEvent.objects.filter(complaint=complaint)
        .select_related("actor", "department", "from_department")
        .prefetch_related("attachments")
    )


def attachments_visible(user: Any) -> QuerySet[Attachment]:
    """The attachments of the complaints the user may see (served only to handlers and auditors)."""
    return Attachment.objects.restrict(user, "view").select_related("complaint")


# --- the monitoring page ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count_:
    """One row of a breakdown."""

    key: str
    label: str
    total: int
    open: int
    overdue: int


@dataclass(frozen=True)
class Statistics:
    """The complaints of the monitoring page: totals, the overdue ones, breakdowns."""

    total: int
    open: int
    overdue: int
    by_policy: list[Count_]
    by_township: list[Count_]
    by_kind: list[Count_]
    by_result: list[Count_]
    overdue_rows: list[Complaint]


def _breakdown(complaints: QuerySet[Complaint], *keys: str, today: dt.date) -> list[dict[str, Any]]:
    return list(
        complaints.order_by()
        .values(*keys)
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(state__in=rules.OPEN_STATES)),
            overdue=Count("pk", filter=Q(state__in=rules.OPEN_STATES, due_on__lt=today)),
        )
        .order_by(*keys)
    )


def _row(key: str, label: str, row: dict[str, Any]) -> Count_:
    return Count_(key, label, row["total"], row["open"], row["overdue"])


def statistics(
    *, user: Any, policy_code: str = "", township: str = "", today: dt.date | None = None, limit: int = 20
) -> Statistics:
    """The complaints the user may see, counted by policy, township, kind and result."""
    day = today or timezone.localdate()
    complaints = complaints_visible(user)
    if policy_code:
        complaints = complaints.filter(policy__code=policy_code)
    if township:
        complaints = complaints.filter(region__code__startswith=township[:9])
    totals = complaints.order_by().aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(state__in=rules.OPEN_STATES)),
        overdue=Count("pk", filter=Q(state__in=rules.OPEN_STATES, due_on__lt=day)),
    )
    by_policy = [
        _row(row["policy__code"] or "", row["policy_name"] or gettext("未涉及具体项目"), row)
        for row in _breakdown(complaints, "policy__code", "policy_name", today=day)
    ]
    townships: dict[str, list[int]] = {}
    for row in _breakdown(complaints, "region_id", today=day):
        code = str(row["region_id"])
        # A village counts for its township; the county (a complaint about a policy only) for itself.
        key = code[:9] + "000" if code[6:9] != "000" else code
        counts = townships.setdefault(key, [0, 0, 0])
        for i, name in enumerate(("total", "open", "overdue")):
            counts[i] += row[name]
    names = dict(Region.objects.filter(code__in=townships).values_list("code", "name"))
    by_township = [Count_(code, names.get(code, code), *counts) for code, counts in sorted(townships.items())]
    by_kind = [
        _row(row["kind"], gettext(rules.KIND_LABELS.get(row["kind"], row["kind"])), row)
        for row in _breakdown(complaints, "kind", today=day)
    ]
    by_result = [
        _row(
            row["result"],
            gettext(rules.RESULT_LABELS[row["result"]]) if row["result"] else gettext("尚未办结"),
            row,
        )
        for row in _breakdown(complaints, "result", today=day)
    ]
    overdue_rows = list(open_overdue(complaints, day).order_by("due_on", "pk")[:limit])
    return Statistics(
        totals["total"],
        totals["open"],
        totals["overdue"],
        by_policy,
        by_township,
        by_kind,
        by_result,
        overdue_rows,
    )


# --- the complainant's status page -----------------------------------------------------------------------


@dataclass(frozen=True)
class PublicStep:
    """One step of the trail as the complainant sees it."""

    label: str
    at: dt.datetime
    text: str
    by_complainant: bool


@dataclass(frozen=True)
class PublicStatus:
    """What the number and the secret show: no complainant details, no internal notes, no staff names."""

    number: str
    kind: str
    state: str
    state_label: str
    topic: str
    filed_at: dt.datetime
    due_on: dt.date
    department: str
    result: str
    action_taken: str
    steps: list[PublicStep]
    asks_for_info: bool


def topic_of(complaint: Complaint) -> str:
    """What the complaint is about, in words: the policy and the place (no person)."""
    parts = []
    if complaint.policy_name:
        parts.append(complaint.policy_name)
    if complaint.region is not None:
        parts.append(complaint.region.name)
    return " · ".join(parts)


def public_status(complaint: Complaint) -> PublicStatus:
    """The status page of a proved complainant."""
    events = ComplaintEvent.objects.filter(complaint=complaint, kind__in=rules.PUBLIC_EVENTS).order_by(
        "at", "pk"
    )
    steps = [
        PublicStep(
            gettext(rules.EVENT_LABELS[e.kind]), e.at, e.text, e.kind in (rules.FILED, rules.INFO_ADDED)
        )
        for e in events
    ]
    return PublicStatus(
        number=complaint.number,
        kind=gettext(rules.KIND_LABELS[complaint.kind]),
        state=complaint.state,
        state_label=gettext(rules.STATE_LABELS[complaint.state]),
        topic=topic_of(complaint),
        filed_at=complaint.filed_at,
        due_on=complaint.due_on,
        department=complaint.department.name if complaint.department else "",
        result=gettext(rules.RESULT_LABELS[complaint.result]) if complaint.result else "",
        action_taken=complaint.action_taken,
        steps=steps,
        asks_for_info=complaint.state == rules.INFO_REQUESTED,
    )


# --- the personal lookup ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FiledOpen:
    """One open complaint a person filed (number, topic, filed on, state, deadline)."""

    number: str
    topic: str
    filed_on: dt.date
    state: str
    due_on: dt.date


def complaints_filed_by(id_number_blind_index: str) -> list[FiledOpen]:
    """The open complaints filed under an ID number's blind index (the registry's), newest first."""
    if not id_number_blind_index:
        return []
    rows = (
        Complaint.objects.filter(contact_id_bidx=id_number_blind_index, state__in=rules.OPEN_STATES)
        .select_related("policy", "region")
        .order_by("-filed_at", "-pk")
    )
    return [
        FiledOpen(
            c.number,
            topic_of(c),
            timezone.localdate(c.filed_at),
            gettext(rules.STATE_LABELS[c.state]),
            c.due_on,
        )
        for c in rows
    ]

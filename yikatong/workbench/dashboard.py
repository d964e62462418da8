"""The workbench's tiles: the signed-in user's work in figures (what waits, what is open, what is in hand)
and their recent items. The menu navigates; a tile never just repeats a menu entry: it counts something,
and its link opens the list that figure was counted from.

Each tile is shown to the roles that may take its action (the permission table) and counts rows the way
the list it links to restricts them (``restrict()``), in one aggregate query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yikatong.accounts.models import User
from yikatong.accounts.permissions import allowed
from yikatong.audit.models import AuditEvent
from yikatong.checks.models import Finding, FindingState
from yikatong.complaints.selectors import todo_for
from yikatong.policies.models import Policy, PolicyVersion, VersionStatus
from yikatong.registry.models import CardStatus, Person, SocialSecurityCard
from yikatong.registry.selectors import import_batches_visible
from yikatong.rosters import selectors as rosters
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import Roster
from yikatong.tasks.models import TaskRun, TaskStatus
from yikatong.tasks.selectors import task_runs_visible


@dataclass(frozen=True)
class Tile:
    """One figure of the user's work: what it counts, the figure, a note, and the list it was counted from."""

    key: str
    label: str
    value: int
    url: str
    note: str = ""
    alert: bool = False


def _todo(user: Any) -> Tile:
    items = rosters.todo(user=user)
    overdue = sum(1 for item in items if item.overdue)
    note = _("其中已超期 %(n)s 项") % {"n": overdue} if overdue else _("均未超期")
    return Tile("todo", _("待我办理"), len(items), reverse("rosters:todo"), note, alert=overdue > 0)


def _complaints(user: Any) -> Tile:
    todo = todo_for(user)
    note = _("其中已超期 %(n)s 件") % {"n": todo.overdue} if todo.overdue else _("均未超期")
    url = reverse("complaints:list") + "?show=mine"
    return Tile("complaints", _("待办投诉举报"), todo.open, url, note, alert=todo.overdue > 0)


def _rosters(user: Any) -> Tile:
    counts = (
        Roster.objects.restrict(user, "view")
        .order_by()
        .aggregate(
            open=Count("pk", filter=~Q(state=workflow.APPROVED)),
            publicizing=Count("pk", filter=Q(state=workflow.PUBLICIZING)),
            returned=Count("pk", filter=Q(state=workflow.RETURNED)),
        )
    )
    note = _("公示中 %(p)s 份，退回修改 %(r)s 份") % {"p": counts["publicizing"], "r": counts["returned"]}
    return Tile("rosters", _("在办名册"), counts["open"], reverse("rosters:list"), note)


def _findings(user: Any) -> Tile:
    counts = (
        Finding.objects.restrict(user, "view")
        .filter(state=FindingState.OPEN)
        .order_by()
        .aggregate(open=Count("pk"), blocking=Count("pk", filter=Q(blocking=True)))
    )
    url = reverse("checks:findings") + f"?state={FindingState.OPEN}"
    note = _("其中阻断性 %(n)s 条") % {"n": counts["blocking"]}
    return Tile("findings", _("待处理疑点"), counts["open"], url, note, alert=counts["blocking"] > 0)


def _policies(user: Any) -> Tile:
    versions = PolicyVersion.objects.filter(policy__in=_policies_of(user)).order_by()
    counts = versions.aggregate(
        submitted=Count("pk", filter=Q(status=VersionStatus.SUBMITTED)),
        drafts=Count("pk", filter=Q(status=VersionStatus.DRAFT)),
    )
    url = reverse("policies:list")
    if allowed(user, "policy.publish"):
        note = _("另有草稿 %(n)s 份") % {"n": counts["drafts"]}
        return Tile("policies", _("待审核政策版本"), counts["submitted"], url, note)
    note = _("已提交财政局待审核 %(n)s 份") % {"n": counts["submitted"]}
    return Tile("policies", _("政策草稿"), counts["drafts"], url, note)


def _policies_of(user: Any) -> QuerySet[Policy]:
    # Finance reviews every department's versions; a department (or the administrator) drafts its own.
    return Policy.objects.restrict(user, "view" if allowed(user, "policy.publish") else "change")


def _persons(user: Any) -> Tile:
    active = SocialSecurityCard.objects.filter(person=OuterRef("pk"), status=CardStatus.ACTIVE)
    counts = (
        Person.objects.restrict(user, "view")
        .order_by()
        .aggregate(total=Count("pk"), no_card=Count("pk", filter=~Q(Exists(active))))
    )
    note = _("其中无正常社保卡 %(n)s 人") % {"n": counts["no_card"]}
    url = reverse("registry:person_search")
    return Tile("persons", _("辖区受益人"), counts["total"], url, note, alert=counts["no_card"] > 0)


def _tasks(user: Any) -> Tile:
    counts = (
        task_runs_visible(user=user)
        .order_by()
        .aggregate(
            running=Count("pk", filter=Q(status__in=[TaskStatus.QUEUED, TaskStatus.RUNNING])),
            failed=Count("pk", filter=Q(status=TaskStatus.FAILED)),
        )
    )
    note = _("失败 %(n)s 个") % {"n": counts["failed"]}
    return Tile("tasks", _("进行中的后台任务"), counts["running"], reverse("tasks:list"), note)


def _audit(user: Any) -> Tile:
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    events = AuditEvent.objects.restrict(user, "view").filter(occurred_at__gte=start).order_by()
    counts = events.aggregate(total=Count("pk"), failed=Count("pk", filter=Q(action="login.failed")))
    url = reverse("audit:events") + f"?date_from={today.isoformat()}"
    note = _("其中登录失败 %(n)s 次") % {"n": counts["failed"]}
    return Tile("audit", _("今日审计事件"), counts["total"], url, note)


def _staff(user: Any) -> Tile:
    counts = (
        User.objects.restrict(user, "view")
        .order_by()
        .aggregate(
            total=Count("pk", filter=Q(is_active=True)), inactive=Count("pk", filter=Q(is_active=False))
        )
    )
    note = _("停用 %(n)s 个") % {"n": counts["inactive"]}
    return Tile("staff", _("在用账号"), counts["total"], reverse("accounts:staff"), note)


# Each tile, and the action a user must be allowed to see it (and the list it links to).
TILES = (
    ("roster.todo", _todo),
    ("complaint.handle", _complaints),
    ("roster.view", _rosters),
    ("finding.view", _findings),
    ("policy.draft", _policies),
    ("person.search", _persons),
    ("task.view", _tasks),
    ("auditlog.view", _audit),
    ("staff.view", _staff),
)


def tiles_for(user: Any) -> list[Tile]:
    """The user's tiles, in the order of the work: what waits on them first."""
    return [tile(user) for code, tile in TILES if allowed(user, code)]


def recent_for(user: Any) -> dict[str, Any]:
    """The user's recent items: rosters of their area, their imports and their background tasks."""
    recent: dict[str, Any] = {}
    if allowed(user, "roster.view"):
        recent["rosters"] = list(
            Roster.objects.restrict(user, "view")
            .select_related("policy_version", "village")
            .order_by("-created_at", "-pk")[:5]
        )
    if allowed(user, "import.view"):
        batches = import_batches_visible(user=user).select_related("created_by")
        recent["imports"] = list(batches.order_by("-created_at", "-pk")[:3])
    if allowed(user, "task.view"):
        runs = TaskRun.objects.restrict(user, "view").filter(created_by_id=user.pk)
        recent["tasks"] = list(runs.order_by("-created_at")[:5])
    return recent

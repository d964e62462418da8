"""Reads of the data-sharing API: the change feed, the pulls by cursor, the tokens and the status page.

Every read is restricted through ``restrict`` (region subtree, and the department's own policies for a
department-scoped role) as the screens are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, Max, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from yikatong.accounts.models import ApiToken
from yikatong.audit.models import AuditChainHead, AuditEvent
from yikatong.checks.models import CheckRun, Finding
from yikatong.core.models import Region
from yikatong.disclosure.models import Disclosure
from yikatong.payments.models import DisbursementPlan, Payment, PaymentBatch, PlanLine
from yikatong.policies.models import Policy
from yikatong.registry.models import ImportBatch, RegistrySnapshot
from yikatong.rosters.models import Roster, RosterLine
from yikatong.sharing.domain import feed, freshness
from yikatong.sharing.models import SharingUse

MAX_LIMIT = 500


def clamp(limit: int) -> int:
    """A page's size: 1 to MAX_LIMIT."""
    return min(max(limit, 1), MAX_LIMIT)


# --- the change feed ---------------------------------------------------------------------------------

# For a department-scoped role (主管部门), an event is shown only when its object is one of the
# department's: the objects each audited model's events name, as the user may see them.
_VISIBLE: dict[str, Callable[[Any], QuerySet[Any]]] = {
    "rosters.roster": lambda user: Roster.objects.restrict(user),
    "rosters.rosterline": lambda user: RosterLine.objects.filter(roster__in=Roster.objects.restrict(user)),
    "payments.disbursementplan": lambda user: DisbursementPlan.objects.restrict(user),
    "payments.paymentbatch": lambda user: PaymentBatch.objects.filter(
        plan__in=DisbursementPlan.objects.restrict(user)
    ),
    "payments.planline": lambda user: PlanLine.objects.restrict(user),
    "checks.finding": lambda user: Finding.objects.restrict(user),
    "checks.checkrun": lambda user: CheckRun.objects.restrict(user),
    "registry.importbatch": lambda user: ImportBatch.objects.restrict(user).filter(created_by=user),
    "policies.policy": lambda user: Policy.objects.filter(department_id=user.department_id),
    "disclosure.disclosure": lambda user: Disclosure.objects.restrict(user).filter(
        policy__department_id=user.department_id
    ),
}


def _department_filter(user: Any) -> Q:
    condition = Q(pk__in=[])
    for label, visible in _VISIBLE.items():
        ids = visible(user).annotate(text_id=Cast("pk", CharField())).values("text_id")
        condition |= Q(object_type=label, object_id__in=ids)
    return condition


@dataclass(frozen=True)
class ChangePage:
    """A page of the feed and the cursor to ask with next (never lower than the one asked with)."""

    changes: list[AuditEvent]
    next_cursor: int
    more: bool


def changes(*, user: Any, since: int, kinds: list[str], limit: int) -> ChangePage:
    """The changes after ``since``, oldest first, of the kinds asked for, that the user may see.

    The feed is the audit log: every write appends its event under the chain head's row lock, held to its
    commit, so events become visible in the order of their numbers and none can appear later below a
    number already read. The head is read first: every event up to it is committed, so a page that ends
    short of the limit may move the cursor up to the head without skipping one (docs/sharing.md).
    """
    head = AuditChainHead.objects.filter(pk=1).values_list("last_seq", flat=True).first() or 0
    prefixes = Q(pk__in=[])
    for kind in kinds:
        for prefix in feed.KINDS[kind]:
            prefixes |= Q(action__startswith=prefix)
    found = AuditEvent.objects.restrict(user, "view").filter(prefixes, seq__gt=since, seq__lte=head)
    if getattr(user, "department_scoped", False):
        found = found.filter(_department_filter(user))
    rows = list(found.order_by("seq")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = rows[-1].seq if more else max(since, head)
    return ChangePage(changes=rows, next_cursor=next_cursor, more=more)


# --- pulls by cursor ---------------------------------------------------------------------------------


def payments(*, user: Any, policy: str = "", period: str = "", status: str = "") -> QuerySet[Payment]:
    """Payment results of the plans the user may see (a department: its own policies'), by id."""
    found = Payment.objects.filter(line__in=PlanLine.objects.restrict(user, "view")).select_related(
        "line", "line__plan", "line__plan__policy"
    )
    if policy:
        found = found.filter(line__plan__policy__code=policy)
    if period:
        found = found.filter(line__plan__period=period)
    if status:
        found = found.filter(status=status)
    return found.order_by("id")


def disclosures(*, user: Any, policy: str = "", period: str = "") -> QuerySet[Disclosure]:
    """Disclosure status of the policies the user may see (a department: its own), by id."""
    found = Disclosure.objects.restrict(user, "view").select_related("policy")
    if getattr(user, "department_scoped", False):
        found = found.filter(policy__department_id=user.department_id)
    if policy:
        found = found.filter(policy__code=policy)
    if period:
        found = found.filter(period=period)
    return found.order_by("id")


# --- tokens and status -------------------------------------------------------------------------------


def department_tokens(*, user: Any) -> QuerySet[ApiToken]:
    """Departments' tokens in the admin's region subtree, newest first."""
    return (
        ApiToken.objects.filter(department__isnull=False, region__code__startswith=user.region_prefix)
        .select_related("department", "region", "user", "created_by")
        .order_by("-created_at")
    )


def uses(*, user: Any) -> QuerySet[SharingUse]:
    """Each department's last call of each operation, in the user's region subtree."""
    return SharingUse.objects.restrict(user, "view").select_related("department", "region", "last_token")


@dataclass(frozen=True)
class RegistryState:
    """One registry's freshness and its latest snapshot."""

    kind: str
    label: str
    fresh: freshness.Freshness
    snapshot: RegistrySnapshot | None


def registry_states(*, today: dt.date) -> list[RegistryState]:
    """Whether each registry the checks compare against was refreshed in its period (deaths monthly…)."""
    from yikatong.registry.models import RegistryKind

    latest = {
        row["kind"]: row["last"]
        for row in RegistrySnapshot.objects.values("kind").annotate(last=Max("uploaded_at"))
    }
    states = []
    for kind in freshness.CADENCE:
        last = latest.get(kind)
        snapshot = (
            RegistrySnapshot.objects.filter(kind=kind, uploaded_at=last).first() if last is not None else None
        )
        uploaded = timezone.localdate(last) if last is not None else None
        states.append(
            RegistryState(
                kind=kind,
                label=str(RegistryKind(kind).label),
                fresh=freshness.freshness(kind, last_uploaded=uploaded, today=today),
                snapshot=snapshot,
            )
        )
    return states


def region_name(code: str) -> str:
    """A region's name."""
    return Region.objects.filter(code=code).values_list("name", flat=True).first() or code

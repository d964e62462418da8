"""Staff reads of the disclosure: what is due (the queue, computed from the payments), the preview of a
disclosure before it is approved, and the published revisions.

What is due is never stored: it is what the paid payments say minus what the current revisions show. Per
policy, period and village, the *target* is every paid payment not withdrawn after a finding; the *shown*
lines are the current revision's lines not withdrawn. A payment in the target and not shown is to be added
(first publication, a supplementary plan, a re-issue after a return); a shown line out of the target is to
be withdrawn (the payment came back, or a finding confirmed it wrong). Either makes the group due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from yikatong.core import workdays
from yikatong.core.models import Region
from yikatong.core.tables import read_frame
from yikatong.disclosure.domain import clock
from yikatong.disclosure.models import DisclosedLine, Disclosure, DisclosureState, Withdrawal
from yikatong.policies.models import PolicyVersion

FIRST = "first"
CORRECTION = "correction"

# Paid payments of the region that are to be shown (a withdrawal after a finding takes one out).
TARGET_SQL = (
    "SELECT pay.id AS payment_id, pay.line_id AS plan_line_id, dp.policy_id, dp.period, pl.village_id, "
    "pay.amount_fen, pay.settled_on, pay.updated_at "
    "FROM payments_payment pay JOIN payments_planline pl ON pl.id = pay.line_id "
    "JOIN payments_disbursementplan dp ON dp.id = pl.plan_id "
    "WHERE pay.status = 'paid' AND pl.village_id LIKE %s "
    "AND NOT EXISTS (SELECT 1 FROM disclosure_withdrawal w WHERE w.payment_id = pay.id)"
)
# The current revisions' lines still shown (not withdrawn).
SHOWN_SQL = (
    "SELECT dl.payment_id, d.policy_id, d.period, d.village_id, d.id AS disclosure_id "
    "FROM disclosure_disclosedline dl JOIN disclosure_disclosure d ON d.id = dl.disclosure_id "
    "WHERE d.state = 'published' AND NOT dl.withdrawn AND d.village_id LIKE %s"
)


def local_date(value: Any) -> dt.date | None:
    """A date, or the local date of a timestamp, from what either database gives back."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    stamp = parse_datetime(text.replace(" ", "T", 1)) if len(text) > 10 else None
    if stamp is not None:
        if timezone.is_naive(stamp):
            stamp = timezone.make_aware(stamp, dt.UTC)
        return timezone.localtime(stamp).date()
    return parse_date(text[:10])


def region_like(prefix: str) -> str:
    """The LIKE pattern of a region prefix (region codes are digits, nothing to escape)."""
    return f"{prefix}%"


@dataclass(frozen=True)
class Due:
    """One disclosure that is due: a policy's payments in one village for one period, with its clock."""

    policy_id: int
    policy_code: str
    policy_name: str
    period: str
    village_code: str
    village_name: str
    township_name: str
    kind: str  # FIRST or CORRECTION
    revision: int  # the revision approval will publish
    added: int
    withdrawn: int
    clock_started_on: dt.date
    due_on: dt.date
    days_left: int

    @property
    def late(self) -> bool:
        """Past its due date and still not published."""
        return self.days_left < 0

    @property
    def days_late(self) -> int:
        """Working days past the due date (0 while on time)."""
        return max(0, -self.days_left)

    @property
    def key(self) -> str:
        """The group's address in URLs: policy id, period and village code."""
        return f"{self.policy_id}-{self.period}-{self.village_code}"


def policy_names(policy_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """Each policy's code and the name of its latest version."""
    names: dict[int, tuple[str, str]] = {}
    rows = (
        PolicyVersion.objects.filter(policy_id__in=list(policy_ids))
        .order_by("policy_id", "number")
        .values_list("policy_id", "policy__code", "name")
    )
    for policy_id, code, name in rows:
        names[policy_id] = (code, name)
    return names


def region_names(codes: Sequence[str]) -> dict[str, str]:
    """Region names by code (villages and their townships)."""
    return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))


def township_code(village_code: str) -> str:
    """The township of a village, from the code."""
    return village_code[:9] + "000"


def _changes(prefix: str, policy_id: int | None = None, period: str = "", village: str = "") -> pl.DataFrame:
    """Per group, the payments to add and the lines to withdraw, and when the earliest change happened."""
    like = region_like(village or prefix)
    narrow_t = narrow_s = ""
    params: list[Any] = []
    if policy_id is not None:
        narrow_t, narrow_s = (
            " AND t.policy_id = %s AND t.period = %s",
            " AND s.policy_id = %s AND s.period = %s",
        )
        params = [policy_id, period]
    sql = (
        f"WITH target AS ({TARGET_SQL}), shown AS ({SHOWN_SQL}) "  # noqa: S608 - identifiers are the module's own; values are parameters
        "SELECT t.policy_id, t.period, t.village_id, 'add' AS change, COUNT(*) AS n, "
        "MIN(t.settled_on) AS first_day, MIN(t.updated_at) AS first_at FROM target t "
        "WHERE NOT EXISTS (SELECT 1 FROM shown s WHERE s.payment_id = t.payment_id)"
        f"{narrow_t} "
        "GROUP BY t.policy_id, t.period, t.village_id "
        "UNION ALL "
        "SELECT s.policy_id, s.period, s.village_id, 'withdraw' AS change, COUNT(*) AS n, "
        "NULL AS first_day, MIN(COALESCE(w.requested_at, pay.updated_at)) AS first_at FROM shown s "
        "JOIN payments_payment pay ON pay.id = s.payment_id "
        "LEFT JOIN disclosure_withdrawal w ON w.payment_id = s.payment_id "
        "WHERE NOT EXISTS (SELECT 1 FROM target t WHERE t.payment_id = s.payment_id)"
        f"{narrow_s} "
        "GROUP BY s.policy_id, s.period, s.village_id"
    )
    return read_frame(
        sql,
        [like, like, *params, *params],
        schema={"policy_id": pl.Int64, "n": pl.Int64, "period": pl.String, "village_id": pl.String},
    )


def due_list(
    prefix: str,
    *,
    today: dt.date | None = None,
    policy_id: int | None = None,
    period: str = "",
    village: str = "",
) -> list[Due]:
    """What is due for disclosure in a region (by its code prefix), the late first, then by due date."""
    today = today or timezone.localdate()
    frame = _changes(prefix, policy_id, period, village)
    if not frame.height:
        return []
    groups: dict[tuple[int, str, str], dict[str, Any]] = {}
    for row in frame.iter_rows(named=True):
        key = (int(row["policy_id"]), str(row["period"]), str(row["village_id"]))
        group = groups.setdefault(key, {"add": 0, "withdraw": 0, "started": None})
        group[row["change"]] += int(row["n"])
        started = local_date(row["first_day"]) or local_date(row["first_at"])
        if started is not None and (group["started"] is None or started < group["started"]):
            group["started"] = started
    current = {
        (d["policy_id"], d["period"], d["village_id"]): d["revision"]
        for d in Disclosure.objects.filter(
            state=DisclosureState.PUBLISHED, village__code__startswith=village or prefix
        ).values("policy_id", "period", "village_id", "revision")
    }
    policies = policy_names([key[0] for key in groups])
    villages = {key[2] for key in groups}
    regions = region_names([*villages, *(township_code(v) for v in villages)])
    out = []
    for (pid, per, vil), group in groups.items():
        started = group["started"] or today
        due = clock.due_on(started, workdays.add_working_days)
        revision = current.get((pid, per, vil), 0) + 1
        code, name = policies.get(pid, ("", ""))
        out.append(
            Due(
                policy_id=pid,
                policy_code=code,
                policy_name=name,
                period=per,
                village_code=vil,
                village_name=regions.get(vil, vil),
                township_name=regions.get(township_code(vil), ""),
                kind=FIRST if revision == 1 else CORRECTION,
                revision=revision,
                added=group["add"],
                withdrawn=group["withdraw"],
                clock_started_on=started,
                due_on=due,
                days_left=clock.days_left(today, due, workdays.working_days_between),
            )
        )
    out.sort(key=lambda d: (d.due_on, d.village_code, d.policy_code, d.period))
    return out


def due_one(
    prefix: str, policy_id: int, period: str, village: str, today: dt.date | None = None
) -> Due | None:
    """The one group of the queue (None when nothing of it is due, or it is outside the region)."""
    if not village.startswith(prefix):
        return None
    found = due_list(prefix, today=today, policy_id=policy_id, period=period, village=village)
    return found[0] if found else None


@dataclass(frozen=True)
class PreviewLine:
    """One line as the public will see it once the disclosure is approved."""

    payment_id: int
    name_masked: str
    id_masked: str
    amount_fen: int
    paid_on: dt.date
    withdrawn: bool
    change_note: str


@dataclass(frozen=True)
class Preview:
    """What approving a due disclosure publishes: its lines (masked), totals and change note."""

    due: Due
    lines: list[PreviewLine] = field(default_factory=list)
    line_count: int = 0
    total_fen: int = 0
    change_note: str = ""


def current_revision(policy_id: int, period: str, village: str) -> Disclosure | None:
    """The published (current) revision of a group."""
    return Disclosure.objects.filter(
        policy_id=policy_id, period=period, village_id=village, state=DisclosureState.PUBLISHED
    ).first()


def disclosures(user: Any) -> QuerySet[Disclosure]:
    """Every revision the user may see, newest first."""
    return (
        Disclosure.objects.restrict(user)
        .select_related("village", "policy", "approved_by")
        .order_by("-published_at", "-id")
    )


def revision_lines(disclosure: Disclosure) -> QuerySet[DisclosedLine]:
    """A revision's lines in their published order."""
    return DisclosedLine.objects.filter(disclosure=disclosure).order_by("id")


def withdrawals_pending(disclosure: Disclosure) -> set[int]:
    """The payments of a revision's lines marked for withdrawal and not yet withdrawn by a new revision."""
    return set(
        Withdrawal.objects.filter(
            payment_id__in=DisclosedLine.objects.filter(disclosure=disclosure, withdrawn=False).values(
                "payment_id"
            )
        ).values_list("payment_id", flat=True)
    )

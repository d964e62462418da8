"""数据共享 API: departments' tokens, the change feed, and pulls by cursor (payments, findings, disclosure).

Pushes go through the platform's own operations, which this router does not repeat: registry snapshots
``POST /api/registry/{deaths|cadres|land}`` and roster files ``POST /api/rosters/{id}/file``
(docs/sharing.md lists them all).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from yikatong.accounts.models import ApiToken
from yikatong.accounts.permissions import requires, shown
from yikatong.accounts.services import api_token_revoke, department_token_create
from yikatong.checks import selectors as check_selectors
from yikatong.checks.api import FindingOut, _finding_out
from yikatong.payments.domain import plans
from yikatong.sharing import selectors
from yikatong.sharing.domain import feed

router = Router(tags=["数据共享 sharing"])


def _cursor(text: str) -> int:
    text = text.strip()
    if not text:
        return 0
    if not text.isdigit() or len(text) > 18:
        raise ValidationError(["cursor 应为上一页返回的 next_cursor（非负整数）"])
    return int(text)


# --- the change feed ---------------------------------------------------------------------------------


class ChangeEventOut(Schema):
    cursor: int
    kind: str
    action: str
    object_type: str
    object_id: str
    region_code: str
    occurred_at: dt.datetime


class ChangeFeedPage(Schema):
    changes: list[ChangeEventOut]
    next_cursor: str
    more: bool


class ChangeFilters(Schema):
    since: str = ""
    kinds: str = ""
    limit: int = 200


@router.get(
    "/changes",
    response=ChangeFeedPage,
    summary="变更订阅：自 since 游标之后的变更（按提交顺序，不跳不重；kinds 逗号分隔）",
)
@requires("changes.view")
def change_feed(request: HttpRequest, filters: Query[ChangeFilters]) -> ChangeFeedPage:
    since = _cursor(filters.since)
    kinds, unknown = feed.parse_kinds(filters.kinds)
    if unknown:
        raise ValidationError([f"未知的 kinds：{'、'.join(unknown)}；可选：{'、'.join(feed.KINDS)}"])
    page = selectors.changes(
        user=request.user, since=since, kinds=kinds, limit=selectors.clamp(filters.limit)
    )
    return ChangeFeedPage(
        changes=[
            ChangeEventOut(
                cursor=event.seq,
                kind=feed.kind_of(event.action),
                action=event.action,
                object_type=event.object_type,
                object_id=event.object_id,
                region_code=event.region_code,
                occurred_at=event.occurred_at,
            )
            for event in page.changes
        ],
        next_cursor=str(page.next_cursor),
        more=page.more,
    )


# --- pulls by cursor ---------------------------------------------------------------------------------


class SharedPaymentOut(Schema):
    id: int
    end_to_end_id: str
    attempt: int
    plan_id: int
    policy_code: str
    period: str
    village_code: str
    holder_name: str
    amount_fen: int
    status: str
    status_label: str
    reason_code: str
    reason_text: str
    settled_on: dt.date | None
    updated_at: dt.datetime


class SharedPaymentPage(Schema):
    items: list[SharedPaymentOut]
    next_cursor: str | None


class SharedPaymentFilters(Schema):
    cursor: str = ""
    limit: int = 200
    policy: str = ""
    period: str = ""
    status: str = ""


@router.get(
    "/sharing/payments",
    response=SharedPaymentPage,
    summary="获取发放结果（本部门补贴项目；按项目、期间、状态筛选，游标分页）",
)
@requires("plan.view")
def payment_results(request: HttpRequest, filters: Query[SharedPaymentFilters]) -> SharedPaymentPage:
    if filters.status and filters.status not in plans.PAYMENT_LABELS:
        raise ValidationError([f"status 应为 {'、'.join(plans.PAYMENT_LABELS)} 之一"])
    limit = selectors.clamp(filters.limit)
    found = selectors.payments(
        user=request.user, policy=filters.policy.strip(), period=filters.period.strip(), status=filters.status
    ).filter(id__gt=_cursor(filters.cursor))
    rows = list(found[: limit + 1])
    user = request.user
    return SharedPaymentPage(
        items=[
            SharedPaymentOut(
                id=p.pk,
                end_to_end_id=p.end_to_end_id,
                attempt=p.attempt,
                plan_id=p.line.plan_id,
                policy_code=p.line.plan.policy.code,
                period=p.line.plan.period,
                village_code=str(p.line.village_id),
                holder_name=shown(user, "name", p.holder_name),
                amount_fen=p.amount_fen,
                status=p.status,
                status_label=str(plans.PAYMENT_LABELS.get(p.status, p.status)),
                reason_code=p.reason_code,
                reason_text=p.reason_text,
                settled_on=p.settled_on,
                updated_at=p.updated_at,
            )
            for p in rows[:limit]
        ],
        next_cursor=str(rows[limit - 1].pk) if len(rows) > limit else None,
    )


class SharedFindingPage(Schema):
    items: list[FindingOut]
    next_cursor: str | None


class SharedFindingFilters(Schema):
    cursor: str = ""
    limit: int = 200
    rule: str = ""
    state: str = ""
    period: str = ""
    policy: str = ""


@router.get(
    "/sharing/findings",
    response=SharedFindingPage,
    summary="获取核查疑点（本部门补贴项目；按规则、状态、期间、项目筛选，游标分页）",
)
@requires("finding.view")
def finding_results(request: HttpRequest, filters: Query[SharedFindingFilters]) -> SharedFindingPage:
    limit = selectors.clamp(filters.limit)
    found = (
        check_selectors.finding_list(
            user=request.user,
            filters=check_selectors.FindingFilters(
                rule=filters.rule.strip().upper(),
                state=filters.state.strip(),
                period=filters.period.strip(),
                policy=filters.policy.strip(),
            ),
        )
        .filter(pk__gt=_cursor(filters.cursor))
        .order_by("pk")
    )
    rows = list(found[: limit + 1])
    role = getattr(request.user, "role", "")
    return SharedFindingPage(
        items=[_finding_out(f, role) for f in rows[:limit]],
        next_cursor=str(rows[limit - 1].pk) if len(rows) > limit else None,
    )


class DisclosureOut(Schema):
    id: int
    policy_code: str
    period: str
    village_code: str
    revision: int
    state: str
    clock_started_on: dt.date
    due_on: dt.date
    published_on: dt.date
    late: bool
    line_count: int
    total_fen: int


class DisclosurePage(Schema):
    items: list[DisclosureOut]
    next_cursor: str | None


class DisclosureFilters(Schema):
    cursor: str = ""
    limit: int = 200
    policy: str = ""
    period: str = ""


@router.get(
    "/sharing/disclosures",
    response=DisclosurePage,
    summary="获取补贴发放公开状态（本部门补贴项目；按项目、期间筛选，游标分页）",
)
@requires("sharing.disclosure_status")
def disclosure_status(request: HttpRequest, filters: Query[DisclosureFilters]) -> DisclosurePage:
    limit = selectors.clamp(filters.limit)
    found = selectors.disclosures(
        user=request.user, policy=filters.policy.strip(), period=filters.period.strip()
    ).filter(id__gt=_cursor(filters.cursor))
    rows = list(found[: limit + 1])
    return DisclosurePage(
        items=[
            DisclosureOut(
                id=d.pk,
                policy_code=d.policy.code,
                period=d.period,
                village_code=str(d.village_id),
                revision=d.revision,
                state=d.state,
                clock_started_on=d.clock_started_on,
                due_on=d.due_on,
                published_on=d.published_on,
                late=d.late,
                line_count=d.line_count,
                total_fen=d.total_fen,
            )
            for d in rows[:limit]
        ],
        next_cursor=str(rows[limit - 1].pk) if len(rows) > limit else None,
    )


# --- departments' tokens -----------------------------------------------------------------------------


class DepartmentTokenIn(Schema):
    department_code: str
    region_code: str
    role: str = "dept_reviewer"
    name: str
    expires_at: dt.datetime


class DepartmentTokenOut(Schema):
    id: int
    prefix: str
    name: str
    department_code: str
    region_code: str
    role: str
    username: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked: bool
    usable: bool


class DepartmentTokenCreated(DepartmentTokenOut):
    # The secret, shown this once; the platform keeps only its SHA-256.
    secret: str


def _token_out(token: ApiToken) -> dict[str, object]:
    return {
        "id": token.pk,
        "prefix": token.prefix,
        "name": token.name,
        "department_code": token.department.code if token.department else "",
        "region_code": str(token.region_id or ""),
        "role": token.user.role,
        "username": token.user.username,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked": token.revoked,
        "usable": token.is_usable(),
    }


@router.get(
    "/sharing/tokens", response=list[DepartmentTokenOut], summary="部门数据共享令牌（本区划及下级，最新在前）"
)
@requires("token.manage_others")
def token_list(request: HttpRequest) -> list[dict[str, object]]:
    return [_token_out(t) for t in selectors.department_tokens(user=request.user)[:500]]


@router.post(
    "/sharing/tokens",
    response={201: DepartmentTokenCreated},
    summary="签发部门数据共享令牌（限定部门、区划和有效期；密钥只返回这一次）",
)
@requires("token.manage_others")
def token_create(request: HttpRequest, payload: DepartmentTokenIn) -> Status[dict[str, object]]:
    expires_at = payload.expires_at
    if timezone.is_naive(expires_at):
        expires_at = timezone.make_aware(expires_at)
    token, secret = department_token_create(
        department_code=payload.department_code,
        region_code=payload.region_code,
        role=payload.role,
        name=payload.name,
        expires_at=expires_at,
        actor=request.user,  # type: ignore[arg-type]
    )
    return Status(201, {**_token_out(token), "secret": secret})


@router.post("/sharing/tokens/{token_id}/revoke", response=DepartmentTokenOut, summary="吊销部门数据共享令牌")
@requires("token.manage_others")
def token_revoke(request: HttpRequest, token_id: int) -> dict[str, object]:
    token = get_object_or_404(selectors.department_tokens(user=request.user), pk=token_id)
    api_token_revoke(token=token, actor=request.user)  # type: ignore[arg-type]
    token.refresh_from_db()
    return _token_out(token)


# --- status ------------------------------------------------------------------------------------------


class SharingUseOut(Schema):
    department_code: str
    department: str
    region_code: str
    operation: str
    direction: str
    last_at: dt.datetime
    last_status: int
    last_rows: int
    calls: int


class RegistryFreshnessOut(Schema):
    kind: str
    label: str
    state: str
    period_start: dt.date
    due_on: dt.date
    last_uploaded: dt.date | None
    as_of: dt.date | None
    source: str


class SharingStatusOut(Schema):
    uses: list[SharingUseOut]
    registries: list[RegistryFreshnessOut]


@router.get(
    "/sharing/status",
    response=SharingStatusOut,
    summary="数据共享状态：各部门最近的报送与获取、逾期未更新的比对数据",
)
@requires("sharing.status")
def sharing_status(request: HttpRequest) -> SharingStatusOut:
    today = timezone.localdate()
    return SharingStatusOut(
        uses=[
            SharingUseOut(
                department_code=u.department.code,
                department=u.department.name,
                region_code=str(u.region_id),
                operation=u.operation,
                direction=u.direction,
                last_at=u.last_at,
                last_status=u.last_status,
                last_rows=u.last_rows,
                calls=u.calls,
            )
            for u in selectors.uses(user=request.user)[:1000]
        ],
        registries=[
            RegistryFreshnessOut(
                kind=s.kind,
                label=s.label,
                state=s.fresh.state,
                period_start=s.fresh.period_start,
                due_on=s.fresh.due_on,
                last_uploaded=s.fresh.last_uploaded,
                as_of=s.snapshot.as_of if s.snapshot else None,
                source=s.snapshot.source if s.snapshot else "",
            )
            for s in selectors.registry_states(today=today)
        ],
    )

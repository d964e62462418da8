"""The audit log through the API, for auditors' tools."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema

from yikatong.accounts.permissions import may_see_clear, requires
from yikatong.audit.selectors import (
    EventView,
    audit_event_list,
    audit_filters_read,
    events_for_display,
    staff_choices,
)
from yikatong.tasks.services import task_start
from yikatong.workbench.audit_tasks import verify_audit_chain

router = Router(tags=["审计日志 audit"])

MAX_EVENTS = 500


class EventOut(Schema):
    seq: int
    occurred_at: dt.datetime
    actor_id: int | None
    actor_name: str
    actor_display: str
    actor_role: str
    ip: str
    request_id: str
    action: str
    action_name: str
    object_type: str
    object_type_name: str
    object_id: str
    object_repr: str
    region_code: str
    region_name: str
    before: Any = None
    after: Any = None
    hash: str


class TaskRef(Schema):
    task_id: str


def _event_out(row: EventView) -> EventOut:
    event = row.event
    return EventOut(
        seq=event.seq,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        actor_display=row.actor,
        actor_role=event.actor_role,
        ip=event.ip,
        request_id=event.request_id,
        action=event.action,
        action_name=row.action,
        object_type=event.object_type,
        object_type_name=row.object_type,
        object_id=event.object_id,
        object_repr=row.object,
        region_code=event.region_code,
        region_name=row.region,
        before=event.before,
        after=event.after,
        hash=event.hash,
    )


def _whole(text: str) -> int | None:
    """A non-negative integer from a query parameter, or None."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


@router.get(
    "/events",
    response=list[EventOut],
    summary="审计事件（最新在前；按操作人、操作、对象、日期筛选；每次最多 500 条，用 offset 翻页）",
)
@requires("auditlog.view")
def event_list(
    request: HttpRequest,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    q: str = "",
    date_from: str = "",
    date_to: str = "",
    offset: str = "0",
    limit: str = str(MAX_EVENTS),
) -> Any:
    params = {
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "q": q,
        "date_from": date_from,
        "date_to": date_to,
    }
    staff = [pk for pk, _ in staff_choices(user=request.user)]
    filters, errors = audit_filters_read(params, staff=staff)
    start, count = _whole(offset), _whole(limit)
    if count is None or not 0 < count <= MAX_EVENTS:
        errors.append(f"limit 应为 1 到 {MAX_EVENTS} 之间的整数")
    if start is None:
        errors.append("offset 应为不小于 0 的整数")
    if errors or start is None or count is None:
        raise ValidationError(errors)
    clear_names = may_see_clear(request.user, "name")
    events = audit_event_list(user=request.user, filters=filters, clear_names=clear_names)
    rows = events_for_display(events[start : start + count], clear_names=clear_names)
    return [_event_out(row) for row in rows]


@router.post("/verify", response=TaskRef, summary="发起审计日志完整性校验（后台任务）")
@requires("auditlog.verify")
def verify(request: HttpRequest) -> TaskRef:
    run = task_start(task=verify_audit_chain, title="审计日志完整性校验", user=request.user)
    return TaskRef(task_id=str(run.pk))

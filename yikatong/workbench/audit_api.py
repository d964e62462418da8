"""The audit log through the API, for auditors' tools."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from yikatong.accounts.permissions import requires
from yikatong.audit.selectors import audit_event_list
from yikatong.tasks.services import task_start
from yikatong.workbench.audit_tasks import verify_audit_chain

router = Router(tags=["审计日志 audit"])


class EventOut(Schema):
    seq: int
    occurred_at: dt.datetime
    actor_name: str
    actor_role: str
    ip: str
    request_id: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    region_code: str
    before: Any = None
    after: Any = None
    hash: str


class TaskRef(Schema):
    task_id: str


@router.get("/events", response=list[EventOut], summary="审计事件（最新在前，最多 500 条）")
@requires("auditlog.view")
def event_list(request: HttpRequest, action: str = "", object_id: str = "") -> Any:
    return list(audit_event_list(user=request.user, action=action, object_id=object_id)[:500])


@router.post("/verify", response=TaskRef, summary="发起审计日志完整性校验（后台任务）")
@requires("auditlog.verify")
def verify(request: HttpRequest) -> TaskRef:
    run = task_start(task=verify_audit_chain, title="审计日志完整性校验", user=request.user)
    return TaskRef(task_id=str(run.pk))

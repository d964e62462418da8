"""Complaints through the API: the handler's list and one complaint with its trail, and the handler's steps
(reply, ask for information, internal note, reassign with a reason, link, close), as the screens allow."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from yikatong.accounts.permissions import requires
from yikatong.complaints import selectors, services
from yikatong.complaints.domain import rules
from yikatong.complaints.models import Complaint
from yikatong.core.models import Department

router = Router(tags=["投诉举报 complaints"])

MAX_PAGE_SIZE = 500


class EventOut(Schema):
    kind: str
    label: str
    text: str
    public: bool
    department: str
    at: dt.datetime
    actor: str


class ComplaintOut(Schema):
    id: int
    number: str
    kind: str
    state: str
    state_label: str
    policy_code: str
    policy_name: str
    region_code: str
    department: str
    filed_at: dt.datetime
    due_on: dt.date
    overdue: bool
    anonymous: bool
    contact_name: str
    contact_phone: str
    result: str
    action_taken: str
    payment_id: int | None
    roster_line_id: int | None
    finding_id: int | None
    text: str
    events: list[EventOut] = []


class ComplaintPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ComplaintOut]


class TextIn(Schema):
    text: str


class ReassignIn(Schema):
    department_code: str
    reason: str


class LinkIn(Schema):
    payment_id: int | None = None
    roster_line_id: int | None = None


class CloseIn(Schema):
    result: str
    action_taken: str
    open_finding: bool = False


def _out(request: HttpRequest, complaint: Complaint, *, trail: bool = False) -> ComplaintOut:
    identity = selectors.identity_for(request.user, complaint)
    events = []
    if trail:
        events = [
            EventOut(
                kind=e.kind,
                label=rules.EVENT_LABELS[e.kind],
                text=e.text,
                public=e.public,
                department=e.department.name if e.department else "",
                at=e.at,
                actor=e.actor.display_name if e.actor else "",
            )
            for e in selectors.trail_for(request.user, complaint)
        ]
    return ComplaintOut(
        id=complaint.pk,
        number=complaint.number,
        kind=complaint.kind,
        state=complaint.state,
        state_label=rules.STATE_LABELS[complaint.state],
        policy_code=complaint.policy.code if complaint.policy else "",
        policy_name=complaint.policy_name,
        region_code=complaint.region_id,
        department=complaint.department.name if complaint.department else "",
        filed_at=complaint.filed_at,
        due_on=complaint.due_on,
        overdue=complaint.overdue_on(timezone.localdate()),
        anonymous=identity.anonymous,
        contact_name=identity.name,
        contact_phone=identity.phone,
        result=complaint.result,
        action_taken=complaint.action_taken,
        payment_id=complaint.payment_id,
        roster_line_id=complaint.roster_line_id,
        finding_id=complaint.finding_id,
        text=complaint.text,
        events=events,
    )


@router.get(
    "",
    response=ComplaintPage,
    summary="投诉举报（show=mine 本部门待办、overdue 已超期、open、closed；分页）",
)
@requires("complaint.view")
def complaint_list(
    request: HttpRequest, show: str = "", page: int = 1, page_size: int = 100
) -> ComplaintPage:
    complaints = selectors.complaints_visible(request.user)
    if show == "mine":
        complaints = selectors.handled_by(request.user)
    elif show == "overdue":
        complaints = selectors.open_overdue(complaints)
    elif show == "open":
        complaints = complaints.filter(state__in=rules.OPEN_STATES)
    elif show == "closed":
        complaints = complaints.filter(state=rules.CLOSED)
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, page)
    rows = complaints.order_by("due_on", "pk")
    items = [_out(request, c) for c in rows[(page - 1) * size : page * size]]
    return ComplaintPage(count=rows.count(), page=page, page_size=size, items=items)


def _get(request: HttpRequest, complaint_id: int) -> Complaint:
    return get_object_or_404(selectors.complaints_visible(request.user), pk=complaint_id)


@router.get("/{complaint_id}", response=ComplaintOut, summary="一件投诉举报及其全部办理记录")
@requires("complaint.view")
def complaint_detail(request: HttpRequest, complaint_id: int) -> ComplaintOut:
    return _out(request, _get(request, complaint_id), trail=True)


def _again(request: HttpRequest, complaint: Complaint) -> ComplaintOut:
    return _out(request, _get(request, complaint.pk), trail=True)


@router.post("/{complaint_id}/reply", response=ComplaintOut, summary="答复投诉人")
@requires("complaint.handle")
def complaint_reply(request: HttpRequest, complaint_id: int, payload: TextIn) -> ComplaintOut:
    complaint = services.complaint_reply(
        user=request.user, complaint=_get(request, complaint_id), text=payload.text
    )
    return _again(request, complaint)


@router.post("/{complaint_id}/ask-info", response=ComplaintOut, summary="要求投诉人补充材料")
@requires("complaint.handle")
def complaint_ask_info(request: HttpRequest, complaint_id: int, payload: TextIn) -> ComplaintOut:
    complaint = services.complaint_ask_info(
        user=request.user, complaint=_get(request, complaint_id), text=payload.text
    )
    return _again(request, complaint)


@router.post("/{complaint_id}/note", response=ComplaintOut, summary="内部记录（不对投诉人显示）")
@requires("complaint.handle")
def complaint_note(request: HttpRequest, complaint_id: int, payload: TextIn) -> ComplaintOut:
    complaint = services.complaint_note(
        user=request.user, complaint=_get(request, complaint_id), text=payload.text
    )
    return _again(request, complaint)


@router.post("/{complaint_id}/reassign", response=ComplaintOut, summary="转办至其他部门（须写明理由）")
@requires("complaint.handle")
def complaint_reassign(request: HttpRequest, complaint_id: int, payload: ReassignIn) -> ComplaintOut:
    complaint = _get(request, complaint_id)
    department = get_object_or_404(Department, code=payload.department_code)
    complaint = services.complaint_reassign(
        user=request.user, complaint=complaint, department=department, reason=payload.reason
    )
    # Given away, the complaint may be out of the caller's rows now: answer with what the service returned.
    return _out(request, complaint)


@router.post("/{complaint_id}/link", response=ComplaintOut, summary="关联发放记录或名册人员")
@requires("complaint.handle")
def complaint_link(request: HttpRequest, complaint_id: int, payload: LinkIn) -> ComplaintOut:
    complaint = services.complaint_link(
        user=request.user,
        complaint=_get(request, complaint_id),
        payment_id=payload.payment_id,
        roster_line_id=payload.roster_line_id,
    )
    return _again(request, complaint)


@router.post(
    "/{complaint_id}/close",
    response=ComplaintOut,
    summary="办结：result 为 true 属实、partly_true 部分属实、not_true 不属实，写明处理措施",
)
@requires("complaint.handle")
def complaint_close(request: HttpRequest, complaint_id: int, payload: CloseIn) -> ComplaintOut:
    complaint = services.complaint_close(
        user=request.user,
        complaint=_get(request, complaint_id),
        result=payload.result,
        action_taken=payload.action_taken,
        open_finding=payload.open_finding,
    )
    return _again(request, complaint)

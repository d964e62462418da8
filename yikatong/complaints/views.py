"""Staff screens of 投诉举报: the list (overdue first to the handler), one complaint with its whole trail and
the handler's steps, and its attachments (to the handling department and auditors only, each view audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yikatong.accounts.permissions import allowed, requires
from yikatong.audit.services import audit_record
from yikatong.complaints import selectors, services
from yikatong.complaints.domain import rules
from yikatong.complaints.forms import CloseForm, LinkForm, ReassignForm, TextForm
from yikatong.complaints.models import Complaint
from yikatong.core.listing import Column, Table

COMPLAINTS = Table(
    columns=(
        Column(gettext_lazy("受理编号"), "number"),
        Column(gettext_lazy("类型"), "kind"),
        Column(gettext_lazy("所涉补贴项目"), "policy", ("policy_name",)),
        Column(gettext_lazy("所涉地区"), "region", ("region_id",)),
        Column(gettext_lazy("承办部门"), "department", ("department__code",)),
        Column(gettext_lazy("状态"), "state"),
        Column(gettext_lazy("提交时间"), "filed", ("filed_at",)),
        Column(gettext_lazy("办理期限"), "due", ("due_on",)),
    ),
    default="due",
)

STATE_FILTERS = {"open": rules.OPEN_STATES, "closed": (rules.CLOSED,)}


@login_required
@requires("complaint.view")
def complaint_list(request: HttpRequest) -> HttpResponse:
    """The complaints the user may see; ``?show=mine`` the open ones of their department, ``overdue``."""
    today = timezone.localdate()
    complaints = selectors.complaints_visible(request.user)
    show = request.GET.get("show", "")
    if show == "mine":
        complaints = selectors.handled_by(request.user)
    elif show == "overdue":
        complaints = selectors.open_overdue(complaints, today)
    elif show in STATE_FILTERS:
        complaints = complaints.filter(state__in=STATE_FILTERS[show])
    context = {"table": COMPLAINTS.page(request, complaints), "today": today, "show": show}
    return render(request, "complaints/list.html", context)


def _visible(request: HttpRequest, pk: int) -> Complaint:
    return get_object_or_404(selectors.complaints_visible(request.user), pk=pk)


@login_required
@requires("complaint.view")
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One complaint: what it is about, who filed it (masked unless the reader handles it or audits), the
    deadline, the whole trail, and the handler's steps."""
    complaint = _visible(request, pk)
    user = request.user
    handler = allowed(user, "complaint.handle") and services.is_handler(user, complaint)
    context: dict[str, Any] = {
        "c": complaint,
        "identity": selectors.identity_for(user, complaint),
        "about_person": selectors.about_person_for(user, complaint),
        "trail": selectors.trail_for(user, complaint),
        "attachments_allowed": allowed(user, "complaint.attachment")
        and selectors.identity_visible(user, complaint),
        "handler": handler and complaint.is_open,
        "overdue": complaint.overdue_on(timezone.localdate()),
        "text_form": TextForm(),
        "reassign_form": ReassignForm(),
        "close_form": CloseForm(),
        "link_form": LinkForm(),
    }
    return render(request, "complaints/detail.html", context)


def _do(step: str, user: Any, complaint: Complaint, post: Any) -> None:
    if step in ("reply", "ask_info", "note"):
        form: Any = TextForm(post)
        if not form.is_valid():
            raise ValidationError("请填写内容")
        service = {
            "reply": services.complaint_reply,
            "ask_info": services.complaint_ask_info,
            "note": services.complaint_note,
        }[step]
        service(user=user, complaint=complaint, text=form.cleaned_data["text"])
    elif step == "reassign":
        form = ReassignForm(post)
        if not form.is_valid():
            raise ValidationError("请选择转办部门并填写转办理由")
        services.complaint_reassign(
            user=user,
            complaint=complaint,
            department=form.cleaned_data["department"],
            reason=form.cleaned_data["reason"],
        )
    elif step == "close":
        form = CloseForm(post)
        if not form.is_valid():
            raise ValidationError("请选择办理结果并填写处理措施")
        data = form.cleaned_data
        services.complaint_close(
            user=user,
            complaint=complaint,
            result=data["result"],
            action_taken=data["action_taken"],
            open_finding=data["open_finding"],
        )
    elif step == "link":
        form = LinkForm(post)
        if not form.is_valid():
            raise ValidationError("编号应为正整数")
        services.complaint_link(
            user=user,
            complaint=complaint,
            payment_id=form.cleaned_data["payment"],
            roster_line_id=form.cleaned_data["roster_line"],
        )
    else:
        raise Http404


STEPS = ("reply", "ask_info", "note", "reassign", "close", "link")


@login_required
@requires("complaint.handle")
@require_POST
def complaint_act(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One of the handler's steps on a complaint of their department."""
    if step not in STEPS:
        raise Http404
    complaint = _visible(request, pk)
    try:
        _do(step, request.user, complaint, request.POST)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, str(gettext_lazy("已办理")))
        if not selectors.complaints_visible(request.user).filter(pk=complaint.pk).exists():
            # Reassigned out of the handler's rows: back to their list.
            return redirect("complaints:list")
    return redirect("complaints:detail", pk=complaint.pk)


@login_required
@requires("complaint.attachment")
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """An attachment's file, to the handling department and auditors; every view is an audit event."""
    item = get_object_or_404(selectors.attachments_visible(request.user), pk=pk)
    if not selectors.identity_visible(request.user, item.complaint):
        raise Http404
    path = services.attachment_path(item)
    if not path.is_file():
        raise Http404
    with transaction.atomic():
        audit_record(
            action="complaint.attachment_view",
            obj=item.complaint,
            region_code=item.complaint.region_id,
            after={"file": item.original_name, "sha256": item.sha256},
            actor=request.user,
        )
    # Attachments are a few MB at most (YIKATONG_COMPLAINT_ATTACHMENT_BYTES): read whole, no file left open.
    response = HttpResponse(path.read_bytes(), content_type=item.content_type)
    disposition = "inline" if item.content_type != "application/pdf" else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename=complaint-{item.pk}.{path.suffix.lstrip('.')}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

"""The audit log pages for auditors and administrators, and starting a chain verification."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yikatong.accounts.permissions import requires
from yikatong.audit.selectors import audit_event_list
from yikatong.tasks.services import task_start
from yikatong.workbench.audit_tasks import verify_audit_chain


@login_required
@requires("auditlog.view")
def event_list(request: HttpRequest) -> HttpResponse:
    """Audit events in the viewer's region, newest first, paginated."""
    events = audit_event_list(user=request.user, action=request.GET.get("action", ""))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/event_list.html", {"page": page, "action": request.GET.get("action", "")})


@login_required
@requires("auditlog.verify")
@require_POST
def verify_start(request: HttpRequest) -> HttpResponse:
    """Queue a chain verification and show its progress."""
    run = task_start(task=verify_audit_chain, title="审计日志完整性校验", user=request.user)
    return redirect("tasks:detail", pk=run.pk)

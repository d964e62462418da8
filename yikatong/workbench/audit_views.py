"""The audit log pages for auditors and administrators, and starting a chain verification."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yikatong.accounts.permissions import may_see_clear, requires
from yikatong.audit.names import action_choices
from yikatong.audit.selectors import (
    audit_event_list,
    audit_filters_read,
    events_for_display,
    object_type_choices,
    staff_choices,
)
from yikatong.tasks.services import task_start
from yikatong.workbench.audit_tasks import verify_audit_chain

PER_PAGE = 50


@login_required
@requires("auditlog.view")
def event_list(request: HttpRequest) -> HttpResponse:
    """Audit events in the viewer's region, newest first, filtered and paginated; one row per event."""
    staff = staff_choices(user=request.user)
    filters, errors = audit_filters_read(request.GET, staff=[pk for pk, _ in staff])
    clear_names = may_see_clear(request.user, "name")
    events = audit_event_list(user=request.user, filters=filters, clear_names=clear_names)
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": events_for_display(page.object_list, clear_names=clear_names),
        "filters": filters,
        "errors": errors,
        "staff": staff,
        "actions": action_choices(),
        "object_types": object_type_choices(),
    }
    return render(request, "audit/event_list.html", context)


@login_required
@requires("auditlog.verify")
@require_POST
def verify_start(request: HttpRequest) -> HttpResponse:
    """Queue a chain verification and show its progress."""
    run = task_start(task=verify_audit_chain, title="审计日志完整性校验", user=request.user)
    return redirect("tasks:detail", pk=run.pk)

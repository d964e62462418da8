"""The audit log pages for auditors and administrators, and starting a chain verification."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yikatong.accounts.roles import Role
from yikatong.audit.selectors import audit_event_list
from yikatong.audit.tasks import verify_audit_chain
from yikatong.tasks.services import task_start

AUDIT_READERS = frozenset({Role.AUDITOR, Role.ADMIN})


def _require_reader(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) not in AUDIT_READERS:
        raise PermissionDenied(_("只有审计人员和系统管理员可以查看审计日志"))


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    """Audit events in the viewer's region, newest first, paginated."""
    _require_reader(request)
    events = audit_event_list(user=request.user, action=request.GET.get("action", ""))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/event_list.html", {"page": page, "action": request.GET.get("action", "")})


@login_required
@require_POST
def verify_start(request: HttpRequest) -> HttpResponse:
    """Queue a chain verification and show its progress."""
    _require_reader(request)
    run = task_start(task=verify_audit_chain, title="审计日志完整性校验", user=request.user)
    return redirect("tasks:detail", pk=run.pk)

"""Disclosure screens for staff: the queue of what is due with its clock, the preview of exactly what the
public will see, approval (publication), and the published revisions."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yikatong.accounts.permissions import allowed, requires
from yikatong.core.listing import Column, Table
from yikatong.core.web import posted_id, show_refusal
from yikatong.disclosure import selectors, services
from yikatong.disclosure.models import DisclosureState

PUBLISHED = Table(
    columns=(
        Column(gettext_lazy("村（社区）"), "village", ("village__code",)),
        Column(gettext_lazy("补贴项目"), "policy", ("policy__code",)),
        Column(gettext_lazy("发放期间"), "period"),
        Column(gettext_lazy("版本"), "revision", num=True),
        Column(gettext_lazy("公开日期"), "published", ("published_on",)),
        Column(gettext_lazy("应公开日期"), "due", ("due_on",)),
        Column(gettext_lazy("笔数"), "lines", ("line_count",), num=True),
        Column(gettext_lazy("金额（元）"), "amount", ("total_fen",), num=True),
        Column(gettext_lazy("状态")),
    ),
    default="-published",
)
LINES = Table(
    columns=(
        Column(gettext_lazy("姓名"), "name", ("name_masked",)),
        Column(gettext_lazy("身份证号")),
        Column(gettext_lazy("金额（元）"), "amount", ("amount_fen",), num=True),
        Column(gettext_lazy("发放日期"), "paid", ("paid_on",)),
        Column(gettext_lazy("公开日期"), "disclosed", ("disclosed_on",)),
        Column(gettext_lazy("更正说明")),
    ),
    default="disclosed",
    extra=(("line", ("id",)),),
)


def _today(request: HttpRequest) -> dt.date:
    return timezone.localdate()


def _group(policy: int, period: str, village: str) -> tuple[int, str, str]:
    if len(period) > 8 or not village.isdigit() or len(village) != 12:
        raise Http404
    return policy, period, village


@login_required
@requires("disclosure.view")
def queue(request: HttpRequest) -> HttpResponse:
    """待公开: what is due for disclosure in the user's region, with its 20-working-day clock."""
    due = selectors.due_list(request.user.region_prefix, today=_today(request))  # type: ignore[union-attr]
    context = {"due": due, "late": [d for d in due if d.late], "today": _today(request)}
    return render(request, "disclosure/queue.html", context)


@login_required
@requires("disclosure.view")
def preview(request: HttpRequest, policy: int, period: str, village: str) -> HttpResponse:
    """预览: exactly the lines, totals and change note the public will see once approved."""
    policy, period, village = _group(policy, period, village)
    shown = services.disclosure_preview(
        user=request.user, policy_id=policy, period=period, village_code=village, today=_today(request)
    )
    if shown is None:
        raise Http404
    context = {"preview": shown, "due": shown.due, "may_approve": allowed(request.user, "disclosure.approve")}
    return render(request, "disclosure/preview.html", context)


@login_required
@requires("disclosure.approve")
@require_POST
def approve(request: HttpRequest, policy: int, period: str, village: str) -> HttpResponse:
    """审核公开: publish what is due (or its correction) at once."""
    policy, period, village = _group(policy, period, village)
    try:
        done = services.disclosure_approve(
            user=request.user, policy_id=policy, period=period, village_code=village, today=_today(request)
        )
    except ValidationError as exc:
        show_refusal(request, exc)
        return redirect("disclosure:queue")
    messages.success(
        request,
        _("已公开：%(village)s %(period)s，第 %(revision)s 版，%(lines)s 笔")
        % {
            "village": done.village.name,
            "period": done.period,
            "revision": done.revision,
            "lines": done.line_count,
        },
    )
    return redirect("disclosure:list")


@login_required
@requires("disclosure.view")
def published(request: HttpRequest) -> HttpResponse:
    """已公开: every published revision of the user's region, the superseded ones too."""
    table = PUBLISHED.page(request, selectors.disclosures(request.user))
    names = selectors.policy_names([d.policy_id for d in table.rows])
    for row in table.rows:
        row.policy_name = names.get(row.policy_id, ("", ""))[1]
    return render(request, "disclosure/published.html", {"table": table})


@login_required
@requires("disclosure.view")
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One published revision as the public sees it, with a withdrawal form per line for those who may."""
    disclosure = get_object_or_404(selectors.disclosures(request.user), pk=pk)
    table = LINES.page(request, selectors.revision_lines(disclosure))
    context = {
        "disclosure": disclosure,
        "policy_name": selectors.policy_names([disclosure.policy_id]).get(disclosure.policy_id, ("", ""))[1],
        "table": table,
        "may_withdraw": allowed(request.user, "disclosure.withdraw")
        and disclosure.state == DisclosureState.PUBLISHED,
        "withdrawing": selectors.withdrawals_pending(disclosure),
    }
    return render(request, "disclosure/detail.html", context)


@login_required
@requires("disclosure.withdraw")
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """撤回: a disclosed line found wrong (a confirmed finding) is marked; its correction becomes due."""
    disclosure = get_object_or_404(selectors.disclosures(request.user), pk=pk)
    line = get_object_or_404(selectors.revision_lines(disclosure), pk=posted_id(request, "line"))
    try:
        services.disclosure_withdraw(
            user=request.user,
            payment=line.payment,
            reason=str(request.POST.get("reason", "")),
            source=str(request.POST.get("source", "")),
        )
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("已申请撤回，更正版本待审核公开"))
    return redirect("disclosure:detail", pk=disclosure.pk)

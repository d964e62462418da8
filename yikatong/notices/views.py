"""The notices page (逐项告知): every notice of the user's region with its text, state, tries and failure, the
gateway in use, and "重试" for a failed one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yikatong.accounts.permissions import allowed, requires, shown
from yikatong.core.listing import PAGE, SORT, Column, Table
from yikatong.core.web import show_refusal
from yikatong.notices import selectors, services
from yikatong.notices.domain import outbox
from yikatong.notices.models import Notification
from yikatong.notices.providers import sms_provider

NOTICES = Table(
    columns=(
        Column(gettext_lazy("排队时间"), "queued", ("queued_at",)),
        Column(gettext_lazy("村（社区）"), "village", ("village_id",)),
        Column(gettext_lazy("手机号")),
        Column(gettext_lazy("短信内容")),
        Column(gettext_lazy("状态"), "state"),
        Column(gettext_lazy("发送次数"), "attempts", num=True),
        Column(gettext_lazy("发送、送达时间"), "sent", ("sent_at",)),
        Column(gettext_lazy("失败原因")),
    ),
    default="-queued",
)


def _back(request: HttpRequest) -> str:
    """The list's filters, sort and page, to come back to the same place after a retry."""
    kept = request.GET.copy()
    for key in list(kept):
        if key not in {"state", "region", SORT, PAGE}:
            del kept[key]
    return f"?{kept.urlencode()}" if kept else ""


@login_required
@requires("notice.view")
def notice_list(request: HttpRequest) -> HttpResponse:
    """逐项告知: the notices of the user's region, by state, with what failed and why."""
    state = str(request.GET.get("state", ""))
    state = state if state in outbox.LABELS else ""
    regions = selectors.region_choices(request.user)
    region = str(request.GET.get("region", ""))
    region = region if region in {r.code for r in regions} else ""
    table = NOTICES.page(request, selectors.notification_list(user=request.user, state=state, region=region))
    for notice in table.rows:
        notice.shown_phone = shown(request.user, "phone", notice.phone)
        # The platform's own reasons are catalogue entries; a gateway's text passes through as it is.
        notice.error_shown = _(notice.last_error) if notice.last_error else ""
    counts = selectors.state_counts(user=request.user, region=region)
    provider = sms_provider()
    context = {
        "table": table,
        "state": state,
        "region": region,
        "regions": regions,
        "states": [(code, _(label), counts[code]) for code, label in outbox.LABELS.items()],
        "total": sum(counts.values()),
        "retryable": sorted(outbox.RETRYABLE),
        "may_retry": allowed(request.user, "notice.retry"),
        "provider_label": _(provider.label),
        "records_only": provider.records_only,
        "back": _back(request),
    }
    return render(request, "notices/list.html", context)


@login_required
@requires("notice.retry")
@require_POST
def notice_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a failed notice again."""
    try:
        notice = Notification.objects.restrict(request.user, "change").get(pk=pk)
    except Notification.DoesNotExist as exc:
        raise Http404 from exc
    try:
        services.notification_retry(user=request.user, notification=notice)
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("已重新排队发送"))
    back = str(request.POST.get("back", ""))
    return redirect(reverse("notices:list") + (back if back.startswith("?") else ""))

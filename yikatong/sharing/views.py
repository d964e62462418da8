"""数据共享 screens: the admin's departments' tokens, and finance's data-sharing status."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from yikatong.accounts.models import User
from yikatong.accounts.permissions import requires
from yikatong.accounts.services import api_token_revoke, department_token_create
from yikatong.core.listing import Column, Table
from yikatong.sharing import selectors
from yikatong.sharing.forms import DepartmentTokenForm

TOKENS = Table(
    columns=(
        Column(_("前缀")),
        Column(_("部门"), "department", ("department__name",)),
        Column(_("区划"), "region", ("region_id",)),
        Column(_("接口账号角色")),
        Column(_("用途"), "name"),
        Column(_("失效时间"), "expires", ("expires_at",)),
        Column(_("最近使用"), "used", ("last_used_at",)),
        Column(_("状态")),
        Column(""),
    ),
    default="-created",
    extra=(("created", ("created_at",)),),
)

USES = Table(
    columns=(
        Column(_("部门"), "department", ("department__name",)),
        Column(_("区划"), "region", ("region_id",)),
        Column(_("方向"), "direction"),
        Column(_("接口"), "operation"),
        Column(_("最近调用"), "last", ("last_at",)),
        Column(_("状态码")),
        Column(_("行数"), num=True),
        Column(_("调用次数"), "calls", num=True),
    ),
    default="-last",
)


@login_required
@requires("token.manage_others")
def token_list(request: HttpRequest) -> HttpResponse:
    """Departments' tokens: issue one (its secret shown once), revoke one."""
    user: User = request.user  # type: ignore[assignment]
    form = DepartmentTokenForm(request.POST or None, prefix_code=user.region_prefix)
    new_key = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = department_token_create(
                department_code=form.cleaned_data["department"].code,
                region_code=form.cleaned_data["region"].code,
                role=form.cleaned_data["role"],
                name=form.cleaned_data["name"],
                expires_at=form.expires_at(),
                actor=user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("令牌已签发，请立即复制保存，离开本页后将无法再次查看。"))
            form = DepartmentTokenForm(prefix_code=user.region_prefix)
    table = TOKENS.page(request, selectors.department_tokens(user=user))
    return render(request, "sharing/tokens.html", {"table": table, "form": form, "new_key": new_key})


@login_required
@requires("token.manage_others")
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """Revoke a department's token."""
    token = get_object_or_404(selectors.department_tokens(user=request.user), pk=pk)
    api_token_revoke(token=token, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("令牌已吊销"))
    return redirect("sharing:tokens")


@login_required
@requires("sharing.status")
def status(request: HttpRequest) -> HttpResponse:
    """Which department last pushed or pulled what, and which registries are overdue for a refresh."""
    registries = selectors.registry_states(today=timezone.localdate())
    table = USES.page(request, selectors.uses(user=request.user))
    return render(
        request,
        "sharing/status.html",
        {
            "table": table,
            "registries": registries,
            "overdue": [r for r in registries if r.fresh.state in {"overdue", "never"}],
        },
    )

"""Sign-in and sign-out (audited), the staff list of one's region, and one's own API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from yikatong.accounts.models import ApiToken, User
from yikatong.accounts.permissions import PUBLIC, requires
from yikatong.accounts.services import api_token_create, api_token_revoke, login_record
from yikatong.core.listing import Column, Table


class SignInForm(AuthenticationForm):
    """Django's sign-in form, its refusal in the page's own words (the field is 登录名, not 用户名)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("登录名或密码不正确（密码区分大小写），请重新输入"),
    }


class LoginView(auth_views.LoginView):
    """The Chinese sign-in page; every attempt, good or bad, is an audit event."""

    permission = PUBLIC
    authentication_form = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        login_record(user=user, username=user.username, succeeded=True)
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        username = str(form.data.get("username", ""))
        login_record(user=None, username=username, succeeded=False)
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only, as Django requires)."""

    permission = PUBLIC


STAFF = Table(
    columns=(
        Column(_("登录名"), "username"),
        Column(_("姓名"), "name", ("full_name",)),
        Column(_("角色"), "role"),
        Column(_("部门"), "department", ("department__name",)),
        Column(_("区划"), "region", ("region_id",)),
        Column(_("联系电话")),
    ),
    default="region",
)


@login_required
@requires("staff.view")
def staff_list(request: HttpRequest) -> HttpResponse:
    """Staff users inside the viewer's region (and department, for department roles); sortable, 50 a page."""
    users = User.objects.restrict(request.user, "view").select_related("department", "region")
    return render(request, "accounts/staff_list.html", {"table": STAFF.page(request, users)})


class TokenForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=64, help_text=_("例如：民政局低保系统数据对接"))


@login_required
@requires("token.manage")
def token_list(request: HttpRequest) -> HttpResponse:
    """The signed-in user's API tokens; a new token's secret is shown once."""
    user: User = request.user  # type: ignore[assignment]
    new_key = ""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_key = api_token_create(user=user, name=form.cleaned_data["name"], actor=user)
        messages.success(request, _("令牌已签发，请立即复制保存，离开本页后将无法再次查看。"))
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
    return render(request, "accounts/token_list.html", {"tokens": tokens, "form": form, "new_key": new_key})


@login_required
@requires("token.manage")
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """Revoke one of one's own tokens."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("令牌已吊销"))
    return redirect("accounts:tokens")

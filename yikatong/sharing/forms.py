"""The admin's form for a department's token."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yikatong.accounts.roles import Role
from yikatong.accounts.services import SYSTEM_ROLES
from yikatong.core.models import Department, DepartmentKind, Region


class DepartmentTokenForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("部门"),
        queryset=Department.objects.filter(kind=DepartmentKind.GOVERNMENT),
        to_field_name="code",
    )
    region = forms.ModelChoiceField(label=_("区划"), queryset=Region.objects.none(), to_field_name="code")
    role = forms.ChoiceField(
        label=_("接口账号角色"),
        choices=[(role, Role(role).label) for role in SYSTEM_ROLES],
        initial=Role.DEPT_REVIEWER,
        help_text=_("令牌按此角色的权限调用接口，例如主管部门审核人可获取本部门补贴项目的发放结果和疑点"),
    )
    name = forms.CharField(label=_("用途"), max_length=64, help_text=_("例如：民政局低保系统数据对接"))
    expires_on = forms.DateField(
        label=_("失效日期"), widget=forms.DateInput(attrs={"type": "date"}), help_text=_("最长两年")
    )

    def __init__(self, *args: object, prefix_code: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["region"].queryset = Region.objects.filter(  # type: ignore[attr-defined]
            code__startswith=prefix_code
        ).order_by("code")
        self.fields["expires_on"].initial = timezone.localdate() + dt.timedelta(days=365)

    def expires_at(self) -> dt.datetime:
        """The end of the chosen day, in the platform's time zone."""
        day = self.cleaned_data["expires_on"]
        return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))

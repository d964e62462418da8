"""The complaint forms: the public's filing and status forms, the handler's steps."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from yikatong.complaints.domain import rules
from yikatong.core.idnumber import InvalidIdNumber, validate_id_number
from yikatong.core.models import Department, DepartmentKind, Region, RegionLevel
from yikatong.policies.selectors import published_in_force


def policy_choices() -> list[tuple[str, Any]]:
    """The policies in force, for the public to choose from."""
    return [("", _("（不涉及具体补贴项目）"))] + [(v.policy.code, v.name) for v in published_in_force()]


def region_choices() -> list[tuple[str, Any]]:
    """The townships with their villages (an optgroup per township; a browser without JavaScript shows it)."""
    regions = list(
        Region.objects.exclude(level=RegionLevel.COUNTY).order_by("code").values_list("code", "name", "level")
    )
    groups: list[tuple[str, Any]] = [("", _("（请选择乡镇或村）"))]
    for code, name, level in regions:
        if level == RegionLevel.TOWNSHIP:
            groups.append((name, [(code, _("%(name)s（全乡镇）") % {"name": name})]))
        elif groups and isinstance(groups[-1][1], list):
            groups[-1][1].append((code, name))
    return groups


class FileForm(forms.Form):
    """A complaint or report from the public."""

    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[(k, _(v)) for k, v in rules.KIND_LABELS.items()],
        widget=forms.RadioSelect,
        initial=rules.COMPLAINT,
    )
    policy = forms.ChoiceField(label=_("所涉补贴项目"), required=False)
    region = forms.ChoiceField(label=_("所在乡镇、村"), required=False)
    about_person = forms.CharField(label=_("被投诉举报人（可不填）"), max_length=32, required=False)
    text = forms.CharField(label=_("投诉举报内容"), widget=forms.Textarea(attrs={"rows": 6}), max_length=4000)
    anonymous = forms.ChoiceField(
        label=_("是否匿名"),
        choices=[("1", _("匿名")), ("0", _("实名（留下联系方式，便于回访）"))],
        widget=forms.RadioSelect,
        initial="1",
    )
    contact_name = forms.CharField(label=_("姓名"), max_length=32, required=False)
    contact_phone = forms.RegexField(
        label=_("联系电话"),
        regex=r"^\s*(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})\s*$",
        required=False,
        error_messages={"invalid": _("请填写11位手机号码或带区号的固定电话")},
    )
    contact_id_number = forms.CharField(
        label=_("身份证号（可不填，填写后可在个人查询中看到办理情况）"), max_length=32, required=False
    )
    payment = forms.IntegerField(required=False, widget=forms.HiddenInput)
    disclosure = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["policy"]).choices = policy_choices()
        cast(forms.ChoiceField, self.fields["region"]).choices = region_choices()

    def clean_contact_id_number(self) -> str:
        raw = str(self.cleaned_data.get("contact_id_number") or "").strip()
        if not raw:
            return ""
        try:
            return validate_id_number(raw)
        except InvalidIdNumber as exc:
            raise forms.ValidationError(_("身份证号格式不正确，请核对后重新输入")) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("policy") and not data.get("region"):
            raise forms.ValidationError(_("请选择所涉补贴项目或所在乡镇、村（至少一项）"))
        if data.get("anonymous") == "0" and not (data.get("contact_name") and data.get("contact_phone")):
            raise forms.ValidationError(_("实名投诉举报请填写姓名和联系电话，或选择匿名"))
        return data


class StatusForm(forms.Form):
    """The number and the secret."""

    number = forms.CharField(label=_("受理编号"), max_length=24)
    secret = forms.CharField(label=_("查询密码"), max_length=24)


class InfoForm(StatusForm):
    """The complainant's answer to a request for information."""

    text = forms.CharField(
        label=_("补充说明"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000, required=False
    )


class TextForm(forms.Form):
    """A reply, a request for information, an internal note."""

    text = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class ReassignForm(forms.Form):
    """Send the complaint to another department, with the reason."""

    department = forms.ModelChoiceField(
        label=_("转办至"), queryset=Department.objects.filter(kind=DepartmentKind.GOVERNMENT).order_by("code")
    )
    reason = forms.CharField(label=_("转办理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class CloseForm(forms.Form):
    """Close with the result and the action taken."""

    result = forms.ChoiceField(
        label=_("办理结果"), choices=[(k, _(v)) for k, v in rules.RESULT_LABELS.items()]
    )
    action_taken = forms.CharField(
        label=_("处理措施及答复"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    open_finding = forms.BooleanField(
        label=_("转为核查疑点（属实且已关联发放记录或名册人员）"), required=False
    )


class LinkForm(forms.Form):
    """Link the complaint to a payment or roster line by its number."""

    payment = forms.IntegerField(label=_("发放记录编号"), required=False, min_value=1)
    roster_line = forms.IntegerField(label=_("名册行编号"), required=False, min_value=1)

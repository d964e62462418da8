"""Forms of the policy screens: the version's fields, and its rate table as a formset."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yikatong.policies.models import PolicyVersion


class CodeListField(forms.CharField):
    """Codes separated by ; (or ；、,) stored as a list."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = str(value or "")
        for separator in "；、,，":
            text = text.replace(separator, ";")
        return [part.strip() for part in text.split(";") if part.strip()]

    def prepare_value(self, value: Any) -> str:
        return ";".join(value) if isinstance(value, list) else str(value or "")


class MonthListField(CodeListField):
    """Months 1–12 separated by ;."""

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        try:
            return [int(m) for m in super().to_python(value)]
        except ValueError as exc:
            raise forms.ValidationError(_("发放月份应为1至12的整数，用分号分隔")) from exc


class VersionForm(forms.ModelForm):
    code = forms.CharField(label=_("项目代码"), max_length=32, required=False)
    regions = CodeListField(label=_("实施范围（区划代码前缀，分号分隔；空为全县）"), required=False)
    exclusive_with = CodeListField(label=_("互斥项目代码（分号分隔）"), required=False)
    pay_months = MonthListField(label=_("发放月份（分号分隔）"), required=False)

    class Meta:
        model = PolicyVersion
        fields = [
            "name", "effective_from", "basis_doc_no", "basis_title", "basis_file", "target",
            "conditions_text",
            "min_age", "max_age", "regions", "household_head_only", "means_tested", "exclusive_with", "unit",
            "frequency", "pay_months", "share_central", "share_provincial", "share_county", "procedure",
            "publicity_days", "review_days", "payment_days", "disclosure_days", "bank_notice_template",
            "example_rates",
        ]  # fmt: skip
        widgets = {
            # An <input type="date"> takes ISO dates only, whatever the language's date format.
            "effective_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "target": forms.Textarea(attrs={"rows": 2}),
            "conditions_text": forms.Textarea(attrs={"rows": 2}),
            "procedure": forms.Textarea(attrs={"rows": 2}),
            "bank_notice_template": forms.Textarea(attrs={"rows": 2}),
        }


class BandForm(forms.Form):
    rate = forms.DecimalField(label=_("补贴标准（元/单位）"), max_digits=18, decimal_places=7, min_value=0)
    min_age = forms.IntegerField(label=_("最低年龄"), required=False, min_value=0)
    max_age = forms.IntegerField(label=_("最高年龄"), required=False, min_value=0)
    tier = forms.CharField(label=_("档次"), required=False, max_length=32)


BandFormSet = forms.formset_factory(BandForm, extra=3, can_delete=True)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("政策清单文件（CSV 或 Excel）"))
    effective_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    publish = forms.BooleanField(label=_("导入后直接发布（仅财政局）"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("退回理由"), max_length=200)


class DateForm(forms.Form):
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

"""Forms of the policy screens: the version's fields, and its rate table as a formset."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yikatong.core.forms import Fieldset, FieldsetsMixin
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


class VersionForm(FieldsetsMixin, forms.ModelForm):
    """A policy version's fields in the sections of the policy list (清单): the code first, then its basis,
    target and conditions, standard, payment, funding and time limits. The code is asked for a new policy
    only: a version belongs to its policy."""

    code = forms.CharField(label=_("项目代码"), max_length=32, help_text=_("如 GLJT，建立后不能修改"))
    regions = CodeListField(label=_("实施范围（区划代码前缀，分号分隔；空为全县）"), required=False)
    exclusive_with = CodeListField(label=_("互斥项目代码（分号分隔）"), required=False)
    pay_months = MonthListField(label=_("发放月份（分号分隔）"), required=False)

    fieldsets = (
        Fieldset("basic", _("基本信息"), ("code", "name", "effective_from")),
        Fieldset("basis", _("政策依据"), ("basis_doc_no", "basis_title", "basis_file")),
        Fieldset(
            "target",
            _("补贴对象与条件"),
            (
                "target",
                "conditions_text",
                "min_age",
                "max_age",
                "regions",
                "household_head_only",
                "means_tested",
                "exclusive_with",
            ),
        ),
        Fieldset("standard", _("补贴标准"), ("unit", "example_rates")),
        Fieldset("payment", _("发放"), ("frequency", "pay_months", "procedure", "bank_notice_template")),
        Fieldset("funding", _("资金承担"), ("share_central", "share_provincial", "share_county")),
        Fieldset(
            "limits", _("办理时限"), ("publicity_days", "review_days", "payment_days", "disclosure_days")
        ),
    )

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["code"]


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

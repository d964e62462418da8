"""Forms of the registry screens (validation of shape only; rules live in services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yikatong.registry.models import AgentBank, CardStatus, RegistryKind

UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx")


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("数据类别"), choices=RegistryKind.choices)
    file = forms.FileField(label=_("文件（CSV 或 Excel .xlsx）"))
    dry_run = forms.BooleanField(label=_("试导入（只校验，不写入）"), required=False)
    accept_partial = forms.BooleanField(label=_("允许部分导入（错误行不导入，其余导入）"), required=False)
    as_of = forms.DateField(label=_("数据截止日期（比对数据）"), required=False)
    source = forms.CharField(label=_("数据来源（比对数据）"), required=False, max_length=100)

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(UPLOAD_SUFFIXES):
            raise forms.ValidationError(_("只接受 CSV（.csv）或 Excel（.xlsx）文件"))
        if upload.size == 0:
            raise forms.ValidationError(_("文件是空的"))
        return upload


class CardForm(forms.Form):
    bank = forms.ModelChoiceField(label=_("代发银行"), queryset=AgentBank.objects.filter(active=True))
    account_no = forms.CharField(label=_("银行账号"), max_length=40)
    holder_name = forms.CharField(label=_("持卡人姓名"), max_length=32)
    card_no = forms.CharField(label=_("社保卡号"), max_length=32, required=False)
    reason = forms.CharField(label=_("理由（此人有死亡登记时必填）"), max_length=200, required=False)


class CardStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("新状态"), choices=CardStatus.choices)
    reason = forms.CharField(label=_("原因"), max_length=200)


class AgentBankForm(forms.ModelForm):
    class Meta:
        model = AgentBank
        fields = [
            "code",
            "name",
            "branch",
            "file_format",
            "agreement_no",
            "free_of_charge",
            "sms_notice",
            "service_points",
            "active",
        ]
        widgets = {"service_points": forms.Textarea(attrs={"rows": 3})}

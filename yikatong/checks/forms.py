"""Forms of the checks screens (shape only; who may do what, and the rules, live in services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yikatong.checks.engine.catalogue import CATALOGUE, SEVERITY_ZH
from yikatong.checks.models import RULE_REASON_MAX, FindingState, RunKind

# Rules are named in words (the codes are for auditors, in exports and on the audit pages).
RULE_CHOICES = [(code, _(rule.title_zh)) for code, rule in CATALOGUE.items()]
SEVERITY_CHOICES = [(key, _(label)) for key, label in SEVERITY_ZH.items()]
SETTLE_CHOICES = [
    (FindingState.EXPLAINED.value, _("说明情况放行")),
    (FindingState.DISMISSED.value, _("排除疑点")),
    (FindingState.CONFIRMED.value, _("确认属实并退回该行")),
]


class FindingFilterForm(forms.Form):
    rule = forms.ChoiceField(label=_("规则"), choices=[("", _("全部规则")), *RULE_CHOICES], required=False)
    state = forms.ChoiceField(
        label=_("处理状态"), choices=[("", _("全部状态")), *FindingState.choices], required=False
    )
    severity = forms.ChoiceField(
        label=_("严重程度"), choices=[("", _("全部")), *SEVERITY_CHOICES], required=False
    )
    blocking = forms.BooleanField(label=_("只看阻断性疑点"), required=False)
    kind = forms.ChoiceField(label=_("核查类型"), choices=[("", _("全部")), *RunKind.choices], required=False)
    region = forms.RegexField(label=_("乡镇/村"), regex=r"^[0-9]{12}$", required=False)
    policy = forms.CharField(label=_("补贴项目"), max_length=32, required=False)
    period = forms.CharField(label=_("发放期间"), max_length=8, required=False)
    roster = forms.IntegerField(label=_("名册号"), min_value=1, required=False)
    run = forms.IntegerField(label=_("核查批次号"), min_value=1, required=False)


class SettleForm(forms.Form):
    outcome = forms.ChoiceField(label=_("处理方式"), choices=SETTLE_CHOICES)
    reason = forms.CharField(label=_("处理理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class _RunForm(forms.Form):
    policy = forms.CharField(label=_("补贴项目"), max_length=32, required=False)
    region = forms.RegexField(label=_("核查范围"), regex=r"^[0-9]{12}$", required=False)
    rules = forms.MultipleChoiceField(
        label=_("核查规则"), choices=RULE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )


class InflightRunForm(_RunForm):
    period = forms.CharField(label=_("发放期间"), max_length=8)


class PosthocRunForm(_RunForm):
    period_from = forms.CharField(label=_("起始期间"), max_length=8)
    period_to = forms.CharField(label=_("截止期间"), max_length=8, required=False)


class SampleForm(forms.Form):
    size = forms.IntegerField(label=_("抽样数量"), min_value=1, max_value=10000)
    seed = forms.IntegerField(label=_("随机种子（可不填）"), min_value=1, max_value=2**62, required=False)


class RuleChangeForm(forms.Form):
    """The confirmation of one rule's blocking switch: the setting asked for and why."""

    blocking = forms.TypedChoiceField(
        label=_("调整为"),
        choices=[("1", _("阻断发放")), ("0", _("不阻断发放"))],
        coerce=lambda v: v == "1",
        error_messages={"required": _("请选择调整后的设置"), "invalid_choice": _("调整后的设置无效")},
    )
    reason = forms.CharField(
        label=_("调整理由"),
        max_length=RULE_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("请填写调整理由"),
            "max_length": _("调整理由不能超过%(limit_value)d字（现有%(show_value)d字）"),
        },
    )

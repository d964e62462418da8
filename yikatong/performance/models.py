"""Budget and performance targets (预算与绩效目标) per policy and year, versioned, and their public summaries.

A target set is drafted by the competent department and approved by finance together with its budget
("同步审核、同步下达"). Approval writes the budget by funding source into payments' 预算指标 (Budget), the
one table the disbursement checks money against; an adjustment mid-year is a new version, approved the
same way, and the versions before it stay readable (state ``superseded``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yikatong.core.restrict import RestrictedManager, Scope
from yikatong.performance.domain.indicators import CATALOGUE
from yikatong.policies.models import Policy


class SetState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报财政审核")
    RETURNED = "returned", _("财政已退回")
    APPROVED = "approved", _("已同步下达")
    SUPERSEDED = "superseded", _("已由调整版本替代")


class TargetSet(models.Model):
    """One version of a policy's yearly budget and performance targets."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+", verbose_name=_("补贴项目"))
    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    state = models.CharField(_("状态"), max_length=16, choices=SetState.choices, default=SetState.DRAFT)
    budget_fen = models.BigIntegerField(_("预算总额（分）"), default=0)
    central_fen = models.BigIntegerField(_("中央资金（分）"), default=0)
    provincial_fen = models.BigIntegerField(_("省级资金（分）"), default=0)
    county_fen = models.BigIntegerField(_("县级资金（分）"), default=0)
    budget_line = models.CharField(_("预算指标文号"), max_length=64, blank=True, default="")
    lag_margin = models.DecimalField(
        _("执行进度预警幅度（百分点）"), max_digits=5, decimal_places=2, default=10
    )
    reason = models.CharField(_("调整原因"), max_length=300, blank=True, default="")
    comment = models.CharField(_("审核意见"), max_length=300, blank=True, default="")
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(_("起草时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("报审时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("下达时间"), null=True, blank=True)

    scope = Scope(region="policy__region__code", department="policy__department_id", shared_down=True)
    objects = RestrictedManager()

    class Meta:
        ordering = ["policy", "year", "version"]
        verbose_name = _("预算与绩效目标")
        verbose_name_plural = _("预算与绩效目标")
        constraints = [
            models.UniqueConstraint(fields=["policy", "year", "version"], name="one_target_set_version"),
            models.UniqueConstraint(
                fields=["policy", "year"], condition=Q(state="approved"), name="one_approved_target_set"
            ),
            models.UniqueConstraint(
                fields=["policy", "year"],
                condition=Q(state__in=["draft", "submitted", "returned"]),
                name="one_open_target_set",
            ),
            models.CheckConstraint(
                condition=Q(budget_fen__gte=0)
                & Q(central_fen__gte=0)
                & Q(provincial_fen__gte=0)
                & Q(county_fen__gte=0),
                name="target_set_budget_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.year}年 第{self.version}版"


class Target(models.Model):
    """One indicator's target in a target set, its weight in the evaluation, and (only for the survey) the
    typed-in actual."""

    target_set = models.ForeignKey(TargetSet, on_delete=models.CASCADE, related_name="targets")
    indicator = models.CharField(_("指标"), max_length=24, choices=[(i.code, _(i.name)) for i in CATALOGUE])
    target = models.DecimalField(_("目标值"), max_digits=16, decimal_places=2)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2, default=10)
    typed_actual = models.DecimalField(
        _("填报实际值"), max_digits=16, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["target_set", "id"]
        verbose_name = _("绩效目标")
        verbose_name_plural = _("绩效目标")
        constraints = [
            models.UniqueConstraint(fields=["target_set", "indicator"], name="one_target_per_indicator"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="target_weight_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.target_set} {self.indicator}"


class Publication(models.Model):
    """绩效信息公开: a summary of a policy's yearly evaluation published to the public column."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+", verbose_name=_("补贴项目"))
    year = models.PositiveSmallIntegerField(_("年度"))
    target_set = models.ForeignKey(TargetSet, on_delete=models.PROTECT, related_name="+")
    summary = models.JSONField(_("公开摘要"), default=dict)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("公开时间"), default=timezone.now)

    scope = Scope(region="policy__region__code", department="policy__department_id", shared_down=True)
    objects = RestrictedManager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("绩效信息公开")
        verbose_name_plural = _("绩效信息公开")

    def __str__(self) -> str:
        return f"{self.policy} {self.year}年"

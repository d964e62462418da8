"""The subsidy policy list: policies, their versions, and each version's rate table."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yikatong.core.models import Department, Region
from yikatong.core.restrict import RestrictedManager, Scope


class Unit(models.TextChoices):
    MU = "mu", _("亩")
    MONTH = "month", _("月")
    PERSON = "person", _("人")
    HOUSEHOLD = "household", _("户")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("按月")
    QUARTERLY = "quarterly", _("按季")
    YEARLY = "yearly", _("按年")
    ONCE = "once", _("一次性")


class Policy(models.Model):
    """补贴政策: one subsidy of the list, owned by its competent department; its content lives in versions."""

    code = models.CharField(_("项目代码"), max_length=32, unique=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, verbose_name=_("主管部门"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name=_("实施区划"))
    retired_on = models.DateField(_("停止执行日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    scope = Scope(region="region__code", department="department_id", shared_down=True)
    objects = RestrictedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("补贴政策")
        verbose_name_plural = _("补贴政策")

    def __str__(self) -> str:
        return self.code


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待财政审核")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class PolicyVersion(models.Model):
    """政策版本: the policy's content from an effective date on; published versions are never edited."""

    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="versions", verbose_name=_("政策")
    )
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(
        _("状态"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    name = models.CharField(_("项目名称"), max_length=100)
    basis_doc_no = models.CharField(_("政策依据文号"), max_length=100, blank=True)
    basis_title = models.CharField(_("政策依据文件名称"), max_length=200)
    basis_file = models.FileField(_("政策文件"), upload_to="policy-documents/%Y/", blank=True)
    target = models.TextField(_("补贴对象"))
    conditions_text = models.TextField(_("补贴条件"), blank=True)
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("最高年龄"), null=True, blank=True)
    regions = models.JSONField(_("实施范围（区划代码前缀）"), default=list, blank=True)
    household_head_only = models.BooleanField(_("按户发放（只发户主）"), default=False)
    means_tested = models.BooleanField(_("困难救助（经济状况核查）"), default=False)
    exclusive_with = models.JSONField(_("互斥项目"), default=list, blank=True)
    unit = models.CharField(_("计量单位"), max_length=16, choices=Unit.choices)
    frequency = models.CharField(_("发放频次"), max_length=16, choices=Frequency.choices)
    pay_months = models.JSONField(_("发放月份"), default=list, blank=True)
    share_central = models.DecimalField(_("中央承担%"), max_digits=5, decimal_places=2, default=Decimal(0))
    share_provincial = models.DecimalField(_("省级承担%"), max_digits=5, decimal_places=2, default=Decimal(0))
    share_county = models.DecimalField(_("县级承担%"), max_digits=5, decimal_places=2, default=Decimal(100))
    procedure = models.TextField(_("申报流程"), blank=True)
    publicity_days = models.PositiveSmallIntegerField(_("公示天数"), default=7)
    review_days = models.PositiveSmallIntegerField(_("审核时限（天）"), default=10)
    payment_days = models.PositiveSmallIntegerField(_("审批后发放时限（天）"), default=10)
    disclosure_days = models.PositiveSmallIntegerField(_("发放后公开时限（天）"), default=20)
    bank_notice_template = models.TextField(_("银行短信模板"), blank=True)
    example_rates = models.BooleanField(_("标准为示例（未经核实）"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("起草时间"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    scope = Scope(region="policy__region__code", department="policy__department_id", shared_down=True)
    objects = RestrictedManager()

    class Meta:
        ordering = ["policy__code", "number"]
        verbose_name = _("政策版本")
        verbose_name_plural = _("政策版本")
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="one_number_per_version"),
            models.UniqueConstraint(
                fields=["policy", "effective_from"],
                condition=Q(status="published"),
                name="one_published_version_per_effective_date",
            ),
            models.CheckConstraint(condition=Q(publicity_days__gte=7), name="publicity_at_least_7_days"),
            models.CheckConstraint(condition=Q(disclosure_days__lte=20), name="disclosure_within_20_days"),
            models.CheckConstraint(
                condition=Q(share_central__gte=0) & Q(share_provincial__gte=0) & Q(share_county__gte=0),
                name="funding_shares_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.number}版）"


class RateBand(models.Model):
    """补贴标准档次: one rate of a version's rate table, optionally for an age band or a tier."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="bands")
    rate = models.DecimalField(_("补贴标准（元/单位）"), max_digits=18, decimal_places=7)
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("最高年龄"), null=True, blank=True)
    tier = models.CharField(_("档次"), max_length=32, blank=True)

    class Meta:
        ordering = ["version", "min_age", "tier", "pk"]
        verbose_name = _("补贴标准档次")
        verbose_name_plural = _("补贴标准档次")
        constraints = [models.CheckConstraint(condition=Q(rate__gte=0), name="rate_not_negative")]

    def __str__(self) -> str:
        return f"{self.rate}"

"""Rosters (申报名册), their lines, public notice with objections, and every state change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yikatong.core.fields import EncryptedTextField
from yikatong.core.models import Region
from yikatong.core.restrict import RestrictedManager, Scope
from yikatong.policies.models import Policy, PolicyVersion
from yikatong.registry.models import Person
from yikatong.rosters.domain import workflow

# The states in the reader's language (the words are marked in the workflow, which imports no Django).
STATE_CHOICES = [(key, _(label)) for key, label in workflow.LABELS.items()]


class Roster(models.Model):
    """申报名册: who a village declares for one policy and period, and where that declaration stands."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, verbose_name="补贴项目")
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, verbose_name="适用政策版本")
    period = models.CharField("发放期间", max_length=8)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name="村/社区")
    state = models.CharField("状态", max_length=20, choices=STATE_CHOICES, default=workflow.DRAFT)
    # 0: the period's roster; 1, 2, …: a supplementary roster (补报) for late entitlements of the same period.
    supplement = models.PositiveSmallIntegerField(_("补报序号"), default=0)
    revision = models.PositiveIntegerField("修订号", default=0)
    deadline = models.DateTimeField("当前环节办理期限", null=True, blank=True)
    publicity_start = models.DateTimeField("公示开始", null=True, blank=True)
    publicity_end = models.DateTimeField("公示截止", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    scope = Scope(region="village__code", department="policy__department_id")
    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("申报名册")
        verbose_name_plural = _("申报名册")
        constraints = [
            # The period's roster, then its supplementary rosters (补报) numbered 1, 2, … after it.
            models.UniqueConstraint(
                fields=["policy", "period", "village", "supplement"], name="one_roster_per_village_period"
            ),
        ]

    def __str__(self) -> str:
        extra = f" 补报{self.supplement}" if self.supplement else ""
        return f"{self.village.name} {self.period} {self.policy.code}{extra}"


class LineState(models.TextChoices):
    PENDING = "pending", _("待审核")
    ACCEPTED = "accepted", _("乡镇审核通过")
    REJECTED = "rejected", _("审核不通过")
    REMOVED = "removed", _("公示异议成立，已删除")
    APPROVED = "approved", _("主管部门审批通过")
    RETURNED = "returned", _("核查疑点属实，退回村（社区）更正")
    WITHDRAWN = "withdrawn", _("村（社区）已撤回")


# A line's named account is indexed as the card registry indexes its accounts, so its card's holder is found.
CARD_ACCOUNT_INDEX = "card.account_no"


class RosterLine(models.Model):
    """名册行: one person on a roster, with the quantity, the typed amount and the standard amount."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField("序号")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, verbose_name="受益人")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+")
    period = models.CharField("发放期间", max_length=8)
    quantity = models.DecimalField("数量", max_digits=14, decimal_places=4)
    amount_fen = models.BigIntegerField("申报金额（分）")
    standard_fen = models.BigIntegerField("标准金额（分）", null=True, blank=True)
    amount_differs = models.BooleanField("申报金额与标准不符", default=False)
    # The account the line names, if it names one; empty means the person's social security card on file
    # (一人一卡): the checks compare either with the card registry (NO_CARD, ACCOUNT_MISMATCH).
    account_no = EncryptedTextField("银行账号", blank=True, default="", context="line.account_no")
    # The card registry's blind index of that account (context card.account_no), to find its card's holder.
    account_bidx = models.CharField(max_length=64, blank=True, default="", editable=False)
    ineligible_reason = models.CharField("不符合条件的原因", max_length=300, blank=True)
    state = models.CharField("审核状态", max_length=16, choices=LineState.choices, default=LineState.PENDING)
    reason = models.CharField("审核意见", max_length=300, blank=True)

    scope = Scope(region="roster__village__code", department="policy__department_id")
    objects = RestrictedManager()

    class Meta:
        ordering = ["roster", "line_no"]
        verbose_name = _("名册行")
        verbose_name_plural = _("名册行")
        constraints = [
            models.UniqueConstraint(fields=["roster", "line_no"], name="one_line_number_per_roster"),
            models.UniqueConstraint(fields=["roster", "person"], name="one_line_per_person_per_roster"),
            # The same person cannot be approved twice for one policy and period, whatever the roster.
            models.UniqueConstraint(
                fields=["person", "policy", "period"],
                condition=Q(state="approved"),
                name="one_approved_line_per_person_policy_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.roster} #{self.line_no}"


class ObjectionState(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")


class Objection(models.Model):
    """公示异议: an objection against a line (or the whole roster) during public notice, and how it ended."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="objections")
    line = models.ForeignKey(
        RosterLine, on_delete=models.CASCADE, null=True, blank=True, related_name="objections"
    )
    text = models.TextField("异议内容")
    lodged_by = models.CharField("提出人（可匿名）", max_length=64, blank=True)
    channel = models.CharField(
        "来源", max_length=16, choices=[("public", _("网上公示")), ("paper", _("书面/口头"))]
    )
    lodged_at = models.DateTimeField("提出时间", default=timezone.now)
    state = models.CharField(
        "处理结果", max_length=16, choices=ObjectionState.choices, default=ObjectionState.OPEN
    )
    settlement = models.TextField("处理意见", blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    settled_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        ordering = ["lodged_at"]
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self) -> str:
        return f"{self.roster} {self.get_state_display()}"


class RosterEvent(models.Model):
    """名册流转记录: one state change of a roster, who made it, when, and whether it was late."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField("超期办理", default=False)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("名册流转记录")
        verbose_name_plural = _("名册流转记录")

    def __str__(self) -> str:
        return f"{self.from_state}→{self.to_state}"


class UploadState(models.TextChoices):
    CHECKING = "checking", _("正在校验")
    PREVIEWED = "previewed", _("已校验，待确认导入")
    LOADED = "loaded", _("已导入")
    REFUSED = "refused", _("有错误行，未导入")
    UNREADABLE = "unreadable", _("文件无法读取")
    FAILED = "failed", _("处理出错")


class RosterFile(models.Model):
    """名册文件: one file a village clerk uploaded to a roster, checked first (a preview of the good and the
    refused rows), then loaded on confirmation; the stored file and its error report stay with it."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="files")
    file_name = models.CharField("文件名", max_length=255)
    path = models.CharField(max_length=500, editable=False)
    sha256 = models.CharField("文件摘要", max_length=64)
    state = models.CharField("状态", max_length=16, choices=UploadState.choices, default=UploadState.CHECKING)
    accept_partial = models.BooleanField("允许部分导入", default=False)
    total = models.PositiveIntegerField("总行数", default=0)
    good = models.PositiveIntegerField("正确行", default=0)
    rejected = models.PositiveIntegerField("错误行", default=0)
    added = models.PositiveIntegerField("已加入名册", default=0)
    differs = models.PositiveIntegerField("金额与标准不符", default=0)
    ineligible = models.PositiveIntegerField("不符合条件", default=0)
    message = models.TextField("结果说明", blank=True)
    # The first rows of each kind as the clerk sees them (names and ID numbers masked).
    preview = models.JSONField(default=dict, blank=True, editable=False)
    report_csv = models.CharField(max_length=500, blank=True, editable=False)
    report_xlsx = models.CharField(max_length=500, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("上传时间", default=timezone.now)
    loaded_at = models.DateTimeField("导入时间", null=True, blank=True)

    scope = Scope(region="roster__village__code", department="roster__policy__department_id")
    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("名册文件")
        verbose_name_plural = _("名册文件")

    def __str__(self) -> str:
        return f"{self.roster} {self.file_name}"

"""Disbursement: budgets, plans, their lines, payment batches per agent bank, payments (attempts), the files
handed to banks and the returns they send back.

Money is integer fen. A plan's total is the sum of its lines; a batch's total is the sum of its payments and
always equals paid + failed + returned + unknown (a database constraint). A roster line is in one open plan
at most, a plan line has one payment on its way at most and is paid once at most (partial unique indexes).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yikatong.core.fields import EncryptedTextField
from yikatong.core.models import Region
from yikatong.core.restrict import RestrictedManager, Scope
from yikatong.payments.domain import plans
from yikatong.policies.models import Policy, PolicyVersion
from yikatong.registry.models import AgentBank, Person
from yikatong.rosters.models import RosterLine

PLAN_STATES = [(code, _(label)) for code, label in plans.LABELS.items()]
PAYMENT_STATES = [(code, _(label)) for code, label in plans.PAYMENT_LABELS.items()]


class BankSetup(models.Model):
    """How one agent bank takes payment files: its CNAPS code, the county's 代发 unit code there, and for flat
    files the layout (``payments.domain.flatfile.FlatLayout`` as JSON), which an admin edits on a screen."""

    bank = models.OneToOneField(
        AgentBank, on_delete=models.PROTECT, related_name="setup", verbose_name=_("代发银行")
    )
    cnaps = models.CharField(_("联行号（CNAPS）"), max_length=12)
    unit_code = models.CharField(_("代发单位编号"), max_length=32)
    layout_name = models.CharField(_("文件格式名称"), max_length=64, blank=True)
    layout = models.JSONField(_("代发文件格式配置"), default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("代发文件设置")
        verbose_name_plural = _("代发文件设置")
        constraints = [
            models.CheckConstraint(condition=Q(cnaps__regex=r"^[0-9]{12}$"), name="cnaps_twelve_digits"),
        ]

    def __str__(self) -> str:
        return str(self.bank)


class FundingSource(models.TextChoices):
    CENTRAL = "central", _("中央资金")
    PROVINCIAL = "provincial", _("省级资金")
    COUNTY = "county", _("县级资金")


class Budget(models.Model):
    """预算指标: what finance may pay for one policy in one year from one funding source."""

    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="budgets", verbose_name=_("补贴项目")
    )
    year = models.PositiveSmallIntegerField(_("预算年度"))
    source = models.CharField(_("资金来源"), max_length=16, choices=FundingSource.choices)
    amount_fen = models.BigIntegerField(_("预算金额（分）"))
    budget_line = models.CharField(_("预算指标文号"), max_length=64, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    # The approved budget-and-targets version (绩效目标, performance app) that issued this budget, if one
    # did: it is then changed only by approving a new version, never edited on its own.
    target_version = models.PositiveIntegerField(_("下达的预算绩效目标版本"), null=True, blank=True)

    scope = Scope(region="policy__region__code", department="policy__department_id", shared_down=True)
    objects = RestrictedManager()

    class Meta:
        ordering = ["policy", "year", "source"]
        verbose_name = _("预算指标")
        verbose_name_plural = _("预算指标")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "year", "source"], name="one_budget_per_policy_year_source"
            ),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.year} {self.get_source_display()}"


class DisbursementPlan(models.Model):
    """发放计划: approved roster lines of one policy and period in one area, on their way to the cards."""

    number = models.CharField(_("计划编号"), max_length=32, unique=True)
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, verbose_name=_("补贴项目"))
    policy_version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, verbose_name=_("适用政策版本")
    )
    period = models.CharField(_("发放期间"), max_length=8)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name=_("范围"))
    townships = models.JSONField(_("所含乡镇"), default=list, blank=True)
    supplementary = models.BooleanField(_("补报计划"), default=False)
    state = models.CharField(_("状态"), max_length=16, choices=PLAN_STATES, default=plans.DRAFT)
    line_count = models.PositiveIntegerField(_("笔数"), default=0)
    total_fen = models.BigIntegerField(_("金额（分）"), default=0)
    check_run_id = models.BigIntegerField(_("核查批次"), null=True, blank=True)
    deadline = models.DateTimeField(_("当前环节办理期限"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("编制时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("财政审批时间"), null=True, blank=True)
    budget_line = models.CharField(_("预算指标"), max_length=64, blank=True)
    voucher_no = models.CharField(_("支付凭证号"), max_length=64, blank=True)
    comment = models.TextField(_("意见"), blank=True)

    scope = Scope(region="region__code", department="policy__department_id")
    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("发放计划")
        verbose_name_plural = _("发放计划")
        constraints = [
            models.CheckConstraint(condition=Q(total_fen__gte=0), name="plan_total_not_negative"),
            models.UniqueConstraint(
                fields=["voucher_no"], condition=~Q(voucher_no=""), name="one_plan_per_payment_voucher"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class LineStatus(models.TextChoices):
    WAITING = "waiting", _("待发放")
    PAID = "paid", _("已到账")
    FAILED = "failed", _("发放失败，待处理")
    READY = "ready", _("已更正，待补发")
    HELD = "held", _("已达补发次数上限，待财政决定")
    STOPPED = "stopped", _("已停止发放")


class PlanLine(models.Model):
    """One approved roster line in a plan, with the card it is paid to and how its payments went."""

    # (plan, status) serves the plan's own lookups; a separate index on plan alone would only cost writes.
    plan = models.ForeignKey(DisbursementPlan, on_delete=models.CASCADE, related_name="lines", db_index=False)
    roster_line = models.ForeignKey(RosterLine, on_delete=models.PROTECT, related_name="plan_lines")
    # Person and village are copies of the roster line's, and the bank is the card's at build time: the
    # roster line's key already holds them to rows that exist, so the database does not check each of the
    # plan's (hundreds of thousands of) lines against three more tables at commit (bench/disbursement.py).
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, verbose_name=_("受益人"), db_constraint=False
    )
    # Neither village nor bank is looked up across plans by an index of its own: a plan's lines are found
    # by (plan, status), the failed ones by (status, remedy_role); two fewer indexes on every line's write.
    village = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("村/社区"),
        db_constraint=False,
        db_index=False,
    )
    amount_fen = models.BigIntegerField(_("金额（分）"))
    bank = models.ForeignKey(
        AgentBank,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("代发银行"),
        db_constraint=False,
        db_index=False,
    )
    # False once the plan is cancelled: the roster line may then go into another plan.
    active = models.BooleanField(default=True)
    status = models.CharField(
        _("发放状态"), max_length=16, choices=LineStatus.choices, default=LineStatus.WAITING
    )
    attempts = models.PositiveSmallIntegerField(_("发放次数"), default=0)
    reason_code = models.CharField(_("失败原因代码"), max_length=8, blank=True)
    reason_text = models.CharField(_("失败原因"), max_length=200, blank=True)
    remedy_role = models.CharField(_("待办角色"), max_length=32, blank=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    fix_note = models.CharField(_("更正说明"), max_length=300, blank=True)

    scope = Scope(region="village__code", department="plan__policy__department_id")
    objects = RestrictedManager()

    class Meta:
        ordering = ["plan", "id"]
        verbose_name = _("计划行")
        verbose_name_plural = _("计划行")
        constraints = [
            models.UniqueConstraint(
                fields=["roster_line"], condition=Q(active=True), name="one_open_plan_per_line"
            ),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="plan_line_amount_positive"),
        ]
        indexes = [models.Index(fields=["plan", "status"]), models.Index(fields=["status", "remedy_role"])]

    def __str__(self) -> str:
        return f"{self.plan} #{self.pk}"


class BatchState(models.TextChoices):
    CREATED = "created", _("待生成文件")
    FILE_READY = "file_ready", _("文件已生成，待报送")
    SENT = "sent", _("已报送银行")
    REJECTED = "rejected", _("银行整批拒绝")
    PARTLY_PAID = "partly_paid", _("部分到账")
    CLOSED = "closed", _("已办结")


class PaymentBatch(models.Model):
    """发放批次: the payments of one plan for one agent bank in one round (round 1, then re-issues)."""

    plan = models.ForeignKey(DisbursementPlan, on_delete=models.PROTECT, related_name="batches")
    bank = models.ForeignKey(AgentBank, on_delete=models.PROTECT, verbose_name=_("代发银行"))
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    message_id = models.CharField(_("报文标识"), max_length=35, unique=True)
    state = models.CharField(_("状态"), max_length=16, choices=BatchState.choices, default=BatchState.CREATED)
    count = models.PositiveIntegerField(_("笔数"), default=0)
    total_fen = models.BigIntegerField(_("金额（分）"), default=0)
    paid_count = models.PositiveIntegerField(default=0)
    paid_fen = models.BigIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    failed_fen = models.BigIntegerField(default=0)
    returned_count = models.PositiveIntegerField(default=0)
    returned_fen = models.BigIntegerField(default=0)
    unknown_count = models.PositiveIntegerField(default=0)
    unknown_fen = models.BigIntegerField(default=0)
    rejection = models.CharField(_("整批拒绝原因"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("报送时间"), null=True, blank=True)

    # A bank operator sees only their own bank's batches; departments see batches through their plans.
    scope = Scope(region="plan__region__code", department="bank__branch_id")
    objects = RestrictedManager()

    class Meta:
        ordering = ["plan", "round", "bank"]
        verbose_name = _("发放批次")
        verbose_name_plural = _("发放批次")
        constraints = [
            models.UniqueConstraint(fields=["plan", "bank", "round"], name="one_batch_per_plan_bank_round"),
            models.CheckConstraint(
                condition=Q(
                    count=F("paid_count") + F("failed_count") + F("returned_count") + F("unknown_count")
                ),
                name="batch_counts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(total_fen=F("paid_fen") + F("failed_fen") + F("returned_fen") + F("unknown_fen")),
                name="batch_sums_add_up",
            ),
        ]

    def __str__(self) -> str:
        return self.message_id


class Payment(models.Model):
    """One attempt to pay one plan line onto one card account: its own end-to-end id, never reused."""

    # Indexed by (batch, status) and (line, attempt) below: an index on either alone would only cost writes.
    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="payments", db_index=False)
    line = models.ForeignKey(PlanLine, on_delete=models.PROTECT, related_name="payments", db_index=False)
    attempt = models.PositiveSmallIntegerField(_("第几次发放"))
    # Unique by a constraint (below), which on PostgreSQL adds no second, pattern-matching index.
    end_to_end_id = models.CharField(_("交易流水号"), max_length=35)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    holder_name = models.CharField(_("户名"), max_length=64)
    # The card account at the time of the attempt, under the card registry's own encryption context.
    account_no = EncryptedTextField(_("银行账号"), context="card.account_no")
    account_bidx = models.CharField(max_length=64, editable=False)
    status = models.CharField(_("状态"), max_length=16, choices=PAYMENT_STATES, default=plans.PENDING)
    reason_code = models.CharField(_("原因代码"), max_length=8, blank=True)
    reason_text = models.CharField(_("银行说明"), max_length=200, blank=True)
    settled_on = models.DateField(_("到账日期"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    scope = Scope(region="line__village__code", department="batch__bank__branch_id")
    objects = RestrictedManager()

    class Meta:
        ordering = ["batch", "id"]
        verbose_name = _("发放记录")
        verbose_name_plural = _("发放记录")
        constraints = [
            models.UniqueConstraint(fields=["line", "attempt"], name="one_payment_per_line_attempt"),
            models.UniqueConstraint(fields=["end_to_end_id"], name="payment_end_to_end_id_unique"),
            # A line has one payment on its way at most, and is paid once at most.
            models.UniqueConstraint(
                fields=["line"],
                condition=Q(status__in=sorted(plans.IN_FLIGHT)),
                name="one_payment_in_flight_per_line",
            ),
            models.UniqueConstraint(
                fields=["line"], condition=Q(status=plans.PAID), name="one_paid_payment_per_line"
            ),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["batch", "status"])]

    def __str__(self) -> str:
        return self.end_to_end_id


class FileFormat(models.TextChoices):
    PAIN001 = "pain.001", _("ISO 20022 pain.001.001.09")
    FLAT = "flat", _("代发文件")


class PaymentFile(models.Model):
    """The file handed to the bank for one batch: generated once, bytes and digest kept, never rewritten."""

    batch = models.OneToOneField(PaymentBatch, on_delete=models.PROTECT, related_name="file")
    bank = models.ForeignKey(AgentBank, on_delete=models.PROTECT)
    message_id = models.CharField(_("报文标识"), max_length=35)
    file_format = models.CharField(_("格式"), max_length=16, choices=FileFormat.choices)
    layout = models.JSONField(_("文件格式配置"), default=dict, blank=True)
    file_name = models.CharField(_("文件名"), max_length=128)
    path = models.CharField(max_length=500, editable=False)
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    size = models.BigIntegerField(_("字节数"))
    count = models.PositiveIntegerField(_("笔数"))
    total_fen = models.BigIntegerField(_("金额（分）"))
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    scope = Scope(region="batch__plan__region__code", department="bank__branch_id")
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("代发文件")
        verbose_name_plural = _("代发文件")
        constraints = [
            models.UniqueConstraint(fields=["bank", "message_id"], name="one_file_per_bank_message"),
        ]

    def __str__(self) -> str:
        return self.file_name


RETURN_KINDS = {
    "pain.002": _("pain.002 状态报告"),
    "camt.054": _("camt.054 入账通知"),
    "pacs.004": _("pacs.004 退回通知"),
    "flat-success": _("成功回盘文件"),
    "flat-failure": _("失败回盘文件"),
    "success": _("成功回盘文件"),
    "failure": _("失败回盘文件"),
    "unknown": _("无法识别的文件"),
}


class ReturnState(models.TextChoices):
    APPLIED = "applied", _("已导入")
    DUPLICATE = "duplicate", _("重复文件，未改变任何记录")
    REFUSED = "refused", _("文件有误，未导入")


class BankReturn(models.Model):
    """A return file (回盘, pain.002, camt.054, pacs.004) as the bank sent it, and what importing did."""

    bank = models.ForeignKey(AgentBank, on_delete=models.PROTECT, verbose_name=_("代发银行"))
    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="returns"
    )
    kind = models.CharField(_("回盘类型"), max_length=16)
    file_name = models.CharField(_("文件名"), max_length=255)
    path = models.CharField(max_length=500, editable=False)
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    message_id = models.CharField(_("回盘报文标识"), max_length=128, blank=True)
    state = models.CharField(_("结果"), max_length=16, choices=ReturnState.choices)
    lines = models.PositiveIntegerField(_("回盘笔数"), default=0)
    changed = models.PositiveIntegerField(_("改变状态的笔数"), default=0)
    unchanged = models.PositiveIntegerField(_("未改变的笔数"), default=0)
    unknown = models.PositiveIntegerField(_("对不上的笔数"), default=0)
    message = models.TextField(_("说明"), blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)

    scope = Scope(region="batch__plan__region__code", department="bank__branch_id")
    objects = RestrictedManager()

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("银行回盘")
        verbose_name_plural = _("银行回盘")
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "sha256"], condition=Q(state="applied"), name="one_applied_return_per_file"
            ),
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def kind_label(self) -> str:
        """The kind of return in words (成功回盘文件, pain.002 状态报告 …)."""
        return str(RETURN_KINDS.get(self.kind, self.kind))

"""Check runs and their findings (核查疑点): data that people look at, export and settle.

A run records what was checked (kind, period range, policy, region, the rules), which registry snapshots it
compared with, and what it found. Findings of in-flight runs (事前、事中) are one row per subject and rule:
checking the same roster line again updates its finding and keeps how it was settled, so an explanation
given once is not asked for again. Findings of post-hoc runs (事后专项核查) belong to their run: each audit
is its own report.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yikatong.core.restrict import RestrictedManager, Scope
from yikatong.policies.models import Policy
from yikatong.registry.models import Person
from yikatong.rosters.models import Roster, RosterLine


class RunKind(models.TextChoices):
    INFLIGHT = "inflight", _("事前比对（在途名册）")
    POSTHOC = "posthoc", _("事后专项核查")


class RunState(models.TextChoices):
    RUNNING = "running", _("核查中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class CheckRun(models.Model):
    """核查批次: one run of the rule catalogue over a set of lines."""

    kind = models.CharField("核查类型", max_length=16, choices=RunKind.choices)
    state = models.CharField("状态", max_length=16, choices=RunState.choices, default=RunState.RUNNING)
    region_code = models.CharField("核查范围（区划代码）", max_length=12)
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="补贴项目"
    )
    roster = models.ForeignKey(
        Roster, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="名册"
    )
    period_from = models.CharField("起始期间", max_length=8)
    period_to = models.CharField("截止期间", max_length=8)
    rules = models.JSONField("核查规则", default=list)
    skipped = models.JSONField("未核查的规则及原因", default=dict)
    summary = models.JSONField("各规则疑点数", default=list)
    snapshots = models.JSONField("比对数据及快照", default=dict)
    line_count = models.IntegerField("核查行数", default=0)
    finding_count = models.IntegerField("疑点数", default=0)
    sample = models.JSONField("抽样核实的名册行", default=list, blank=True)
    sample_seed = models.BigIntegerField("抽样随机种子", null=True, blank=True)
    # Whether each rule blocked when the run started ({code: {"blocking": …, "county": set here or not}}), so
    # the run reads as it was judged; null for runs made before the settings were recorded.
    rule_settings = models.JSONField("核查时的规则设置", null=True, blank=True)
    error = models.TextField("失败原因", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    scope = Scope(region="region_code")
    objects = RestrictedManager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = "核查批次"
        verbose_name_plural = "核查批次"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_label}"

    @property
    def period_label(self) -> str:
        """The range the run was asked for: “2026-10” or “2026-01 至 2026-12”."""
        if self.period_from == self.period_to:
            return self.period_from
        return gettext("%(first)s 至 %(last)s") % {"first": self.period_from, "last": self.period_to}


class CheckedLine(models.Model):
    """核查批次核查的名册行: the lines a post-hoc run read, the population its sample is drawn from."""

    run = models.ForeignKey(CheckRun, on_delete=models.CASCADE, related_name="+")
    line = models.ForeignKey(RosterLine, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "核查批次核查的名册行"
        verbose_name_plural = "核查批次核查的名册行"
        constraints = [models.UniqueConstraint(fields=["run", "line"], name="one_checked_line_per_run")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.line_id}"


class FindingState(models.TextChoices):
    OPEN = "open", _("待处理")
    EXPLAINED = "explained", _("已说明")
    CONFIRMED = "confirmed", _("疑点属实")
    DISMISSED = "dismissed", _("已排除")


SETTLED_STATES = (FindingState.EXPLAINED, FindingState.CONFIRMED, FindingState.DISMISSED)


class Finding(models.Model):
    """核查疑点: what one rule found about one roster line (or one roster's time limit)."""

    kind = models.CharField("核查类型", max_length=16, choices=RunKind.choices)
    run = models.ForeignKey(
        CheckRun, on_delete=models.PROTECT, related_name="findings", verbose_name="最近核查"
    )
    first_run = models.ForeignKey(
        CheckRun, on_delete=models.PROTECT, related_name="+", verbose_name="首次发现"
    )
    # What the finding is about, built from the engine's structured subject: "line:<id>", a roster's step
    # "roster:<id>:<state awaited>:<deadline>", or "missed:<person>:<policy>:<period>".
    subject = models.CharField("疑点对象", max_length=200)
    rule = models.CharField("规则代码", max_length=24)
    severity = models.CharField("严重程度", max_length=8)
    blocking = models.BooleanField("阻断发放", default=False)
    line = models.ForeignKey(
        RosterLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="findings"
    )
    roster = models.ForeignKey(Roster, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+", verbose_name="补贴项目")
    period = models.CharField("发放期间", max_length=8)
    region_code = models.CharField("村/社区代码", max_length=12, db_index=True)
    detail = models.TextField("说明")
    state = models.CharField(
        "处理状态", max_length=16, choices=FindingState.choices, default=FindingState.OPEN
    )
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    settled_at = models.DateTimeField("处理时间", null=True, blank=True)
    settle_reason = models.TextField("处理意见", blank=True)
    found_at = models.DateTimeField("发现时间", default=timezone.now)

    scope = Scope(region="region_code", department="policy__department_id")
    objects = RestrictedManager()

    class Meta:
        ordering = ["-found_at", "rule", "pk"]
        verbose_name = "核查疑点"
        verbose_name_plural = "核查疑点"
        indexes = [models.Index(fields=["state", "rule"]), models.Index(fields=["period", "policy"])]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "rule"],
                condition=Q(kind="inflight"),
                name="one_inflight_finding_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.subject}"

    @property
    def is_open_blocking(self) -> bool:
        """Whether this finding still stops its line."""
        return self.blocking and self.state == FindingState.OPEN


RULE_REASON_MAX = 500


class RuleSetting(models.Model):
    """One rule's local setting: whether its findings stop lines until settled (default: the catalogue)."""

    code = models.CharField("规则代码", max_length=24, unique=True)
    blocking = models.BooleanField("阻断发放")
    reason = models.TextField("调整理由", max_length=RULE_REASON_MAX, blank=True, default="")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("修改时间", default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = "核查规则设置"
        verbose_name_plural = "核查规则设置"

    def __str__(self) -> str:
        return self.code

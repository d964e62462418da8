"""Disclosure: what a disclosure officer approved for the public portal, one revision at a time.

A disclosure is one policy, period and village, published once (revision 1) and corrected by new revisions
(2, 3, …) that supersede it; nothing published is ever edited or deleted. Its lines hold masked values
only — the payment they show is a key the public side never reads.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yikatong.core.models import Region
from yikatong.core.restrict import RestrictedManager, Scope
from yikatong.payments.models import Payment
from yikatong.policies.models import Policy


class DisclosureState(models.TextChoices):
    PUBLISHED = "published", _("已公开")
    SUPERSEDED = "superseded", _("已由更正版本替代")


class Disclosure(models.Model):
    """补贴发放公开: one revision of the disclosure of a policy's payments in one village for one period.

    The 20-working-day clock runs from ``clock_started_on`` (the first payment not yet disclosed, or the
    change that made a correction due) to ``due_on``; a revision published after ``due_on`` was late.
    """

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+", verbose_name=_("补贴项目"))
    period = models.CharField(_("发放期间"), max_length=8)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("村/社区"))
    revision = models.PositiveSmallIntegerField(_("版本"), default=1)
    state = models.CharField(
        _("状态"), max_length=16, choices=DisclosureState.choices, default=DisclosureState.PUBLISHED
    )
    clock_started_on = models.DateField(_("公开时限起算日"))
    due_on = models.DateField(_("应公开日期"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("审核人")
    )
    approved_at = models.DateTimeField(_("审核时间"), default=timezone.now)
    published_at = models.DateTimeField(_("公开时间"), default=timezone.now)
    published_on = models.DateField(_("公开日期"))
    change_note = models.CharField(_("更正说明"), max_length=500, blank=True)
    line_count = models.PositiveIntegerField(_("笔数"), default=0)
    total_fen = models.BigIntegerField(_("金额（分）"), default=0)
    withdrawn_count = models.PositiveIntegerField(_("撤回笔数"), default=0)

    scope = Scope(region="village__code")
    objects = RestrictedManager()

    class Meta:
        ordering = ["village", "policy", "period", "revision"]
        verbose_name = _("补贴发放公开")
        verbose_name_plural = _("补贴发放公开")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "policy", "period", "revision"], name="one_disclosure_per_revision"
            ),
            # One current revision per policy, period and village; earlier ones stay, superseded.
            models.UniqueConstraint(
                fields=["village", "policy", "period"],
                condition=Q(state="published"),
                name="one_current_disclosure",
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="disclosure_revision_positive"),
        ]
        indexes = [models.Index(fields=["policy", "period", "village"], name="disclosure_policy_period")]

    def __str__(self) -> str:
        return f"{self.village_id} {self.period} #{self.revision}"

    @property
    def late(self) -> bool:
        """Published after its due date."""
        return self.published_on > self.due_on


class DisclosedLine(models.Model):
    """公开明细: one payment as the public sees it — masked name and ID number, amount, dates, change note.

    No clear personal data is stored here. ``payment`` only lets the staff side find what changed since.
    A withdrawn line stays visible in the revision that withdraws it, with its note, outside the totals.
    """

    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="lines", db_index=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="+", db_index=False)
    # Copies of the disclosure's, so the public pages page through one index without a join.
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    period = models.CharField(_("发放期间"), max_length=8)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    name_masked = models.CharField(_("姓名"), max_length=32)
    id_masked = models.CharField(_("身份证号"), max_length=18)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    paid_on = models.DateField(_("发放日期"))
    disclosed_on = models.DateField(_("公开日期"))
    withdrawn = models.BooleanField(_("已撤回"), default=False)
    change_note = models.CharField(_("更正说明"), max_length=300, blank=True)

    scope = Scope(region="village__code")
    objects = RestrictedManager()

    class Meta:
        ordering = ["village", "policy", "period", "id"]
        verbose_name = _("公开明细")
        verbose_name_plural = _("公开明细")
        indexes = [
            # The public pages' keyset orders: by village (and township, a range of village codes) …
            models.Index(fields=["village", "policy", "period", "id"], name="disclosed_village_keyset"),
            # … by policy and period across the county, and by masked name for a search.
            models.Index(fields=["policy", "period", "village", "id"], name="disclosed_policy_keyset"),
            models.Index(fields=["name_masked", "id"], name="disclosed_name_keyset"),
            models.Index(fields=["disclosure", "id"], name="disclosed_revision_lines"),
            models.Index(fields=["payment"], name="disclosed_payment"),
        ]

    def __str__(self) -> str:
        return f"{self.disclosure} {self.name_masked}"


class Withdrawal(models.Model):
    """撤回: a disclosed payment to be taken off the disclosure after a confirmed finding (核实不符).

    It makes a correction due; the revision that withdraws the line applies it (nothing is changed here).
    """

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="+", verbose_name=_("发放记录")
    )
    reason = models.CharField(_("撤回原因"), max_length=300)
    # What confirmed it (a finding's or a complaint's number), for the auditor's trail.
    source = models.CharField(_("依据"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("提出时间"), default=timezone.now)

    scope = Scope(region="payment__line__village__code")
    objects = RestrictedManager()

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("公开撤回")
        verbose_name_plural = _("公开撤回")
        constraints = [models.UniqueConstraint(fields=["payment"], name="one_withdrawal_per_payment")]

    def __str__(self) -> str:
        return f"撤回 {self.payment_id}"

"""Complaints and reports from the public (投诉举报), their trail of events and their attachments."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yikatong.complaints.domain import rules
from yikatong.core.fields import EncryptedTextField
from yikatong.core.models import Department, Region
from yikatong.core.restrict import RestrictedManager, Scope
from yikatong.disclosure.models import Disclosure
from yikatong.payments.models import Payment
from yikatong.policies.models import Policy
from yikatong.rosters.models import RosterLine


class Complaint(models.Model):
    """投诉举报: what one member of the public filed, where it was sent, until when, and how it ended.

    The complainant's secret is kept only as a password hash; their name, phone and ID number are
    encrypted, the ID number with the registry's blind index so that the personal lookup can list what
    they filed and is still open.
    """

    number = models.CharField(_("受理编号"), max_length=20, unique=True)
    secret_hash = models.CharField(max_length=128)
    kind = models.CharField(
        _("类型"), max_length=16, choices=[(k, _(v)) for k, v in rules.KIND_LABELS.items()]
    )
    # What it is about (each optional; at least a policy or a place).
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("补贴项目")
    )
    policy_name = models.CharField(_("补贴项目名称"), max_length=100, blank=True, default="")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所涉地区"))
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("发放记录")
    )
    roster_line = models.ForeignKey(
        RosterLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("名册人员"),
    )
    disclosure = models.ForeignKey(
        Disclosure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("公开记录"),
    )
    about_person = models.CharField(_("被投诉举报人"), max_length=32, blank=True, default="")
    text = models.TextField(_("投诉举报内容"))
    # Who filed it: nobody (anonymous) or their contact details, encrypted.
    anonymous = models.BooleanField(_("匿名"), default=True)
    contact_name = EncryptedTextField(_("联系人姓名"), blank=True, default="", context="complaint.name")
    contact_phone = EncryptedTextField(_("联系电话"), blank=True, default="", context="complaint.phone")
    contact_id_number = EncryptedTextField(
        _("身份证号"), blank=True, default="", context="complaint.id_number"
    )
    contact_id_bidx = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    # Who handles it, and until when.
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办部门"),
    )
    routed_by_policy = models.BooleanField(_("按补贴项目分办"), default=False)
    state = models.CharField(
        _("状态"),
        max_length=16,
        choices=[(k, _(v)) for k, v in rules.STATE_LABELS.items()],
        default=rules.RECEIVED,
    )
    filed_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    due_on = models.DateField(_("办理期限"))
    result = models.CharField(
        _("办理结果"),
        max_length=16,
        blank=True,
        default="",
        choices=[(k, _(v)) for k, v in rules.RESULT_LABELS.items()],
    )
    action_taken = models.TextField(_("处理措施"), blank=True, default="")
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finding_id = models.BigIntegerField(_("核查疑点"), null=True, blank=True)

    scope = Scope(region="region__code", department="department_id")
    objects = RestrictedManager()

    class Meta:
        ordering = ["-filed_at", "-pk"]
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")
        indexes = [
            models.Index(fields=["state", "due_on"], name="complaint_state_due_idx"),
            models.Index(fields=["department", "state"], name="complaint_dept_state_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="closed") | Q(result=""), name="complaint_result_only_when_closed"
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | ~Q(result=""), name="complaint_closed_has_result"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        """Whether the complaint still waits on its department."""
        return self.state in rules.OPEN_STATES

    def overdue_on(self, today: dt.date) -> bool:
        """Whether it is still open past its deadline on ``today``."""
        return self.is_open and today > self.due_on


class ComplaintEvent(models.Model):
    """投诉举报办理记录: one step of a complaint's trail (filed, routed, a reply, a request for information,
    the complainant's answer, a reassignment with its reason, an internal note, the closure). Append-only."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(
        _("办理环节"), max_length=16, choices=[(k, _(v)) for k, v in rules.EVENT_LABELS.items()]
    )
    text = models.TextField(_("内容"), blank=True, default="")
    state_after = models.CharField(_("办理后状态"), max_length=16)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办部门"),
    )
    from_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("原承办部门"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)

    scope = Scope(region="complaint__region__code", department="complaint__department_id")
    objects = RestrictedManager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("投诉举报办理记录")
        verbose_name_plural = _("投诉举报办理记录")

    def __str__(self) -> str:
        return f"{self.complaint_id}:{self.kind}"

    @property
    def public(self) -> bool:
        """Whether the complainant sees this step."""
        return self.kind in rules.PUBLIC_EVENTS


class Attachment(models.Model):
    """投诉举报附件: an image or PDF handed in with a complaint, kept outside the web root under the data
    directory and served only to its handlers and auditors."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(
        ComplaintEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    stored_name = models.CharField(max_length=64, unique=True)
    original_name = models.CharField(_("文件名"), max_length=120)
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.IntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    scope = Scope(region="complaint__region__code", department="complaint__department_id")
    objects = RestrictedManager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("投诉举报附件")
        verbose_name_plural = _("投诉举报附件")

    def __str__(self) -> str:
        return self.original_name

"""The notification outbox: one row per notice to a beneficiary (逐项告知), from queued to delivered.

A notice is written in the transaction of whatever causes it (a payment found paid) and sent only after that
transaction commits, by a worker. Its dedup key (``payment:<id>``) is unique, so the same payment never
gives two notices however often its return is imported. The times (queued, sent, delivered) are kept for the
time limits of the checks (迟发: payment → notice).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yikatong.core.fields import EncryptedTextField
from yikatong.core.models import Region
from yikatong.core.restrict import RestrictedManager, Scope
from yikatong.notices.domain import outbox
from yikatong.registry.models import Person

STATES = [(code, _(label)) for code, label in outbox.LABELS.items()]


class Notification(models.Model):
    """逐项告知短信: one itemised notice to a beneficiary (policy, period, amount, pay date, bank), its text,
    the named parameters the SMS gateway fills its registered template with, and every try to send it."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="notifications", verbose_name=_("受益人")
    )
    # Indexed by (village, queued_at) below; an index on village alone would only cost every notice's write.
    village = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("村/社区"), db_index=False
    )
    # The same context as the person's own phone, so a phone on file is copied without being decrypted.
    phone = EncryptedTextField(_("手机号"), blank=True, default="", context="person.phone")
    template_code = models.CharField(_("短信模板编号"), max_length=64)
    params = models.JSONField(_("模板参数"), default=dict)
    signature = models.CharField(_("短信签名"), max_length=32)
    text = models.TextField(_("短信内容"))
    source_kind = models.CharField(_("来源类型"), max_length=32)
    source_id = models.CharField(_("来源编号"), max_length=64)
    # Unique by a constraint (below), which on PostgreSQL adds no second, pattern-matching index.
    dedup_key = models.CharField(_("去重键"), max_length=128)
    state = models.CharField(_("状态"), max_length=16, choices=STATES, default=outbox.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("最多发送次数"))
    provider_message_id = models.CharField(_("短信平台回执编号"), max_length=128, blank=True)
    last_error = models.CharField(_("失败原因"), max_length=500, blank=True)
    # Which worker's try holds a notice that is being sent, so only that try records the answer.
    claim = models.CharField(max_length=64, blank=True, editable=False)
    queued_at = models.DateTimeField(_("排队时间"), default=timezone.now)
    claimed_at = models.DateTimeField(_("最近发送时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送成功时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("下次发送时间"), null=True, blank=True)

    scope = Scope(region="village__code")
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("告知短信")
        verbose_name_plural = _("告知短信")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notice_due"),
            models.Index(fields=["source_kind", "source_id"], name="notice_source"),
            models.Index(fields=["village", "queued_at"], name="notice_village_time"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["dedup_key"], name="notice_dedup_key_unique"),
            models.CheckConstraint(condition=Q(state__in=list(outbox.LABELS)), name="notice_state_known"),
            models.CheckConstraint(
                condition=Q(attempts__lte=F("max_attempts")), name="notice_attempts_capped"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[outbox.SENT, outbox.DELIVERED])
                | (Q(sent_at__isnull=False) & ~Q(provider_message_id="")),
                name="notice_sent_has_receipt",
            ),
            models.CheckConstraint(
                condition=~Q(state=outbox.DELIVERED) | Q(delivered_at__isnull=False),
                name="notice_delivered_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=sorted(outbox.DUE)) | Q(next_attempt_at__isnull=False),
                name="notice_due_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"告知短信 {self.dedup_key}"

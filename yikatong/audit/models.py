"""Append-only, hash-chained audit events."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yikatong.core.restrict import RestrictedManager, Scope


class AuditEvent(models.Model):
    """审计日志: one recorded change or sensitive read, chained to the one before by SHA-256."""

    seq = models.BigIntegerField("序号", primary_key=True)
    occurred_at = models.DateTimeField("时间", db_index=True)
    actor_id = models.BigIntegerField("操作人ID", null=True, blank=True)
    actor_name = models.CharField("操作人", max_length=64, blank=True)
    actor_role = models.CharField("角色", max_length=32, blank=True)
    ip = models.CharField("IP地址", max_length=64, blank=True)
    request_id = models.CharField("请求号", max_length=64, blank=True)
    channel = models.CharField("渠道", max_length=16, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True, db_index=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    region_code = models.CharField("区划", max_length=12, blank=True, db_index=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    prev_hash = models.CharField("上一条摘要", max_length=64)
    hash = models.CharField("摘要", max_length=64, unique=True)

    # Events without a region (logins of county users, system events) belong to the county.
    scope = Scope(region="region_code")
    objects = RestrictedManager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def digest_payload(self) -> dict[str, object]:
        """The fields the chain digests, in the form they were digested."""
        return {
            "seq": self.seq,
            "occurred_at": self.occurred_at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "actor_role": self.actor_role,
            "ip": self.ip,
            "request_id": self.request_id,
            "channel": self.channel,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "region_code": self.region_code,
            "before": self.before,
            "after": self.after,
            "prev_hash": self.prev_hash,
        }


class AuditChainHead(models.Model):
    """The chain's tail (one row): locked by every append, so events are numbered without gaps."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"

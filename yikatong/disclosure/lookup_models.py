"""The personal lookup's one-time codes (imported by the app's models module, so that Django sees them)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from yikatong.registry.models import Person


class LookupCode(models.Model):
    """个人查询验证码: one code sent to the phone on file for one lookup, kept only as a keyed hash.

    A request for an ID number that finds nobody makes a row too (no person, a code nobody receives), so
    that both requests do the same work and answer alike. The challenge the page carries is stored only as
    a hash; a code works once, until it expires, for a few tries."""

    challenge_hash = models.CharField("查询凭据摘要", max_length=64, unique=True)
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="受益人"
    )
    id_bidx = models.CharField(max_length=64, editable=False)
    code_hash = models.CharField("验证码摘要", max_length=64)
    created_at = models.DateTimeField("发送时间", default=timezone.now)
    expires_at = models.DateTimeField("失效时间")
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    max_attempts = models.PositiveSmallIntegerField("最多尝试次数", default=5)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    objects: models.Manager[LookupCode] = models.Manager()

    class Meta:
        verbose_name = "个人查询验证码"
        verbose_name_plural = "个人查询验证码"
        indexes = [models.Index(fields=["expires_at"], name="lookup_code_expiry")]
        constraints = [
            models.CheckConstraint(
                condition=Q(attempts__lte=F("max_attempts")), name="lookup_code_attempts_capped"
            ),
        ]

    def __str__(self) -> str:
        return f"个人查询验证码 {self.pk}"

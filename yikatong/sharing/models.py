"""数据共享: the answers kept for idempotency keys, and each department's last push and pull."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yikatong.core.restrict import RestrictedManager, Scope


class IdempotentRequest(models.Model):
    """幂等请求: the first answer to a POST made with an ``Idempotency-Key``, replayed for the same key.

    ``principal`` is who sent it (``token:<id>`` or ``user:<id>``); the unique rule on (principal, key) is
    what makes a concurrent replay wait for the first request's transaction and then read its answer.
    """

    principal = models.CharField(_("调用方"), max_length=40)
    key = models.CharField(_("幂等键"), max_length=200)
    method = models.CharField(_("方法"), max_length=8)
    path = models.CharField(_("路径"), max_length=300)
    body_sha256 = models.CharField(_("请求摘要"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("状态码"), default=0)
    content_type = models.CharField(_("内容类型"), max_length=100, blank=True)
    response_body = models.BinaryField(_("应答"), default=b"")
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("幂等请求")
        verbose_name_plural = _("幂等请求")
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="one_answer_per_key")]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"


class Direction(models.TextChoices):
    PUSH = "push", _("报送")
    PULL = "pull", _("获取")


class SharingUse(models.Model):
    """数据共享记录: a department's last call of one API operation in one region (one row, upserted).

    The audit log keeps every call; this keeps the latest per department, region and operation, so the
    status page reads a few rows instead of the log.
    """

    department = models.ForeignKey(
        "core.Department", on_delete=models.CASCADE, related_name="+", verbose_name=_("部门")
    )
    region = models.ForeignKey(
        "core.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("区划")
    )
    operation = models.CharField(_("接口"), max_length=120)
    direction = models.CharField(_("方向"), max_length=8, choices=Direction.choices)
    last_at = models.DateTimeField(_("最近调用"))
    last_status = models.PositiveSmallIntegerField(_("最近状态码"))
    last_rows = models.IntegerField(_("最近行数"), default=0)
    calls = models.PositiveIntegerField(_("调用次数"), default=0)
    last_token = models.ForeignKey(
        "accounts.ApiToken", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("令牌")
    )
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("账号"),
    )

    scope = Scope(region="region__code", department="department_id")
    objects = RestrictedManager()

    class Meta:
        ordering = ["department", "region", "operation"]
        verbose_name = _("数据共享记录")
        verbose_name_plural = _("数据共享记录")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "region", "operation"], name="one_use_per_operation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.operation}"

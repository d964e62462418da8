"""Background task runs with their progress, and the worker processes that run them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yikatong.core.restrict import RestrictedManager, Scope


class TaskStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("执行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


class TaskRun(models.Model):
    """后台任务: one long job (an import, a check, a file) with its progress, as users see it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task_path = models.CharField("任务", max_length=200)
    title = models.CharField("名称", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="发起人"
    )
    region_code = models.CharField("区划", max_length=12, db_index=True)
    arguments = models.JSONField("参数", default=dict)
    status = models.CharField("状态", max_length=16, choices=TaskStatus.choices, default=TaskStatus.QUEUED)
    done = models.BigIntegerField("已处理", default=0)
    total = models.BigIntegerField("总数", default=0)
    message = models.CharField("进度说明", max_length=500, blank=True)
    result = models.JSONField("结果", null=True, blank=True)
    error = models.TextField("错误", blank=True)
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)
    max_attempts = models.PositiveSmallIntegerField("最多执行次数", default=1)
    result_id = models.CharField("队列任务号", max_length=64, blank=True, db_index=True)
    worker_id = models.CharField("工作进程", max_length=64, blank=True)
    created_at = models.DateTimeField("提交时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    scope = Scope(region="region_code")
    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        """Progress in whole percent (0 when the total is not yet known)."""
        if self.status == TaskStatus.SUCCEEDED:
            return 100
        if self.total <= 0:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def finished(self) -> bool:
        """Whether the run has ended, well or badly."""
        return self.status in {TaskStatus.SUCCEEDED, TaskStatus.FAILED}


class WorkerProcess(models.Model):
    """工作进程: a running `yikatong worker`, which proves it is alive with a heartbeat."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=200)
    pid = models.IntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("工作进程")
        verbose_name_plural = _("工作进程")

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"

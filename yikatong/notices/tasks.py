"""Background work of the notices: the run that empties the outbox, and when the next one is due.

A run is queued after every transaction that put notices in the outbox (or sent one again by hand); it
sends whatever is due then, asks for delivery reports, and, when retries, interrupted tries or reports are
still to come, queues the next run for that moment (``run_after``), unless a run already waiting will come
by then. Runs are the system's own (no user started them) and belong to the county.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from yikatong.core.models import county
from yikatong.notices import sending
from yikatong.notices.providers import sms_provider
from yikatong.tasks.models import TaskRun, TaskStatus
from yikatong.tasks.services import Progress, task_start, tracked_task

TITLE = "发送逐项告知短信"


def _waiting_until() -> list[dt.datetime | None]:
    """When each queued sending run is due (None: as soon as a worker is free)."""
    due: list[dt.datetime | None] = []
    queued = TaskRun.objects.filter(task_path=send_notices.module_path, status=TaskStatus.QUEUED)
    for arguments in queued.values_list("arguments", flat=True):
        text = (arguments or {}).get("not_before", "") if isinstance(arguments, dict) else ""
        due.append(parse_datetime(text) if text else None)
    return due


def start_sending(*, when: dt.datetime | None = None) -> TaskRun | None:
    """Queue a sending run due at ``when`` (now when None), unless one already queued is due by then."""
    now = timezone.now()
    at = when if when is not None and when > now else None
    for waiting in _waiting_until():
        if waiting is None or (at is not None and waiting <= at):
            return None
    region = county()
    return task_start(
        task=send_notices if at is None else send_notices.using(run_after=at),
        title=TITLE,
        user=None,
        arguments={"not_before": at.isoformat()} if at is not None else {},
        region_code=region.code if region is not None else f"{settings.YIKATONG_COUNTY_CODE}000000",
        max_attempts=3,
    )


@tracked_task(title=TITLE)
def send_notices(run: TaskRun, progress: Progress, *, not_before: str = "") -> dict[str, Any]:
    """Send the due notices, record the gateway's answers and reports, and queue the next run if needed."""
    outcome = sending.send_due(sms_provider(), progress=progress)
    after = sending.next_wake(now=timezone.now())
    if after is not None:
        start_sending(when=after)
    return {**dict(outcome.counts), "summary": outcome.summary()}

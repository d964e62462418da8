"""The demo's story, told on its own dates: each step runs at "so many days ago", so that its history reads
as a county's would (a September roster noticed for its seven days in September, a deadline after the
roster it belongs to), and the last steps happen now.

The clock is moved with time-machine, which sets back every clock Python reads (``timezone.now``, model
defaults, ``date.today``) while the step runs and ticks on from there; only the demo loader uses it, before
the server starts. Steps must go forward in time, as the audit log's sequence does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import time_machine
from django.utils import timezone


class StoryClock:
    """Run the demo's steps at days before the real now, always forward."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        self.now = now or timezone.now()
        self._last = self.now - dt.timedelta(days=10_000)

    @contextmanager
    def days_ago(self, days: float, *, hour: int = 9) -> Iterator[dt.datetime]:
        """Run the block as if it were ``days`` days ago at about ``hour`` o'clock (never earlier than the
        previous step: the story only goes forward)."""
        local = timezone.localtime(self.now) - dt.timedelta(days=days)
        moment = local.replace(hour=hour, minute=0, second=0, microsecond=0) if days >= 1 else local
        moment = max(moment, self._last + dt.timedelta(seconds=1))
        with time_machine.travel(moment, tick=True):
            yield moment
            self._last = timezone.now()

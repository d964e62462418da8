"""A notice's states, the retry schedule, and what becomes of a notice after each answer (no Django imports).

A notice (逐项告知短信) waits in the outbox (``queued``) until a worker takes it (``sending``) and hands it to
the SMS gateway. The gateway accepts it (``sent``) and later reports it ``delivered``, or it refuses or fails
to deliver it: the notice is then ``failed`` and tried again after a growing pause, until its attempts are
spent (``gave_up``). Finance may send a failed or given-up notice again by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


def gettext_noop(text: str) -> str:
    """Marks a label for the translation catalogue; screens translate it when they show it."""
    return text


QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
DELIVERED = "delivered"
FAILED = "failed"
GAVE_UP = "gave_up"

LABELS = {
    QUEUED: gettext_noop("待发送"),
    SENDING: gettext_noop("发送中"),
    SENT: gettext_noop("已发送"),
    DELIVERED: gettext_noop("已送达"),
    FAILED: gettext_noop("发送失败，待重试"),
    GAVE_UP: gettext_noop("发送失败，已停止重试"),
}

# The notices a worker takes when they are due; the notices a person may send again by hand.
DUE = frozenset({QUEUED, FAILED})
RETRYABLE = frozenset({FAILED, GAVE_UP})

# Why a notice failed, in the words the page shows (the gateway's own text follows where it gave one).
NO_PHONE = gettext_noop("未登记联系电话，无法发送")
INTERRUPTED = gettext_noop("发送过程中断（工作进程停止），结果未知，已重新排队")
INTERRUPTED_LAST = gettext_noop("发送过程中断（工作进程停止），结果未知，已达最多发送次数")


def backoff(attempts: int, base: dt.timedelta) -> dt.timedelta:
    """The pause before the next try after ``attempts`` tries: base, then doubling, at most a day."""
    return min(base * (2 ** max(attempts - 1, 0)), dt.timedelta(days=1))


@dataclass(frozen=True)
class AfterFailure:
    """Where a failed try leaves a notice: its state, and when it is tried next (None: never)."""

    state: str
    next_attempt_at: dt.datetime | None


def after_failure(*, attempts: int, max_attempts: int, now: dt.datetime, base: dt.timedelta) -> AfterFailure:
    """A notice that failed its ``attempts``-th try waits for the next, or is given up when none is left."""
    if attempts >= max_attempts:
        return AfterFailure(GAVE_UP, None)
    return AfterFailure(FAILED, now + backoff(attempts, base))


def next_poll(*, youngest_sent_age: dt.timedelta, interval: dt.timedelta) -> dt.timedelta:
    """How long to wait before asking the gateway again for delivery reports: soon after sending, then less
    often as the youngest message waiting for its report grows older (a quarter of its age)."""
    return max(interval, youngest_sent_age / 4)

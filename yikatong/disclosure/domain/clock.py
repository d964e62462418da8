"""The disclosure's 20-working-day clock and the public masks (pure rules, no Django)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

# 发放后 20 个工作日内公开 (the plan's time limit from payment, or from the change, to disclosure).
DISCLOSURE_WORKING_DAYS = 20


def due_on(started: dt.date, add_working_days: Callable[[dt.date, int], dt.date]) -> dt.date:
    """The last day a disclosure whose clock started on ``started`` is on time."""
    return add_working_days(started, DISCLOSURE_WORKING_DAYS)


def days_left(today: dt.date, due: dt.date, working_days_between: Callable[[dt.date, dt.date], int]) -> int:
    """Working days left until ``due`` (0 on the due day itself, negative once late)."""
    if today <= due:
        return working_days_between(today, due)
    return -working_days_between(due, today)


def mask_id_public(number: str | None) -> str:
    """232722198001011234 → 2327**********1234: what the public pages show (less than staff screens)."""
    if not number:
        return ""
    if len(number) < 10:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]

"""Working days by the Chinese holiday calendar: the one place every deadline counts them.

The State Council's yearly holiday notice (法定节假日 and the weekend days that become working days, 调休)
comes from ``chinese-calendar``, which ships the notices as data, so nothing is fetched at run time. A year
the package does not know yet (each notice is published in the autumn before) counts Monday to Friday as
working days; :func:`calendar_known` says whether a date's year is covered, so a page can say its deadline
is provisional.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=1)
def _known_years() -> range:
    days = [*chinese_calendar.holidays, *chinese_calendar.workdays]
    years = sorted({day.year for day in days})
    return range(years[0], years[-1] + 1)


def calendar_known(day: dt.date) -> bool:
    """Whether the holiday notice for ``day``'s year is in the calendar."""
    return day.year in _known_years()


def is_working_day(day: dt.date) -> bool:
    """A working day: by the holiday notice where known, else Monday to Friday."""
    if calendar_known(day):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted); 0 gives ``start``.

    ``add_working_days(2026-09-30, 1)`` is 2026-10-08: 国庆 runs 10-01 to 10-07 in 2026.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    left = days
    while left:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not after ``start``)."""
    if end <= start:
        return 0
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count

"""Whether a registry was refreshed in its period: deaths monthly, cadres quarterly, land yearly."""

from __future__ import annotations

import datetime as dt

from yikatong.sharing.domain.freshness import CURRENT, DUE, NEVER, OVERDUE, freshness, period_start

DEC_2 = dt.date(2026, 12, 2)


def test_periods_start_on_the_month_quarter_and_year() -> None:
    assert period_start(DEC_2, 1) == dt.date(2026, 12, 1)
    assert period_start(DEC_2, 3) == dt.date(2026, 10, 1)
    assert period_start(DEC_2, 12) == dt.date(2026, 1, 1)


def test_deaths_not_refreshed_this_month_are_due_then_overdue() -> None:
    assert freshness("deaths", last_uploaded=dt.date(2026, 12, 1), today=DEC_2).state == CURRENT
    assert freshness("deaths", last_uploaded=dt.date(2026, 11, 30), today=DEC_2).state == DUE
    late = freshness("deaths", last_uploaded=dt.date(2026, 11, 30), today=dt.date(2026, 12, 12))
    assert late.state == OVERDUE and late.due_on == dt.date(2026, 12, 11)
    assert freshness("deaths", last_uploaded=None, today=DEC_2).state == NEVER


def test_cadres_of_last_quarter_are_overdue_after_the_grace_days() -> None:
    assert freshness("cadres", last_uploaded=dt.date(2026, 9, 13), today=DEC_2).state == OVERDUE
    assert freshness("land", last_uploaded=dt.date(2026, 3, 1), today=DEC_2).state == CURRENT

"""Working days by the holiday notice, across 国庆 and 调休, and past the calendar's last known year."""

from __future__ import annotations

import datetime as dt

import pytest

from yikatong.core.workdays import add_working_days, calendar_known, is_working_day, working_days_between

D = dt.date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 10, 1), False),  # 国庆
        (D(2026, 10, 7), False),
        (D(2026, 10, 8), True),
        (D(2026, 9, 20), True),  # a Sunday made a working day (调休)
        (D(2026, 10, 10), True),  # a Saturday made a working day
        (D(2026, 11, 7), False),  # an ordinary Saturday
        (D(2027, 1, 4), True),  # past the calendar: Monday to Friday
        (D(2027, 1, 2), False),
    ],
)
def test_is_working_day(day: dt.date, working: bool) -> None:
    assert is_working_day(day) is working


def test_add_across_national_day() -> None:
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 0) == D(2026, 9, 30)
    # from Friday 2026-09-25: 9-28 to 9-30, 10-08 to 10-10 (a Saturday made a working day), then 9 more
    assert add_working_days(D(2026, 9, 25), 15) == D(2026, 10, 22)


def test_between_is_the_inverse_of_add() -> None:
    start = D(2026, 9, 15)
    for days in range(0, 40):
        assert working_days_between(start, add_working_days(start, days)) == days
    assert working_days_between(D(2026, 10, 9), D(2026, 10, 1)) == 0


def test_unknown_year_is_said() -> None:
    assert calendar_known(D(2026, 12, 31))
    assert not calendar_known(D(2027, 1, 1))
    assert add_working_days(D(2026, 12, 31), 2) == D(2027, 1, 4)


def test_negative_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_days(D(2026, 1, 5), -1)

"""Payment periods: every accepted spelling, refused inputs, first and last days, order and succession."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yikatong.core.periods import InvalidPeriod, Period

FORMAT_MESSAGE = "发放期间格式应为 2026-10、2026Q4 或 2026"

months = st.builds(Period, st.just("month"), st.integers(1901, 9998), st.integers(1, 12))
quarters = st.builds(Period, st.just("quarter"), st.integers(1901, 9998), st.integers(1, 4))
years = st.builds(Period, st.just("year"), st.integers(1901, 9998), st.just(0))
periods = st.one_of(months, quarters, years)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10", Period("month", 2026, 10)),
        ("2026-01", Period("month", 2026, 1)),
        ("2026-1", Period("month", 2026, 1)),
        (" 2026-10 ", Period("month", 2026, 10)),
        ("2026Q4", Period("quarter", 2026, 4)),
        ("2026q4", Period("quarter", 2026, 4)),
        ("2026-Q4", Period("quarter", 2026, 4)),
        ("2026-q1", Period("quarter", 2026, 1)),
        ("2026", Period("year", 2026, 0)),
    ],
)
def test_every_accepted_spelling_parses(text: str, expected: Period) -> None:
    assert Period.parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "2026-13",
        "2026-00",
        "2026-0",
        "2026-100",
        "2026Q5",
        "2026Q0",
        "2026Q",
        "2026 Q4",
        "26-10",
        "202610",
        "2026/10",
        "2026年10月",
        "10-2026",
        "２０２６",  # full-width digits look right on screen but are not what the file format says
        "0000",
        "2026-10-01",
        "23272219800101123X",
    ],
)
def test_bad_text_is_refused_with_the_chinese_message(text: str) -> None:
    with pytest.raises(InvalidPeriod, match=FORMAT_MESSAGE) as excinfo:
        Period.parse(text)
    assert isinstance(excinfo.value, ValueError)


def test_the_message_does_not_repeat_what_was_typed() -> None:
    with pytest.raises(InvalidPeriod) as excinfo:
        Period.parse("23272219800101123X")
    assert "232722" not in str(excinfo.value)


def test_a_non_text_is_refused_like_bad_text() -> None:
    with pytest.raises(InvalidPeriod, match=FORMAT_MESSAGE):
        Period.parse(202610)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "year", "number"),
    [("month", 2026, 0), ("month", 2026, 13), ("quarter", 2026, 5), ("year", 2026, 1), ("week", 2026, 1)],
)
def test_impossible_periods_cannot_be_built(kind: str, year: int, number: int) -> None:
    with pytest.raises(InvalidPeriod):
        Period(kind, year, number)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-10", date(2026, 10, 1), date(2026, 10, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2000-02", date(2000, 2, 1), date(2000, 2, 29)),
        ("2100-02", date(2100, 2, 1), date(2100, 2, 28)),
        ("2026-04", date(2026, 4, 1), date(2026, 4, 30)),
        ("2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026Q2", date(2026, 4, 1), date(2026, 6, 30)),
        ("2026Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_start_and_end_are_the_first_and_last_days(text: str, start: date, end: date) -> None:
    period = Period.parse(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    ("text", "canonical", "label", "months"),
    [
        ("2026-1", "2026-01", "2026年1月", 1),
        ("2026-10", "2026-10", "2026年10月", 1),
        ("2026q1", "2026Q1", "2026年第一季度", 3),
        ("2026-Q4", "2026Q4", "2026年第四季度", 3),
        ("2026", "2026", "2026年度", 12),
    ],
)
def test_canonical_text_chinese_label_and_months(text: str, canonical: str, label: str, months: int) -> None:
    period = Period.parse(text)
    assert (str(period), period.label_zh, period.months()) == (canonical, label, months)


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("2026-01", "2025-12"),
        ("2026-10", "2026-09"),
        ("2026Q1", "2025Q4"),
        ("2026Q3", "2026Q2"),
        ("2026", "2025"),
    ],
)
def test_previous_crosses_year_boundaries(text: str, previous: str) -> None:
    assert str(Period.parse(text).previous()) == previous


def test_contains_includes_both_ends() -> None:
    period = Period.parse("2024-02")
    assert period.contains(date(2024, 2, 1))
    assert period.contains(date(2024, 2, 29))
    assert not period.contains(date(2024, 1, 31))
    assert not period.contains(date(2024, 3, 1))


def test_periods_of_one_kind_sort_chronologically() -> None:
    texts = ["2026-10", "2025-12", "2026-02", "2026-01", "2026-11"]
    assert [str(p) for p in sorted(map(Period.parse, texts))] == [
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-10",
        "2026-11",
    ]
    assert Period.parse("2025Q4") < Period.parse("2026Q1") < Period.parse("2026Q2")
    assert Period.parse("2025") < Period.parse("2026")


def test_periods_are_values() -> None:
    assert len({Period.parse("2026q4"), Period.parse("2026-Q4"), Period.parse("2026Q4")}) == 1


@given(periods)
def test_canonical_text_parses_back(period: Period) -> None:
    assert Period.parse(str(period)) == period


@given(periods)
def test_previous_ends_the_day_before_this_starts(period: Period) -> None:
    before = period.previous()
    assert before.kind == period.kind
    assert before < period
    assert before.end + timedelta(days=1) == period.start


@given(periods)
def test_a_period_spans_its_months_and_contains_its_days(period: Period) -> None:
    months_spanned = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1
    assert months_spanned == period.months()
    assert period.start.day == 1
    assert (period.end + timedelta(days=1)).day == 1
    assert period.contains(period.start) and period.contains(period.end)
    assert not period.contains(period.start - timedelta(days=1))
    assert not period.contains(period.end + timedelta(days=1))


@given(st.lists(months, min_size=2, max_size=10))
def test_order_within_a_kind_is_the_order_of_start_days(some_months: list[Period]) -> None:
    assert [p.start for p in sorted(some_months)] == sorted(p.start for p in some_months)

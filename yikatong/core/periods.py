"""Payment periods (发放期间): a month `2026-10`, a quarter `2026Q4` or a year `2026`; no Django imports."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

MONTH = "month"
QUARTER = "quarter"
YEAR = "year"

# How many periods of each kind make a year; a year's only period is numbered 0.
_PER_YEAR = {MONTH: 12, QUARTER: 4, YEAR: 1}
_MONTHS = {MONTH: 1, QUARTER: 3, YEAR: 12}
_QUARTER_ZH = ("一", "二", "三", "四")

# ASCII digits only: \d would also accept full-width and other Unicode digits, which int() silently reads.
_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_QUARTER_RE = re.compile(r"([0-9]{4})-?[Qq]([0-9])")
_YEAR_RE = re.compile(r"([0-9]{4})")

# The message never repeats the input: a shifted spreadsheet column can put an ID number in this cell.
_FORMAT_MESSAGE = "发放期间格式应为 2026-10、2026Q4 或 2026"


class InvalidPeriod(ValueError):
    """A text or a value that is not a payment period."""


@dataclass(frozen=True, order=True)
class Period:
    """发放期间: a calendar month, quarter or year; periods of one kind sort chronologically."""

    kind: str
    year: int
    number: int

    def __post_init__(self) -> None:
        """Refuse impossible periods, so every Period has a start and an end."""
        if self.kind not in _PER_YEAR:
            raise InvalidPeriod(_FORMAT_MESSAGE)
        # datetime.date covers years 1–9999; outside it start and end would not exist.
        if not 1 <= self.year <= 9999:
            raise InvalidPeriod(f"{_FORMAT_MESSAGE}（年份应在 1 到 9999 之间）")
        if self.kind == YEAR:
            if self.number != 0:
                raise InvalidPeriod(_FORMAT_MESSAGE)
        elif not 1 <= self.number <= _PER_YEAR[self.kind]:
            limit = "月份应为 1 到 12" if self.kind == MONTH else "季度应为 1 到 4"
            raise InvalidPeriod(f"{_FORMAT_MESSAGE}（{limit}）")

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read `2026-10`, `2026-1`, `2026Q4`, `2026q4`, `2026-Q4` or `2026`; else raise InvalidPeriod."""
        if not isinstance(text, str):
            raise InvalidPeriod(_FORMAT_MESSAGE)
        cleaned = text.strip()
        if match := _MONTH_RE.fullmatch(cleaned):
            return cls(MONTH, int(match[1]), int(match[2]))
        if match := _QUARTER_RE.fullmatch(cleaned):
            return cls(QUARTER, int(match[1]), int(match[2]))
        if match := _YEAR_RE.fullmatch(cleaned):
            return cls(YEAR, int(match[1]), 0)
        raise InvalidPeriod(_FORMAT_MESSAGE)

    @property
    def first_month(self) -> int:
        """The calendar month the period begins in."""
        return 1 if self.kind == YEAR else (self.number - 1) * _MONTHS[self.kind] + 1

    @property
    def start(self) -> date:
        """The period's first day."""
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        """The period's last day."""
        last_month = self.first_month + _MONTHS[self.kind] - 1
        return date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    def months(self) -> int:
        """How many calendar months the period spans: 1, 3 or 12."""
        return _MONTHS[self.kind]

    def previous(self) -> Period:
        """The period of the same kind just before this one (2026-01 → 2025-12, 2026Q1 → 2025Q4)."""
        if self.kind == YEAR:
            return Period(YEAR, self.year - 1, 0)
        if self.number == 1:
            return Period(self.kind, self.year - 1, _PER_YEAR[self.kind])
        return Period(self.kind, self.year, self.number - 1)

    def contains(self, day: date) -> bool:
        """Whether the day falls within the period, both ends included."""
        return self.start <= day <= self.end

    @property
    def label_zh(self) -> str:
        """The period as people write it: 2026年10月, 2026年第四季度, 2026年度."""
        if self.kind == MONTH:
            return f"{self.year}年{self.number}月"
        if self.kind == QUARTER:
            return f"{self.year}年第{_QUARTER_ZH[self.number - 1]}季度"
        return f"{self.year}年度"

    def __str__(self) -> str:
        """The canonical form stored and exported: 2026-10, 2026Q4 or 2026."""
        if self.kind == MONTH:
            return f"{self.year:04d}-{self.number:02d}"
        if self.kind == QUARTER:
            return f"{self.year:04d}Q{self.number}"
        return f"{self.year:04d}"

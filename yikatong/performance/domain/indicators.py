"""The performance indicators (绩效目标), the expected execution curve and the scores (no Django imports).

Each indicator has a stable code, a category (产出、时效、质量、满意度), a unit, which way is better, and
where its actual comes from. Only the satisfaction survey's figure is typed in; every other actual is computed
from the platform's own tables (selectors). An actual of ``None`` means the source has no data yet
("暂无数据"): it is neither met nor missed, and it scores nothing out of nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


def gettext_noop(message: str) -> str:
    """A label, marked for the English catalogue (translated by the pages that show it)."""
    return message


OUTPUT, TIMELINESS, QUALITY, SATISFACTION = "output", "timeliness", "quality", "satisfaction"
CATEGORY_LABELS = {
    OUTPUT: gettext_noop("产出指标"),
    TIMELINESS: gettext_noop("时效指标"),
    QUALITY: gettext_noop("质量指标"),
    SATISFACTION: gettext_noop("满意度指标"),
}
HIGHER, LOWER = "higher", "lower"


@dataclass(frozen=True)
class Indicator:
    """One indicator of the catalogue."""

    code: str
    name: str
    category: str
    unit: str
    better: str
    source: str
    typed: bool = False
    default_weight: int = 10


CATALOGUE: tuple[Indicator, ...] = (
    Indicator("persons", gettext_noop("覆盖人数"), OUTPUT, gettext_noop("人"), HIGHER, "payments", False, 10),
    Indicator("paid", gettext_noop("发放金额"), OUTPUT, gettext_noop("元"), HIGHER, "payments", False, 10),
    Indicator("card_share", gettext_noop("社保卡发放占比"), OUTPUT, "%", HIGHER, "payments", False, 10),
    Indicator(
        "pay_days",
        gettext_noop("审批至到账平均工作日"),
        TIMELINESS,
        gettext_noop("个工作日"),
        LOWER,
        "payments",
        False,
        10,
    ),
    Indicator(
        "disclosed_on_time",
        gettext_noop("20个工作日内公开占比"),
        TIMELINESS,
        "%",
        HIGHER,
        "disclosure",
        False,
        10,
    ),
    Indicator("steps_on_time", gettext_noop("名册各环节按时办理占比"), TIMELINESS, "%", HIGHER, "rosters"),
    Indicator(
        "findings_rate",
        gettext_noop("每万笔核查疑点数"),
        QUALITY,
        gettext_noop("个/万笔"),
        LOWER,
        "checks",
        False,
        10,
    ),
    Indicator("failed_rate", gettext_noop("发放失败率"), QUALITY, "%", LOWER, "payments", False, 10),
    Indicator(
        "complaints_rate",
        gettext_noop("每万名受益人投诉举报数"),
        QUALITY,
        gettext_noop("件/万人"),
        LOWER,
        "complaints",
        False,
        5,
    ),
    Indicator(
        "complaints_on_time",
        gettext_noop("投诉举报按期办结占比"),
        QUALITY,
        "%",
        HIGHER,
        "complaints",
        False,
        5,
    ),
    Indicator(
        "satisfaction",
        gettext_noop("受益群众满意度（问卷调查）"),
        SATISFACTION,
        "%",
        HIGHER,
        "survey",
        True,
        10,
    ),
)
BY_CODE = {indicator.code: indicator for indicator in CATALOGUE}
CODES = tuple(BY_CODE)


def indicator(code: str) -> Indicator:
    """The indicator of a code (KeyError for an unknown one)."""
    return BY_CODE[code]


def met(code: str, actual: Decimal | None, target: Decimal | None) -> bool | None:
    """Whether the actual meets the target; None when either is missing (暂无数据 or no target)."""
    if actual is None or target is None:
        return None
    return actual >= target if BY_CODE[code].better == HIGHER else actual <= target


def score(code: str, actual: Decimal | None, target: Decimal | None, weight: Decimal) -> Decimal | None:
    """The indicator's score out of its weight: full when met, else in proportion (two decimals).

    Higher-is-better: weight × actual ÷ target; lower-is-better: weight × target ÷ actual. None when
    there is no actual or no target (the weight then counts neither in the score nor in its maximum).
    """
    if actual is None or target is None:
        return None
    if met(code, actual, target):
        value = weight
    elif BY_CODE[code].better == HIGHER:
        value = weight * actual / target if target > 0 else weight
    else:
        value = weight * target / actual if actual > 0 else weight
    return max(value, Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def share(part: int, whole: int) -> Decimal | None:
    """``part ÷ whole`` in per cent with two decimals; None when there is nothing to divide by."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def per_10k(part: int, whole: int) -> Decimal | None:
    """``part`` per 10,000 of ``whole`` with two decimals; None when there is nothing to divide by."""
    if whole <= 0:
        return None
    return (Decimal(part) * 10000 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- the expected execution curve -----------------------------------------------------------------------

DEFAULT_MONTHS = {
    "monthly": list(range(1, 13)),
    "quarterly": [3, 6, 9, 12],
    "yearly": [12],
    "once": [12],
}


def payment_months(frequency: str, pay_months: list[int] | None) -> list[int]:
    """The months a policy pays in: its declared months, else those its frequency implies."""
    months = sorted({int(m) for m in (pay_months or []) if 1 <= int(m) <= 12})
    return months or DEFAULT_MONTHS.get(frequency, list(range(1, 13)))


def expected_share(year: int, months: list[int], on: dt.date) -> Decimal:
    """The share of the year's budget (per cent) that should be paid by ``on``.

    Each payment month is due by its last day: the curve steps up by one payment month's share at each
    month end that has passed. Before the year nothing is due, after it everything.
    """
    if not months:
        return Decimal(0)
    passed = 0
    for month in months:
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        if end < on:
            passed += 1
    return (Decimal(passed) * 100 / Decimal(len(months))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def curve(year: int, months: list[int]) -> list[tuple[int, Decimal]]:
    """The expected cumulative share (per cent) at the end of each month of the year."""
    points = []
    for month in range(1, 13):
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        points.append((month, expected_share(year, months, last + dt.timedelta(days=1))))
    return points


def execution_lags(execution: Decimal | None, expected: Decimal, margin: Decimal) -> bool:
    """Whether execution (per cent paid of the budget) lags the expected curve by more than the margin."""
    if execution is None:
        return False
    return execution < expected - margin


def split_budget(total_fen: int, shares: tuple[Decimal, Decimal, Decimal]) -> tuple[int, int, int]:
    """The budget by funding source from the policy's shares (central, provincial, county, in per cent).

    Central and provincial parts are rounded half-up to the fen; the county part takes the remainder, so
    the three always add up to the total.
    """
    central, provincial, _county = shares
    c = int((Decimal(total_fen) * central / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    p = int((Decimal(total_fen) * provincial / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return c, p, total_fen - c - p

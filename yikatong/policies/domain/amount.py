"""The standard amount of one roster line: a policy's conditions and rate table applied to one person.

This is the only place that turns a rate and a quantity into fen; rosters, plans and the OVER_STANDARD /
UNDER_STANDARD / INELIGIBLE checks all ask it, so they cannot disagree by a fen. No Django imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext

from yikatong.core.money import round_fen
from yikatong.core.periods import Period

UNITS = ("mu", "month", "person", "household")

# Land areas come from the contract registry with at most four decimals (0.0001 亩 ≈ 0.07 m²); months,
# persons and households are counted whole.
_AREA_PLACES = 4

_REGION_PREFIX_LENGTHS = (6, 9, 12)


class InvalidStandard(ValueError):
    """A rate table or condition set that cannot be applied as written."""


@dataclass(frozen=True)
class RateBand:
    """补贴标准档次: a rate in 元 per unit, for an optional age range and tier."""

    rate: Decimal
    min_age: int | None = None
    max_age: int | None = None
    tier: str = ""

    def __post_init__(self) -> None:
        """Refuse rates that would make amounts inexact or negative, and inverted age ranges."""
        # A float rate is the classic way money goes wrong (71.45 is not 71.45 in binary).
        if not isinstance(self.rate, Decimal) or not self.rate.is_finite():
            raise InvalidStandard(f"补贴标准应为精确的十进制数，现为 {self.rate!r}")
        if self.rate < 0:
            raise InvalidStandard(f"补贴标准不能为负数，现为 {self.rate}")
        _check_age_range(self.min_age, self.max_age, "补贴标准档次")

    def applies_to(self, age: int | None, tier: str) -> bool:
        """Whether the band covers this age (None: not yet born) and tier ("" on the band: any tier)."""
        if self.tier and self.tier != tier:
            return False
        return _age_within(age, self.min_age, self.max_age)

    def describe(self) -> str:
        """The band's range in words, for error messages: 80至89岁、一级."""
        parts = [_age_range_zh(self.min_age, self.max_age), self.tier]
        return "、".join(p for p in parts if p) or "不分年龄档次"


@dataclass(frozen=True)
class Conditions:
    """补贴条件: the machine-checkable part of a policy's conditions."""

    min_age: int | None = None
    max_age: int | None = None
    regions: tuple[str, ...] = ()
    household_head_only: bool = False
    # Not applied here: the CADRE_HOUSEHOLD check needs the cadre registry, which a single line does not have.
    means_tested: bool = False
    # Not applied here: exclusivity is a property of two lines, checked by EXCLUSIVE.
    exclusive_with: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Refuse inverted age ranges and region prefixes that are not a county, township or village code."""
        # Policies store these as JSON lists; tuples keep the frozen conditions hashable.
        object.__setattr__(self, "regions", tuple(self.regions))
        object.__setattr__(self, "exclusive_with", tuple(self.exclusive_with))
        _check_age_range(self.min_age, self.max_age, "补贴条件")
        for prefix in self.regions:
            if not (prefix.isascii() and prefix.isdigit() and len(prefix) in _REGION_PREFIX_LENGTHS):
                raise InvalidStandard(f"实施范围应为6、9或12位区划代码，现为“{prefix}”")


@dataclass(frozen=True)
class Standard:
    """补贴标准: a policy version's unit, rate table and conditions."""

    code: str
    unit: str
    bands: tuple[RateBand, ...]
    conditions: Conditions = field(default_factory=Conditions)

    def __post_init__(self) -> None:
        """Refuse unknown units, empty rate tables and bands that would give one person two rates."""
        # Callers build bands from query results; a list would make the frozen standard unhashable.
        object.__setattr__(self, "bands", tuple(self.bands))
        if self.unit not in UNITS:
            raise InvalidStandard(f"计量单位应为 {'、'.join(UNITS)} 之一，现为“{self.unit}”")
        if not self.bands:
            raise InvalidStandard(f"补贴项目 {self.code} 没有补贴标准")
        for i, first in enumerate(self.bands):
            for second in self.bands[i + 1 :]:
                if first.tier == second.tier and _ranges_overlap(first, second):
                    raise InvalidStandard(
                        f"补贴项目 {self.code} 的补贴标准档次重叠"
                        f"（{first.describe()} 与 {second.describe()}），同一人会有两个标准"
                    )


@dataclass(frozen=True)
class Beneficiary:
    """The facts about one person that a policy's conditions and rate table look at."""

    birth_date: date
    village_code: str
    is_household_head: bool = False
    tier: str = ""


@dataclass(frozen=True)
class Amount:
    """A line's standard amount in fen and the rate used, or None and why the person is not eligible."""

    fen: int | None
    rate: Decimal | None
    reason: str = ""

    @property
    def eligible(self) -> bool:
        """Whether the person is entitled to an amount."""
        return self.fen is not None


def age_on(birth: date, day: date) -> int:
    """Whole years of age on a day; someone born on 29 February has a birthday on 1 March in common years."""
    if day < birth:
        raise ValueError("计算年龄的日期早于出生日期")
    # Comparing (month, day) pairs puts (2, 29) after (2, 28): in a common year the birthday has not come
    # on 28 February and has passed on 1 March, which is the 1 March rule.
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def standard_amount(standard: Standard, person: Beneficiary, quantity: Decimal, period: Period) -> Amount:
    """The amount one person is entitled to for a quantity in one period, rounded half-up once to a fen."""
    if not isinstance(quantity, Decimal):
        raise TypeError(f"数量应为 Decimal，不能是 {type(quantity).__name__}")
    on = period.start
    age = age_on(person.birth_date, on) if person.birth_date <= on else None
    reasons = [
        *_condition_failures(standard.conditions, person, age, on),
        *_quantity_failures(standard, quantity),
    ]
    if reasons:
        return Amount(fen=None, rate=None, reason="；".join(reasons))
    band = _choose_band(standard.bands, age, person.tier)
    if band is None:
        return Amount(fen=None, rate=None, reason=_no_band_reason(standard.bands, age, person.tier, on))
    return Amount(fen=line_fen(band.rate, quantity), rate=band.rate)


def max_amount_fen(standard: Standard, quantity: Decimal) -> int:
    """The amount at the table's highest rate: what no line of this quantity may exceed (OVER_STANDARD)."""
    return line_fen(max(band.rate for band in standard.bands), quantity)


def line_fen(rate: Decimal, quantity: Decimal) -> int:
    """rate 元 × quantity in fen, computed exactly and rounded half-up once to a whole fen."""
    # Decimal's default 28 significant digits would round the product before the fen rounding, so a long
    # rate times a large area could be off by a fen; the operands' digits (with any trailing zeros an
    # exponent stands for) plus the ×100 are always enough for the exact product and its whole fen.
    digits = _digits(rate) + _digits(quantity) + 3
    with localcontext() as ctx:
        ctx.prec = max(digits, 28)
        return round_fen(rate * quantity * 100)


def _condition_failures(conditions: Conditions, person: Beneficiary, age: int | None, on: date) -> list[str]:
    failures = []
    if conditions.min_age is not None or conditions.max_age is not None:
        if age is None:
            failures.append(f"按{_date_zh(on)}计尚未出生")
        elif conditions.min_age is not None and age < conditions.min_age:
            failures.append(f"年龄{age}岁，不满{conditions.min_age}岁（按{_date_zh(on)}计）")
        elif conditions.max_age is not None and age > conditions.max_age:
            failures.append(f"年龄{age}岁，超过{conditions.max_age}岁（按{_date_zh(on)}计）")
    if conditions.regions and not person.village_code.startswith(conditions.regions):
        failures.append(f"不在本政策实施范围（村代码{person.village_code}）")
    if conditions.household_head_only and not person.is_household_head:
        failures.append("非户主，按户发放的补贴只发给户主")
    return failures


def _quantity_failures(standard: Standard, quantity: Decimal) -> list[str]:
    # NaN and infinities fail is_finite() before any comparison, which would raise on a NaN.
    if not quantity.is_finite() or quantity <= 0:
        return [f"数量应大于0（本行为{quantity}）"]
    if standard.unit == "mu" and _decimal_places(quantity) > _AREA_PLACES:
        return [f"面积最多保留{_AREA_PLACES}位小数（本行为{quantity}亩）"]
    if standard.unit != "mu" and _decimal_places(quantity) > 0:
        return [f"数量应为整数（本行为{quantity}）"]
    return []


def _digits(value: Decimal) -> int:
    _, digits, exponent = value.as_tuple()
    return len(digits) + max(0, int(exponent))


def _decimal_places(value: Decimal) -> int:
    # Read off the digits rather than quantize or normalize, which round to the context's precision.
    _, digits, exponent = value.as_tuple()
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(int(exponent) + trailing_zeros))


def _choose_band(bands: tuple[RateBand, ...], age: int | None, tier: str) -> RateBand | None:
    matching = [band for band in bands if band.applies_to(age, tier)]
    # A band written for the person's own tier beats a band for any tier; Standard allows one of each at most.
    exact = [band for band in matching if band.tier == tier]
    if exact:
        return exact[0]
    return matching[0] if matching else None


def _no_band_reason(bands: tuple[RateBand, ...], age: int | None, tier: str, on: date) -> str:
    facts = []
    if any(band.min_age is not None or band.max_age is not None for band in bands):
        facts.append(f"按{_date_zh(on)}计尚未出生" if age is None else f"年龄{age}岁，按{_date_zh(on)}计")
    if any(band.tier for band in bands):
        facts.append(f"档次“{tier}”" if tier else "未登记档次")
    return "没有适用的补贴标准档次" + (f"（{'；'.join(facts)}）" if facts else "")


def _check_age_range(low: int | None, high: int | None, what: str) -> None:
    if (low is not None and low < 0) or (high is not None and high < 0):
        raise InvalidStandard(f"{what}的年龄不能为负数")
    if low is not None and high is not None and low > high:
        raise InvalidStandard(f"{what}的最高年龄{high}岁小于最低年龄{low}岁")


def _age_within(age: int | None, low: int | None, high: int | None) -> bool:
    if low is None and high is None:
        return True
    if age is None:
        return False
    return (low is None or age >= low) and (high is None or age <= high)


def _ranges_overlap(first: RateBand, second: RateBand) -> bool:
    first_low = first.min_age if first.min_age is not None else 0
    second_low = second.min_age if second.min_age is not None else 0
    first_high = first.max_age if first.max_age is not None else float("inf")
    second_high = second.max_age if second.max_age is not None else float("inf")
    return max(first_low, second_low) <= min(first_high, second_high)


def _age_range_zh(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{low}至{high}岁"
    if low is not None:
        return f"{low}岁以上"
    if high is not None:
        return f"{high}岁以下"
    return ""


def _date_zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"

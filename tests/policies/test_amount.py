"""A roster line's standard amount: exact decimal rates, one half-up rounding to the fen, age bands on the
period's first day, tiers, and plain Chinese reasons when a person is not eligible."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yikatong.core.periods import Period
from yikatong.policies.domain.amount import (
    Amount,
    Beneficiary,
    Conditions,
    InvalidStandard,
    RateBand,
    Standard,
    age_on,
    max_amount_fen,
    standard_amount,
)

VILLAGE = "232722100201"  # a village of 塔河镇
OCTOBER = Period.parse("2026-10")

# 耕地地力保护补贴: one rate per 亩, no age or tier.
LAND = Standard(code="GDDL", unit="mu", bands=(RateBand(Decimal("71.45")),))

# 高龄津贴 (example rates): monthly, banded by age, only for people 80 and over.
OLD_AGE = Standard(
    code="GLJT",
    unit="month",
    bands=(
        RateBand(Decimal("50"), min_age=80, max_age=89),
        RateBand(Decimal("100"), min_age=90, max_age=99),
        RateBand(Decimal("300"), min_age=100),
    ),
    conditions=Conditions(min_age=80),
)

# 残疾人两项补贴 (example rates): by disability grade, with a default for the other grades.
DISABILITY = Standard(
    code="CJLX",
    unit="month",
    bands=(
        RateBand(Decimal("120"), tier="一级"),
        RateBand(Decimal("100"), tier="二级"),
        RateBand(Decimal("80")),
    ),
)

rates = st.decimals(min_value=Decimal(0), max_value=Decimal(100_000), places=7)
areas = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(1_000_000), places=4)
period_strategy = st.one_of(
    st.builds(Period, st.just("month"), st.integers(1950, 2100), st.integers(1, 12)),
    st.builds(Period, st.just("quarter"), st.integers(1950, 2100), st.integers(1, 4)),
    st.builds(Period, st.just("year"), st.integers(1950, 2100), st.just(0)),
)


def person(
    birth: date = date(1950, 5, 5),
    *,
    village_code: str = VILLAGE,
    is_household_head: bool = False,
    tier: str = "",
) -> Beneficiary:
    return Beneficiary(birth, village_code, is_household_head=is_household_head, tier=tier)


def independent_fen(rate: Decimal, quantity: Decimal) -> int:
    """The expected amount, worked out here without the code under test."""
    with localcontext() as ctx:
        ctx.prec = 200
        return int((rate * quantity * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def birthday(years_before: date, age: int) -> date:
    """The birth date of someone who turns `age` on the given first-of-month day."""
    return years_before.replace(year=years_before.year - age)


# --- hand-written examples -------------------------------------------------------------------------------


def test_land_subsidy_rounds_the_half_fen_up() -> None:
    # 71.45 × 12.5 = 893.125 元 → 893.13 元
    assert standard_amount(LAND, person(), Decimal("12.5"), Period.parse("2026")) == Amount(
        fen=89313, rate=Decimal("71.45")
    )


def test_a_long_rate_times_a_four_decimal_area() -> None:
    # 124.9788302 × 23.4567 = 2931.59092635234 元 → 2931.59 元
    standard = Standard(code="GDDL", unit="mu", bands=(RateBand(Decimal("124.9788302")),))
    amount = standard_amount(standard, person(), Decimal("23.4567"), Period.parse("2026"))
    assert amount.fen == 293159
    assert amount.rate == Decimal("124.9788302")
    assert amount.eligible and amount.reason == ""


@pytest.mark.parametrize(
    ("age", "months", "fen"),
    [(80, 1, 5000), (89, 3, 15000), (90, 1, 10000), (99, 12, 120000), (100, 1, 30000), (104, 3, 90000)],
)
def test_old_age_allowance_by_age_band(age: int, months: int, fen: int) -> None:
    amount = standard_amount(OLD_AGE, person(birthday(OCTOBER.start, age)), Decimal(months), OCTOBER)
    assert amount.fen == fen


def test_under_80_gets_no_old_age_allowance_and_is_told_why() -> None:
    amount = standard_amount(OLD_AGE, person(birthday(OCTOBER.start, 79)), Decimal(1), OCTOBER)
    assert amount == Amount(fen=None, rate=None, reason="年龄79岁，不满80岁（按2026年10月1日计）")
    assert not amount.eligible


def test_disability_grade_prefers_its_own_band_over_the_default() -> None:
    one = standard_amount(DISABILITY, person(tier="一级"), Decimal(1), OCTOBER)
    two = standard_amount(DISABILITY, person(tier="二级"), Decimal(1), OCTOBER)
    four = standard_amount(DISABILITY, person(tier="四级"), Decimal(1), OCTOBER)
    none = standard_amount(DISABILITY, person(), Decimal(1), OCTOBER)
    assert [a.fen for a in (one, two, four, none)] == [12000, 10000, 8000, 8000]


def test_tier_only_bands_leave_other_tiers_without_a_standard() -> None:
    standard = Standard(code="CJ", unit="month", bands=(RateBand(Decimal(120), tier="一级"),))
    amount = standard_amount(standard, person(tier="三级"), Decimal(1), OCTOBER)
    assert amount.fen is None and amount.rate is None
    assert amount.reason == "没有适用的补贴标准档次（档次“三级”）"
    assert (
        standard_amount(standard, person(), Decimal(1), OCTOBER).reason
        == "没有适用的补贴标准档次（未登记档次）"
    )


def test_a_gap_between_age_bands_is_reported_with_the_age() -> None:
    standard = Standard(
        code="GL",
        unit="month",
        bands=(RateBand(Decimal(50), min_age=80, max_age=89), RateBand(Decimal(300), min_age=100)),
    )
    amount = standard_amount(standard, person(birthday(OCTOBER.start, 95)), Decimal(1), OCTOBER)
    assert amount.reason == "没有适用的补贴标准档次（年龄95岁，按2026年10月1日计）"


def test_age_bands_and_tiers_combine() -> None:
    standard = Standard(
        code="X",
        unit="person",
        bands=(
            RateBand(Decimal(10), max_age=59),
            RateBand(Decimal(20), min_age=60),
            RateBand(Decimal(30), min_age=60, tier="一级"),
        ),
    )
    old = birthday(OCTOBER.start, 70)
    young = birthday(OCTOBER.start, 30)
    assert standard_amount(standard, person(old, tier="一级"), Decimal(1), OCTOBER).fen == 3000
    assert standard_amount(standard, person(old, tier="二级"), Decimal(1), OCTOBER).fen == 2000
    assert standard_amount(standard, person(young, tier="一级"), Decimal(1), OCTOBER).fen == 1000


def test_outside_the_policy_regions() -> None:
    standard = Standard(
        code="R",
        unit="household",
        bands=(RateBand(Decimal(500)),),
        conditions=Conditions(regions=("232722101", "232722200201")),
    )
    inside_township = person(village_code="232722101203")
    inside_village = person(village_code="232722200201")
    outside = person(village_code="232722201202")
    assert standard_amount(standard, inside_township, Decimal(1), OCTOBER).fen == 50000
    assert standard_amount(standard, inside_village, Decimal(1), OCTOBER).fen == 50000
    assert standard_amount(standard, outside, Decimal(1), OCTOBER) == Amount(
        fen=None, rate=None, reason="不在本政策实施范围（村代码232722201202）"
    )


def test_county_prefix_covers_every_village_of_the_county() -> None:
    standard = Standard(
        code="R", unit="person", bands=(RateBand(Decimal(1)),), conditions=Conditions(regions=("232722",))
    )
    assert standard_amount(standard, person(village_code="232722104200"), Decimal(1), OCTOBER).eligible
    assert not standard_amount(standard, person(village_code="232721104200"), Decimal(1), OCTOBER).eligible


def test_household_subsidy_only_for_the_head() -> None:
    standard = Standard(
        code="H",
        unit="household",
        bands=(RateBand(Decimal(600)),),
        conditions=Conditions(household_head_only=True),
    )
    assert standard_amount(standard, person(is_household_head=True), Decimal(1), OCTOBER).fen == 60000
    assert standard_amount(standard, person(), Decimal(1), OCTOBER) == Amount(
        fen=None, rate=None, reason="非户主，按户发放的补贴只发给户主"
    )


def test_every_failed_condition_is_named() -> None:
    standard = Standard(
        code="H",
        unit="household",
        bands=(RateBand(Decimal(600)),),
        conditions=Conditions(min_age=60, regions=("232722101",), household_head_only=True),
    )
    amount = standard_amount(standard, person(birthday(OCTOBER.start, 40)), Decimal(1), OCTOBER)
    assert amount.reason == (
        "年龄40岁，不满60岁（按2026年10月1日计）；不在本政策实施范围（村代码232722100201）；"
        "非户主，按户发放的补贴只发给户主"
    )


def test_above_the_maximum_age() -> None:
    standard = Standard(
        code="E", unit="person", bands=(RateBand(Decimal(100)),), conditions=Conditions(max_age=17)
    )
    assert standard_amount(standard, person(birthday(OCTOBER.start, 17)), Decimal(1), OCTOBER).eligible
    amount = standard_amount(standard, person(birthday(OCTOBER.start, 18)), Decimal(1), OCTOBER)
    assert amount.reason == "年龄18岁，超过17岁（按2026年10月1日计）"


def test_born_after_the_period_starts() -> None:
    standard = Standard(
        code="E", unit="person", bands=(RateBand(Decimal(100)),), conditions=Conditions(max_age=2)
    )
    amount = standard_amount(standard, person(date(2026, 10, 2)), Decimal(1), OCTOBER)
    assert amount.reason == "按2026年10月1日计尚未出生"
    # Without an age rule, the birth date does not matter.
    assert standard_amount(LAND, person(date(2026, 10, 2)), Decimal(1), OCTOBER).fen == 7145


@pytest.mark.parametrize("quantity", ["0", "-1", "-0.0001", "0.0000", "NaN", "Infinity", "-Infinity"])
def test_quantity_must_be_positive(quantity: str) -> None:
    amount = standard_amount(LAND, person(), Decimal(quantity), OCTOBER)
    assert amount.fen is None
    assert amount.reason.startswith("数量应大于0")


def test_area_has_at_most_four_decimals_and_counts_are_whole() -> None:
    assert (
        standard_amount(LAND, person(), Decimal("1.23456"), OCTOBER).reason
        == "面积最多保留4位小数（本行为1.23456亩）"
    )
    assert standard_amount(LAND, person(), Decimal("1.234500"), OCTOBER).fen == 8821
    assert standard_amount(OLD_AGE, person(birthday(OCTOBER.start, 85)), Decimal("1.5"), OCTOBER).reason == (
        "数量应为整数（本行为1.5）"
    )
    assert (
        standard_amount(OLD_AGE, person(birthday(OCTOBER.start, 85)), Decimal("3.00"), OCTOBER).fen == 15000
    )
    assert (
        standard_amount(OLD_AGE, person(birthday(OCTOBER.start, 85)), Decimal("3E+1"), OCTOBER).fen == 150000
    )


def test_exponent_notation_is_computed_exactly() -> None:
    standard = Standard(code="P", unit="person", bands=(RateBand(Decimal("1.5E+2")),))
    assert standard_amount(standard, person(), Decimal("1E+30"), OCTOBER).fen == 15 * 10**33
    assert max_amount_fen(standard, Decimal("2E+1")) == 300000


def test_float_quantity_is_refused() -> None:
    with pytest.raises(TypeError):
        standard_amount(LAND, person(), 12.5, OCTOBER)  # type: ignore[arg-type]


def test_max_amount_uses_the_highest_band() -> None:
    assert max_amount_fen(OLD_AGE, Decimal(3)) == 90000
    assert max_amount_fen(LAND, Decimal("12.5")) == 89313


# --- the rate table and conditions refuse what cannot be applied ------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: RateBand(71.45),  # type: ignore[arg-type]
        lambda: RateBand(Decimal("NaN")),
        lambda: RateBand(Decimal("-1")),
        lambda: RateBand(Decimal(1), min_age=90, max_age=80),
        lambda: RateBand(Decimal(1), min_age=-1),
        lambda: Conditions(min_age=60, max_age=59),
        lambda: Conditions(regions=("2327",)),
        lambda: Conditions(regions=("23272210020X",)),
        lambda: Standard(code="X", unit="acre", bands=(RateBand(Decimal(1)),)),
        lambda: Standard(code="X", unit="mu", bands=()),
        lambda: Standard(
            code="X",
            unit="month",
            bands=(RateBand(Decimal(50), min_age=80, max_age=90), RateBand(Decimal(100), min_age=90)),
        ),
        lambda: Standard(
            code="X", unit="month", bands=(RateBand(Decimal(50)), RateBand(Decimal(60), min_age=80))
        ),
    ],
)
def test_inapplicable_standards_are_refused(make: object) -> None:
    with pytest.raises(InvalidStandard):
        make()  # type: ignore[operator]


def test_overlap_is_explained() -> None:
    with pytest.raises(InvalidStandard, match="80至90岁 与 90岁以上"):
        Standard(
            code="X",
            unit="month",
            bands=(RateBand(Decimal(50), min_age=80, max_age=90), RateBand(Decimal(100), min_age=90)),
        )


def test_lists_from_the_database_become_tuples() -> None:
    standard = Standard(
        code="X",
        unit="mu",
        bands=[RateBand(Decimal(1))],  # type: ignore[arg-type]
        conditions=Conditions(regions=["232722"], exclusive_with=["Y"]),  # type: ignore[arg-type]
    )
    assert isinstance(standard.bands, tuple)
    assert standard.conditions.regions == ("232722",)
    assert hash(standard)


# --- age --------------------------------------------------------------------------------------------------


def test_leap_day_birthday_is_on_1_march_in_common_years() -> None:
    born = date(2008, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 17
    assert age_on(born, date(2026, 3, 1)) == 18
    assert age_on(born, date(2028, 2, 28)) == 19
    assert age_on(born, date(2028, 2, 29)) == 20


def test_age_on_the_birth_day_is_zero_and_before_it_is_an_error() -> None:
    assert age_on(date(2026, 10, 1), date(2026, 10, 1)) == 0
    with pytest.raises(ValueError, match="早于出生日期"):
        age_on(date(2026, 10, 2), date(2026, 10, 1))


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.integers(0, 120))
def test_age_counts_birthdays_passed(born: date, years: int) -> None:
    on_birthday = _anniversary(born, years)
    assert age_on(born, on_birthday) == years
    if years:
        assert age_on(born, on_birthday - timedelta(days=1)) == years - 1


# --- properties -------------------------------------------------------------------------------------------


@given(rates, areas)
def test_amount_is_the_exact_product_rounded_half_up_once(rate: Decimal, area: Decimal) -> None:
    standard = Standard(code="GDDL", unit="mu", bands=(RateBand(rate),))
    amount = standard_amount(standard, person(), area, OCTOBER)
    assert type(amount.fen) is int
    assert amount.fen == independent_fen(rate, area)
    assert amount.rate == rate


@given(
    st.decimals(min_value=Decimal("0.0000001"), max_value=Decimal(10**12), places=20),
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(10**15), places=4),
)
def test_long_operands_are_not_rounded_before_the_fen(rate: Decimal, area: Decimal) -> None:
    # More than Decimal's default 28 digits in the product: a product rounded first could be off by a fen.
    standard = Standard(code="GDDL", unit="mu", bands=(RateBand(rate),))
    assert standard_amount(standard, person(), area, OCTOBER).fen == independent_fen(rate, area)


@given(st.integers(0, 10**9), st.integers(0, 4))
def test_half_a_fen_rounds_up_and_less_rounds_down(whole_fen: int, places: int) -> None:
    scale = Decimal(10) ** places
    area = 1 / scale
    exactly_half = Standard(
        code="H", unit="mu", bands=(RateBand((Decimal(2 * whole_fen + 1) / 200) * scale),)
    )
    just_under = Standard(
        code="H", unit="mu", bands=(RateBand((Decimal(2 * whole_fen + 1) / 200 - Decimal("1E-7")) * scale),)
    )
    assert standard_amount(exactly_half, person(), area, OCTOBER).fen == whole_fen + 1
    assert standard_amount(just_under, person(), area, OCTOBER).fen == whole_fen


@given(rates, areas, areas)
def test_more_quantity_never_pays_less(rate: Decimal, first: Decimal, second: Decimal) -> None:
    standard = Standard(code="M", unit="mu", bands=(RateBand(rate),))
    small, large = sorted((first, second))
    small_fen = standard_amount(standard, person(), small, OCTOBER).fen
    large_fen = standard_amount(standard, person(), large, OCTOBER).fen
    assert small_fen is not None and large_fen is not None
    assert small_fen <= large_fen


@given(period_strategy, st.sampled_from([80, 90, 100]))
def test_age_band_boundary_is_the_period_first_day(period: Period, age: int) -> None:
    turns_on_first_day = person(birthday(period.start, age))
    turns_next_day = person(birthday(period.start, age) + timedelta(days=1))
    on_time = standard_amount(OLD_AGE, turns_on_first_day, Decimal(1), period)
    late = standard_amount(OLD_AGE, turns_next_day, Decimal(1), period)
    assert on_time.fen == {80: 5000, 90: 10000, 100: 30000}[age]
    assert late.fen == {80: None, 90: 5000, 100: 10000}[age]
    if age == 80:
        assert late.reason == f"年龄79岁，不满80岁（按{period.start.year}年{period.start.month}月1日计）"


@given(period_strategy, st.integers(0, 79))
def test_under_the_minimum_age_is_never_paid(period: Period, age: int) -> None:
    amount = standard_amount(OLD_AGE, person(birthday(period.start, age)), Decimal(1), period)
    assert amount.fen is None and amount.rate is None
    assert amount.reason.startswith(f"年龄{age}岁，不满80岁")


@given(
    st.from_regex(r"[0-9]{12}", fullmatch=True),
    st.lists(st.from_regex(r"[0-9]{6}|[0-9]{9}|[0-9]{12}", fullmatch=True), min_size=1, max_size=4),
)
def test_region_prefixes_decide_eligibility(village: str, prefixes: list[str]) -> None:
    standard = Standard(
        code="R", unit="person", bands=(RateBand(Decimal(1)),), conditions=Conditions(regions=tuple(prefixes))
    )
    amount = standard_amount(standard, person(village_code=village), Decimal(1), OCTOBER)
    assert amount.eligible == any(village.startswith(p) for p in prefixes)
    assert amount.reason == ("" if amount.eligible else f"不在本政策实施范围（村代码{village}）")


@given(
    st.booleans(),
    st.booleans(),
    st.sampled_from(["", "一级", "二级", "三级"]),
    st.decimals(min_value=Decimal(-5), max_value=Decimal(5), places=4),
)
def test_ineligible_means_no_amount_and_a_chinese_reason(
    head_only: bool, is_head: bool, tier: str, quantity: Decimal
) -> None:
    standard = Standard(
        code="T",
        unit="mu",
        bands=(RateBand(Decimal("3.5"), tier="一级"), RateBand(Decimal("2.5"), tier="二级")),
        conditions=Conditions(household_head_only=head_only),
    )
    amount = standard_amount(standard, person(is_household_head=is_head, tier=tier), quantity, OCTOBER)
    eligible = (is_head or not head_only) and tier in ("一级", "二级") and quantity > 0
    assert amount.eligible == eligible
    if eligible:
        assert amount.reason == "" and amount.rate == {"一级": Decimal("3.5"), "二级": Decimal("2.5")}[tier]
    else:
        assert amount.fen is None and amount.rate is None
        assert amount.reason and any("\u4e00" <= ch <= "\u9fff" for ch in amount.reason)


def test_domain_modules_import_without_django() -> None:
    code = (
        "import sys, yikatong.core.periods, yikatong.policies.domain.amount;"
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')]"
    )
    repo = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": str(repo)}, cwd=repo)


def _anniversary(born: date, years: int) -> date:
    """The day someone turns `years`: 1 March for a 29 February birth in a common year."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)

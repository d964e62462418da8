"""The whole-column ID check agrees with the platform's single-value check, yikatong.core.idnumber."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.bulk.factories import TODAY
from yikatong.bulk.idnumbers import check_digit, id_number_errors, known_places
from yikatong.bulk.kinds import EMPTY, Context, check_cells
from yikatong.bulk.schemas import SCHEMAS
from yikatong.core.idnumber import InvalidIdNumber, normalise_id_number, validate_id_number

ID_COLUMN = SCHEMAS["persons"][0]
PLACES = known_places().to_list()
# The single-value messages and the reasons the bulk reader gives for the same failure.
CATEGORIES = {
    "身份证号码长度应为18位": "长度应为18位",
    "身份证号码含有非法字符": "含有非法字符",
    "身份证号码校验位错误": "校验位错误",
    "身份证号码中的出生日期无效": "出生日期无效",
    "身份证号码中的地区码不存在": "地区码不存在",
}

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
places = st.one_of(
    st.sampled_from(PLACES),
    # a province that exists with a county that may not
    st.builds(
        lambda place, county: place[:2] + county,
        st.sampled_from(PLACES),
        st.text("0123456789", min_size=4, max_size=4),
    ),
    st.text("0123456789", min_size=6, max_size=6),
)
births = st.builds(
    lambda year, month, day: f"{year:04d}{month:02d}{day:02d}",
    st.integers(1850, 2030) | st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
)


@st.composite
def structured(draw: st.DrawFn) -> str:
    """Place + birth date + sequence, with the right check digit most of the time."""
    first17 = draw(places) + draw(births) + draw(st.text("0123456789", min_size=3, max_size=3))
    right = check_digit(first17)
    last = draw(st.one_of(st.just(right), st.just(right.lower()), st.sampled_from("0123456789Xx")))
    return first17 + last


noisy = st.text(alphabet="0123456789Xx０１２９ｘ -aA", min_size=18, max_size=18)
numbers = st.lists(st.one_of(structured(), noisy), min_size=1, max_size=40)


def expected(raw: str) -> str | None:
    """The reason the bulk reader should give, from validate_id_number (None for a valid number)."""
    if normalise_id_number(raw) == "":
        return EMPTY
    try:
        number = validate_id_number(raw, today=TODAY)
    except InvalidIdNumber as exc:
        return CATEGORIES[str(exc)]
    # validate_id_number accepts any place whose province exists (its lookup is satisfied by the province
    # part alone); the bulk check holds the place code to what the docstring promises: a code that existed.
    return None if number[:6] in PLACES else "地区码不存在"


@settings(max_examples=300, deadline=None)
@given(numbers)
def test_the_column_check_agrees_with_validate_id_number(raws: list[str]) -> None:
    results = check_cells(raws, ID_COLUMN, Context(today=TODAY)).rows()
    for raw, (value, error) in zip(raws, results, strict=True):
        reason = expected(raw)
        if reason is None:
            assert (value, error) == (validate_id_number(raw, today=TODAY), None), raw
        else:
            assert value is None, raw
            assert error is not None and error.startswith(reason), (raw, error, reason)


def test_valid_structured_numbers_are_accepted_in_bulk() -> None:
    firsts = [place + "19800229" + "123" for place in PLACES[:500]]
    numbers = [first + check_digit(first) for first in firsts]
    assert id_number_errors(pl.Series(numbers), today=TODAY).null_count() == len(numbers)


def test_the_place_table_is_every_county_of_any_period() -> None:
    assert len(PLACES) == len(set(PLACES)) > 6000
    assert {"232722", "232721", "110000", "110103"} <= set(PLACES)  # 110103 崇文区 was merged away in 2010
    assert "239999" not in PLACES

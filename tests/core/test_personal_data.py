"""Unit tests: ID numbers, masking, money and field encryption (no database)."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from yikatong.bulk.idnumbers import check_digit
from yikatong.core import masking
from yikatong.core.crypto import DecryptionError, generate_key_spec, parse_key_ring
from yikatong.core.idnumber import (
    InvalidIdNumber,
    id_facts,
    normalise_id_number,
    validate_id_number,
)
from yikatong.core.money import InvalidAmount, fen_to_yuan, round_fen, yuan_to_fen

VALID = "11010519491231002X"


def test_validate_accepts_valid_and_normalises_full_width_and_lower_x() -> None:
    assert validate_id_number(VALID) == VALID
    assert validate_id_number(" 11010519491231002x ") == VALID
    assert validate_id_number("１１０１０５１９４９１２３１００２ｘ") == VALID
    assert normalise_id_number("１２３ x") == "123X"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("11010519491231002", "长度"),
        ("110105194912310021", "校验位"),
        ("110105194913310021", "出生日期"),
        ("1101051949123100AX", "非法字符"),
    ],
)
def test_validate_explains_why_without_repeating_the_number(raw: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber) as err:
        validate_id_number(raw)
    assert reason in str(err.value)
    assert raw not in str(err.value)


def test_id_facts_and_check_digit() -> None:
    facts = id_facts(VALID)
    assert facts.birth_date.isoformat() == "1949-12-31"
    assert facts.gender == "女"
    assert check_digit(VALID[:17]) == "X"


def test_masks_match_the_platform_conventions() -> None:
    assert masking.mask_name("张三") == "张*"
    assert masking.mask_name("张三丰") == "张*丰"
    assert masking.mask_name("欧阳娜娜") == "欧**娜"
    assert masking.mask_id_number("23272219800101123X") == "232722********123X"
    assert masking.mask_account("6228480012345671234") == "***************1234"
    assert masking.mask_phone("13812341234") == "138****1234"
    assert masking.mask_record({"id_number": VALID, "role": "x"}) == {
        "id_number": "110105********002X",
        "role": "x",
    }


def test_money_is_integer_fen() -> None:
    assert yuan_to_fen("12.30") == 1230
    assert yuan_to_fen("1,234.5") == 123450
    assert fen_to_yuan(123456) == "1,234.56"
    assert fen_to_yuan(-5) == "-0.05"
    assert round_fen(Decimal("12.5")) == 13
    with pytest.raises(InvalidAmount):
        yuan_to_fen("1.005")
    with pytest.raises(InvalidAmount):
        yuan_to_fen("abc")


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_fen_round_trips_through_yuan(fen: int) -> None:
    assert yuan_to_fen(fen_to_yuan(fen)) == fen


def test_encryption_round_trip_rotation_and_context_binding() -> None:
    old = generate_key_spec("k1")
    ring = parse_key_ring(old)
    sealed = ring.encrypt(VALID, context="person.id_number")
    assert VALID not in sealed and sealed.startswith("v1:k1:")
    assert ring.decrypt(sealed, context="person.id_number") == VALID
    # the same value encrypts differently each time, but indexes the same
    assert ring.encrypt(VALID, context="c") != ring.encrypt(VALID, context="c")
    assert ring.blind_index(VALID, context="c") == ring.blind_index_many([VALID], context="c")[0]
    # a value moved to another column does not decrypt there
    with pytest.raises(DecryptionError):
        ring.decrypt(sealed, context="user.phone")
    # rotation: a new key encrypts, the old one still decrypts, blind indexes stay put
    rotated = parse_key_ring(f"{generate_key_spec('k2')},{old}")
    assert rotated.active_id == "k2"
    assert rotated.decrypt(sealed, context="person.id_number") == VALID
    assert rotated.blind_index(VALID, context="c") == ring.blind_index(VALID, context="c")
    column = rotated.encrypt_many([VALID, None], context="c")
    assert column[1] is None and rotated.decrypt(column[0] or "", context="c") == VALID
    # a whole column decrypts at once, old and new keys mixed; a wrong context is refused
    old_key = ring.encrypt(VALID, context="c")
    assert rotated.decrypt_many([old_key, *column, ""], context="c") == [VALID, VALID, None, None]
    assert rotated.decrypt_many([sealed], context="person.id_number") == [VALID]
    with pytest.raises(DecryptionError):
        rotated.decrypt_many([sealed], context="user.phone")
    with pytest.raises(DecryptionError):
        rotated.decrypt_many(["v9:k1:abc"], context="c")


def test_tampered_ciphertext_is_refused() -> None:
    ring = parse_key_ring(generate_key_spec())
    sealed = ring.encrypt("13812341234", context="phone")
    raw = bytearray(base64.b64decode(sealed.split(":", 2)[2]))
    raw[-1] ^= 1
    with pytest.raises(DecryptionError):
        ring.decrypt("v1:k1:" + base64.b64encode(bytes(raw)).decode(), context="phone")


@pytest.mark.parametrize("spec", ["", "k1", "k1:notbase64!", "k1:" + base64.b64encode(b"short").decode()])
def test_bad_key_specs_refuse_to_start(spec: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_key_ring(spec)


def test_elders_of_tahe_hold_valid_numbers_with_the_county_code_created_after_their_birth() -> None:
    first17 = "23272219500101001"
    number = first17 + check_digit(first17)
    assert validate_id_number(number) == number


@pytest.mark.parametrize(
    ("first17", "reason"),
    [("99999919800101001", "地区码"), ("23272230000101001", "出生日期"), ("23272218000101001", "出生日期")],
)
def test_unknown_place_and_impossible_birth_years_are_refused(first17: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber) as err:
        validate_id_number(first17 + check_digit(first17))
    assert reason in str(err.value)

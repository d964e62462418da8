"""Resident ID numbers (居民身份证号码, GB 11643): normalisation and validation through python-stdnum."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from yikatong.bulk.idnumbers import known_place_codes


class InvalidIdNumber(ValueError):
    """An ID number that fails GB 11643; the message is Chinese and never repeats the number."""


def normalise_id_number(raw: str) -> str:
    """Trim, fold full-width characters to ASCII and read a trailing ``x`` as ``X``."""
    text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
    return text.upper()


def validate_id_number(raw: str, *, today: dt.date | None = None) -> str:
    """Return the normalised 18-character ID number, or raise InvalidIdNumber saying why.

    Length, digits, check digit and birth date are python-stdnum's checks. The place code must be one that
    ever existed, but not necessarily in the birth year, as ``ric.validate`` demands: numbers issued in the
    1980s and 1990s carry the code of the issuing county, so an elder of 塔河县 (232722, created in 1981)
    born in 1950 holds a valid 232722… number that ``ric.validate`` would refuse.
    """
    number = normalise_id_number(raw)
    try:
        number = ric.compact(number)
        if len(number) != 18:
            raise InvalidLength()
        if not number[:-1].isdigit() or not number[:-1].isascii():
            raise InvalidFormat()
        if number[-1] != ric.calc_check_digit(number):
            raise InvalidChecksum()
        birth = ric.get_birth_date(number)
    except InvalidLength as exc:
        raise InvalidIdNumber("身份证号码长度应为18位") from exc
    except InvalidFormat as exc:
        raise InvalidIdNumber("身份证号码含有非法字符") from exc
    except InvalidChecksum as exc:
        raise InvalidIdNumber("身份证号码校验位错误") from exc
    except InvalidComponent as exc:
        raise InvalidIdNumber("身份证号码中的出生日期无效") from exc
    except ValidationError as exc:
        raise InvalidIdNumber("身份证号码无效") from exc
    if birth.year < 1890 or birth > (today or dt.date.today()):
        raise InvalidIdNumber("身份证号码中的出生日期无效")
    if number[:6] not in known_place_codes():
        raise InvalidIdNumber("身份证号码中的地区码不存在")
    return number


@dataclass(frozen=True)
class IdFacts:
    """What an ID number says about its holder."""

    birth_date: dt.date
    gender: str  # "男" or "女"
    region_code: str


def id_facts(number: str) -> IdFacts:
    """Birth date, gender and birth-place code of a valid, normalised ID number."""
    return IdFacts(
        birth_date=ric.get_birth_date(number),
        gender="男" if int(number[16]) % 2 == 1 else "女",
        region_code=number[:6],
    )

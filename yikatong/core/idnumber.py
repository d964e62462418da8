"""Resident ID numbers (居民身份证号码, GB 11643): normalisation and validation through python-stdnum."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError


class InvalidIdNumber(ValueError):
    """An ID number that fails GB 11643; the message is Chinese and never repeats the number."""


def normalise_id_number(raw: str) -> str:
    """Trim, fold full-width characters to ASCII and read a trailing ``x`` as ``X``."""
    text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
    return text.upper()


def validate_id_number(raw: str) -> str:
    """Return the normalised 18-character ID number, or raise InvalidIdNumber saying why."""
    number = normalise_id_number(raw)
    try:
        return str(ric.validate(number))
    except InvalidLength as exc:
        raise InvalidIdNumber("身份证号码长度应为18位") from exc
    except InvalidFormat as exc:
        raise InvalidIdNumber("身份证号码含有非法字符") from exc
    except InvalidComponent as exc:
        raise InvalidIdNumber("身份证号码中的出生日期或地区码无效") from exc
    except InvalidChecksum as exc:
        raise InvalidIdNumber("身份证号码校验位错误") from exc
    except ValidationError as exc:
        raise InvalidIdNumber("身份证号码无效") from exc


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


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits (used by generators of test data)."""
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]

"""Money is integer fen everywhere; these helpers convert at the edges."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


class InvalidAmount(ValueError):
    """A text that is not an amount of money in 元."""


def yuan_to_fen(text: str | Decimal | int) -> int:
    """Parse 元 (at most two decimals) into fen: "12.30" → 1230."""
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise InvalidAmount("金额格式错误") from exc
    if not value.is_finite():
        raise InvalidAmount("金额格式错误")
    fen = value * 100
    if fen != fen.to_integral_value():
        raise InvalidAmount("金额最多保留两位小数")
    return int(fen)


def round_fen(value: Decimal) -> int:
    """Round an exact amount in fen half-up to a whole fen."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_to_yuan(fen: int) -> str:
    """Format fen as 元 with two decimals and thousands separators: 123456 → "1,234.56"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"

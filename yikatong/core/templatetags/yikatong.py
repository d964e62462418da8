"""Template helpers: personal data shown masked unless the viewer's role needs it, money in 元."""

from __future__ import annotations

from typing import Any

from django import template

from yikatong.accounts.roles import may_see_clear
from yikatong.core import masking
from yikatong.core.money import fen_to_yuan

register = template.Library()

_MASKERS = {
    "id_number": masking.mask_id_number,
    "account_no": masking.mask_account,
    "phone": masking.mask_phone,
    "name": masking.mask_name,
}


@register.simple_tag(takes_context=True)
def personal(context: dict[str, Any], value: str | None, kind: str) -> str:
    """`{% personal person.id_number "id_number" %}`: clear for roles that need it, masked otherwise."""
    request = context.get("request")
    user = getattr(request, "user", None)
    role = getattr(user, "role", "") if user is not None and user.is_authenticated else ""
    if value and may_see_clear(role, kind):
        return value
    return _MASKERS[kind](value)


@register.filter
def yuan(fen: int | None) -> str:
    """Fen as 元 with two decimals."""
    return "" if fen is None else fen_to_yuan(int(fen))

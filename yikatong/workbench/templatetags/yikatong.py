"""Template helpers: personal data shown masked unless the viewer's role needs it, money in 元."""

from __future__ import annotations

from typing import Any

from django import template

from yikatong.accounts.permissions import allowed, shown
from yikatong.core.money import fen_to_yuan

register = template.Library()


@register.simple_tag(takes_context=True)
def personal(context: dict[str, Any], value: str | None, kind: str) -> str:
    """`{% personal person.id_number "id_number" %}`: clear for roles that need it, masked otherwise."""
    request = context.get("request")
    user = getattr(request, "user", None)
    role = getattr(user, "role", "") if user is not None and user.is_authenticated else ""
    return shown(role, kind, value)


@register.simple_tag(takes_context=True)
def may(context: dict[str, Any], code: str) -> bool:
    """`{% may "roster.approve" as may_approve %}`: whether the signed-in user may take the action."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and allowed(user, code))


@register.filter
def yuan(fen: int | None) -> str:
    """Fen as 元 with two decimals."""
    return "" if fen is None else fen_to_yuan(int(fen))

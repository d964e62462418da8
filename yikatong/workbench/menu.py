"""The workbench menu, derived from the permission table (``accounts.permissions.MENU``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext

from yikatong.accounts.permissions import menu_for


def menu_context(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: the signed-in user's menu, each link one the user may follow."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    menu = []
    for group, items in menu_for(user):
        links = [{"label": gettext(item.label), "url": reverse(item.url_name)} for item in items]
        menu.append((gettext(group), links))
    return {"menu": menu}

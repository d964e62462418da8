"""The workbench menu: each app adds its entries, each entry says which roles see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext

from yikatong.accounts.roles import Role


@dataclass(frozen=True)
class MenuEntry:
    """One link of the workbench menu."""

    label: Any
    url_name: str
    roles: frozenset[str]
    group: Any = "工作台"


_ENTRIES: list[MenuEntry] = []

ALL_STAFF = frozenset(Role.values)


def register(entry: MenuEntry) -> None:
    """Add an entry (apps call this from their AppConfig.ready)."""
    if entry not in _ENTRIES:
        _ENTRIES.append(entry)


def menu_for(role: str) -> list[tuple[str, list[dict[str, str]]]]:
    """The menu a role sees, grouped, in registration order."""
    groups: dict[str, list[dict[str, str]]] = {}
    for entry in _ENTRIES:
        if role in entry.roles:
            groups.setdefault(gettext(str(entry.group)), []).append(
                {"label": gettext(str(entry.label)), "url": reverse(entry.url_name)}
            )
    return list(groups.items())


def menu_context(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: the signed-in user's menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    return {"menu": menu_for(user.role)}

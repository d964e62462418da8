"""A reusable check that every endpoint keeps each township to its own rows.

Each app declares its endpoints as `Case`s: how to reach a row that belongs to township A (or its village),
which role uses the endpoint, and what "seeing" or "changing" that row would look like. For every case the
same role in township B must get nothing (403/404, or a list without the row) and change nothing, while the
role in township A (the positive control) does see it — so a test that cannot fail is caught too.
`all_route_names()` lists every named URL so a test can insist that each one is covered or exempted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.support.world import World


@dataclass(frozen=True)
class Target:
    """A concrete request against township A's row, and how to tell whether it was seen or changed."""

    url: str
    marker: str = ""  # text that appears in a response that shows the row
    data: dict[str, Any] = field(default_factory=dict)
    changed: Callable[[], bool] | None = None  # for writes: did the row change?


@dataclass(frozen=True)
class Case:
    """One endpoint, the role that uses it, and how to aim it at township A's row."""

    route: str
    method: str
    role: str
    aim: Callable[[World, dict[str, Any]], Target]
    insider_place: str = "a"
    outsider_place: str = "b"
    api: bool = False

    @property
    def id(self) -> str:
        return f"{self.method} {self.route} as {self.role}"


def client_for(world: World, role: str, place: str) -> Client:
    """A browser-like client signed in as the role's user in a place."""
    client = Client()
    client.force_login(world.user(role, place))
    return client


def request(client: Client, case: Case, target: Target) -> Any:
    """Send the case's request."""
    if case.method == "GET":
        return client.get(target.url, HTTP_ACCEPT="application/json" if case.api else "text/html")
    if case.api:
        return client.post(target.url, data=target.data, content_type="application/json")
    return client.post(target.url, data=target.data)


def assert_isolated(world: World, rows: dict[str, Any], case: Case) -> None:
    """The insider sees (or changes) township A's row; the outsider neither sees nor changes it."""
    target = case.aim(world, rows)
    outsider = client_for(world, case.role, case.outsider_place)
    response = request(outsider, case, target)
    body = _body(response)
    assert response.status_code in {200, 302, 403, 404}, f"{case.id}: unexpected {response.status_code}"
    # An error page may echo the address asked for; only a page that answered can have shown the row.
    if target.marker and response.status_code == 200:
        assert target.marker not in body, f"{case.id}: outsider saw {target.marker!r}"
    if case.method == "POST":
        assert response.status_code in {403, 404}, (
            f"{case.id}: outsider's write answered {response.status_code}"
        )
        assert target.changed is not None and not target.changed(), f"{case.id}: outsider changed the row"
    elif not target.marker:
        assert response.status_code in {403, 404}, f"{case.id}: outsider got {response.status_code}"

    insider = client_for(world, case.role, case.insider_place)
    response = request(insider, case, target)
    assert response.status_code in {200, 302}, f"{case.id}: insider got {response.status_code}"
    if target.marker:
        assert target.marker in _body(response), f"{case.id}: insider did not see {target.marker!r}"
    if case.method == "POST":
        assert target.changed is not None and target.changed(), f"{case.id}: insider's write changed nothing"


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return str(response.content.decode(errors="replace"))


def all_route_names() -> set[str]:
    """Every named URL of the project, as "namespace:name"."""
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or ""
                walk(pattern.url_patterns, f"{namespace}:{inner}".strip(":") if inner else namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def url(route: str, **kwargs: Any) -> str:
    """reverse() with keyword arguments."""
    return reverse(route, kwargs=kwargs or None)

"""Generated permission tests: every screen, API operation and command asks the one permission table.

For each route (every named URL of the project and every operation of the API) the view declares the
action it takes (``requires``/``requires_one_of``) or that it is public; a route that declares nothing
fails here, so a new route cannot skip the table. Then, for each action a route takes, every role that
lacks it is refused on the screen (403 page), on the API (403 with the message) and, for the commands that
act as a user, on the command line (exit 1, one line). Row scope — that a role holding the action sees
nothing of another township — is tested per endpoint in tests/test_region_isolation.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from typer.testing import CliRunner

from tests.support.world import World
from yikatong.accounts.permissions import ACTIONS, MENU, PERMISSION, PUBLIC, allowed, render_markdown
from yikatong.accounts.roles import Role
from yikatong.api import api
from yikatong.cli import app

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parent.parent
# Routes that are not views of this project: Django's admin site (tests/test_region_isolation.py tests it
# is for the admin role only), the language switch, and the API's own document and docs page.
EXEMPT_PREFIXES = ("admin:", "api:")
EXEMPT = {"set_language"}
DUMMY = {"int": 999_999, "str": "zz", "uuid": uuid.UUID(int=7), "path": "zz", "slug": "zz"}
# A body each API write accepts, so that the refusal — not the body's validation — is what answers.
API_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/policies"): {
        "code": "ZZ",
        "effective_from": "2026-01-01",
        "name": "测试",
        "basis_title": "测试",
        "target": "测试",
        "unit": "person",
        "frequency": "monthly",
        "bands": [{"rate": "1"}],
    },
    ("POST", "/api/rosters"): {"policy_code": "ZZ", "period": "2026-10", "village_code": "232722100201"},
    ("POST", "/api/checks/findings/{finding_id}/settle"): {"outcome": "explained", "reason": "测试"},
    ("POST", "/api/checks/runs"): {"kind": "inflight", "period_from": "2026-10"},
    ("POST", "/api/complaints/{complaint_id}/reply"): {"text": "测试"},
    ("POST", "/api/complaints/{complaint_id}/ask-info"): {"text": "测试"},
    ("POST", "/api/complaints/{complaint_id}/note"): {"text": "测试"},
    ("POST", "/api/complaints/{complaint_id}/reassign"): {"department_code": "zz", "reason": "测试"},
    ("POST", "/api/complaints/{complaint_id}/link"): {"payment_id": 1},
    ("POST", "/api/complaints/{complaint_id}/close"): {"result": "not_true", "action_taken": "测试"},
    ("POST", "/api/disclosure/approve"): {
        "policy_id": 1,
        "period": "2026-10",
        "village_code": "232722100201",
    },
    ("POST", "/api/audit/verify"): {},
    ("POST", "/api/plans"): {"policy_code": "ZZ", "period": "2026-10"},
    ("POST", "/api/plans/{plan_id}/submit"): {},
    ("POST", "/api/plans/{plan_id}/approve"): {"budget_line": "测试", "voucher_no": "ZZ-1"},
    ("POST", "/api/payments/failed/fix-all"): {"note": "测试"},
    ("POST", "/api/sharing/tokens"): {
        "department_code": "mzj",
        "region_code": "232722000000",
        "name": "测试",
        "expires_at": "2027-01-01T00:00:00+08:00",
    },
    ("POST", "/api/sharing/tokens/{token_id}/revoke"): {},
}
# Required query parameters of API reads.
API_QUERIES = {"/api/registry/persons/search": "?q=zz"}
API_FILES = {
    ("POST", "/api/rosters/{roster_id}/file"),
    ("POST", "/api/registry/{kind}"),
    ("POST", "/api/batches/{batch_id}/returns"),
}


@dataclass(frozen=True)
class Route:
    """One way in: a screen URL or an API operation, and the action a request to it takes."""

    name: str
    url: str
    method: str
    action: str
    api: bool = False

    @property
    def id(self) -> str:
        return f"{self.method} {self.name} ({self.action})"


def _declared(callback: Any) -> Any:
    view_class = getattr(callback, "view_class", None)
    return getattr(callback, PERMISSION, None) or getattr(view_class, PERMISSION, None)


def _screens() -> Iterator[tuple[str, URLPattern]]:
    def walk(patterns: list[Any], namespace: str) -> Iterator[tuple[str, URLPattern]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or ""
                yield from walk(
                    pattern.url_patterns, f"{namespace}:{inner}".strip(":") if inner else namespace
                )
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern

    yield from walk(get_resolver().url_patterns, "")


def _url(name: str, pattern: URLPattern, **given: Any) -> str:
    converters = getattr(pattern.pattern, "converters", {})
    kwargs = {key: DUMMY.get(type(conv).__name__.replace("Converter", "").lower(), "zz")
              for key, conv in converters.items()}  # fmt: skip
    kwargs.update(given)
    return reverse(name, kwargs=kwargs or None)


def _operations() -> Iterator[tuple[str, str, Any]]:
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for method in operation.methods:
                    yield method, f"/api{prefix.rstrip('/')}{path}".rstrip("/") or "/api", operation


def _api_url(path: str) -> str:
    return (
        path.replace("{kind}", "persons")
        .replace("{fmt}", "csv")
        .replace("{code}", "zz")
        .format(
            task_id=uuid.UUID(int=7),
            batch_id=999_999,
            roster_id=999_999,
            finding_id=999_999,
            run_id=999_999,
            plan_id=999_999,
            complaint_id=999_999,
            token_id=999_999,
            policy_id=999_999,
            period="2026-10",
            village_code="232722100201",
            year=2026,
        )
    )


def _routes() -> list[Route]:
    routes: list[Route] = []
    for name, pattern in _screens():
        declared = _declared(pattern.callback)
        if name.startswith(EXEMPT_PREFIXES) or name in EXEMPT or declared in (None, PUBLIC):
            continue
        if isinstance(declared, tuple):
            argument, codes = declared
            for value, code in codes.items():
                routes.append(
                    Route(f"{name}[{value}]", _url(name, pattern, **{argument: value}), "POST", code)
                )
        else:
            routes.append(Route(name, _url(name, pattern), "GET", declared))
    for method, path, operation in _operations():
        declared = getattr(operation.view_func, PERMISSION, None)
        if declared in (None, PUBLIC):
            continue
        if isinstance(declared, tuple):
            argument, codes = declared
            for value, code in codes.items():
                routes.append(Route(f"{path}[{value}]", _api_url(path.replace("{" + argument + "}", value)),
                                    method, code, api=True))  # fmt: skip
        else:
            routes.append(Route(path, _api_url(path) + API_QUERIES.get(path, ""), method, declared, api=True))
    return routes


ROUTES = _routes()


def _place(role: str) -> str:
    return "village_a" if role == Role.VILLAGE_CLERK else "county"


def test_every_route_declares_its_action_or_that_it_is_public() -> None:
    undeclared = [
        name
        for name, pattern in _screens()
        if not name.startswith(EXEMPT_PREFIXES) and name not in EXEMPT and _declared(pattern.callback) is None
    ]
    undeclared += [
        f"{method} {path}"
        for method, path, operation in _operations()
        if getattr(operation.view_func, PERMISSION, None) is None
    ]
    assert not undeclared, f"routes that ask no action of the permission table: {undeclared}"
    for route in ROUTES:
        assert route.action in ACTIONS, route.id


def test_every_action_is_reachable_and_every_role_named_is_a_role() -> None:
    taken = {route.action for route in ROUTES} | {item.action for item in MENU}
    # Actions taken only inside services or by the command line (no route of their own).
    service_only = {
        "staff.create",
        "token.manage_others",
        "task.view_all",
        "import.view_all",
        "reference.admin",
        "rule.change",
        "complaint.identity",
    }
    assert set(ACTIONS) - taken <= service_only, sorted(set(ACTIONS) - taken - service_only)
    for code, action in ACTIONS.items():
        assert action.roles <= set(Role.values), code
        assert action.title and action.refusal_zh(), code


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.id)
def test_roles_without_the_action_are_refused(world: World, route: Route) -> None:
    lacking = [role for role in Role.values if role not in ACTIONS[route.action].roles]
    for role in lacking:
        client = Client()
        client.force_login(world.user(role, _place(role)))
        response = _send(client, route)
        assert response.status_code == 403, f"{route.id}: {role} got {response.status_code}"
        body = response.content.decode()
        assert ACTIONS[route.action].refusal_zh() in (
            response.json()["message"]["zh"] if route.api else body
        ), role
    # The positive control: a role that holds the action is not refused by the table.
    holder = sorted(ACTIONS[route.action].roles)[0]
    client = Client()
    client.force_login(world.user(holder, _place(holder)))
    assert _send(client, route).status_code != 403 or route.api, f"{route.id}: {holder} refused"


def _send(client: Client, route: Route) -> Any:
    if not route.api:
        return client.get(route.url) if route.method == "GET" else client.post(route.url, {})
    key = (route.method, route.name.split("[")[0])
    if route.method == "GET":
        return client.get(route.url, HTTP_ACCEPT="application/json")
    if key in API_FILES:
        return client.post(route.url, {"file": _upload()})
    assert key in API_BODIES, f"{route.id}: give the generated test a valid body for this operation"
    return client.post(route.url, API_BODIES[key], content_type="application/json")


def _upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("x.csv", "身份证号\n".encode(), content_type="text/csv")


# --- the command line: commands that act as a user ------------------------------------------------------

CLI_ACTIONS = {
    ("import", "persons"): "import.persons",
    ("import", "cards"): "import.cards",
    ("import", "deaths"): "import.deaths",
    ("import", "cadres"): "import.cadres",
    ("import", "land"): "import.land",
    ("import", "policies"): "policy.import",
    ("import", "roster"): "roster.create",
    ("bank", "import-return"): "return.import",
}


@pytest.mark.parametrize(("command", "code"), list(CLI_ACTIONS.items()), ids=lambda value: str(value))
def test_commands_acting_as_a_user_refuse_roles_without_the_action(
    world: World, tmp_path: Path, command: tuple[str, str], code: str
) -> None:
    source = tmp_path / "file.csv"
    source.write_text("身份证号,姓名\n232722195001011234,张三\n", encoding="utf-8")
    extra = (
        ["--policy", "ZZ", "--period", "2026-10", "--village", "232722100201"]
        if command[1] == "roster"
        else []
    )
    lacking = [role for role in Role.values if role not in ACTIONS[code].roles]
    assert lacking
    for role in lacking:
        user = world.user(role, _place(role))
        result = CliRunner().invoke(app, [*command, str(source), "--user", user.username, *extra])
        assert result.exit_code == 1, f"{command} as {role}: {result.exit_code} {result.output}"
        assert ACTIONS[code].refusal_zh() in result.output, result.output
        assert "Traceback" not in result.output


# --- the table, its document and the menu ------------------------------------------------------------------


def test_docs_permissions_is_generated_from_the_table() -> None:
    document = REPO / "docs" / "permissions.md"
    assert document.read_text(encoding="utf-8") == render_markdown(), (
        "docs/permissions.md is out of date: run `.venv/bin/python bin/permissions-doc`"
    )


def test_the_menu_shows_each_role_only_what_it_may_do(world: World) -> None:
    for role in Role.values:
        client = Client()
        user = world.user(role, _place(role))
        client.force_login(user)
        page = client.get(reverse("workbench:home")).content.decode()
        for item in MENU:
            link = f'href="{reverse(item.url_name)}"'
            assert (link in page) == allowed(user, item.action), (role, item.url_name)

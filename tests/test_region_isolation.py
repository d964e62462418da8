"""Every endpoint, screen and API alike, keeps a township's rows from users of another township."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.checks.isolation_findings import CASES as FINDING_CASES
from tests.checks.isolation_findings import EXEMPT as FINDING_EXEMPT
from tests.checks.isolation_monitor import CASES as MONITOR_CASES
from tests.checks.isolation_monitor import EXEMPT as MONITOR_EXEMPT
from tests.complaints import isolation_complaints
from tests.disclosure import isolation_disclosure, isolation_lookup
from tests.notices import isolation_notices
from tests.payments.isolation_payments import CASES as PAYMENT_CASES
from tests.payments.isolation_payments import EXEMPT as PAYMENT_EXEMPT
from tests.performance import isolation_performance
from tests.sharing.isolation_sharing import EXEMPT as SHARING_EXEMPT
from tests.support.isolation import Case, Target, all_route_names, assert_isolated, url
from tests.support.registry import make_card, make_person
from tests.support.rosters import publish_elderly_allowance
from tests.support.uploads import RereadableUpload
from tests.support.world import VILLAGE_A, World, make_user
from yikatong.accounts.models import ApiToken
from yikatong.accounts.services import api_token_create
from yikatong.audit.services import audit_record
from yikatong.core.masking import mask_id_number
from yikatong.registry.models import ImportBatch, Person, SocialSecurityCard
from yikatong.rosters import services as rosters
from yikatong.rosters.models import Roster, RosterFile, UploadState
from yikatong.tasks.models import TaskRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(world: World, tmp_path: Path) -> dict[str, Any]:
    """Rows of township A: task run, audit event, staff user, API token, person, card, import batch."""
    clerk = world.user("village_clerk", "village_a")
    run = TaskRun.objects.create(
        task_path="x", title="甲镇的任务-7731", created_by=clerk, region_code=VILLAGE_A
    )
    audit_record(action="test.marker-5519", region_code=VILLAGE_A, actor=clerk)
    staff = make_user("township_reviewer", VILLAGE_A[:9] + "000", username="jia-zhen-staff-4418")
    token, _ = api_token_create(
        user=world.user("auditor", "a"), name="甲镇接口", actor=world.user("auditor", "a")
    )
    person = make_person(VILLAGE_A, "甲村人")
    card = make_card(person, account="6228480000000007731")
    batch = ImportBatch.objects.create(
        kind="persons",
        file_name="甲村名单-6620.csv",
        status="loaded",
        region_code=VILLAGE_A,
        report_csv=__file__,
    )
    publish_elderly_allowance(world)
    roster = rosters.roster_create(user=clerk, policy_code="GLJT", period="2026-10", village_code=VILLAGE_A)
    rosters.roster_line_add(user=clerk, roster=roster, person=person, quantity=Decimal(1))
    report = tmp_path / "report.csv"
    report.write_text("行号,错误原因\n2,甲村错误-5127\n", encoding="utf-8")
    roster_file = RosterFile.objects.create(
        roster=roster,
        file_name="甲村名册-3391.csv",
        path=str(report),
        sha256="0" * 64,
        state=UploadState.PREVIEWED,
        good=1,
        created_by=clerk,
        report_csv=str(report),
    )
    return {
        "roster": roster,
        "roster_file": roster_file,
        "run": run,
        "staff": staff,
        "token": token,
        "village": VILLAGE_A,
        "person": person,
        "card": card,
        "batch": batch,
    }


def _card_count(person: Person) -> int:
    return person.cards.count()


def _card_status(card: SocialSecurityCard) -> str:
    card.refresh_from_db()
    return card.status


def _file_state(roster_file: RosterFile) -> str:
    roster_file.refresh_from_db()
    return roster_file.state


def _roster_state(roster: Roster) -> str:
    roster.refresh_from_db()
    return roster.state


def _token_revoked(token: ApiToken) -> bool:
    token.refresh_from_db()
    return token.revoked


CASES = [
    Case(
        "workbench:regions",
        "GET",
        "township_reviewer",
        lambda w, r: Target(url("workbench:regions"), marker=r["village"]),
    ),
    Case(
        "workbench:region_detail",
        "GET",
        "township_reviewer",
        lambda w, r: Target(url("workbench:region_detail", code=r["village"]), marker=r["village"]),
    ),
    Case(
        "accounts:staff",
        "GET",
        "admin",
        lambda w, r: Target(url("accounts:staff"), marker=r["staff"].username),
    ),
    Case(
        "audit:events", "GET", "auditor", lambda w, r: Target(url("audit:events"), marker="test.marker-5519")
    ),
    Case(
        "tasks:list",
        "GET",
        "auditor",
        lambda w, r: Target(url("tasks:list"), marker="甲镇的任务-7731"),
    ),
    Case(
        "tasks:detail",
        "GET",
        "auditor",
        lambda w, r: Target(url("tasks:detail", pk=r["run"].pk), marker="甲镇的任务-7731"),
    ),
    Case(
        "tasks:progress",
        "GET",
        "auditor",
        lambda w, r: Target(url("tasks:progress", pk=r["run"].pk), marker=str(r["run"].pk)),
    ),
    Case(
        "accounts:token_revoke",
        "POST",
        "auditor",
        lambda w, r: Target(
            url("accounts:token_revoke", pk=r["token"].pk), changed=lambda: _token_revoked(r["token"])
        ),
    ),
    Case(
        "registry:person_search",
        "GET",
        "township_reviewer",
        lambda w, r: Target(
            url("registry:person_search") + "?q=甲村人", marker=f"/registry/persons/{r['person'].pk}/"
        ),
    ),
    Case(
        "registry:person_detail",
        "GET",
        "township_reviewer",
        lambda w, r: Target(url("registry:person_detail", pk=r["person"].pk), marker="甲村人"),
    ),
    Case(
        "registry:card_register",
        "POST",
        "hrss",
        lambda w, r: Target(
            url("registry:card_register", pk=r["person"].pk),
            data={"bank": r["card"].bank_id, "account_no": "6221880000000005511", "holder_name": "甲村人"},
            changed=lambda: _card_count(r["person"]) > 1,
        ),
    ),
    Case(
        "registry:card_status",
        "POST",
        "hrss",
        lambda w, r: Target(
            url("registry:card_status", pk=r["card"].pk),
            data={"status": "frozen", "reason": "测试"},
            changed=lambda: _card_status(r["card"]) == "frozen",
        ),
    ),
    Case(
        "registry:import_list",
        "GET",
        "hrss",
        lambda w, r: Target(url("registry:import_list"), marker="甲村名单-6620"),
    ),
    Case(
        "registry:import_detail",
        "GET",
        "hrss",
        lambda w, r: Target(url("registry:import_detail", pk=r["batch"].pk), marker="甲村名单-6620"),
    ),
    Case(
        "registry:import_report",
        "GET",
        "hrss",
        lambda w, r: Target(
            url("registry:import_report", pk=r["batch"].pk, fmt="csv"), marker="region-isolation"
        ),
    ),
    Case(
        "rosters:list",
        "GET",
        "township_reviewer",
        lambda w, r: Target(url("rosters:list"), marker=url("rosters:detail", pk=r["roster"].pk)),
    ),
    Case(
        "rosters:todo",
        "GET",
        "village_clerk",
        lambda w, r: Target(url("rosters:todo"), marker=url("rosters:detail", pk=r["roster"].pk)),
        insider_place="village_a",
        outsider_place="village_b",
    ),
    Case(
        "rosters:detail",
        "GET",
        "village_clerk",
        lambda w, r: Target(url("rosters:detail", pk=r["roster"].pk), marker="甲村人"),
        insider_place="village_a",
        outsider_place="village_b",
    ),
    Case(
        "rosters:notice",
        "GET",
        "village_clerk",
        lambda w, r: Target(
            url("rosters:notice", pk=r["roster"].pk), marker=mask_id_number(r["person"].id_number)
        ),
        insider_place="village_a",
        outsider_place="village_b",
    ),
    Case(
        "rosters:action",
        "POST",
        "village_clerk",
        lambda w, r: Target(
            url("rosters:action", pk=r["roster"].pk, action="submit"),
            changed=lambda: _roster_state(r["roster"]) != "draft",
        ),
        insider_place="village_a",
        outsider_place="village_b",
    ),
    Case(
        "rosters:upload",
        "POST",
        "village_clerk",
        lambda w, r: Target(
            url("rosters:upload", pk=r["roster"].pk),
            data={"file": RereadableUpload("名册.csv", b"x", "text/csv")},
            changed=lambda: RosterFile.objects.count() > 1,
        ),
        insider_place="village_a",
        outsider_place="village_b",
    ),
    Case(
        "rosters:template",
        "GET",
        "village_clerk",
        lambda w, r: Target(url("rosters:template", pk=r["roster"].pk)),
        insider_place="village_a",
        outsider_place="village_b",
    ),
    Case(
        "rosters:file",
        "GET",
        "village_clerk",
        lambda w, r: Target(
            url("rosters:file", pk=r["roster"].pk, file_pk=r["roster_file"].pk), marker="甲村名册-3391"
        ),
        insider_place="village_a",
        outsider_place="village_b",
    ),
    Case(
        "rosters:file_confirm",
        "POST",
        "village_clerk",
        lambda w, r: Target(
            url("rosters:file_confirm", pk=r["roster"].pk, file_pk=r["roster_file"].pk),
            changed=lambda: _file_state(r["roster_file"]) != UploadState.PREVIEWED,
        ),
        insider_place="village_a",
        outsider_place="village_b",
    ),
    Case(
        "rosters:file_report",
        "GET",
        "village_clerk",
        lambda w, r: Target(
            url("rosters:file_report", pk=r["roster"].pk, file_pk=r["roster_file"].pk, fmt="csv"),
            marker="甲村错误-5127",
        ),
        insider_place="village_a",
        outsider_place="village_b",
    ),
    Case(
        "api:import_result",
        "GET",
        "hrss",
        lambda w, r: Target(f"/api/registry/imports/{r['batch'].pk}", marker='"batch_id"'),
        api=True,
    ),
    Case(
        "api:import_report",
        "GET",
        "hrss",
        lambda w, r: Target(f"/api/registry/imports/{r['batch'].pk}/report.csv", marker="region-isolation"),
        api=True,
    ),
    Case(
        "api:person_lookup",
        "GET",
        "township_reviewer",
        lambda w, r: Target("/api/registry/persons/search?q=甲村人", marker=f'"id": {r["person"].pk}'),
        api=True,
    ),
    Case(
        "api:roster_detail",
        "GET",
        "township_reviewer",
        lambda w, r: Target(f"/api/rosters/{r['roster'].pk}", marker='"policy_code"'),
        api=True,
    ),
    Case(
        "api:region_list",
        "GET",
        "township_reviewer",
        lambda w, r: Target("/api/regions", marker=r["village"]),
        api=True,
    ),
    Case(
        "api:region_detail",
        "GET",
        "township_reviewer",
        lambda w, r: Target(f"/api/regions/{r['village']}", marker=r["village"]),
        api=True,
    ),
    Case(
        "api:user_list",
        "GET",
        "admin",
        lambda w, r: Target("/api/users", marker=r["staff"].username),
        api=True,
    ),
    Case(
        "api:event_list",
        "GET",
        "auditor",
        lambda w, r: Target("/api/audit/events", marker="test.marker-5519"),
        api=True,
    ),
    Case(
        "api:task_detail",
        "GET",
        "auditor",
        lambda w, r: Target(f"/api/tasks/{r['run'].pk}", marker=str(r["run"].pk)),
        api=True,
    ),
]

# The checks app keeps its cases beside its own tests.
CASES += FINDING_CASES + MONITOR_CASES + PAYMENT_CASES
CASES += isolation_notices.CASES
CASES += isolation_complaints.CASES
CASES += isolation_disclosure.CASES
CASES += isolation_performance.CASES

# Endpoints that show or touch no region's rows, and why.
EXEMPT = {
    "api:roster_open": "roster_create restricts the village to the clerk's own (change scope); tests/rosters",
    "api:roster_file": "found through restrict() (404); the upload re-checks scope; tests/rosters",
    "home": "redirects only",
    "set_language": "sets the language cookie",
    "workbench:home": "shows the signed-in user's own profile and own tasks",
    "accounts:login": "public sign-in",
    "accounts:logout": "signs the user out",
    "accounts:tokens": "lists only the user's own tokens",
    "audit:verify": "starts a whole-chain verification; the result is the user's own task",
    "public:portal": "public page, no personal data",
    "api:me": "the caller's own profile",
    "policies:list": "the county's policies, shown to all its staff; departments: tests/policies",
    "policies:detail": "county-wide; one department cannot reach another's: tests/policies",
    "policies:new": "a draft always belongs to the drafter's own department",
    "policies:edit": "county-wide; one department cannot edit another's: tests/policies",
    "policies:action": "county-wide; one department cannot act on another's: tests/policies",
    "policies:import": "drafts only for the importer's own department: tests/policies",
    "policies:export": "the published list, public anyway",
    "public_policies:list": "public page",
    "public_policies:detail": "public page",
    "public_policies:excel": "public download",
    "public_policies:document": "public policy documents",
    "api:policy_list": "public list",
    "api:policy_versions": "public list",
    "api:policy_draft": "a draft always belongs to the caller's own department",
    "registry:bank_list": "agent banks are county reference data, the same for everyone",
    "registry:bank_new": "agent banks are county reference data (hrss/admin only; tested in tests/registry)",
    "registry:bank_edit": "agent banks are county reference data (hrss/admin only; tested in tests/registry)",
    "registry:snapshot_list": "outside registries' snapshot list holds no personal data",
    "api:registry_upload": "writes only rows inside the caller's region, rejects the rest (tests/registry)",
    "rosters:new": "a clerk can open a roster only for their own village (tests/rosters)",
    "public_notices:list": "public page: rosters in public notice, no personal data",
    "public_notices:detail": "public page: one roster in public notice, masked (tests/rosters/test_views.py)",
    "api:verify": "starts a whole-chain verification",
    "api:openapi-json": "API schema",
    "api:openapi-view": "API docs page",
    "api:api-root": "API index",
}
EXEMPT |= FINDING_EXEMPT | MONITOR_EXEMPT | PAYMENT_EXEMPT | SHARING_EXEMPT
EXEMPT |= isolation_notices.EXEMPT
EXEMPT |= isolation_lookup.EXEMPT
EXEMPT |= isolation_disclosure.EXEMPT
EXEMPT |= isolation_complaints.EXEMPT
EXEMPT |= isolation_performance.EXEMPT


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_outsider_township_gets_nothing(world: World, rows: dict[str, Any], case: Case) -> None:
    assert_isolated(world, rows, case)


def test_every_endpoint_is_covered_or_exempted() -> None:
    routes = {r for r in all_route_names() if not r.startswith("admin:")}
    covered = {c.route for c in CASES} | set(EXEMPT)
    assert routes - covered == set(), "endpoints without a region-isolation case"
    assert covered - routes == set(), "cases for endpoints that no longer exist"


def test_admin_site_is_for_the_admin_role_only_and_region_scoped(world: World, rows: dict[str, Any]) -> None:
    from tests.support.isolation import client_for

    assert client_for(world, "finance", "county").get("/admin/").status_code == 302
    assert client_for(world, "admin", "county").get("/admin/core/region/").status_code == 200
    township_admin = client_for(world, "admin", "b")
    assert township_admin.get(f"/admin/core/region/{rows['village']}/change/").status_code in {302, 404}


def _action_of(case: Case, url_path: str) -> str | None:
    """The permission-table action an endpoint takes (None for routes that declare none)."""
    from django.urls import resolve

    from yikatong.accounts.permissions import PERMISSION
    from yikatong.api import api

    match = resolve(url_path.split("?")[0])
    declared = getattr(match.func, PERMISSION, None)
    if case.api:
        # An API route is named after its operation's function (api:<name>).
        name = case.route.split(":", 1)[1]
        for _prefix, router in api._routers:
            for view in router.path_operations.values():
                for operation in view.operations:
                    if operation.view_func.__name__ == name and case.method in operation.methods:
                        declared = getattr(operation.view_func, PERMISSION, None)
    if isinstance(declared, tuple):
        argument, codes = declared
        return codes.get(str(match.kwargs.get(argument, "")))
    return declared if isinstance(declared, str) and declared in _actions() else None


def _actions() -> dict[str, Any]:
    from yikatong.accounts.permissions import ACTIONS

    return ACTIONS


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_role_holding_the_action_sees_nothing_of_another_township(
    world: World, rows: dict[str, Any], case: Case
) -> None:
    """Generated from the permission table: not only the case's role, every role that may take the
    endpoint's action, signed in outside township A, neither sees nor changes A's row."""
    from tests.support.isolation import client_for, request

    target = case.aim(world, rows)
    code = _action_of(case, target.url)
    assert code is not None, f"{case.id}: the endpoint declares no action of the permission table"
    for role in sorted(_actions()[code].roles):
        outsider = client_for(world, role, "village_b" if role == "village_clerk" else "b")
        response = request(outsider, case, target)
        assert response.status_code in {200, 302, 403, 404}, f"{case.id} as {role}: {response.status_code}"
        if target.marker and response.status_code == 200:
            body = (
                response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
            )
            assert target.marker not in body, f"{case.id}: {role} outside saw {target.marker!r}"
        if case.method == "POST":
            assert target.changed is not None and not target.changed(), (
                f"{case.id}: {role} outside changed it"
            )

"""Departments' tokens: issued by admin, scoped to one department and region, expiring, revocable, audited."""

from __future__ import annotations

import datetime as dt
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.sharing.support import bearer, department_token
from tests.support.rosters import elders, publish_elderly_allowance, township_reviewed
from tests.support.world import TOWN_A, VILLAGE_A, VILLAGE_B, World
from yikatong.accounts.models import ApiToken
from yikatong.audit.models import AuditEvent
from yikatong.sharing.models import SharingUse


def _create(client: Client, **overrides: object) -> dict[str, object]:
    body = {
        "department_code": "mzj",
        "region_code": "232722000000",
        "role": "dept_reviewer",
        "name": "民政局低保系统",
        "expires_at": (timezone.now() + dt.timedelta(days=90)).isoformat(),
        **overrides,
    }
    return {"response": client.post("/api/sharing/tokens", json.dumps(body), content_type="application/json")}


def test_admin_issues_a_department_token_by_the_api_shown_once_stored_hashed(world: World) -> None:
    response = _create(world.client("admin"))["response"]
    assert response.status_code == 201, response.content
    body = response.json()
    secret = body["secret"]
    assert secret.startswith("ykt_") and body["department_code"] == "mzj" and body["usable"]
    token = ApiToken.objects.get(pk=body["id"])
    assert token.key_hash == ApiToken.hash_key(secret) and secret not in token.key_hash
    assert (
        token.user.username == "api.mzj.232722000000.dept_reviewer" and not token.user.has_usable_password()
    )
    me = bearer(secret).get("/api/me")
    assert me.status_code == 200 and me.json()["role"] == "dept_reviewer"
    listed = world.client("admin").get("/api/sharing/tokens").json()
    assert [t["id"] for t in listed] == [token.pk] and "secret" not in listed[0]


def test_only_admin_issues_department_tokens(world: World) -> None:
    refused = _create(world.client("finance"))["response"]
    assert refused.status_code == 403
    assert set(refused.json()) == {"code", "message", "details"} and refused.json()["code"] == "forbidden"


def test_a_token_must_expire_within_two_years(world: World) -> None:
    past = _create(world.client("admin"), expires_at=(timezone.now() - dt.timedelta(days=1)).isoformat())
    assert past["response"].status_code == 422
    assert "失效时间应晚于现在" in past["response"].json()["details"]["errors"]


def test_a_civil_affairs_token_cannot_read_agriculture_data(world: World) -> None:
    publish_elderly_allowance(world)
    roster = township_reviewed(world, elders(2))
    _mzj, mzj_secret = department_token(world, "mzj")
    _ny, ny_secret = department_token(world, "nyncj")
    assert bearer(mzj_secret).get(f"/api/rosters/{roster.pk}").status_code == 200
    refused = bearer(ny_secret).get(f"/api/rosters/{roster.pk}")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    # …nor its findings, payments or changes.
    assert bearer(ny_secret).get("/api/sharing/findings").json()["items"] == []
    assert bearer(ny_secret).get("/api/sharing/payments").json()["items"] == []
    changes = bearer(ny_secret).get("/api/changes?kinds=rosters").json()["changes"]
    assert changes == []
    assert bearer(mzj_secret).get("/api/changes?kinds=rosters").json()["changes"]


def test_a_village_token_cannot_push_a_roster_of_another_village(world: World) -> None:
    publish_elderly_allowance(world)
    clerk_b = world.client("village_clerk", "village_b")
    opened = clerk_b.post(
        "/api/rosters",
        json.dumps({"policy_code": "GLJT", "period": "2026-11", "village_code": VILLAGE_B}),
        content_type="application/json",
    )
    assert opened.status_code == 201, opened.content
    roster_b = opened.json()["id"]
    _token, secret = department_token(world, "gov-232722100", VILLAGE_A, "village_clerk")
    upload = bearer(secret).post(
        f"/api/rosters/{roster_b}/file", {"file": SimpleUploadedFile("r.csv", b"id_number\n")}
    )
    assert upload.status_code == 404 and upload.json()["code"] == "not_found"
    outside = bearer(secret).post(
        "/api/rosters",
        json.dumps({"policy_code": "GLJT", "period": "2026-11", "village_code": VILLAGE_B}),
        content_type="application/json",
    )
    assert outside.status_code in {403, 422} and outside.json()["code"] in {"forbidden", "invalid"}
    mine = bearer(secret).post(
        "/api/rosters",
        json.dumps({"policy_code": "GLJT", "period": "2026-11", "village_code": VILLAGE_A}),
        content_type="application/json",
    )
    assert mine.status_code == 201, mine.content


def test_an_expired_or_revoked_token_is_refused(world: World) -> None:
    token, secret = department_token(world)
    assert bearer(secret).get("/api/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = bearer(secret).get("/api/me")
    assert expired.status_code == 401 and expired.json()["code"] == "unauthorized"
    assert expired.json()["message"]["en"].startswith("Authentication required")
    other, other_secret = department_token(world)
    revoked = world.client("admin").post(f"/api/sharing/tokens/{other.pk}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert bearer(other_secret).get("/api/me").status_code == 401


def test_each_use_is_one_audit_event_with_its_rows_and_the_status_page_shows_it(world: World) -> None:
    publish_elderly_allowance(world)
    township_reviewed(world, elders(2))
    token, secret = department_token(world)
    before = AuditEvent.objects.filter(action="api.use").count()
    page = bearer(secret).get("/api/changes?kinds=rosters&limit=3")
    assert page.status_code == 200 and len(page.json()["changes"]) == 3
    uses = AuditEvent.objects.filter(action="api.use").order_by("seq")
    assert uses.count() == before + 1
    use = uses.last()
    assert use is not None and use.actor_name == token.user.username
    assert use.after == {"operation": "GET /api/changes", "status": 200, "rows": 3}
    row = SharingUse.objects.get(department__code="mzj")
    assert (row.operation, row.direction, row.last_rows, row.calls) == ("GET /api/changes", "pull", 3, 1)
    status = world.client("finance").get("/sharing/status/")
    assert status.status_code == 200 and "GET /api/changes" in status.content.decode()
    assert world.client("village_clerk", "village_a").get("/sharing/status/").status_code == 403


def test_admin_issues_and_revokes_a_token_on_the_screen(world: World) -> None:
    admin = world.client("admin")
    page = admin.post(
        "/sharing/tokens/",
        {
            "department": "mzj",
            "region": "232722000000",
            "role": "dept_reviewer",
            "name": "民政局系统",
            "expires_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert page.status_code == 200 and b'data-testid="new-token"' in page.content
    token = ApiToken.objects.get(department__code="mzj")
    assert admin.post(f"/sharing/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked


def test_another_townships_admin_and_finance_see_none_of_a_townships_tokens_or_uses(world: World) -> None:
    token, secret = department_token(world, "mzj", TOWN_A)
    assert bearer(secret).get("/api/changes").status_code == 200
    mine, other = world.client("admin", "a"), world.client("admin", "b")
    assert token.prefix in mine.get("/sharing/tokens/").content.decode()
    assert token.prefix not in other.get("/sharing/tokens/").content.decode()
    assert [t["id"] for t in other.get("/api/sharing/tokens").json()] == []
    assert other.post(f"/sharing/tokens/{token.pk}/revoke/").status_code == 404
    assert other.post(f"/api/sharing/tokens/{token.pk}/revoke").status_code == 404
    token.refresh_from_db()
    assert not token.revoked
    assert "GET /api/changes" in world.client("finance", "a").get("/sharing/status/").content.decode()
    assert "GET /api/changes" not in world.client("finance", "b").get("/sharing/status/").content.decode()
    assert world.client("finance", "b").get("/api/sharing/status").json()["uses"] == []
    refused = _create(world.client("admin", "b"), region_code=TOWN_A)["response"]
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"

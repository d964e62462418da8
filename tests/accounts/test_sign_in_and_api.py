"""Sign-in (audited), the workbench, personal data at rest and on screen, and API authentication."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection
from django.test import Client
from typer.testing import CliRunner

from tests.support.world import PASSWORD, World
from yikatong.accounts.models import User
from yikatong.accounts.services import api_token_create
from yikatong.audit.models import AuditEvent
from yikatong.cli import app
from yikatong.core.fields import blind_index

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_and_failed_login_is_audited_without_password(world: World) -> None:
    client = Client()
    page = client.get("/accounts/login/")
    assert "工作人员登录" in page.content.decode()
    user = world.user("finance")
    response = client.post("/accounts/login/", {"username": user.username, "password": "wrong-secret-9"})
    assert response.status_code == 200
    # In the page's own words: the field is 登录名.
    assert "登录名或密码不正确（密码区分大小写），请重新输入" in response.content.decode()
    assert "用户名" not in response.content.decode()
    failed = AuditEvent.objects.filter(action="login.failed").get()
    assert failed.object_repr == user.username
    assert "wrong-secret-9" not in str(failed.digest_payload())


def test_login_lands_on_workbench_with_profile_and_role_menu(world: World) -> None:
    client = Client()
    auditor = world.user("auditor")
    response = client.post(
        "/accounts/login/", {"username": auditor.username, "password": PASSWORD}, follow=True
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/workbench/"
    for text in (auditor.full_name, "审计/纪检人员", "塔河县审计局", "塔河县"):
        assert text in html
    assert "审计日志" in html
    assert AuditEvent.objects.filter(action="login.success", actor_id=auditor.pk).exists()
    clerk_client = Client()
    clerk_client.force_login(world.user("village_clerk", "village_a"))
    clerk_html = clerk_client.get("/workbench/").content.decode()
    assert "永丰村" in clerk_html and "审计日志" not in clerk_html


def test_anonymous_users_are_sent_to_sign_in_and_public_portal_needs_none() -> None:
    client = Client()
    assert client.get("/").url == "/accounts/login/"
    assert client.get("/workbench/").url.startswith("/accounts/login/")
    assert client.get("/public/").status_code == 200
    assert client.get("/api/me").status_code == 401


def test_phone_is_encrypted_at_rest_and_found_by_blind_index(world: World) -> None:
    user = world.user("hrss")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_bidx FROM accounts_user WHERE id = %s", [user.pk])
        stored, bidx = cursor.fetchone()
    assert "13904571234" not in stored and stored.startswith("v1:")
    assert bidx == blind_index("13904571234", context="user.phone")
    assert User.objects.get(pk=user.pk).phone == "13904571234"
    with connection.cursor() as cursor:
        cursor.execute("SELECT before, after FROM audit_auditevent")
        assert all("13904571234" not in str(row) for row in cursor.fetchall())


def test_staff_page_masks_phones_for_roles_that_do_not_need_them(world: World) -> None:
    admin = Client()
    admin.force_login(world.user("admin"))
    html = admin.get("/accounts/staff/").content.decode()
    assert "139****1234" in html and "13904571234" not in html


def test_api_token_authenticates_a_departments_system(world: World) -> None:
    auditor = world.user("auditor")
    _, key = api_token_create(user=auditor, name="审计系统对接", actor=auditor)
    client = Client()
    me = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert me.status_code == 200 and me.json()["username"] == auditor.username
    assert client.get("/api/me", HTTP_X_API_KEY=key).status_code == 200
    assert client.get("/api/me", HTTP_AUTHORIZATION="Bearer ykt_wrong").status_code == 401
    queued = client.post("/api/audit/verify", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert queued.status_code == 200
    task = client.get(f"/api/tasks/{queued.json()['task_id']}", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert task["status"] == "queued" and task["title"] == "审计日志完整性校验"
    started = AuditEvent.objects.get(action="task.start")
    assert started.actor_id == auditor.pk and started.channel == "api"


def test_api_refuses_roles_without_the_right(world: World) -> None:
    client = Client()
    client.force_login(world.user("village_clerk", "village_a"))
    response = client.get("/api/audit/events")
    assert response.status_code == 403 and "审计" in response.json()["message"]["zh"]


def test_openapi_document_and_docs_page_are_served_offline(world: World) -> None:
    client = Client()
    client.force_login(world.user("finance"))
    schema = client.get("/api/openapi.json").json()
    assert "/api/tasks/{task_id}" in schema["paths"]
    docs = client.get("/api/docs").content.decode()
    assert "cdn.jsdelivr" not in docs and "unpkg.com" not in docs


def test_cli_createuser_and_help(world: World) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "createuser",
            "clerk-new",
            "--role",
            "village_clerk",
            "--region",
            "232722201201",
            "--department",
            "gov-232722201",
            "--name",
            "新经办人",
            "--password",
            "Strong-pass-2026",
        ],
    )
    assert result.exit_code == 0, result.output
    assert User.objects.get(username="clerk-new").region_id == "232722201201"
    bad = runner.invoke(
        app, ["createuser", "x", "--role", "boss", "--region", "1", "--department", "czj", "--password", "p"]
    )
    assert bad.exit_code == 1 and "未知角色" in bad.output
    helped = runner.invoke(app, ["--help"])
    for command in ("demo", "serve", "worker", "createuser", "auditlog"):
        assert command in helped.output
    assert "启动演示" in helped.output


def test_production_refuses_to_start_without_keys(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIKATONG_")}
    env["YIKATONG_DATA_DIR"] = str(tmp_path)
    no_secret = subprocess.run(
        [sys.executable, "-m", "yikatong.cli", "worker"], env=env, capture_output=True, text=True, timeout=60
    )
    assert no_secret.returncode != 0 and "YIKATONG_SECRET_KEY" in no_secret.stderr
    env["YIKATONG_SECRET_KEY"] = "x" * 50
    no_key = subprocess.run(
        [sys.executable, "-m", "yikatong.cli", "worker"], env=env, capture_output=True, text=True, timeout=60
    )
    assert no_key.returncode == 2 and "YIKATONG_DATA_KEY" in no_key.stderr


def test_token_page_issues_a_token_once_and_revokes_it(world: World) -> None:
    client = Client()
    client.force_login(world.user("dept_reviewer"))
    page = client.post("/accounts/tokens/", {"name": "民政低保系统"}).content.decode()
    assert "只显示这一次" in page and "令牌已签发" in page
    token = world.user("dept_reviewer").api_tokens.get()
    assert token.prefix in page and token.key_hash not in page
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked
    assert AuditEvent.objects.filter(action__in=["api_token.create", "api_token.revoke"]).count() == 2


def test_refusals_and_missing_pages_read_in_chinese(world: World) -> None:
    client = Client()
    client.force_login(world.user("village_clerk", "village_a"))
    forbidden = client.get("/audit/")
    assert forbidden.status_code == 403
    assert "只有审计人员和系统管理员可以查看审计日志" in forbidden.content.decode()
    missing = client.get("/registry/persons/999999/")
    assert missing.status_code == 404 and "不在您的管辖范围内" in missing.content.decode()


def test_a_public_page_that_is_not_there_leads_back_to_the_public_column() -> None:
    missing = Client().get("/public/policies/NOSUCH/")
    assert missing.status_code == 404
    page = missing.content.decode()
    assert "返回公示公开专栏" in page and "返回工作台" not in page
    # The column leads to what the public can do: look up their own subsidies, complain or report.
    portal = Client().get("/public/").content.decode()
    assert 'href="/public/lookup/"' in portal and 'href="/public/complaints/"' in portal


def test_failed_sign_ins_are_visible_to_the_countys_auditor(world: World) -> None:
    Client().post("/accounts/login/", {"username": "no-such-user", "password": "x"})
    failed = AuditEvent.objects.get(action="login.failed")
    assert failed.region_code == "232722000000"
    auditor = Client()
    auditor.force_login(world.user("auditor"))
    page = auditor.get("/audit/", {"action": "login.failed"}).content.decode()
    assert "no-such-user" in page

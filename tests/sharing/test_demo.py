"""The demo's 数据共享: the fixed 民政局 token works, its first pull shows on 数据共享状态, deaths overdue."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from yikatong.accounts.models import ApiToken, User
from yikatong.demo.loader import load_demo_if_empty
from yikatong.demo.sharing import DEMO_TOKEN
from yikatong.sharing.models import SharingUse


@pytest.fixture
def demo(db: None, tmp_path: Path) -> None:
    assert load_demo_if_empty(data_dir=tmp_path, persons=2_000, echo=lambda _: None)


def test_the_demo_token_pulls_and_finance_sees_it(demo: None) -> None:
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(DEMO_TOKEN))
    assert token.department is not None and token.department.code == "mzj" and token.is_usable()
    system = Client(headers={"Authorization": f"Bearer {DEMO_TOKEN}"})
    payments = system.get("/api/sharing/payments", {"policy": "GLJT"})
    assert payments.status_code == 200 and payments.json()["items"]
    pulled = SharingUse.objects.filter(department__code="mzj", direction="pull")
    assert set(pulled.values_list("operation", flat=True)) >= {
        "GET /api/sharing/payments",
        "GET /api/changes",
    }
    finance = Client()
    finance.force_login(User.objects.get(username="finance"))
    page = finance.get("/sharing/status/").content.decode()
    assert "GET /api/sharing/payments" in page and "死亡人员" in page
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    assert DEMO_TOKEN[:12] in admin.get("/sharing/tokens/").content.decode()

"""The demo's 数据共享: a 民政局 token to try the API with, and the department's first pull.

The token's secret is FIXED and demo-only (``DEMO_TOKEN``, printed by ``yikatong demo`` and named in
README): the demo makes it, stored hashed like any other, for 民政局's system account in 塔河县 (role
主管部门审核人), valid for a year. Its system then pulls 高龄津贴's payment results and follows the
change feed once, so 数据共享状态 shows a pull — and, the demo's deaths having been imported 80 days
ago, the deaths registry overdue for this month.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.test import Client
from django.utils import timezone

from yikatong.accounts.models import ApiToken, User
from yikatong.accounts.services import department_token_create

DEMO_TOKEN = "ykt_demo-mzj-tahe-only-for-the-demo"
COUNTY = "232722000000"


def load_demo_sharing() -> ApiToken:
    """Issue the fixed demo token (as the demo admin) and make the department's first calls with it."""
    admin = User.objects.get(username="admin")
    token, _secret = department_token_create(
        department_code="mzj",
        region_code=COUNTY,
        role="dept_reviewer",
        name="民政局养老服务系统数据对接（演示）",
        expires_at=timezone.now() + dt.timedelta(days=365),
        actor=admin,
    )
    # The demo's own, fixed secret in place of the random one (so README can show a curl that works).
    ApiToken.objects.filter(pk=token.pk).update(
        prefix=DEMO_TOKEN[:12], key_hash=ApiToken.hash_key(DEMO_TOKEN)
    )
    host = next((h for h in settings.ALLOWED_HOSTS if h not in {"*"} and not h.startswith(".")), "localhost")
    system = Client(headers={"Authorization": f"Bearer {DEMO_TOKEN}"}, SERVER_NAME=host)
    system.get("/api/sharing/payments?policy=GLJT&limit=200")
    system.get("/api/changes?kinds=payments,batches,plans")
    token.refresh_from_db()
    return token

"""Region isolation cases for the notices page and its retry (collected by tests/test_region_isolation.py,
whose ``rows`` give a person of township A's village)."""

from __future__ import annotations

from typing import Any

from tests.support.isolation import Case, Target, url
from yikatong.notices.domain import outbox
from yikatong.notices.models import Notification

# ASCII inside, so that it reads the same in a page and in JSON.
NOTICE_MARKER = "jia-notice-6204"


def township_a_notice(rows: dict[str, Any]) -> Notification:
    """A given-up notice to township A's person, whose text carries the marker."""
    if "notice" not in rows:
        person = rows["person"]
        rows["notice"] = Notification.objects.create(
            person=person,
            village_id=rows["village"],
            phone="13904570000",
            template_code="YKT_SUBSIDY_PAID",
            params={"policy": "高龄津贴"},
            signature="塔河县财政局",
            text=f"【塔河县财政局】您的高龄津贴 {NOTICE_MARKER} 已发放",
            source_kind="payment",
            source_id="6204",
            dedup_key="payment:6204",
            state=outbox.GAVE_UP,
            attempts=3,
            max_attempts=3,
            last_error="号码无效",
        )
    return rows["notice"]


def _queued_again(notice: Notification) -> bool:
    notice.refresh_from_db()
    return notice.state == outbox.QUEUED


CASES: list[Case] = [
    Case(
        "notices:list",
        "GET",
        "finance",
        lambda w, r: Target(url("notices:list") + f"?x={township_a_notice(r).pk}", marker=NOTICE_MARKER),
    ),
    Case(
        "notices:retry",
        "POST",
        "finance",
        lambda w, r: Target(
            url("notices:retry", pk=township_a_notice(r).pk), changed=lambda: _queued_again(r["notice"])
        ),
    ),
]

EXEMPT: dict[str, str] = {}

"""The notices page through the real stack: who sees it, masked phones, texts, states and failures, the
filters, the gateway named, and "重试" (audited) for finance only, in Chinese and in English."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.notices.factories import paid, person_with_phone
from tests.notices.test_outbox import send_now
from tests.support.world import VILLAGE_A, VILLAGE_B, World
from yikatong.audit.models import AuditEvent
from yikatong.notices.domain import outbox
from yikatong.notices.models import Notification
from yikatong.notices.services import notify

pytestmark = pytest.mark.django_db

LIST = reverse("notices:list")


@pytest.fixture
def sent(world: World) -> dict[str, Notification]:
    """One notice delivered, one refused and given up (three tries), in township A; one in township B."""
    good = person_with_phone(VILLAGE_A, "13904571234")
    bad = person_with_phone(VILLAGE_A, "13904570000")
    other = person_with_phone(VILLAGE_B, "13904575678")
    notify([paid(good, 1), paid(bad, 2), paid(other, 3)])
    Notification.objects.filter(dedup_key="payment:2").update(max_attempts=1)
    send_now()
    return {n.dedup_key: n for n in Notification.objects.all()}


def test_finance_reads_the_texts_states_and_failures_with_phones_masked(
    world: World, sent: dict[str, Notification]
) -> None:
    page = world.client("finance").get(LIST).content.decode()
    assert "您的高龄津贴2026-10补贴50.00元已于2026-10-28发放至您的中国农业银行社保卡账户" in page
    assert "139****1234" in page and "13904571234" not in page
    assert "已送达" in page and "发送失败，已停止重试" in page and "尾号0000" in page
    assert "演示短信通道（只记录在本平台，不真正发出）" in page
    assert page.count(">重试</button>") == 1
    assert 'data-testid="state-delivered"' in page


def test_hrss_sees_phones_in_clear_and_may_not_retry(world: World, sent: dict[str, Notification]) -> None:
    page = world.client("hrss").get(LIST).content.decode()
    assert "13904571234" in page and ">重试</button>" not in page


def test_the_list_filters_by_state_and_by_region(world: World, sent: dict[str, Notification]) -> None:
    client = world.client("finance")
    failed = client.get(LIST, {"state": outbox.GAVE_UP}).content.decode()
    assert 'data-testid="notice-{}"'.format(sent["payment:2"].pk) in failed
    assert 'data-testid="notice-{}"'.format(sent["payment:1"].pk) not in failed
    by_village = client.get(LIST, {"region": VILLAGE_B}).content.decode()
    assert 'data-testid="notice-{}"'.format(sent["payment:3"].pk) in by_village
    assert 'data-testid="notice-{}"'.format(sent["payment:1"].pk) not in by_village
    # Anything else asked for is ignored, not an error.
    assert client.get(LIST, {"state": "zz", "region": "9", "sort": "phone;drop"}).status_code == 200


def test_retry_sends_a_given_up_notice_again_and_is_audited(
    world: World, sent: dict[str, Notification]
) -> None:
    notice = sent["payment:2"]
    client = world.client("finance")
    back = f"?state={outbox.GAVE_UP}"
    response = client.post(reverse("notices:retry", args=[notice.pk]), {"back": back})
    assert response.status_code == 302 and response["Location"] == LIST + back
    notice.refresh_from_db()
    assert (notice.state, notice.max_attempts) == (outbox.QUEUED, 4)
    assert AuditEvent.objects.filter(action="notice.retry", object_id=str(notice.pk)).count() == 1
    refused = client.post(reverse("notices:retry", args=[sent["payment:1"].pk]), follow=True)
    assert "只有发送失败的告知短信可以重新发送" in refused.content.decode()
    assert (
        client.post(reverse("notices:retry", args=[notice.pk]), {"back": "//evil.example"})["Location"]
        == LIST
    )


def test_roles_outside_the_table_are_refused(world: World, sent: dict[str, Notification]) -> None:
    assert world.client("village_clerk", "village_a").get(LIST).status_code == 403
    assert world.client("auditor").get(LIST).status_code == 200
    notice = sent["payment:2"]
    assert world.client("auditor").post(reverse("notices:retry", args=[notice.pk])).status_code == 403
    notice.refresh_from_db()
    assert notice.state == outbox.GAVE_UP


def test_the_page_reads_in_english(world: World, sent: dict[str, Notification], settings: Any) -> None:
    client = world.client("finance")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(LIST).content.decode()
    assert "SMS notices" in page and "Delivered" in page and "Retry" in page

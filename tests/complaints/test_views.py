"""The public pages (file, the number and secret once, status, add information) and the staff screens
(list, detail with the identity masked or in clear, the handler's steps), through the real stack."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.complaints.support import at, exe_bytes, file_complaint, png_bytes, upload
from tests.support.rosters import publish_elderly_allowance
from tests.support.world import World
from yikatong.complaints import services
from yikatong.complaints.domain import rules
from yikatong.complaints.models import Attachment, Complaint
from yikatong.core import throttle

FILE = reverse("public_complaints:file")
STATUS = reverse("public_complaints:status")


@pytest.fixture
def policy(world: World) -> None:
    publish_elderly_allowance(world)
    throttle.reset(services.FILE_SCOPE)
    throttle.reset(services.STATUS_SCOPE)
    throttle.reset(services.NUMBER_SCOPE)


def _filing(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "complaint",
        "policy": "GLJT",
        "region": "232722100201",
        "text": "补贴少发了两个月",
        "anonymous": "0",
        "contact_name": "张秀英",
        "contact_phone": "13904570001",
        "contact_id_number": "",
    }
    data.update(changes)
    return data


def _secret(body: str) -> tuple[str, str]:
    number = re.search(r'data-testid="tracking-number">([^<]+)<', body)
    secret = re.search(r'data-testid="tracking-secret">([^<]+)<', body)
    assert number and secret
    return number.group(1), secret.group(1)


def test_the_public_files_a_complaint_with_a_photo_and_sees_number_and_secret_once(
    world: World, policy: None
) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(FILE)
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    token = page.cookies["csrftoken"].value
    data = _filing(attachments=[upload("photo.png", png_bytes(), "image/png")], csrfmiddlewaretoken=token)
    response = client.post(FILE, data)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    number, secret = _secret(response.content.decode())
    complaint = Complaint.objects.get(number=number)
    assert Attachment.objects.filter(complaint=complaint).count() == 1
    assert secret not in complaint.secret_hash
    # The number and secret are asked by POST; a GET with them in the URL is dropped.
    assert client.get(STATUS, {"number": number, "secret": secret}).status_code == 302
    status = client.post(STATUS, {"number": number, "secret": secret, "csrfmiddlewaretoken": token})
    body = status.content.decode()
    assert status.status_code == 200 and number in body and "已分办" in body
    assert "张秀英" not in body and "13904570001" not in body


def test_csrf_is_required(world: World, policy: None) -> None:
    assert Client(enforce_csrf_checks=True).post(FILE, _filing()).status_code == 403


def test_an_exe_renamed_jpg_is_refused_on_the_form(world: World, policy: None) -> None:
    response = Client().post(FILE, _filing(attachments=[upload("photo.jpg", exe_bytes())]))
    assert response.status_code == 400 and "不是图片或PDF" in response.content.decode()
    assert not Complaint.objects.exists()


def test_a_wrong_secret_answers_as_an_unknown_number(world: World, policy: None) -> None:
    filed = file_complaint()
    client = Client()

    def answer(number: str, secret: str) -> str:
        body = client.post(STATUS, {"number": number, "secret": secret}).content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)

    wrong = answer(filed.number, "WRONG23456")
    unknown = answer("TS-2026-999999", "WRONG23456")
    assert wrong == unknown and "受理编号或查询密码不正确" in wrong
    assert filed.number not in wrong


def test_filing_is_throttled_per_ip(world: World, policy: None, settings: object) -> None:
    settings.YIKATONG_COMPLAINT_IP_LIMIT = 2  # type: ignore[attr-defined]
    client = Client()
    assert client.post(FILE, _filing()).status_code == 200
    assert client.post(FILE, _filing()).status_code == 200
    assert client.post(FILE, _filing()).status_code == 429
    assert Complaint.objects.count() == 2
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert other.post(FILE, _filing()).status_code == 200


def test_the_complainant_adds_information_when_asked(world: World, policy: None) -> None:
    filed = file_complaint()
    client = Client()
    page = client.post(STATUS, {"number": filed.number, "secret": filed.secret}).content.decode()
    assert 'data-testid="add-info"' not in page
    services.complaint_ask_info(
        user=world.user("dept_reviewer"), complaint=filed.complaint, text="请提供存折照片"
    )
    page = client.post(STATUS, {"number": filed.number, "secret": filed.secret}).content.decode()
    assert "请提供存折照片" in page and 'data-testid="add-info"' in page
    info = reverse("public_complaints:add_info")
    data = {"number": filed.number, "secret": filed.secret, "text": "照片见附件"}
    response = client.post(info, {**data, "attachments": [upload("book.png", png_bytes(), "image/png")]})
    assert response.status_code == 200 and "照片见附件" in response.content.decode()
    assert Complaint.objects.get(pk=filed.complaint.pk).state == rules.ANSWERING
    assert Attachment.objects.filter(complaint=filed.complaint, event__kind=rules.INFO_ADDED).count() == 1
    refused = client.post(info, {**data, "secret": "WRONG23456"})
    assert "受理编号或查询密码不正确" in refused.content.decode()


def test_identity_is_seen_only_by_the_handling_department_and_auditors(world: World, policy: None) -> None:
    filed = file_complaint(contact_id_number="232722195603011234", about_person="王桂兰")
    url = reverse("complaints:detail", kwargs={"pk": filed.complaint.pk})
    for role, place in (("dept_reviewer", "county"), ("auditor", "county"), ("auditor", "a")):
        body = world.client(role, place).get(url).content.decode()
        assert "13904570001" in body and "张秀英" in body and "王桂兰" in body, role
    for role, place in (("finance", "county"), ("township_reviewer", "a"), ("admin", "county")):
        body = world.client(role, place).get(url).content.decode()
        assert filed.number in body, role
        assert "13904570001" not in body and "张秀英" not in body and "232722195603011234" not in body, role
        assert "王桂兰" not in body, role
    for role, place in (("township_reviewer", "b"), ("auditor", "b"), ("dept_reviewer", "b")):
        assert world.client(role, place).get(url).status_code == 404, (role, place)
    assert world.client("village_clerk", "village_a").get(url).status_code == 403
    assert world.client("bank_operator").get(url).status_code == 403


def test_the_handler_replies_and_closes_on_the_screen(world: World, policy: None) -> None:
    filed = file_complaint()
    client = world.client("dept_reviewer")
    detail = reverse("complaints:detail", kwargs={"pk": filed.complaint.pk})
    assert 'data-testid="handle"' in client.get(detail).content.decode()
    assert 'data-testid="handle"' not in world.client("township_reviewer", "a").get(detail).content.decode()
    act = lambda step: reverse("complaints:act", kwargs={"pk": filed.complaint.pk, "step": step})  # noqa: E731
    assert client.post(act("reply"), {"text": "已收到"}).status_code == 302
    refused = world.client("township_reviewer", "a").post(act("reply"), {"text": "越权"})
    assert refused.status_code in {302, 403}
    assert "越权" not in client.get(detail).content.decode()
    assert world.client("finance").post(act("reply"), {"text": "越权"}).status_code == 403
    client.post(act("close"), {"result": "partly_true", "action_taken": "已补发"})
    complaint = Complaint.objects.get(pk=filed.complaint.pk)
    assert complaint.state == rules.CLOSED and complaint.result == rules.PARTLY_TRUE


def test_the_list_flags_overdue_and_the_workbench_and_monitor_count_them(world: World, policy: None) -> None:
    late = file_complaint(now=at(dt.date(2026, 9, 1)))
    client = world.client("dept_reviewer")
    listing = client.get(reverse("complaints:list"), {"show": "overdue"}).content.decode()
    assert late.number in listing and 'data-testid="overdue"' in listing
    home = client.get(reverse("workbench:home")).content.decode()
    assert "待办投诉举报" in home and "其中已超期 1 件" in home
    monitor = world.client("auditor").get(reverse("checks:monitor")).content.decode()
    assert 'data-testid="monitor-complaints"' in monitor and late.number in monitor
    assert 'data-testid="complaints-overdue">1<' in monitor


def test_a_reassigned_complaint_leaves_the_department_for_its_list(world: World, policy: None) -> None:
    filed = file_complaint()
    url = reverse("complaints:act", kwargs={"pk": filed.complaint.pk, "step": "reassign"})
    township = Complaint.objects.get(pk=filed.complaint.pk).region.code[:9]
    from yikatong.core.models import Department

    department = Department.objects.get(code=f"gov-{township}")
    response = world.client("dept_reviewer").post(url, {"department": department.pk, "reason": "属乡镇职责"})
    assert response.status_code == 302 and response["Location"] == reverse("complaints:list")
    assert Complaint.objects.get(pk=filed.complaint.pk).department == department
    detail = reverse("complaints:detail", kwargs={"pk": filed.complaint.pk})
    page = world.client("township_reviewer", "a").get(detail).content.decode()
    assert "属乡镇职责" in page and 'data-testid="handle"' in page


def test_secrets_tried_against_one_number_are_throttled_from_any_address(
    world: World, policy: None, settings: object
) -> None:
    settings.YIKATONG_COMPLAINT_NUMBER_LIMIT = 3  # type: ignore[attr-defined]
    filed = file_complaint()
    for i in range(3):
        client = Client(REMOTE_ADDR=f"10.0.0.{i}")
        assert client.post(STATUS, {"number": filed.number, "secret": "WRONG23456"}).status_code == 200
    late = Client(REMOTE_ADDR="10.0.0.9").post(STATUS, {"number": filed.number, "secret": filed.secret})
    assert late.status_code == 429
    # An unknown number is counted the same way: the limit says nothing about which numbers exist.
    for _ in range(3):
        Client().post(STATUS, {"number": "TS-2026-999999", "secret": "WRONG23456"})
    assert Client().post(STATUS, {"number": "TS-2026-999999", "secret": "X"}).status_code == 429

"""The demo's complaints: one answered (closed with a result), one report overdue on 塔河镇's 待办 and on the
monitoring page; the answered one's status page opens with the number and the demo's secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from yikatong.accounts.models import User
from yikatong.complaints import selectors
from yikatong.complaints.domain import rules
from yikatong.complaints.models import Complaint
from yikatong.demo.complaints import DEMO_SECRET
from yikatong.demo.loader import load_demo_if_empty
from yikatong.disclosure import lookup
from yikatong.registry.models import Person


@pytest.fixture
def demo(db: None, tmp_path: Path) -> None:
    assert load_demo_if_empty(data_dir=tmp_path, persons=2_000, echo=lambda _: None)


def test_the_demo_has_an_answered_complaint_and_an_overdue_report(demo: None) -> None:
    answered = Complaint.objects.get(kind=rules.COMPLAINT)
    assert answered.state == rules.CLOSED and answered.result == rules.PARTLY_TRUE
    assert answered.department.code == "mzj" and answered.payment_id is not None
    assert answered.closed_at is not None and answered.closed_at.date() <= answered.due_on
    report = Complaint.objects.get(kind=rules.REPORT)
    assert report.is_open and not report.anonymous and report.department.code == "gov-232722100"
    # The reporter is the lookup's first example: their 个人查询 lists the report as open.
    person = Person.objects.get(id_bidx=report.contact_id_bidx)
    answer = lookup.answer_for(person.pk, person.id_number, person.id_bidx)
    assert [c.number for c in answer.complaints] == [report.number]
    assert answer.complaints[0].due_on == report.due_on
    township = User.objects.get(username="township_tahe")
    assert selectors.todo_for(township).overdue == 1
    client = Client()
    client.force_login(township)
    home = client.get(reverse("workbench:home")).content.decode()
    assert "待办投诉举报" in home
    client.force_login(User.objects.get(username="auditor"))
    monitor = client.get(reverse("checks:monitor")).content.decode()
    assert report.number in monitor
    page = Client().post(
        reverse("public_complaints:status"), {"number": answered.number, "secret": DEMO_SECRET}
    )
    body = page.content.decode()
    assert "部分属实" in body and "补发的9月津贴已到账" in body
    assert "刘淑芬" not in body and "银行回盘" not in body, "no complainant details, no internal notes"

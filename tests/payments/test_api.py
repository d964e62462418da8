"""Disbursement through the API with tokens: plans listed, read, built, submitted and approved; batches seen
by a bank's operator only for its own bank; the payment file downloaded (audited; a bank's download sends
it); returns uploaded (applied, duplicate, refused); payments and failed lines masked by role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.support.registry import banks
from tests.support.rosters import approved, elders, publish_elderly_allowance
from tests.support.world import World
from yikatong.accounts.models import User
from yikatong.accounts.permissions import shown
from yikatong.accounts.services import api_token_create
from yikatong.audit.models import AuditEvent
from yikatong.core.masking import mask_account
from yikatong.payments import files, services, simulator
from yikatong.payments.domain import plans
from yikatong.payments.models import (
    BankReturn,
    BatchState,
    DisbursementPlan,
    LineStatus,
    Payment,
    PaymentBatch,
    ReturnState,
)
from yikatong.payments.reference import load_bank_setups
from yikatong.policies.models import Policy
from yikatong.registry.models import CardStatus, Person, SocialSecurityCard

pytestmark = pytest.mark.django_db

PERIOD = "2026-10"


def api_client(user: User) -> Client:
    """A client that calls the API with a fresh token of the user."""
    key = api_token_create(user=user, name="部门系统", actor=user)[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def approved_lines(world: World) -> list[Person]:
    """Four elders of village A on an approved 高龄津贴 roster: two paid through 农业银行 (103, flat files,
    whose operator is bank-abc), two through 建设银行 (105, ISO 20022, no operator here)."""
    publish_elderly_allowance(world)
    banks()
    load_bank_setups()
    people = elders(4)
    SocialSecurityCard.objects.filter(person__in=people[2:]).update(bank=banks()["105"])
    approved(world, people, PERIOD)
    return people


def budget(world: World) -> None:
    services.budget_set(
        user=world.user("finance"),
        policy=Policy.objects.get(code="GLJT"),
        year=2026,
        source="county",
        amount_fen=10**8,
    )


def approved_plan(world: World) -> DisbursementPlan:
    """The four lines built, submitted and approved: one batch per bank, no file generated yet (the worker
    would generate them after the commit); the first elder's 农业银行 card is closed by payday."""
    people = approved_lines(world)
    budget(world)
    policy = Policy.objects.get(code="GLJT")
    built = services.plan_build(user=world.user("dept_reviewer"), policy=policy, period=PERIOD)
    services.plan_submit(user=world.user("dept_reviewer"), plan=built)
    services.plan_approve(user=world.user("finance"), plan=built, budget_line="塔财预1号", voucher_no="ZF-1")
    SocialSecurityCard.objects.filter(person=people[0]).update(status=CardStatus.CLOSED)
    return DisbursementPlan.objects.get(pk=built.pk)


@pytest.fixture
def plan(world: World) -> DisbursementPlan:
    return approved_plan(world)


def batch_of(plan: DisbursementPlan, bank: str) -> PaymentBatch:
    return PaymentBatch.objects.get(plan=plan, bank__code=bank)


def _post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def test_plans_are_listed_filtered_and_paged(world: World, plan: DisbursementPlan) -> None:
    client = api_client(world.user("dept_reviewer"))
    body = client.get("/api/plans").json()
    assert body["count"] == 1 and body["page"] == 1
    item = body["items"][0]
    assert item["id"] == plan.pk and item["number"] == plan.number and item["state"] == plans.APPROVED
    assert item["state_label"] == "财政已审批" and item["total_fen"] == 20000 and item["total"] == "200.00"
    assert item["voucher_no"] == "ZF-1" and item["line_count"] == 4
    for query, expected in (
        ({"policy": "GLJT"}, 1),
        ({"policy": "NONE"}, 0),
        ({"period": "2026-10"}, 1),
        ({"period": "2026-09"}, 0),
        ({"state": "approved"}, 1),
        ({"state": "draft"}, 0),
    ):
        assert client.get("/api/plans", query).json()["count"] == expected, query
    paged = client.get("/api/plans", {"page": 2, "page_size": 1}).json()
    assert paged["count"] == 1 and paged["items"] == []
    for query in ({"period": "2026-13"}, {"state": "nonsense"}):
        refused = client.get("/api/plans", query)
        assert refused.status_code == 422 and refused.json()["details"]["errors"], query
    # Another township's auditor sees none of the county's plans; a bank is refused plans altogether.
    assert api_client(world.user("auditor", "b")).get("/api/plans").json()["count"] == 0
    assert api_client(world.user("auditor", "b")).get(f"/api/plans/{plan.pk}").status_code == 404
    bank = api_client(world.user("bank_operator")).get("/api/plans")
    assert bank.status_code == 403 and bank.json()["message"]["zh"].startswith("无权查看发放计划")


def test_a_plan_reads_with_its_totals_by_township_bank_and_status(
    world: World, plan: DisbursementPlan
) -> None:
    body = api_client(world.user("finance")).get(f"/api/plans/{plan.pk}").json()
    assert body["by_township"] == [
        {
            "code": "232722100",
            "name": "塔河镇",
            "count": 4,
            "total_fen": 20000,
            "paid_count": 0,
            "paid_fen": 0,
        }
    ]
    by_bank = {row["code"]: row for row in body["by_bank"]}
    assert set(by_bank) == {"103", "105"}
    assert sum(row["total_fen"] for row in by_bank.values()) == body["total_fen"] == 20000
    assert body["status_counts"] == {"waiting": {"label": "待发放", "count": 4, "fen": 20000}}
    batches = {row["bank_code"]: row for row in body["batches"]}
    assert batches["103"]["count"] == 2 and batches["103"]["state"] == BatchState.CREATED
    assert batches["103"]["file"] is None  # generated by the worker after the approval commits


def test_a_plan_is_built_submitted_and_approved_through_the_api(world: World) -> None:
    approved_lines(world)
    department, finance = api_client(world.user("dept_reviewer")), api_client(world.user("finance"))
    unknown = _post(department, "/api/plans", {"policy_code": "NONE", "period": PERIOD})
    assert unknown.status_code == 422 and "NONE" in unknown.json()["details"]["errors"][0]
    refused = _post(finance, "/api/plans", {"policy_code": "GLJT", "period": PERIOD})
    assert refused.status_code == 403
    built = _post(department, "/api/plans", {"policy_code": "GLJT", "period": PERIOD})
    assert built.status_code == 201, built.content
    plan = built.json()
    assert plan["state"] == plans.CHECKED and plan["line_count"] == 4 and plan["check_run_id"]
    again = _post(department, "/api/plans", {"policy_code": "GLJT", "period": PERIOD})
    assert again.status_code == 422 and "未提交的发放计划" in again.json()["details"]["errors"][0]

    early = _post(finance, f"/api/plans/{plan['id']}/approve", {"budget_line": "x", "voucher_no": "y"})
    assert early.status_code == 422 and "只有已提交财政的计划可以审批" in early.json()["details"]["errors"][0]
    submitted = _post(department, f"/api/plans/{plan['id']}/submit")
    assert submitted.status_code == 200 and submitted.json()["state"] == plans.SUBMITTED
    by_department = _post(
        department, f"/api/plans/{plan['id']}/approve", {"budget_line": "x", "voucher_no": "y"}
    )
    assert (
        by_department.status_code == 403 and by_department.json()["message"]["zh"] == "发放计划由财政局审批"
    )
    no_budget = _post(finance, f"/api/plans/{plan['id']}/approve", {"budget_line": "x", "voucher_no": "y"})
    assert no_budget.status_code == 422 and "尚未录入预算指标" in no_budget.json()["details"]["errors"][0]
    budget(world)
    blank = _post(finance, f"/api/plans/{plan['id']}/approve", {"budget_line": " ", "voucher_no": "y"})
    assert blank.status_code == 422 and "请填写预算指标" in blank.json()["details"]["errors"]
    done = _post(
        finance, f"/api/plans/{plan['id']}/approve", {"budget_line": "塔财预2号", "voucher_no": "ZF-2"}
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["state"] == plans.APPROVED and body["voucher_no"] == "ZF-2"
    assert sorted(b["bank_code"] for b in body["batches"]) == ["103", "105"]
    assert AuditEvent.objects.filter(action="plan.approved", object_id=str(plan["id"])).count() == 1
    # The same approval again is refused: the plan is no longer waiting for finance.
    twice = _post(finance, f"/api/plans/{plan['id']}/approve", {"budget_line": "x", "voucher_no": "ZF-3"})
    assert twice.status_code == 422


def test_a_bank_operator_sees_only_its_own_banks_batches_files_and_payments(
    world: World, plan: DisbursementPlan
) -> None:
    own, other = batch_of(plan, "103"), batch_of(plan, "105")
    for batch in (own, other):
        files.batch_file(batch=batch, user=world.user("finance"))
    operator = api_client(world.user("bank_operator"))
    listed = operator.get("/api/batches").json()
    assert [item["id"] for item in listed["items"]] == [own.pk] and listed["count"] == 1
    assert operator.get(f"/api/batches/{own.pk}").status_code == 200
    for path in ("", "/file", "/payments"):
        assert operator.get(f"/api/batches/{other.pk}{path}").status_code == 404, path
    produced = simulator.simulate(other, technical_share=0)[0]
    upload = SimpleUploadedFile(produced.name, produced.data)
    assert operator.post(f"/api/batches/{other.pk}/returns", {"file": upload}).status_code == 404
    assert not BankReturn.objects.exists()
    assert not AuditEvent.objects.filter(action="batch.download").exists()
    # Finance sees both banks, filtered by bank, plan and state.
    finance = api_client(world.user("finance"))
    assert finance.get("/api/batches").json()["count"] == 2
    assert [i["id"] for i in finance.get("/api/batches", {"bank": "105"}).json()["items"]] == [other.pk]
    assert finance.get("/api/batches", {"plan": plan.pk, "state": "file_ready"}).json()["count"] == 2
    assert finance.get("/api/batches", {"state": "sent"}).json()["count"] == 0
    assert finance.get("/api/batches", {"state": "nonsense"}).status_code == 422
    # The operator of the same bank in another township sees nothing of the county's batches.
    elsewhere = api_client(world.user("bank_operator", "b"))
    assert elsewhere.get("/api/batches").json()["count"] == 0
    assert elsewhere.get(f"/api/batches/{own.pk}").status_code == 404


def test_the_file_is_the_kept_bytes_every_download_audited_and_the_banks_sends_it(
    world: World, plan: DisbursementPlan
) -> None:
    batch = batch_of(plan, "103")
    finance, operator = api_client(world.user("finance")), api_client(world.user("bank_operator"))
    missing = finance.get(f"/api/batches/{batch.pk}/file")
    assert missing.status_code == 404 and "尚未生成" in missing.json()["message"]["zh"]
    kept = files.batch_file(batch=batch, user=world.user("finance"))
    data = files.file_bytes(kept)
    by_finance = finance.get(f"/api/batches/{batch.pk}/file")
    assert by_finance.status_code == 200 and by_finance.content == data
    assert by_finance["X-Content-SHA256"] == kept.sha256
    assert kept.file_name in by_finance["Content-Disposition"]
    assert PaymentBatch.objects.get(pk=batch.pk).state == BatchState.FILE_READY  # finance only looked
    by_bank = operator.get(f"/api/batches/{batch.pk}/file")
    assert by_bank.status_code == 200 and by_bank.content == data
    batch.refresh_from_db()
    assert batch.state == BatchState.SENT and batch.sent_at is not None
    assert set(Payment.objects.filter(batch=batch).values_list("status", flat=True)) == {plans.SENT_TO_BANK}
    downloads = AuditEvent.objects.filter(action="batch.download", object_id=str(kept.pk))
    assert downloads.count() == 2
    assert {e.actor_role for e in downloads} == {"finance", "bank_operator"}
    assert AuditEvent.objects.filter(action="batch.sent", object_id=str(batch.pk)).count() == 1
    detail = operator.get(f"/api/batches/{batch.pk}").json()
    assert (
        detail["file"]["sha256"] == kept.sha256 and detail["file"]["url"] == f"/api/batches/{batch.pk}/file"
    )
    # An auditor reads batches but may not take the file.
    assert api_client(world.user("auditor")).get(f"/api/batches/{batch.pk}/file").status_code == 403
    # A file changed or gone from the storage is never handed out, and no download is recorded.
    Path(kept.path).write_bytes(data + b"x")
    changed = finance.get(f"/api/batches/{batch.pk}/file")
    assert changed.status_code == 422 and "摘要不符" in changed.json()["details"]["errors"][0]
    Path(kept.path).unlink()
    gone = finance.get(f"/api/batches/{batch.pk}/file")
    assert gone.status_code == 422 and "读不到" in gone.json()["details"]["errors"][0]
    assert downloads.count() == 2


def test_returns_are_uploaded_applied_once_and_refused_whole(world: World, plan: DisbursementPlan) -> None:
    batch = batch_of(plan, "103")
    files.batch_file(batch=batch, user=world.user("finance"))
    operator = api_client(world.user("bank_operator"))
    operator.get(f"/api/batches/{batch.pk}/file")
    success, failure = simulator.simulate(batch, technical_share=0)
    url = f"/api/batches/{batch.pk}/returns"

    def upload(name: str, data: bytes, kind: str) -> Any:
        return operator.post(url, {"file": SimpleUploadedFile(name, data), "kind": kind})

    first = upload(success.name, success.data, "success")
    assert first.status_code == 200, first.content
    assert first.json()["state"] == ReturnState.APPLIED and first.json()["changed"] == 1
    assert first.json()["batch_id"] == batch.pk
    second = upload(failure.name, failure.data, "failure")
    assert second.status_code == 200 and second.json()["changed"] == 1
    again = upload(success.name, success.data, "success")
    assert again.status_code == 200 and again.json()["state"] == ReturnState.DUPLICATE
    refused = upload("乱码.txt", b"not a return file", "success")
    assert refused.status_code == 422 and refused.json()["state"] == ReturnState.REFUSED
    assert refused.json()["message"]
    detail = operator.get(f"/api/batches/{batch.pk}").json()
    assert detail["state"] == BatchState.CLOSED and (detail["paid_count"], detail["failed_count"]) == (1, 1)
    assert detail["paid_fen"] + detail["failed_fen"] == detail["total_fen"]
    assert [r["state"] for r in detail["returns"]] == ["duplicate", "applied", "applied"]
    # An unreadable file names no batch: it is kept as refused for the bank, and changed nothing.
    assert BankReturn.objects.get(state=ReturnState.REFUSED).batch_id is None
    assert AuditEvent.objects.filter(action="return.import").count() == 2

    # The failed line (the closed card, AC04) waits on HRSS, who sees it with what to do.
    hrss = api_client(world.user("hrss")).get("/api/payments/failed").json()
    assert hrss["count"] == 1
    line = hrss["items"][0]
    assert line["reason_code"] == "AC04" and line["remedy_role"] == "hrss"
    assert line["status"] == LineStatus.FAILED and line["plan_number"] == plan.number
    assert "社保卡账户" in line["remedy"] and line["bank_code"] == "103"
    assert (
        api_client(world.user("village_clerk", "village_a")).get("/api/payments/failed").json()["count"] == 0
    )
    assert api_client(world.user("bank_operator")).get("/api/payments/failed").status_code == 403


def test_payments_are_paged_and_masked_by_role(world: World, plan: DisbursementPlan) -> None:
    batch = batch_of(plan, "103")
    payments = list(Payment.objects.filter(batch=batch).order_by("id"))
    url = f"/api/batches/{batch.pk}/payments"
    operator = world.user("bank_operator")
    body = api_client(operator).get(url).json()
    assert body["count"] == 2 and [p["end_to_end_id"] for p in body["items"]] == [
        p.end_to_end_id for p in payments
    ]
    item = body["items"][0]
    assert item["account_no"] == mask_account(payments[0].account_no) != payments[0].account_no
    assert item["holder_name"] == shown(operator, "name", payments[0].holder_name)
    assert item["status"] == plans.PENDING and item["amount"] == "50.00" and item["village_code"]
    auditor = api_client(world.user("auditor")).get(url).json()
    assert auditor["items"][0]["account_no"] == payments[0].account_no
    paged = api_client(operator).get(url, {"page": 2, "page_size": 1}).json()
    assert [p["id"] for p in paged["items"]] == [payments[1].pk] and paged["page_size"] == 1
    assert api_client(operator).get(url, {"status": "paid"}).json()["count"] == 0
    assert api_client(operator).get(url, {"status": "nonsense"}).status_code == 422

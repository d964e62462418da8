"""The disbursement screens as their users reach them: plan list and page, the plan sheet, finance's
approval form, batches with their file and returns, the failed lines' to-do list, budgets, bank settings,
and the monitor's payment figures."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.support.registry import banks
from tests.support.rosters import approved, elders, publish_elderly_allowance
from tests.support.world import World
from yikatong.payments import files, services
from yikatong.payments.domain import plans
from yikatong.payments.models import BankSetup, DisbursementPlan, PaymentBatch
from yikatong.payments.reference import load_bank_setups
from yikatong.policies.models import Policy
from yikatong.registry.models import CardStatus, SocialSecurityCard

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(world: World) -> DisbursementPlan:
    publish_elderly_allowance(world)
    banks()
    load_bank_setups()
    approved(world, elders(3), "2026-10")
    plan = services.plan_build(
        user=world.user("dept_reviewer"), policy=Policy.objects.get(code="GLJT"), period="2026-10"
    )
    return services.plan_submit(user=world.user("dept_reviewer"), plan=plan)


def test_department_builds_a_plan_on_the_screen(world: World) -> None:
    publish_elderly_allowance(world)
    approved(world, elders(2), "2026-10")
    client = world.client("dept_reviewer")
    assert "编制发放计划" in client.get(reverse("payments:plans")).content.decode()
    response = client.post(reverse("payments:plan_new"), {"policy": "GLJT", "period": "2026-10"})
    plan = DisbursementPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("payments:plan", args=[plan.pk])
    page = client.get(response["Location"]).content.decode()
    assert plan.number in page and "已核查" in page and "提交财政审批" in page
    # A period with nothing approved says why.
    page = client.post(reverse("payments:plan_new"), {"policy": "GLJT", "period": "2026-11"}, follow=True)
    assert "没有可编入发放计划的名册行" in page.content.decode()


def test_finance_is_refused_past_the_budget_then_approves(world: World, submitted: DisbursementPlan) -> None:
    client = world.client("finance")
    url = reverse("payments:plan_action", args=[submitted.pk, "approve"])
    page = client.post(url, {"budget_line": "b", "voucher_no": "v"}, follow=True).content.decode()
    assert "尚未录入预算指标" in page
    client.post(
        reverse("payments:budget_set"),
        {"policy": "GLJT", "year": "2026", "source": "county", "amount": "100.00"},
    )
    page = client.post(url, {"budget_line": "b", "voucher_no": "v"}, follow=True).content.decode()
    assert "超出预算" in page and "本计划 150.00 元" in page
    client.post(
        reverse("payments:budget_set"),
        {"policy": "GLJT", "year": "2026", "source": "county", "amount": "1,000.00"},
    )
    page = client.post(url, {"budget_line": "塔财预1号", "voucher_no": "ZF-9"}, follow=True).content.decode()
    assert "已审批" in page
    assert DisbursementPlan.objects.get(pk=submitted.pk).state == plans.APPROVED
    budgets = client.get(reverse("payments:budgets") + "?year=2026").content.decode()
    assert "1,000.00" in budgets and "150.00" in budgets  # budget and in flight
    sheet = client.get(reverse("payments:plan_sheet", args=[submitted.pk])).content.decode()
    assert "发放计划表" in sheet and "ZF-9" in sheet


def test_batch_page_download_and_return_upload(world: World, submitted: DisbursementPlan) -> None:
    services.budget_set(
        user=world.user("finance"), policy=submitted.policy, year=2026, source="county", amount_fen=10**7
    )
    services.plan_approve(user=world.user("finance"), plan=submitted, budget_line="b", voucher_no="v")
    batch = PaymentBatch.objects.get(plan=submitted)
    files.batch_file(batch=batch, user=None)
    operator = world.client("bank_operator")
    page = operator.get(reverse("payments:batch", args=[batch.pk])).content.decode()
    assert batch.message_id in page and "下载代发文件" in page
    first = operator.get(reverse("payments:batch_file", args=[batch.pk]))
    second = operator.get(reverse("payments:batch_file", args=[batch.pk]))
    assert first.content == second.content and "attachment" in first["Content-Disposition"]
    assert PaymentBatch.objects.get(pk=batch.pk).state == "sent"
    page = operator.post(
        reverse("payments:return_upload", args=[batch.pk]),
        {"kind": "success", "file": _upload(b"garbage")},
        follow=True,
    ).content.decode()
    assert "回盘文件未导入" in page
    # The simulated bank answers; the same file again changes nothing.
    page = operator.post(reverse("payments:batch_simulate", args=[batch.pk]), follow=True).content.decode()
    assert "3 笔" in page or "笔更新状态" in page
    batch.refresh_from_db()
    assert batch.paid_count == 3 and batch.unknown_count == 0
    # Another township's bank operator does not see the batch.
    assert (
        world.client("bank_operator", "b").get(reverse("payments:batch", args=[batch.pk])).status_code == 404
    )


def _upload(data: bytes) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("return.txt", data, content_type="text/plain")


def test_failed_line_on_hrss_to_do_and_monitor(world: World, submitted: DisbursementPlan) -> None:
    from yikatong.payments import simulator

    services.budget_set(
        user=world.user("finance"), policy=submitted.policy, year=2026, source="county", amount_fen=10**7
    )
    services.plan_approve(user=world.user("finance"), plan=submitted, budget_line="b", voucher_no="v")
    batch = PaymentBatch.objects.get(plan=submitted)
    files.batch_file(batch=batch, user=None)
    person = submitted.lines.first().person
    SocialSecurityCard.objects.filter(person=person).update(status=CardStatus.CLOSED)
    simulator.bank_simulate(user=world.user("finance"), batch=batch, technical_share=0)
    hrss = world.client("hrss").get(reverse("payments:failed")).content.decode()
    assert "账户已销户" in hrss and "人社局核实并登记受益人新的社保卡账户后补发" in hrss
    village = world.client("village_clerk", "village_a").get(reverse("payments:failed")).content.decode()
    assert "暂无待处理的发放失败" in village
    monitor = world.client("finance").get(reverse("checks:monitor")).content.decode()
    assert 'data-testid="monitor-failed"' in monitor and "人社局" in monitor and "部分到账" in monitor


def test_admin_edits_a_bank_layout_with_a_preview(world: World) -> None:
    banks()
    load_bank_setups()
    bank = BankSetup.objects.select_related("bank").filter(bank__file_format="flat").first().bank
    client = world.client("admin")
    page = client.get(reverse("payments:bank_setup", args=[bank.pk])).content.decode()
    assert "预览（示例数据）" in page
    url = reverse("payments:bank_setup", args=[bank.pk])
    bad = client.post(url, {"cnaps": "123", "unit_code": "", "layout": "{not json"}).content.decode()
    assert "12 位数字" in bad and "请填写代发单位编号" in bad
    broken = client.post(
        url, {"cnaps": "103272700011", "unit_code": "TH1", "layout": "{not json"}
    ).content.decode()
    assert "不是有效的 JSON" in broken
    from yikatong.payments.domain import flatfile

    name = list(flatfile.READY_LAYOUTS)[1]
    saved = client.post(url, {"cnaps": "103272700011", "unit_code": "TH1", "layout_name": name, "layout": ""})
    assert saved.status_code == 302
    assert BankSetup.objects.get(bank=bank).layout_name == name
    assert world.client("finance").get(url).status_code == 403


@pytest.mark.parametrize("name", ["ready-0", "ready-1"])
def test_a_layout_read_into_the_form_and_back_is_the_same_layout(name: str) -> None:
    from yikatong.payments import setup
    from yikatong.payments.domain import flatfile

    layout = list(flatfile.READY_LAYOUTS.values())[int(name[-1])]
    assert setup.layout_from_form(setup.form_values(layout)) == layout.to_dict()


def test_admin_edits_a_bank_layout_field_by_field(world: World) -> None:
    from yikatong.payments import setup
    from yikatong.payments.domain import flatfile

    banks()
    load_bank_setups()
    bank = BankSetup.objects.select_related("bank").filter(bank__file_format="flat").first().bank
    url = reverse("payments:bank_setup", args=[bank.pk])
    client = world.client("admin")
    page = client.get(url).content.decode()
    assert 'data-testid="layout-details"' in page and 'name="details-0-field"' in page
    # Start from the fixed-width ready layout, make the amounts 分 and add a column, preview, save.
    fixed = next(layout for layout in flatfile.READY_LAYOUTS.values() if layout.style == "fixed")
    values = setup.form_values(fixed)
    loaded = client.post(url, {"mode": "fields", "load": "1", "layout_name": fixed.name, "cnaps": "1"})
    assert f'value="{values["details-0-width"]}"' in loaded.content.decode()
    n = len(fixed.details)
    present = {column.field for column in fixed.details}
    added = next(f for f in ("id_type", "id_number", "batch", "date") if f not in present)
    changed = {
        **values,
        "mode": "fields",
        "cnaps": "103272700011",
        "unit_code": "TH1",
        "amount_unit": "fen",
        f"details-{n}-field": added,
        f"details-{n}-width": "20",
        f"details-{n}-pad": " ",
        f"details-{n}-pad_side": "right",
        f"details-{n}-value": "",
    }
    preview = client.post(url, {**changed, "preview": "1"}).content.decode()
    assert 'data-testid="layout-preview"' in preview and "message error" not in preview
    saved = client.post(url, changed)
    assert saved.status_code == 302
    kept = BankSetup.objects.get(bank=bank).layout
    assert kept["amount_unit"] == "fen" and kept["details"][-1]["field"] == added
    assert kept["details"][-1]["width"] == 20
    # A width that is not a number is named, and what was typed stays on the page.
    bad = client.post(url, {**changed, f"details-{n}-width": "二十"}).content.decode()
    assert "长度应为整数" in bad and 'value="二十"' in bad

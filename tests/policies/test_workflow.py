"""The policy list's workflow: drafting by departments, publication by finance, versions by period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tests.support.world import World, make_user
from yikatong.audit.models import AuditEvent
from yikatong.core.periods import Period
from yikatong.core.restrict import AccessDenied
from yikatong.policies import services
from yikatong.policies.imports import PUBLIC_COLUMNS, policy_list_import
from yikatong.policies.models import PolicyVersion, VersionStatus
from yikatong.policies.selectors import published_in_force, standard_of, version_for

pytestmark = pytest.mark.django_db

BASE = {
    "effective_from": dt.date(2025, 1, 1),
    "name": "高龄津贴",
    "basis_title": "塔河县高龄老人津贴发放管理办法",
    "target": "年满80周岁的老年人",
    "unit": "month",
    "frequency": "monthly",
    "min_age": 80,
}
BANDS = [
    {"rate": Decimal(50), "min_age": 80, "max_age": 89},
    {"rate": Decimal(100), "min_age": 90, "max_age": 99},
    {"rate": Decimal(300), "min_age": 100},
]


def _draft(world: World, code: str = "GLJT", **changes: object) -> PolicyVersion:
    return services.policy_draft_create(
        user=world.user("dept_reviewer"), code=code, department=None, data={**BASE, **changes}, bands=BANDS
    )


def test_department_drafts_finance_publishes(world: World) -> None:
    version = _draft(world)
    assert version.policy.department.code == "mzj" and version.status == VersionStatus.DRAFT
    with pytest.raises(AccessDenied):
        services.policy_version_publish(user=world.user("dept_reviewer"), version=version)
    services.policy_version_submit(user=world.user("dept_reviewer"), version=version)
    services.policy_version_publish(user=world.user("finance"), version=version)
    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED and version.published_by == world.user("finance")
    events = AuditEvent.objects.filter(object_type="policies.policyversion", object_id=str(version.pk))
    actions = list(events.values_list("action", flat=True))
    assert actions == ["policy.draft", "policy.submit", "policy.publish"]


def test_a_department_cannot_draft_or_edit_for_another(world: World) -> None:
    agri = make_user("dept_reviewer", "232722000000", username="agri", department="nyncj")
    version = _draft(world)
    with pytest.raises(AccessDenied):
        services.policy_version_update(user=agri, version=version, data=BASE, bands=BANDS)
    with pytest.raises(AccessDenied):
        services.policy_draft_create(
            user=agri, code="X1", department=world.user("dept_reviewer").department, data=BASE, bands=BANDS
        )
    client = Client()
    client.force_login(agri)
    assert client.get(f"/policies/{version.policy.code}/").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"publicity_days": 5}, "publicity_days"),
        ({"disclosure_days": 30}, "disclosure_days"),
        ({"share_central": Decimal(50), "share_county": Decimal(40)}, "share_county"),
        ({"min_age": 90, "max_age": 80}, "max_age"),
        # A placeholder no payment notice fills would hold back every notice of the policy.
        ({"bank_notice_template": "您的{policy}补贴{姓名}已发放"}, "bank_notice_template"),
        ({"bank_notice_template": "您的{policy补贴已发放"}, "bank_notice_template"),
    ],
)
def test_rules_of_the_list_are_enforced(world: World, changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        _draft(world, **changes)
    assert field in err.value.message_dict


def test_a_notice_template_with_the_payment_notices_parameters_is_taken(world: World) -> None:
    version = _draft(
        world,
        bank_notice_template="【{signature}】{项目名称}{期间}{金额}元已于{日期}发放（{银行}，尾号{账号后四位}）",
    )
    assert "{账号后四位}" in version.bank_notice_template


def test_published_versions_are_never_edited_and_a_change_is_a_new_version(world: World) -> None:
    finance = world.user("finance")
    first = _draft(world)
    services.policy_version_publish(user=finance, version=first)
    with pytest.raises(ValidationError):
        services.policy_version_update(
            user=world.user("dept_reviewer"), version=first, data=BASE, bands=BANDS
        )
    second = services.policy_version_new(
        user=world.user("dept_reviewer"), policy=first.policy, effective_from=dt.date(2026, 1, 1)
    )
    services.policy_version_update(
        user=world.user("dept_reviewer"),
        version=second,
        data={},
        bands=[{"rate": Decimal(60), "min_age": 80, "max_age": 89}, *BANDS[1:]],
    )
    services.policy_version_publish(user=finance, version=second)
    first.refresh_from_db()
    assert first.effective_to == dt.date(2025, 12, 31)
    assert version_for("GLJT", Period.parse("2025-12")) == first
    assert version_for("GLJT", Period.parse("2026-01")) == second
    assert version_for("GLJT", Period.parse("2024-12")) is None
    assert standard_of(version_for("GLJT", Period.parse("2026Q1"))).bands[0].rate == Decimal(60)  # type: ignore[arg-type]
    # An adjustment that would take effect before the version in force is refused when it is started.
    with pytest.raises(ValidationError, match="生效日期须晚于当前已发布版本的生效日期（2026-01-01）"):
        services.policy_version_new(
            user=world.user("dept_reviewer"), policy=first.policy, effective_from=dt.date(2025, 6, 1)
        )


def test_the_version_form_shows_its_date_and_rates_as_typed(world: World) -> None:
    from yikatong.policies.views import plain_decimal

    draft = _draft(world)
    client = Client()
    client.force_login(world.user("dept_reviewer"))
    page = client.get(f"/policies/versions/{draft.pk}/edit/").content.decode()
    assert f'value="{draft.effective_from:%Y-%m-%d}"' in page
    assert 'value="50"' in page and "50.0000000" not in page
    assert [plain_decimal(Decimal(x)) for x in ("50.0000000", "71.4500000", "100", "0.0000000")] == [
        "50",
        "71.45",
        "100",
        "0",
    ]


def test_retired_policies_leave_force_but_stay_listed(world: World) -> None:
    finance = world.user("finance")
    version = _draft(world)
    services.policy_version_publish(user=finance, version=version)
    services.policy_retire(user=finance, policy=version.policy, on=dt.date(2026, 7, 1))
    assert published_in_force(dt.date(2026, 6, 30)).count() == 1
    assert published_in_force(dt.date(2026, 7, 1)).count() == 0
    page = Client().get("/public/policies/").content.decode()
    assert "高龄津贴" in page and "已停止执行" in page


def test_import_drafts_then_unchanged_then_new_version(world: World, tmp_path: Path) -> None:
    header = "项目代码,项目名称,政策依据,主管部门,计量单位,补贴标准,最低年龄,最高年龄,困难救助,互斥项目\n"
    rows = (
        "GLJT,高龄津贴,塔民发〔2025〕12号,民政局,月,50,80,89,否,\n"
        "GLJT,高龄津贴,塔民发〔2025〕12号,民政局,月,100,90,99,否,\n"
        "GDDL,耕地地力保护补贴,黑财农〔2026〕8号,农业农村局,亩,124.9788302,,,否,\n"
    )
    path = tmp_path / "policies.csv"
    path.write_text(header + rows, encoding="gbk")
    finance = world.user("finance")
    first = policy_list_import(path=path, user=finance, effective_from=dt.date(2026, 1, 1), publish=True)
    assert sorted(first.drafted) == ["GDDL", "GLJT"] and sorted(first.published) == ["GDDL", "GLJT"]
    assert not first.errors
    gddl = PolicyVersion.objects.get(policy__code="GDDL")
    assert gddl.bands.get().rate == Decimal("124.9788302") and gddl.policy.department.code == "nyncj"
    again = policy_list_import(path=path, user=finance, effective_from=dt.date(2026, 1, 1))
    assert sorted(again.unchanged) == ["GDDL", "GLJT"]
    path.write_text(header + rows.replace(",50,80", ",55,80"), encoding="gbk")
    changed = policy_list_import(path=path, user=finance, effective_from=dt.date(2026, 7, 1), publish=True)
    assert changed.new_versions == ["GLJT"]
    assert version_for("GLJT", Period.parse("2026-07")).number == 2  # type: ignore[union-attr]


def test_a_published_policy_not_yet_in_force_says_when_it_starts(world: World) -> None:
    from django.utils import timezone

    next_year = dt.date(timezone.localdate().year + 1, 1, 1)
    future = _draft(world, code="FUT", effective_from=next_year, name="明年起执行的补贴")
    services.policy_version_publish(user=world.user("finance"), version=future)
    page = Client().get("/public/policies/").content.decode()
    assert "明年起执行的补贴" in page and f"将于{next_year.year}年1月1日起执行" in page


def test_public_excel_has_the_published_list_in_force_only(world: World) -> None:
    finance = world.user("finance")
    published = _draft(world)
    services.policy_version_publish(user=finance, version=published)
    _draft(world, code="NCDB", name="农村最低生活保障")  # a draft: not public
    response = Client().get("/public/policies/policies.xlsx")
    frame = pl.read_excel(response.content)
    assert frame.columns == PUBLIC_COLUMNS
    assert frame["补贴项目名称"].to_list() == ["高龄津贴"]
    assert "80-89周岁 50元/月" in frame["补贴标准"][0]


def test_public_api_lists_policies_without_a_token(world: World) -> None:
    services.policy_version_publish(user=world.user("finance"), version=_draft(world))
    listed = Client().get("/api/policies").json()
    assert [p["code"] for p in listed] == ["GLJT"] and listed[0]["current"]["bands"][2][
        "rate"
    ] == "300.0000000"
    versions = Client().get("/api/policies/GLJT/versions").json()
    assert [v["number"] for v in versions] == [1]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/policies/{code}/"),
        ("GET", "/policies/versions/{pk}/edit/"),
        ("POST", "/policies/versions/{pk}/submit/"),
    ],
)
def test_another_department_reaches_nothing_of_a_departments_policy(
    world: World, method: str, path: str
) -> None:
    version = _draft(world)
    agri = make_user("dept_reviewer", "232722000000", username="agri", department="nyncj")
    client = Client()
    client.force_login(agri)
    url = path.format(code=version.policy.code, pk=version.pk)
    response = client.get(url) if method == "GET" else client.post(url)
    assert response.status_code in {302, 403, 404}
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT
    if method == "POST":
        assert not AuditEvent.objects.filter(action="policy.submit").exists()
    township = Client()
    township.force_login(world.user("township_reviewer", "a"))
    assert township.get(f"/policies/{version.policy.code}/").status_code == 200  # the county's policies

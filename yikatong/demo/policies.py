"""The demo policy list of 塔河县: the subsidies a county of Daxing'anling really pays.

Rates are examples (marked so on the public list) unless a published provincial standard is known to us.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from yikatong.accounts.models import User
from yikatong.policies import services
from yikatong.policies.models import Frequency, PolicyVersion, Unit

COMMON: dict[str, Any] = {
    "publicity_days": 7,
    "review_days": 10,
    "payment_days": 10,
    "disclosure_days": 20,
    "example_rates": True,
    "bank_notice_template": (
        "【塔河县财政局】您的{项目名称}{金额}元已于{日期}发放至尾号{账号后四位}的社会保障卡。"
    ),
}

# (drafting department's demo user, code, the version's fields, its rate table)
POLICIES: list[tuple[str, str, dict[str, Any], list[dict[str, Any]]]] = [
    (
        "dept_agri",
        "GDDL",
        {
            "name": "耕地地力保护补贴",
            "basis_doc_no": "黑财农〔2025〕6号",
            "basis_title": "关于做好2025年耕地地力保护补贴工作的通知",
            "target": "拥有耕地承包权的农户（以确权承包面积为准）",
            "conditions_text": "承包地用于农业生产；撂荒地、已改变用途的耕地不予补贴",
            "unit": Unit.MU,
            "frequency": Frequency.YEARLY,
            "pay_months": [6],
            "household_head_only": True,
            "share_central": Decimal(100),
            "share_provincial": Decimal(0),
            "share_county": Decimal(0),
            "procedure": "村组核实面积并公示7天 → 乡镇审核 → 农业农村局审定 → 财政局一卡通发放",
        },
        [{"rate": Decimal("71.45")}],
    ),
    (
        "dept_civil",
        "GLJT",
        {
            "name": "高龄津贴",
            "basis_doc_no": "塔民发〔2025〕12号",
            "basis_title": "塔河县高龄老人津贴发放管理办法",
            "target": "具有本县户籍、年满80周岁的老年人",
            "conditions_text": "按发放期间首日的周岁年龄确定档次",
            "min_age": 80,
            "unit": Unit.MONTH,
            "frequency": Frequency.MONTHLY,
            "share_provincial": Decimal(50),
            "share_county": Decimal(50),
            "procedure": "本人或家属向村（社区）申报 → 公示7天 → 乡镇审核 → 民政局审定 → 按月发放",
        },
        [
            {"rate": Decimal(50), "min_age": 80, "max_age": 89},
            {"rate": Decimal(100), "min_age": 90, "max_age": 99},
            {"rate": Decimal(300), "min_age": 100},
        ],
    ),
    (
        "dept_civil",
        "NCDB",
        {
            "name": "农村最低生活保障",
            "basis_doc_no": "黑民规〔2024〕3号",
            "basis_title": "黑龙江省最低生活保障审核确认办法",
            "target": "家庭人均收入低于当地农村低保标准且财产状况符合规定的农村居民",
            "conditions_text": "经家庭经济状况核查；村干部及财政供养人员近亲属备案管理",
            "unit": Unit.MONTH,
            "frequency": Frequency.MONTHLY,
            "means_tested": True,
            "exclusive_with": ["TKGY"],
            "share_central": Decimal(80),
            "share_provincial": Decimal(10),
            "share_county": Decimal(10),
            "procedure": "申请 → 入户调查、经济状况核对 → 村级评议、公示7天 → 乡镇审核 → 民政局审批",
        },
        [{"rate": Decimal("420.00")}],
    ),
    (
        "dept_civil",
        "TKGY",
        {
            "name": "特困人员基本生活费",
            "basis_doc_no": "黑民规〔2024〕5号",
            "basis_title": "黑龙江省特困人员认定办法",
            "target": "无劳动能力、无生活来源、无法定赡养抚养扶养义务人的老年人、残疾人和未成年人",
            "unit": Unit.MONTH,
            "frequency": Frequency.MONTHLY,
            "means_tested": True,
            "exclusive_with": ["NCDB"],
            "share_central": Decimal(80),
            "share_provincial": Decimal(10),
            "share_county": Decimal(10),
            "procedure": "申请 → 乡镇调查核实、公示7天 → 民政局审批",
        },
        [{"rate": Decimal("850.00")}],
    ),
    (
        "dept_civil",
        "CJHL",
        {
            "name": "重度残疾人护理补贴",
            "basis_doc_no": "国发〔2015〕52号",
            "basis_title": "国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见",
            "target": "残疾等级为一级、二级且需长期照护的重度残疾人",
            "conditions_text": "持第二代残疾人证；按残疾等级分档",
            "unit": Unit.MONTH,
            "frequency": Frequency.MONTHLY,
            "share_provincial": Decimal(50),
            "share_county": Decimal(50),
            "procedure": "申请 → 村（社区）公示7天 → 乡镇审核 → 民政局（残联）审定",
        },
        [{"rate": Decimal(100), "tier": "一级"}, {"rate": Decimal(80), "tier": "二级"}],
    ),
    (
        "dept_agri",
        "SLST",
        {
            "name": "森林生态效益补偿",
            "basis_doc_no": "财资环〔2023〕28号",
            "basis_title": "林业改革发展资金管理办法",
            "target": "集体和个人所有的国家级、省级公益林经营者",
            "unit": Unit.MU,
            "frequency": Frequency.YEARLY,
            "pay_months": [9],
            "share_central": Decimal(100),
            "share_provincial": Decimal(0),
            "share_county": Decimal(0),
            "procedure": "林草部门核定公益林面积 → 公示7天 → 财政局一卡通发放",
        },
        [{"rate": Decimal("16.00")}],
    ),
]


def load_demo_policies() -> None:
    """Draft each demo policy as its department and publish it as finance; 耕地地力 gets a second version."""
    finance = User.objects.get(username="finance")
    for username, code, data, bands in POLICIES:
        drafter = User.objects.get(username=username)
        version = services.policy_draft_create(
            user=drafter,
            code=code,
            department=drafter.department,
            data={**COMMON, "effective_from": dt.date(2025, 1, 1), **data},
            bands=bands,
        )
        services.policy_version_submit(user=drafter, version=version)
        services.policy_version_publish(user=finance, version=version)
    # A yearly adjustment: the 2026 rate of 耕地地力保护补贴 is a new version, the 2025 one stays readable.
    agri = User.objects.get(username="dept_agri")
    current = PolicyVersion.objects.get(policy__code="GDDL", number=1)
    second = services.policy_version_new(user=agri, policy=current.policy, effective_from=dt.date(2026, 1, 1))
    services.policy_version_update(
        user=agri,
        version=second,
        data={"basis_doc_no": "黑财农〔2026〕8号", "basis_title": "关于做好2026年耕地地力保护补贴工作的通知"},
        bands=[{"rate": Decimal("72.3058")}],
    )
    services.policy_version_submit(user=agri, version=second)
    services.policy_version_publish(user=finance, version=second)

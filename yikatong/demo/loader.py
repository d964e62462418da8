"""Loads the 塔河县 demo into an empty database: regions, departments, one user per role, registries."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from yikatong.accounts.roles import Role
from yikatong.accounts.services import user_create
from yikatong.audit.services import audit_record
from yikatong.core.models import Department, DepartmentKind, Region, RegionLevel
from yikatong.demo import reference

DEMO_PASSWORD = "Tahe@2026"

# username, full name, role, region code, department code
DEMO_USERS: list[tuple[str, str, str, str, str]] = [
    ("admin", "王建国", Role.ADMIN, "232722000000", "czj"),
    ("finance", "齐晓梅", Role.FINANCE, "232722000000", "czj"),
    ("hrss", "包丽娟", Role.HRSS, "232722000000", "rsj"),
    ("dept_agri", "刘长林", Role.DEPT_REVIEWER, "232722000000", "nyncj"),
    ("dept_civil", "张海涛", Role.DEPT_REVIEWER, "232722000000", "mzj"),
    ("township_tahe", "赵春燕", Role.TOWNSHIP_REVIEWER, "232722100000", "gov-232722100"),
    ("township_yxk", "孟庆华", Role.TOWNSHIP_REVIEWER, "232722201000", "gov-232722201"),
    ("clerk_yongfeng", "李玉兰", Role.VILLAGE_CLERK, "232722100201", "gov-232722100"),
    ("clerk_xinjian", "孙桂芝", Role.VILLAGE_CLERK, "232722100202", "gov-232722100"),
    ("clerk_tafeng", "吴淑珍", Role.VILLAGE_CLERK, "232722100203", "gov-232722100"),
    ("clerk_anluo", "关志刚", Role.VILLAGE_CLERK, "232722201202", "gov-232722201"),
    ("bank_abc", "周明", Role.BANK_OPERATOR, "232722000000", "bank-abc"),
    ("auditor", "李福成", Role.AUDITOR, "232722000000", "sjj"),
    ("disclosure", "陈雪", Role.DISCLOSURE_OFFICER, "232722000000", "zfb"),
]


def demo_accounts() -> list[tuple[str, str, str, str]]:
    """(username, password, role, region) of the demo users, for the start-up banner."""
    names = {value: str(label) for value, label in Role.choices}
    regions = dict(Region.objects.values_list("code", "name"))
    return [
        (u, DEMO_PASSWORD, names[role], regions.get(region, region)) for u, _, role, region, _ in DEMO_USERS
    ]


@transaction.atomic
def load_reference_data() -> None:
    """Regions, departments and agent-bank branches of 塔河县."""
    county = Region.objects.create(
        code=reference.COUNTY[0], name=reference.COUNTY[1], level=RegionLevel.COUNTY
    )
    regions = [county]
    for code, name in reference.TOWNSHIPS:
        town = Region(code=code, name=name, level=RegionLevel.TOWNSHIP, parent=county)
        regions.append(town)
        regions.extend(
            Region(code=vcode, name=vname, level=RegionLevel.VILLAGE, parent=town)
            for vcode, vname in reference.VILLAGES[code]
        )
    Region.objects.bulk_create(regions[1:])
    departments = [
        Department(code=c, name=n, short_name=s, region=county) for c, n, s in reference.DEPARTMENTS
    ]
    for code, name in reference.TOWNSHIPS:
        departments.append(
            Department(code=f"gov-{code[:9]}", name=f"{name}人民政府", short_name=name, region_id=code)
        )
    for _, bank_name, dept_code in reference.AGENT_BANKS:
        departments.append(
            Department(
                code=dept_code,
                name=f"{bank_name}塔河县支行",
                short_name=bank_name.removeprefix("中国").removeprefix("黑龙江"),
                kind=DepartmentKind.BANK,
                region=county,
            )
        )
    Department.objects.bulk_create(departments)
    audit_record(
        action="demo.reference_data",
        object_type="core.region",
        object_id=county.code,
        object_repr=county.name,
        region_code=county.code,
        after={"regions": len(regions), "departments": len(departments)},
    )


def load_demo_users() -> None:
    """One user per role, all with the demo password."""
    for username, full_name, role, region, department in DEMO_USERS:
        user_create(
            username=username,
            password=DEMO_PASSWORD,
            full_name=full_name,
            role=role,
            region_code=region,
            department_code=department,
            phone=f"1390457{zlib.crc32(username.encode()) % 10000:04d}",
            actor=None,
            check_password_strength=False,
        )


def load_demo_if_empty(*, data_dir: Path, persons: int, echo: Callable[[str], object] = print) -> bool:
    """Load the whole demo unless the database already has regions; return whether it loaded.

    The story starts 80 days ago (reference data, users, policies, registries) and walks forward to now
    (``demo.clock``), so that every date in it reads as a county's history would.
    """
    if Region.objects.exists():
        return False
    from yikatong.demo.clock import StoryClock

    clock = StoryClock()
    with clock.days_ago(80):
        echo("正在载入塔河县区划、部门和演示账号 …")
        load_reference_data()
        load_demo_users()
        load_agent_banks()
        from yikatong.demo.policies import load_demo_policies

        echo("正在载入塔河县补贴政策清单 …")
        load_demo_policies()
        from yikatong.demo.generator import generate_county

        out = data_dir / "demo-registries"
        echo(f"正在生成 {persons} 人的演示登记数据到 {out} …")
        county = generate_county(out, persons=persons, seed=2721)
        load_demo_registries(county.files, echo=echo)
    from yikatong.demo.rosters import load_demo_rosters

    echo(
        "正在建立高龄津贴申报名册并运行核查（永丰村9月已审批、10月公示中；新建村10月待主管部门审批、"
        "11月公示期满待乡镇审核）…"
    )
    load_demo_rosters(deaths_file=county.files["deaths"], out_dir=out, clock=clock)
    from yikatong.demo.lookup import write_lookup_examples

    write_lookup_examples(out)
    from yikatong.demo.auditor import write_auditor_files

    write_auditor_files(out, out / "auditor")
    from yikatong.demo.sharing import load_demo_sharing

    load_demo_sharing()  # 数据共享: the fixed demo token of 民政局 and its first pull (demo/sharing.py)
    from yikatong.demo.performance import load_demo_performance

    load_demo_performance()  # 绩效双监控: 高龄津贴 2026's budget and targets, approved (demo/performance.py)
    return True


def load_agent_banks() -> None:
    """The five agent banks finance selected, each tied to its county branch."""
    from yikatong.registry.models import AgentBank, BankFileFormat

    branches = dict(Department.objects.filter(kind=DepartmentKind.BANK).values_list("code", "pk"))
    AgentBank.objects.bulk_create(
        AgentBank(
            code=code,
            name=name,
            branch_id=branches.get(dept),
            file_format=BankFileFormat.ISO20022 if code == "105" else BankFileFormat.FLAT,
            agreement_no=f"塔财代发〔2022〕{index}号",
            service_points=f"{name}塔河县支行营业部；各乡镇助农取款服务点",
        )
        for index, (code, name, dept) in enumerate(reference.AGENT_BANKS, start=1)
    )
    audit_record(
        action="demo.agent_banks",
        object_type="registry.agentbank",
        after={"banks": len(reference.AGENT_BANKS)},
    )


def load_demo_registries(files: dict[str, Path], *, echo: Callable[[str], object] = print) -> None:
    """Import the generated registry files through the same import service users have."""
    from yikatong.registry.imports import registry_import

    for kind in ("persons", "cards", "deaths", "cadres", "land"):
        batch = registry_import(
            kind=kind, path=files[kind], user=None, accept_partial=True, source="演示数据"
        )
        echo(f"  {batch.get_kind_display()}：{batch.message}")

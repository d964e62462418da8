"""Demo rosters and checks: 高龄津贴 (GLJT) of 永丰村 and 新建村, walked through the real services.

- 永丰村 September: declared, publicly noticed, reviewed by the township; before the department approved,
  民政局's updated death registry and a card reported lost gave two blocking findings (DECEASED,
  CARD_INACTIVE); the department confirmed both (the lines went back to the village) and then approved.
- 永丰村 September paid and 塔丰村 October planned: see demo/payments.py.
- 永丰村 October: rolled over from September and in public notice now (the public portal shows it).
- 新建村 November: its public notice ended two days ago; waiting for township_tahe's review (乡镇审核).
- 新建村 October: reviewed by the township, waiting for 民政局's approval past its deadline, with blocking
  findings open: a frozen card, and an elder who moved in last month and has no social security card yet
  (declared with the 银行账号 empty, NO_CARD): sign in as hrss to record his card, as dept_civil to settle the
  frozen card and approve.
- Finance's in-flight check of October (事中监控 shows it) and the auditor's post-hoc audit of
  September–October with a field sample (事后专项核查), which finds a September payment to an elder whose
  death in August was registered only afterwards (DECEASED).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl

from yikatong.accounts.models import User
from yikatong.checks.models import Finding, FindingState, RunKind
from yikatong.checks.platform import LineSet
from yikatong.checks.services import check_roster, check_run, finding_settle, sample_draw
from yikatong.core.periods import Period
from yikatong.demo.clock import StoryClock
from yikatong.demo.complaints import load_demo_complaints
from yikatong.demo.disclosure import september_disclosed
from yikatong.demo.payments import dibao_paid, september_paid, tafeng_october
from yikatong.registry.imports import registry_import
from yikatong.registry.models import CardStatus, Person, SocialSecurityCard
from yikatong.registry.services import card_change_status
from yikatong.rosters import services
from yikatong.rosters.models import LineState, Roster

VILLAGE = "232722100201"  # 永丰村
XINJIAN = "232722100202"  # 新建村
COUNTY = "232722000000"


def _elders(village: str, period: str) -> list[Person]:
    eighty = Period.parse(period).start.replace(year=Period.parse(period).year - 80)
    return list(
        Person.objects.filter(village_id=village, birth_date__lte=eighty).order_by("birth_date", "pk")
    )


def _declared(
    clerk: User, village: str, period: str, people: list[Person], clock: StoryClock, start: int
) -> Roster:
    """A roster of these people, created and submitted ``start`` days ago, its seven days of public notice
    run out, and closed by the clerk that afternoon."""
    with clock.days_ago(start):
        roster = services.roster_create(user=clerk, policy_code="GLJT", period=period, village_code=village)
        for person in people:
            services.roster_line_add(user=clerk, roster=roster, person=person, quantity=Decimal(1))
        services.roster_submit(user=clerk, roster=roster)
    with clock.days_ago(start - 7, hour=17):
        return services.publicity_close(user=clerk, roster=Roster.objects.get(pk=roster.pk))


def declared_elders(
    clerk: User, village: str, period: str, clock: StoryClock, start: int, *, limit: int
) -> Roster | None:
    """A roster of up to ``limit`` of the village's elders with a card, declared ``start`` days ago and
    noticed for its week (None when the village has no such elder); the dead the registry lists are left
    out, as a clerk who reads the warning would."""
    from yikatong.registry.selectors import deaths_of

    living = [p for p in _elders(village, period) if _card_of(p) is not None]
    dead = deaths_of(p.id_bidx for p in living)
    people = [p for p in living if p.id_bidx not in dead][:limit]
    if not people:
        return None
    return _declared(clerk, village, period, people, clock, start)


def _card_of(person: Person) -> SocialSecurityCard | None:
    return person.cards.exclude(status=CardStatus.CLOSED).first()


def _died(people: list[tuple[Person, str]], deaths_file: Path, out_dir: Path, month: str) -> None:
    """民政局's updated death registry (a whole new snapshot): everyone before, and these people."""
    before = pl.read_csv(deaths_file, infer_schema=False)
    added = pl.DataFrame(
        {
            "身份证号": [p.id_number for p, _ in people],
            "姓名": [p.name for p, _ in people],
            "死亡日期": [day for _, day in people],
        }
    ).select(before.columns)
    updated = out_dir / f"deaths-{month}.csv"
    pl.concat([before, added]).write_csv(updated)
    registry_import(
        kind="deaths", path=updated, user=None, accept_partial=True, source=f"民政局死亡登记（{month}更新）"
    )


NEWCOMER = ("232722193808150736", "孙德胜", "1938-08-15")


def _newcomer(out_dir: Path) -> Person:
    """HRSS registers an elder who moved into 新建村 last month; his social security card is not out yet."""
    number, name, birth = NEWCOMER
    path = out_dir / "persons-newcomer.csv"
    pl.DataFrame(
        [[number, name, "男", birth, XINJIAN, f"{XINJIAN}-990001", "户主", ""]],
        schema=["身份证号", "姓名", "性别", "出生日期", "村代码", "户编号", "与户主关系", "联系电话"],
        orient="row",
    ).write_csv(path)
    registry_import(kind="persons", path=path, user=None, accept_partial=True, source="人社局新迁入人员登记")
    return Person.objects.get(name=name, village_id=XINJIAN, birth_date=dt.date.fromisoformat(birth))


def load_demo_rosters(*, deaths_file: Path, out_dir: Path, clock: StoryClock | None = None) -> None:
    """The rosters, checks and settlements described in the module's docstring, each on its own day."""
    clock = clock or StoryClock()
    clerk = User.objects.get(username="clerk_yongfeng")
    township = User.objects.get(username="township_tahe")
    department = User.objects.get(username="dept_civil")
    hrss = User.objects.get(username="hrss")
    finance = User.objects.get(username="finance")
    auditor = User.objects.get(username="auditor")

    # 永丰村 September: declared 72 days ago, noticed, reviewed, checked, settled and approved.
    elders = [p for p in _elders(VILLAGE, "2026-09") if _card_of(p) is not None]
    september = _declared(clerk, VILLAGE, "2026-09", elders, clock, 72)
    with clock.days_ago(62):
        services.township_finish(user=township, roster=september, accept_pending=True)
    with clock.days_ago(60):
        _died([(elders[0], "2026-08-12")], deaths_file, out_dir, "2026-10")
        if len(elders) > 1:
            card = _card_of(elders[1])
            assert card is not None
            card_change_status(user=hrss, card=card, status=CardStatus.LOST, reason="本人电话挂失")
    with clock.days_ago(58):
        check_roster(user=department, roster=september)
        reasons = {
            "DECEASED": "经民政所核实，该老人已于8月去世，停发并退回村委会",
            "CARD_INACTIVE": "社保卡已挂失，退回村里补卡后补报",
        }
        for finding in Finding.objects.filter(roster=september, blocking=True, state=FindingState.OPEN):
            reason = reasons.get(finding.rule, "已逐项核实，退回村委会更正")
            finding_settle(user=department, finding=finding, outcome=FindingState.CONFIRMED, reason=reason)
        services.roster_approve(user=department, roster=Roster.objects.get(pk=september.pk))

    # 永丰村 September paid through the agent banks (one failed line re-issued); 塔丰村 October approved and
    # in the October plan that waits for finance (demo/payments.py).
    september_paid(clock)
    # 补贴发放公开: the disclosure officer approves 永丰村 September (demo/disclosure.py).
    september_disclosed(clock)
    tafeng_october(clock)
    # A complaint about the late September payment answered, and a report past its deadline (投诉举报).
    load_demo_complaints(clock)
    # 永丰村 October 低保 paid so that its disclosure falls due tomorrow (demo/payments.py).
    dibao_paid(clock)

    # 新建村 October: a newcomer registered, declared 25 days ago; the township finished 14 days ago, so
    # 民政局's 10 days ran out 4 days ago: the monitoring page shows it overdue (LATE).
    xinjian_clerk = User.objects.get(username="clerk_xinjian")
    with clock.days_ago(26):
        newcomer = _newcomer(out_dir)
    others = [p for p in _elders(XINJIAN, "2026-10") if _card_of(p) is not None][:12]
    xinjian = _declared(xinjian_clerk, XINJIAN, "2026-10", [*others, newcomer], clock, 25)
    with clock.days_ago(15):
        if others:
            card = _card_of(others[-1])
            assert card is not None
            card_change_status(user=hrss, card=card, status=CardStatus.FROZEN, reason="法院协助冻结")
    with clock.days_ago(14):
        services.township_finish(user=township, roster=xinjian, accept_pending=True)

    # 新建村 November: declared 10 days ago, its notice over two days ago: township_tahe reviews it now.
    november = [p for p in _elders(XINJIAN, "2026-11") if _card_of(p) is not None][:8]
    _declared(xinjian_clerk, XINJIAN, "2026-11", november, clock, 10)

    # 永丰村 October: rolled over from September three days ago, in public notice now (the public portal).
    with clock.days_ago(3):
        october = services.roster_create(
            user=clerk, policy_code="GLJT", period="2026-10", village_code=VILLAGE
        )
        services.roster_prefill(user=clerk, roster=october)
        services.roster_submit(user=clerk, roster=october)

    # 民政局's next update: another elder had died in August, after September was approved and paid.
    with clock.days_ago(1):
        if len(elders) > 2:
            _died([(elders[0], "2026-08-12"), (elders[2], "2026-08-28")], deaths_file, out_dir, "2026-11")
    with clock.days_ago(0):
        check_run(line_set=LineSet(periods=("2026-10",)), user=finance, region_code=COUNTY)
        audit = check_run(
            line_set=LineSet(periods=("2026-09", "2026-10"), states=(LineState.APPROVED,)),
            kind=RunKind.POSTHOC,
            user=auditor,
            region_code=COUNTY,
        )
        sample_draw(user=auditor, run=audit, size=5, seed=2026)

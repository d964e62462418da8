"""Demo complaints (投诉举报), filed and handled through the real services on their own days:

- TS-<year>-000001, a named complaint about 永丰村's September 高龄津贴 that reached one elder late (the
  payment whose account had been closed, re-issued to a new card): routed to 民政局 by the policy,
  answered and closed 部分属实 with the action taken. Its complainant checks it on the public portal with the
  number and the demo's secret (``DEMO_SECRET``).
- JB-<year>-000002, a report about 永丰村's notice board with no policy named, filed by the first elder of
  the personal lookup's examples (with their ID number): routed to 塔河镇人民政府 by the place, answered
  once and still open past its 15 working days: overdue on township_tahe's 待办 and on the monitoring page,
  and listed as open on that elder's 个人查询.
"""

from __future__ import annotations

from yikatong.accounts.models import User
from yikatong.complaints import services
from yikatong.complaints.domain import rules
from yikatong.demo.clock import StoryClock
from yikatong.demo.lookup import DEMO_PHONE
from yikatong.payments.domain import plans
from yikatong.payments.models import Payment
from yikatong.registry.models import Person

VILLAGE = "232722100201"  # 永丰村
# The demo complainant's secret, so that the README can say what to type (a real one is random).
DEMO_SECRET = "YKT8TAHE26"


def _reporter() -> Person | None:
    """The first elder of the lookup's examples (demo/lookup.py picks the same), the named reporter whose
    个人查询 lists the report as open."""
    paid = (
        Payment.objects.filter(line__village_id=VILLAGE, status=plans.PAID, attempt=1)
        .select_related("line__person")
        .order_by("line__person_id")
        .first()
    )
    return paid.line.person if paid is not None else None


def load_demo_complaints(clock: StoryClock) -> None:
    """The answered complaint (39 to 33 days ago) and the overdue report (30 and 28 days ago)."""
    department = User.objects.get(username="dept_civil")
    township = User.objects.get(username="township_tahe")
    late = (
        Payment.objects.filter(line__village_id=VILLAGE, line__plan__period="2026-09", status=plans.FAILED)
        .order_by("pk")
        .first()
    )
    with clock.days_ago(39, hour=20):
        answered = services.complaint_file(
            kind=rules.COMPLAINT,
            text="我家老人9月份的高龄津贴别人都到账了，我们家一直没到，问村里也说不清楚，请帮忙查一下。",
            policy_code="GLJT",
            region_code=VILLAGE,
            anonymous=False,
            contact_name="刘淑芬",
            contact_phone="13904571866",
            payment_id=late.pk if late is not None else None,
            secret=DEMO_SECRET,
        ).complaint
    with clock.days_ago(37, hour=10):
        services.complaint_reply(
            user=department, complaint=answered, text="已收到，正在会同代发银行和塔河镇核实到账情况。"
        )
    with clock.days_ago(36, hour=15):
        services.complaint_note(
            user=department,
            complaint=answered,
            text="银行回盘：原账户已销户（首次发放失败），已于补发批次到账。",
        )
    with clock.days_ago(33, hour=11):
        services.complaint_close(
            user=department,
            complaint=answered,
            result=rules.PARTLY_TRUE,
            action_taken=(
                "经核实，老人原银行账户已于9月销户，首次发放失败；人社局已为老人补办社保卡，补发的9月津贴已到账。"
                "已要求村委会今后在发放失败时及时告知本人。"
            ),
        )
    reporter = _reporter()
    with clock.days_ago(30, hour=19):
        report = services.complaint_file(
            kind=rules.REPORT,
            text="村公示栏上的高龄津贴名单好几个月没有更新，有去世的老人名字还在上面。",
            region_code=VILLAGE,
            anonymous=reporter is None,
            contact_name=reporter.name if reporter else "",
            contact_phone=(reporter.phone or DEMO_PHONE) if reporter else "",
            contact_id_number=reporter.id_number if reporter else "",
        ).complaint
    with clock.days_ago(28, hour=9):
        services.complaint_reply(
            user=township, complaint=report, text="已受理，已要求永丰村村委会核实公示栏名单并书面说明。"
        )

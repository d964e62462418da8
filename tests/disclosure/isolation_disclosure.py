"""Region isolation cases for the disclosure's staff screens and API (collected by
tests/test_region_isolation.py): township A's plan (tests/payments/isolation_payments.py) with its line paid
on a second attempt, so that 永丰村's 高龄津贴 2026-10 is due for disclosure; township B's disclosure officer
must neither see it in the queue, nor preview it, nor approve it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.payments.isolation_payments import township_a_plan
from tests.support.isolation import Case, Target, url
from yikatong.disclosure import services
from yikatong.disclosure.models import DisclosedLine, Disclosure, Withdrawal
from yikatong.payments.domain import plans
from yikatong.payments.models import Payment

MARKER = "甲*人"  # the masked name of township A's person ("甲村人")


def _due(rows: dict[str, Any]) -> dict[str, Any]:
    plan = township_a_plan(rows)
    if "paid" not in rows:
        failed = Payment.objects.get(line=rows["plan_line"])
        rows["paid"] = Payment.objects.create(
            batch=failed.batch,
            line=failed.line,
            attempt=2,
            end_to_end_id="232722ISOLATION02",
            amount_fen=failed.amount_fen,
            holder_name=failed.holder_name,
            account_no="6228480000000007731",
            account_bidx="x",
            status=plans.PAID,
            settled_on=dt.date(2026, 11, 20),
        )
    return {"policy": plan.policy_id, "period": plan.period, "village": rows["plan_line"].village_id}


def _approved(world: Any, rows: dict[str, Any]) -> str:
    """Township A's disclosure approved by its own officer; the list's marker."""
    due = _due(rows)
    if not _published(rows):
        services.disclosure_approve(
            user=world.user("disclosure_officer", "a"),
            policy_id=due["policy"],
            period=due["period"],
            village_code=due["village"],
        )
    return "永丰村"


def _detail(world: Any, rows: dict[str, Any], route: str) -> str:
    _approved(world, rows)
    return url(route, pk=Disclosure.objects.get(village_id=rows["plan_line"].village_id).pk)


def _line_id(rows: dict[str, Any]) -> int:
    return int(DisclosedLine.objects.get(payment=rows["paid"]).pk)


def _published(rows: dict[str, Any]) -> bool:
    return Disclosure.objects.filter(village_id=rows["plan_line"].village_id).exists()


CASES = [
    Case(
        "disclosure:queue",
        "GET",
        "disclosure_officer",
        lambda w, r: Target(url("disclosure:queue"), "永丰村" if _due(r) else ""),
    ),
    Case(
        "disclosure:list",
        "GET",
        "disclosure_officer",
        lambda w, r: Target(url("disclosure:list"), _approved(w, r)),
    ),
    Case(
        "disclosure:detail",
        "GET",
        "disclosure_officer",
        lambda w, r: Target(_detail(w, r, "disclosure:detail"), MARKER),
    ),
    Case(
        "disclosure:withdraw",
        "POST",
        "disclosure_officer",
        lambda w, r: Target(
            _detail(w, r, "disclosure:withdraw"),
            data={"line": _line_id(r), "reason": "经核实不符合条件"},
            changed=lambda: Withdrawal.objects.exists(),
        ),
    ),
    Case(
        "disclosure:preview",
        "GET",
        "disclosure_officer",
        lambda w, r: Target(url("disclosure:preview", **_due(r)), MARKER),
    ),
    Case(
        "disclosure:approve",
        "POST",
        "disclosure_officer",
        lambda w, r: Target(url("disclosure:approve", **_due(r)), changed=lambda: _published(r)),
    ),
    Case(
        "api:disclosure_due_list",
        "GET",
        "disclosure_officer",
        lambda w, r: Target("/api/disclosure/due", _due(r)["village"]),
        api=True,
    ),
    Case(
        "api:disclosure_due_preview",
        "GET",
        "disclosure_officer",
        lambda w, r: Target(
            "/api/disclosure/due/{policy}/{period}/{village}".format(**_due(r)), '"withdrawn": false'
        ),
        api=True,
    ),
    Case(
        "api:disclosure_approve",
        "POST",
        "disclosure_officer",
        lambda w, r: Target(
            "/api/disclosure/approve",
            data={
                "policy_id": _due(r)["policy"],
                "period": _due(r)["period"],
                "village_code": _due(r)["village"],
            },
            changed=lambda: _published(r),
        ),
        api=True,
    ),
]

EXEMPT = {
    "public_disclosure:index": "public page: published disclosures, masked (tests/disclosure/test_public.py)",
    "public_disclosure:village": "public page: one published disclosure, masked",
    "public_disclosure:revision": "public page: one revision of a published disclosure, masked",
}

"""Benchmark: the personal lookup (个人查询) on PostgreSQL with a million payments in the tables.

    python bench/lookup.py [--payments 1000000] [--rounds 300] [--database postgres://…/yk_bench_lookup]

Builds the platform's own small world (regions, users, 高龄津贴), pays three elders of 永丰村 through the
bank simulator exactly as the tests do (``tests/disclosure/lookup_world.py``), then grows the tables
set-based around them: ``--payments`` more persons, each with a roster line, a plan line and a paid payment
in the same plan and batches (ciphertexts copied, blind indexes made unique), and ANALYZE. The three real
elders are then looked up ``--rounds`` times each, warm, in one process:

- ``lookup_by_card``: the lookup itself (throttle, person, card, comparisons, audit event, the answer's
  reads), with the refusals' minimum time set to zero so that the work is measured, not the padding;
- the same through the page (Django's test client, POST /public/lookup/), templates included;
- a refusal (wrong last four digits) with the padding off, to show that it costs what a hit does.

The issue's target is a median under 50 ms. ``lookup_timing(paid_samples())`` is what bench/public.py calls
on its own million-line database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
TARGET_MS = 50.0


def lookup_timing(samples: Sequence[tuple[str, str, str]], *, rounds: int = 200) -> dict[str, float]:
    """Median, p95 and max milliseconds of ``lookup_by_card`` over the samples (ID number, name, last four),
    padding off and throttles wide open; every lookup must find its person."""
    from django.test import override_settings

    from yikatong.disclosure import lookup

    timings: list[float] = []
    with override_settings(
        YIKATONG_LOOKUP_MIN_SECONDS=0, YIKATONG_LOOKUP_IP_LIMIT=10**9, YIKATONG_LOOKUP_ID_LIMIT=10**9
    ):
        for _ in range(rounds):
            for id_number, name, last4 in samples:
                started = time.perf_counter()
                result = lookup.lookup_by_card(
                    id_number=id_number, name=name, account_last4=last4, ip="10.9.9.9"
                )
                timings.append((time.perf_counter() - started) * 1000)
                if result.outcome != lookup.Outcome.FOUND:
                    raise SystemExit(f"lookup did not find its person: {result.outcome}")
    return _summary(timings)


def paid_samples(count: int = 3) -> list[tuple[str, str, str]]:
    """(ID number, name, card's last four) of up to ``count`` paid persons, for ``lookup_timing``."""
    from yikatong.payments.models import Payment
    from yikatong.registry.models import SocialSecurityCard

    samples = []
    paid = Payment.objects.filter(status="paid").select_related("line__person").order_by("id")[:count]
    for payment in paid:
        person = payment.line.person
        card = SocialSecurityCard.objects.filter(person=person).order_by("-opened_at").first()
        if card is not None:
            samples.append((person.id_number, person.name, card.account_no[-4:]))
    return samples


def _summary(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    return {
        "median_ms": statistics.median(ordered),
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1],
        "max_ms": ordered[-1],
        "n": float(len(ordered)),
    }


def _timed(work: Callable[[], object], rounds: int) -> dict[str, float]:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    return _summary(timings)


def _grow(extra: int) -> None:
    """``extra`` more persons, each with a roster line, plan line and paid payment (one statement each)."""
    from django.db import connection

    from yikatong.payments.models import Payment

    seed = Payment.objects.select_related("line__roster_line").filter(status="paid").first()
    assert seed is not None
    line, roster_line = seed.line, seed.line.roster_line
    steps = [
        (
            "persons",
            """
            INSERT INTO registry_person (id_number, id_bidx, name, gender, birth_date, phone, phone_bidx,
                village_id, household_id, relation, created_at, updated_at)
            SELECT p.id_number, 'bench' || g, '老人' || g, p.gender, p.birth_date, '', '', p.village_id,
                NULL, '', p.created_at, p.updated_at
            FROM registry_person p, generate_series(1, %s) g WHERE p.id = %s
            """,
            [extra, line.person_id],
        ),
        (
            "roster lines",
            """
            INSERT INTO rosters_rosterline (roster_id, line_no, person_id, policy_id, period, quantity,
                amount_fen, standard_fen, amount_differs, account_no, account_bidx, ineligible_reason,
                state, reason)
            SELECT r.roster_id, 1000 + row_number() OVER (ORDER BY p.id), p.id, r.policy_id, r.period,
                r.quantity, r.amount_fen, r.standard_fen, r.amount_differs, r.account_no, r.account_bidx,
                r.ineligible_reason, r.state, r.reason
            FROM rosters_rosterline r, registry_person p WHERE r.id = %s AND p.id_bidx LIKE 'bench%%'
            """,
            [roster_line.pk],
        ),
        (
            "plan lines",
            """
            INSERT INTO payments_planline (plan_id, roster_line_id, person_id, village_id, amount_fen,
                bank_id, active, status, attempts, reason_code, reason_text, remedy_role, fixed_by_id,
                fix_note)
            SELECT l.plan_id, r.id, r.person_id, l.village_id, l.amount_fen, l.bank_id, true, l.status,
                l.attempts, '', '', '', NULL, ''
            FROM payments_planline l, rosters_rosterline r WHERE l.id = %s AND r.line_no >= 1000
                AND r.roster_id = %s
            """,
            [line.pk, roster_line.roster_id],
        ),
        (
            "payments",
            """
            INSERT INTO payments_payment (batch_id, line_id, attempt, end_to_end_id, amount_fen, holder_name,
                account_no, account_bidx, status, reason_code, reason_text, settled_on, updated_at)
            SELECT s.batch_id, l.id, 1, 'BENCH' || l.id, s.amount_fen, s.holder_name, s.account_no,
                s.account_bidx, s.status, '', '', s.settled_on, s.updated_at
            FROM payments_payment s, payments_planline l WHERE s.id = %s AND l.plan_id = %s AND l.id <> %s
                AND NOT EXISTS (SELECT 1 FROM payments_payment x WHERE x.line_id = l.id)
            """,
            [seed.pk, line.plan_id, line.pk],
        ),
    ]
    with connection.cursor() as cursor:
        for name, sql, params in steps:
            started = time.perf_counter()
            cursor.execute(sql, params)
            print(f"  {name:14s} {cursor.rowcount:>9,d} rows  {time.perf_counter() - started:6.1f} s")
        cursor.execute("ANALYZE")


def _run(extra: int, rounds: int) -> int:
    from benchdb import setup_django

    setup_django()
    from django.core.management import call_command
    from django.test import Client, override_settings

    from tests.disclosure.lookup_world import paid_elders
    from tests.support.world import build_world
    from yikatong.disclosure import lookup

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    villagers = paid_elders(build_world())
    print(f"world and three paid elders: {time.perf_counter() - started:.1f} s")
    print(f"growing the tables by {extra:,d} paid persons:")
    _grow(extra)
    paid = [v for v in villagers if v.person.pk != villagers[1].person.pk] + [villagers[1]]
    samples = [(v.id_number, v.name, v.last4) for v in paid]
    lookup_timing(samples, rounds=5)  # warm
    core = lookup_timing(samples, rounds=rounds)
    client = Client()
    v = villagers[0]
    with override_settings(
        YIKATONG_LOOKUP_MIN_SECONDS=0, YIKATONG_LOOKUP_IP_LIMIT=10**9, YIKATONG_LOOKUP_ID_LIMIT=10**9
    ):
        page = _timed(
            lambda: client.post(
                "/public/lookup/", {"id_number": v.id_number, "name": v.name, "account_last4": v.last4}
            ),
            rounds,
        )
        refusal = _timed(
            lambda: lookup.lookup_by_card(id_number=v.id_number, name=v.name, account_last4="0000", ip="x"),
            rounds,
        )
    print(f"\npersonal lookup, {extra:,d} extra payments in the tables (target: median < {TARGET_MS:.0f} ms)")
    for label, figures in (("lookup_by_card", core), ("POST /public/lookup/", page), ("refusal", refusal)):
        print(
            f"  {label:22s} median {figures['median_ms']:6.2f} ms  p95 {figures['p95_ms']:6.2f} ms  "
            f"max {figures['max_ms']:6.2f} ms  (n={int(figures['n'])})"
        )
    return 0 if core["median_ms"] < TARGET_MS and page["median_ms"] < TARGET_MS else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/yk_bench_lookup")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if os.environ.get("YK_BENCH_CHILD"):
        return _run(args.payments, args.rounds)
    from benchdb import benchmark_database

    with benchmark_database(args.database, REPO / "var" / "bench-lookup", keep=args.keep) as env:
        env["YK_BENCH_CHILD"] = "1"
        return subprocess.run([sys.executable, *sys.argv], env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())

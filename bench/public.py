"""Benchmark: the public disclosure pages (补贴发放公开) on PostgreSQL with a million disclosed lines.

    python bench/public.py [--lines 1000000] [--rounds 200] [--payments 0] [--database postgres://…/yk_bench_public]

Builds the platform's small world (regions, users, 高龄津贴), pays three elders of 永丰村 through the bank
simulator as the tests do and has the disclosure officer approve them (the real service), then grows the
disclosure set-based with ``generate_series``: one published revision per village and month for two years,
and ``--lines`` masked lines spread over them (one INSERT … SELECT), totals updated, ANALYZE. Then, warm, in
one process, it times through Django's test client (templates included):

- a village page: ``GET /public/disclosure/?village=…`` (totals per village and per policy, filters, first
  page of lines);
- a search: ``GET /public/disclosure/?q=王`` (county-wide, by masked surname);
- the next page by keyset: the village page's own ``下一页`` link (``?after=…``, no OFFSET);
- one village's disclosure page (``/public/disclosure/<village>/GLJT/<period>/``).

The issue's target is a median under 50 ms each. ``more_timings()`` is where the personal lookup's timing
(bench/lookup.py's ``lookup_timing``) is added.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
TARGET_MS = 50.0
MONTHS = 24
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "兰华明英军芳强丽平刚"


def _summary(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    return {
        "median_ms": statistics.median(ordered),
        "p95_ms": ordered[max(0, int(len(ordered) * 0.95) - 1)],
        "max_ms": ordered[-1],
        "n": float(len(ordered)),
    }


def timed(work: Callable[[], object], rounds: int) -> dict[str, float]:
    """Median, p95 and max milliseconds of ``rounds`` runs of ``work`` (after five warm-up runs)."""
    for _ in range(5):
        work()
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    return _summary(timings)


def more_timings(rounds: int) -> dict[str, dict[str, float]]:
    """Further timings on the same million-line database, by label: the personal lookup (个人查询) of the
    paid elders, padding off (bench/lookup.py)."""
    from lookup import lookup_timing, paid_samples

    samples = paid_samples()
    return {"personal lookup (个人查询)": lookup_timing(samples, rounds=max(1, rounds // len(samples)))}


def ledger_timings(rounds: int) -> dict[str, dict[str, float]]:
    """The biggest village ledger of a year (printable page, Excel) and the year's open data (no target:
    downloads and print-outs of a whole year, shown for what they cost)."""
    from django.db import connection
    from django.test import Client

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT village_id, substr(period, 1, 4), count(*) FROM disclosure_disclosedline "
            "GROUP BY village_id, substr(period, 1, 4) ORDER BY count(*) DESC LIMIT 1"
        )
        village, year, count = cursor.fetchone()
    client = Client()
    few = max(3, rounds // 20)
    ledger = f"/public/ledger/{village}/{year}/"
    return {
        f"ledger page ({count:,d} lines)": timed(lambda: client.get(ledger), few),
        "ledger Excel": timed(lambda: client.get(ledger + "ledger.xlsx"), few),
        "open-data CSV (a year)": timed(lambda: client.get(f"/public/ledger/open-data/{year}.csv"), few),
    }


def queue_timing(payments: int, rounds: int) -> dict[str, dict[str, float]]:
    """The staff queue (待公开), county-wide, after ``payments`` more paid ones (bench/lookup.py's set-based
    growth, all in 永丰村's plan, so all due at once)."""
    if not payments:
        return {}
    from lookup import _grow

    from yikatong.disclosure import selectors

    print(f"growing the payments by {payments:,d} paid persons (for the queue):")
    _grow(payments)
    due = selectors.due_list("232722")
    print(f"  queue: {len(due)} group(s), {sum(d.added for d in due):,d} payments to disclose")
    return {"staff queue 待公开 (county)": timed(lambda: selectors.due_list("232722"), max(5, rounds // 20))}


def _grow(lines: int) -> None:
    """One published revision per village and month, and ``lines`` masked lines over them (set-based)."""
    from django.db import connection

    from yikatong.disclosure.models import DisclosedLine, Disclosure

    seed = Disclosure.objects.get()
    payment_id = DisclosedLine.objects.filter(disclosure=seed).values_list("payment_id", flat=True).first()
    surnames = "ARRAY[" + ",".join(f"'{c}'" for c in SURNAMES) + "]"
    given = "ARRAY[" + ",".join(f"'{c}'" for c in GIVEN) + "]"
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM core_region WHERE level = 'village'")
        villages = int(cursor.fetchone()[0])
    per = -(-lines // (villages * MONTHS - 1))
    steps = [
        (
            "disclosures",
            """
            INSERT INTO disclosure_disclosure (policy_id, period, village_id, revision, state,
                clock_started_on, due_on, approved_by_id, approved_at, published_at, published_on,
                change_note, line_count, total_fen, withdrawn_count)
            SELECT %s, to_char(date '2025-01-01' + make_interval(months => m), 'YYYY-MM'), v.code, 1,
                'published', date '2025-01-10' + make_interval(months => m),
                date '2025-02-05' + make_interval(months => m), %s, now(), now(),
                date '2025-01-25' + make_interval(months => m), '', 0, 0, 0
            FROM core_region v, generate_series(0, %s) m
            WHERE v.level = 'village' AND NOT (v.code = %s AND
                to_char(date '2025-01-01' + make_interval(months => m), 'YYYY-MM') = %s)
            """,
            [seed.policy_id, seed.approved_by_id, MONTHS - 1, seed.village_id, seed.period],
        ),
        (
            "lines",
            f"""
            INSERT INTO disclosure_disclosedline (disclosure_id, payment_id, policy_id, period, village_id,
                name_masked, id_masked, amount_fen, paid_on, disclosed_on, withdrawn, change_note)
            SELECT d.id, %s, d.policy_id, d.period, d.village_id,
                ({surnames})[1 + (g %% 20)] || '*' || ({given})[1 + ((g / 20) %% 10)],
                '2327**********' || lpad(((d.id * 7919 + g) %% 10000)::text, 4, '0'),
                10000 + (g %% 5) * 2500, d.published_on - 12, d.published_on, false, ''
            FROM disclosure_disclosure d, generate_series(1, %s) g WHERE d.id <> %s
            """,  # noqa: S608 - the arrays are the module's own constants; values are parameters
            [payment_id, per, seed.pk],
        ),
        (
            "totals",
            """
            UPDATE disclosure_disclosure d SET line_count = s.n, total_fen = s.fen
            FROM (SELECT disclosure_id, COUNT(*) AS n, SUM(amount_fen) AS fen FROM disclosure_disclosedline
                  WHERE NOT withdrawn GROUP BY disclosure_id) s
            WHERE s.disclosure_id = d.id AND d.id <> %s
            """,
            [seed.pk],
        ),
    ]
    with connection.cursor() as cursor:
        for name, sql, params in steps:
            started = time.perf_counter()
            cursor.execute(sql, params)
            print(f"  {name:12s} {cursor.rowcount:>9,d} rows  {time.perf_counter() - started:6.1f} s")
        cursor.execute("ANALYZE")


def _run(lines: int, rounds: int, payments: int) -> int:
    from benchdb import setup_django

    setup_django()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from tests.disclosure.disclosure_world import group, paid
    from tests.support.world import build_world
    from yikatong.disclosure import services
    from yikatong.disclosure.models import DisclosedLine

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    world = build_world()
    paid(world, 3)
    services.disclosure_approve(user=world.user("disclosure_officer"), today=dt.date(2026, 10, 9), **group())
    print(f"world, three paid elders and their disclosure: {time.perf_counter() - started:.1f} s")
    print(f"growing the disclosure by {lines:,d} masked lines:")
    _grow(lines)
    total = DisclosedLine.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT village_id, period FROM disclosure_disclosure ORDER BY id DESC LIMIT 1")
        village, period = cursor.fetchone()
    client = Client()
    village_url = f"/public/disclosure/?village={village}"
    first = client.get(village_url).content.decode()
    found = re.search(r'href="\?([^"]*after=[^"]+)"', first)
    if found is None:
        raise SystemExit("the village page has no next-page link")
    next_url = "/public/disclosure/?" + found.group(1).replace("&amp;", "&")
    pages = {
        "village page": village_url,
        "search (masked surname 王)": "/public/disclosure/?q=王",
        "next page by keyset": next_url,
        "one village's disclosure": f"/public/disclosure/{village}/GLJT/{period}/",
    }
    figures: dict[str, dict[str, float]] = {}
    for label, url in pages.items():
        if client.get(url).status_code != 200:
            raise SystemExit(f"{url} did not answer 200")
        figures[label] = timed(lambda url=url: client.get(url), rounds)
    figures.update(more_timings(rounds))
    queue = queue_timing(payments, rounds)
    print(f"\npublic disclosure pages, {total:,d} disclosed lines (target: median < {TARGET_MS:.0f} ms)")
    for label, f in figures.items():
        print(
            f"  {label:30s} median {f['median_ms']:6.2f} ms  p95 {f['p95_ms']:6.2f} ms  "
            f"max {f['max_ms']:6.2f} ms  (n={int(f['n'])})"
        )
    for label, f in {**queue, **ledger_timings(rounds)}.items():
        print(f"  {label:30s} median {f['median_ms']:6.2f} ms  max {f['max_ms']:6.2f} ms  (n={int(f['n'])})")
    _explain(village, next_url)
    return 0 if all(f["median_ms"] < TARGET_MS for f in figures.values()) else 1


def _explain(village: str, next_url: str) -> None:
    """The plans of the two line queries, to show they walk an index (no OFFSET, no sort of a million)."""
    from django.db import connection

    from yikatong.disclosure import public_selectors as masked

    captured: list[tuple[str, list[object]]] = []
    original = masked._fetch

    def capture(sql: str, params: list[object]) -> list[tuple[object, ...]]:
        if "disclosure_disclosedline" in sql:
            captured.append((sql, params))
        return original(sql, params)

    masked._fetch = capture  # type: ignore[assignment]
    try:
        masked.line_page(masked.Query(village=village))
        masked.line_page(masked.Query(name_prefix="王"))
    finally:
        masked._fetch = original  # type: ignore[assignment]
    with connection.cursor() as cursor:
        for sql, params in captured:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF) " + sql, params)
            print("\n" + "\n".join(row[0] for row in cursor.fetchall()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument(
        "--payments", type=int, default=0, help="time the staff queue after this many payments"
    )
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/yk_bench_public")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if os.environ.get("YK_BENCH_CHILD"):
        return _run(args.lines, args.rounds, args.payments)
    from benchdb import benchmark_database

    with benchmark_database(args.database, REPO / "var" / "bench-public", keep=args.keep) as env:
        env["YK_BENCH_CHILD"] = "1"
        return subprocess.run([sys.executable, *sys.argv], env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())

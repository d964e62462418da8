"""Benchmark: in-platform checks (事前比对) of a 500,000-line plan on PostgreSQL, registries read from it.

    python bench/platform_checks.py [--persons 1000000] [--lines 500000]

Generates a county (bench/generate_county.py's generator), imports its persons, cards and deaths into a
fresh PostgreSQL database through the platform's own imports, publishes a per-person policy, and writes
roster lines set-based: ``--lines`` lines of 2026-10 accepted by townships (what a department approves, or
a plan would hold), and the same persons' lines of 2026-09 already approved (history for MISSED and
DUPLICATE). Then, in a fresh process, ``check_run`` checks the 2026-10 lines with every rule: registries and
lines are read from the database, ID numbers and accounts decrypted, the engine run and the findings stored.
Its wall time and peak RSS are printed with the findings per rule. Target: under 30 s. The benchmark
database is dropped at the end (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchdb import bench_user, benchmark_database, migrate_with_reference_data, setup_django

REPO = Path(__file__).resolve().parent.parent
POLICY = "YKTB"
PERIOD = "2026-10"
PREVIOUS = "2026-09"


def _prepare(directory: str) -> None:
    """Migrate, import the registries, publish the policy, write the rosters and their lines."""
    setup_django()
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from yikatong.core.models import Region, RegionLevel
    from yikatong.core.tables import execute
    from yikatong.policies import services as policies
    from yikatong.registry.imports import registry_import
    from yikatong.rosters.models import Roster

    migrate_with_reference_data()
    for kind in ("persons", "cards", "deaths"):
        started = time.perf_counter()
        batch = registry_import(kind=kind, path=Path(directory) / f"{kind}.csv", user=None)
        print(f"import {kind}: {batch.inserted:,} rows in {time.perf_counter() - started:.1f} s", flush=True)

    drafter = bench_user("bench_dept", "dept_reviewer", "232722000000", "mzj")
    publisher = bench_user("bench_finance", "finance", "232722000000", "czj")
    version = policies.policy_draft_create(
        user=drafter,
        code=POLICY,
        department=None,
        data={
            "effective_from": dt.date(2026, 1, 1),
            "name": "一卡通基准测试补贴",
            "basis_title": "基准测试",
            "target": "全体居民",
            "unit": "person",
            "frequency": "monthly",
        },
        bands=[{"rate": Decimal(100)}],
    )
    policies.policy_version_submit(user=drafter, version=version)
    version = policies.policy_version_publish(user=publisher, version=version)
    now = timezone.now()
    villages = Region.objects.filter(level=RegionLevel.VILLAGE)
    for period, state in ((PREVIOUS, "approved"), (PERIOD, "township_reviewed")):
        Roster.objects.bulk_create(
            Roster(
                policy=version.policy,
                policy_version=version,
                period=period,
                village=village,
                state=state,
                created_by=drafter,
                created_at=now,
            )
            for village in villages
        )
    started = time.perf_counter()
    for period, state in ((PREVIOUS, "approved"), (PERIOD, "accepted")):
        execute(
            "INSERT INTO rosters_rosterline (roster_id, line_no, person_id, policy_id, period, quantity, "
            "amount_fen, standard_fen, amount_differs, account_no, account_bidx, ineligible_reason, state, "
            "reason) "
            "SELECT r.id, ROW_NUMBER() OVER (PARTITION BY p.village_id ORDER BY p.id), p.id, r.policy_id, "
            "r.period, 1, 10000, 10000, false, '', '', '', %s, '' FROM "
            "(SELECT id, village_id FROM registry_person ORDER BY id LIMIT %s) p "
            "JOIN rosters_roster r ON r.village_id = p.village_id AND r.period = %s",
            [state, int(os.environ["BENCH_LINES"]), period],
        )
    execute("ANALYZE")
    print(f"roster lines written in {time.perf_counter() - started:.1f} s", flush=True)


def _check(_: str) -> None:
    """Check the 2026-10 lines in this process and print the figures as JSON."""
    setup_django()
    from yikatong.checks.platform import LineSet
    from yikatong.checks.services import check_run

    started = time.perf_counter()
    run = check_run(
        line_set=LineSet(periods=(PERIOD,), states=("accepted",), policy_code=POLICY),
        region_code="232722000000",
    )
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "lines": run.line_count,
                "findings": run.finding_count,
                "summary": run.summary,
                "skipped": sorted(run.skipped),
                "seconds": round(seconds, 2),
                "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            },
            ensure_ascii=False,
        )
    )


def main() -> None:
    """Generate, prepare, check, report."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=500_000)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/yikatong_bench_checks")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "yikatong-bench-checks")
    parser.add_argument("--phase", nargs=2, metavar=("NAME", "ARG"), help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument(
        "--reuse", action="store_true", help="check again on the database a --keep run left (no generation)"
    )
    args = parser.parse_args()
    if args.phase:
        {"prepare": _prepare, "check": _check}[args.phase[0]](args.phase[1])
        return

    if args.reuse:
        _report({**os.environ, "DATABASE_URL": args.database, "YIKATONG_TESTING": "1",
                 "YIKATONG_DATA_DIR": str(args.dir / "data"), "PYTHONPATH": str(REPO),
                 "DJANGO_SETTINGS_MODULE": "yikatong.settings"})  # fmt: skip
        return
    sys.path.insert(0, str(REPO))
    from yikatong.demo.generator import generate_county

    out = args.dir / f"county-{args.persons}"
    county = generate_county(out, persons=args.persons, seed=2721)
    print(f"generated {county.persons:,} persons, {county.cards:,} cards, {county.deaths:,} deaths")
    with benchmark_database(args.database, args.dir / "data", keep=args.keep) as env:
        env = {**env, "BENCH_LINES": str(args.lines)}
        subprocess.run(
            [sys.executable, __file__, "--phase", "prepare", str(out)], env=env, cwd=REPO, check=True
        )
        _report(env)


def _report(env: dict[str, str]) -> None:
    """Check in a fresh process and print its figures."""
    result = subprocess.run(
        [sys.executable, __file__, "--phase", "check", "-"],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(
        f"in-platform check: {figures['lines']:,} lines, {figures['findings']:,} findings stored in "
        f"{figures['seconds']:.2f} s, peak RSS {figures['peak_mb']:,} MB (target < 30 s)"
    )
    for item in figures["summary"]:
        print(f"  {item['rule']:<16} {item['title']:<20} {item['count']:>8,}")
    if figures["skipped"]:
        print("  skipped (no data): " + ", ".join(figures["skipped"]))


if __name__ == "__main__":
    main()

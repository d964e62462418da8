"""Benchmark: a 500,000-line disbursement on PostgreSQL, from the plan to the re-issue of the failed lines.

    python bench/disbursement.py [--persons 650000] [--lines 500000] [--keep] [--reuse] [--no-checks]

Generates a county (the demo generator), imports its persons, cards and deaths into a PostgreSQL database
through the platform's own imports, publishes a per-person policy (100 元) and writes, set-based, one approved
roster line of 2026-10 for ``--lines`` persons who have exactly one active card and no death record (their
cards spread over the five agent banks as the generator spreads them). That database is the template: each
run copies it (``CREATE DATABASE … TEMPLATE``), so a run always starts from the same state.

Then one fresh process goes through the disbursement as its users would, calling the services the screens
call, and times every step: the budget; the plan built (lines and totals, with the checks gate bypassed),
then the checks over the plan (the gate's run, ``plan_check``); submission; finance's approval (budget
position, one batch per bank, one payment per line); each bank's file (ISO 20022 pain.001 for 建设银行,
the flat layout for the others: payments read and decrypted, written, validated, kept); the files marked
sent; the simulated bank answering each batch (the bank's side, timed apart); each return imported
(read, applied set-based, reconciled); HRSS's new cards for the closed ones (a cards import); every failed
line corrected (``lines_fix_all``: HRSS's "全部更正" once the new cards are in, then finance's for the
technical failures); the re-issue (the checks again, the
new round's batches); and the new round's files, returns and imports. Between approval and the banks'
answer the world changes: one card in a thousand of the plan's persons is closed (the bank answers AC04),
and the simulator fails 0.2 % of payments for technical reasons (MS03).

Each step prints its seconds, rows and the process's peak RSS so far; sub-steps (the checks inside a move,
the payments' decryption inside a file, …) are shown beneath. ``--no-checks`` runs the whole flow with the
checks gate removed, to show what the disbursement itself costs. Finally ``bench/pain001.py`` measures
100,000 payments written and XSD-validated on their own.

Targets (issue 13): under 60 s end to end; pain.001 of 100,000 payments in under 3 s; peak memory under 2 GB.
``--keep`` keeps the template database, ``--reuse`` runs again on a kept one (no generation, no import).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchdb import bench_user, migrate_with_reference_data, setup_django

REPO = Path(__file__).resolve().parent.parent
POLICY = "YKTB"
PERIOD = "2026-10"
RATE_FEN = 10_000
COUNTY = "232722000000"
CLOSED_EVERY = 1000  # one plan line in this many has its card closed before the bank pays
TARGET_S = 60.0
TARGET_MB = 2048


# --- the template database ---------------------------------------------------------------------------------


def _prepare(directory: str) -> None:
    """Migrate, import the registries, publish the policy, write the approved roster lines set-based."""
    setup_django()
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from yikatong.core.models import Region, RegionLevel
    from yikatong.core.tables import execute
    from yikatong.payments.reference import load_bank_setups
    from yikatong.policies import services as policies
    from yikatong.registry.imports import registry_import
    from yikatong.rosters.models import Roster

    migrate_with_reference_data()
    load_bank_setups()
    for kind in ("persons", "cards", "deaths"):
        started = time.perf_counter()
        batch = registry_import(kind=kind, path=Path(directory) / f"{kind}.csv", user=None)
        print(f"import {kind}: {batch.inserted:,} rows in {time.perf_counter() - started:.1f} s", flush=True)

    drafter = bench_user("bench_dept", "dept_reviewer", COUNTY, "mzj")
    publisher = bench_user("bench_finance", "finance", COUNTY, "czj")
    bench_user("bench_hrss", "hrss", COUNTY, "rsj")
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
        bands=[{"rate": Decimal(RATE_FEN // 100)}],
    )
    policies.policy_version_submit(user=drafter, version=version)
    version = policies.policy_version_publish(user=publisher, version=version)
    Roster.objects.bulk_create(
        Roster(
            policy=version.policy,
            policy_version=version,
            period=PERIOD,
            village=village,
            state="approved",
            created_by=drafter,
            created_at=timezone.now(),
        )
        for village in Region.objects.filter(level=RegionLevel.VILLAGE)
    )
    lines = int(os.environ["BENCH_LINES"])
    started = time.perf_counter()
    written = execute(
        "INSERT INTO rosters_rosterline (roster_id, line_no, person_id, policy_id, period, quantity, "
        "amount_fen, standard_fen, amount_differs, account_no, account_bidx, ineligible_reason, state, "
        "reason) SELECT r.id, ROW_NUMBER() OVER (PARTITION BY p.village_id ORDER BY p.id), p.id, "
        "r.policy_id, r.period, 1, %s, %s, false, '', '', '', 'approved', '' FROM "
        "(SELECT p.id, p.village_id FROM registry_person p "
        " JOIN registry_socialsecuritycard c ON c.person_id = p.id AND c.status = 'active' "
        " WHERE NOT EXISTS (SELECT 1 FROM registry_socialsecuritycard o "
        "  WHERE o.person_id = p.id AND o.id <> c.id) "
        " AND NOT EXISTS (SELECT 1 FROM registry_deathrecord d WHERE d.id_bidx = p.id_bidx) "
        " ORDER BY p.id LIMIT %s) p "
        "JOIN rosters_roster r ON r.village_id = p.village_id AND r.period = %s",
        [RATE_FEN, RATE_FEN, lines, PERIOD],
    )
    if written < lines:
        raise SystemExit(
            f"only {written:,} persons with one active card and no death record: raise --persons"
        )
    execute("ANALYZE")
    print(f"{written:,} approved roster lines written in {time.perf_counter() - started:.1f} s", flush=True)


# --- measuring -------------------------------------------------------------------------------------------


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


class Clock:
    """Steps in order (seconds, rows, peak RSS) and the time spent in wrapped functions during each."""

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self.inside: dict[str, float] = {}

    @contextmanager
    def step(self, name: str, kind: str = "system") -> Iterator[dict[str, Any]]:
        """Time one step; the caller sets ``rows`` on the dict it gets."""
        record: dict[str, Any] = {"step": name, "kind": kind, "rows": None}
        before = dict(self.inside)
        started = time.perf_counter()
        yield record
        record["seconds"] = time.perf_counter() - started
        record["peak_mb"] = _peak_mb()
        record["parts"] = {
            label: total - before.get(label, 0.0)
            for label, total in self.inside.items()
            if total - before.get(label, 0.0) >= 0.005
        }
        self.steps.append(record)
        rows = f"{record['rows']:>9,}" if record["rows"] is not None else " " * 9
        print(f"{name:<60} {record['seconds']:7.2f} s {rows} {record['peak_mb']:>6,} MB", file=sys.stderr)

    def wrap(self, owner: Any, attribute: str, label: str) -> None:
        """Replace ``owner.attribute`` (a module's function) by the same function, timed under ``label``."""
        original = getattr(owner, attribute)
        setattr(owner, attribute, self.timed(label, original))

    def timed(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """``function`` timed under ``label``; a call it makes to itself is counted once."""
        running: list[bool] = []

        def timed(*args: Any, **kwargs: Any) -> Any:
            if running:
                return function(*args, **kwargs)
            running.append(True)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.inside[label] = self.inside.get(label, 0.0) + time.perf_counter() - started
                running.pop()

        return timed


def _instrument(clock: Clock) -> None:
    """Time the parts the report names inside each step (the functions themselves are unchanged)."""
    from yikatong.core import crypto
    from yikatong.payments import files, returns, services, simulator
    from yikatong.payments.domain import flatfile, iso20022, isobank

    services.PLAN_GATES[:] = [
        services.PlanGate(
            check=clock.timed("checks: the run over the plan's lines", gate.check),
            refusal=clock.timed("checks: open blocking findings", gate.refusal),
        )
        for gate in services.PLAN_GATES
    ]
    clock.wrap(services, "_budget_refusal", "budget position")
    clock.wrap(services, "_batches", "batches and payments (INSERT … SELECT)")
    clock.wrap(files, "instructions_of", "payments read and decrypted")
    clock.wrap(simulator, "instructions_of", "payments read and decrypted")
    clock.wrap(crypto.KeyRing, "decrypt_many", "of which decryption")
    clock.wrap(iso20022, "write_pain001", "pain.001 written")
    clock.wrap(iso20022, "validate_pain001", "pain.001 validated (XSD, totals)")
    clock.wrap(flatfile, "write_flat", "flat file written")
    clock.wrap(files, "file_sha256", "file digest")
    clock.wrap(simulator, "decisions_for", "bank: each payment's fate")
    clock.wrap(isobank, "write_pain002", "bank: pain.002 written")
    clock.wrap(isobank, "write_camt054", "bank: camt.054 written")
    clock.wrap(flatfile, "write_flat_returns", "bank: flat returns written")
    clock.wrap(returns, "read_return", "return read")
    clock.wrap(returns, "apply_return_lines", "return applied to the payments")
    clock.wrap(returns, "reconcile", "reconciliation")
    clock.wrap(services, "_lines_follow_payments", "of which plan lines follow their payments")
    clock.wrap(services, "_plan_follows_lines", "of which the plan follows its lines")
    if hasattr(services, "_notify_paid"):
        clock.wrap(services, "_notify_paid", "of which the payment notices (outbox)")
    original = services.execute

    def execute(sql: str, params: Any = ()) -> int:
        # Each set-based statement of the services under its verb and table ("INSERT payments_payment").
        words = sql.split()
        table = next((w for w in words[1:4] if w.upper() not in ("INTO", "FROM")), "")
        return clock.timed(f"SQL {words[0]} {table}", original)(sql, params)

    services.execute = execute


def _run(_: str) -> None:
    """The disbursement, step by step, in this process; the figures as JSON on the last line."""
    setup_django()
    import polars as pl
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)  # a kept template may predate the newest migrations

    from yikatong.accounts.models import User
    from yikatong.core.crypto import key_ring
    from yikatong.core.tables import execute, read_frame
    from yikatong.payments import files, returns, services, simulator
    from yikatong.payments.models import BankReturn, LineStatus, Payment, PaymentBatch, PlanLine
    from yikatong.policies.models import Policy
    from yikatong.registry.imports import registry_import

    checks = os.environ.get("BENCH_CHECKS", "1") == "1"
    dept = User.objects.get(username="bench_dept")
    finance = User.objects.get(username="bench_finance")
    hrss = User.objects.get(username="bench_hrss")
    policy = Policy.objects.get(code=POLICY)
    lines = int(os.environ["BENCH_LINES"])
    if not checks:
        services.PLAN_GATES.clear()
    clock = Clock()
    _instrument(clock)
    gates = list(services.PLAN_GATES)

    with clock.step("budget entered") as s:
        services.budget_set(
            user=finance, policy=policy, year=2026, source="county", amount_fen=2 * lines * RATE_FEN
        )
    with clock.step("plan built (lines, totals; checks gate bypassed)") as s:
        services.PLAN_GATES.clear()
        try:
            plan = services.plan_build(user=dept, policy=policy, period=PERIOD)
        finally:
            services.PLAN_GATES[:] = gates
        s["rows"] = plan.line_count
    if checks:
        with clock.step("plan checked (the checks over the plan)") as s:
            plan = services.plan_check(user=dept, plan=plan)
            s["rows"] = plan.line_count
    with clock.step("plan submitted") as s:
        plan = services.plan_submit(user=dept, plan=plan)
    with clock.step("plan approved (budget, batches, payments)") as s:
        plan = services.plan_approve(
            user=finance, plan=plan, budget_line="塔财预2026-1号", voucher_no="ZF-BENCH-1"
        )
        s["rows"] = Payment.objects.filter(batch__plan=plan).count()

    with clock.step("world: 1 card in 1,000 closed before the bank pays", kind="world") as s:
        s["rows"] = execute(
            "UPDATE registry_socialsecuritycard SET status = 'closed', closed_at = NOW() "
            "WHERE status <> 'closed' AND person_id IN "
            "(SELECT person_id FROM payments_planline WHERE plan_id = %s AND id %% %s = 7)",
            [plan.pk, CLOSED_EVERY],
        )

    refused: list[str] = []

    def round_trip(round_no: int) -> None:
        batches = list(
            PaymentBatch.objects.filter(plan=plan, round=round_no)
            .select_related("bank")
            .order_by("bank__code")
        )
        for batch in batches:
            with clock.step(f"round {round_no}: file {batch.bank.code} ({batch.bank.file_format})") as s:
                s["rows"] = files.batch_file(batch=batch, user=finance).count
        with clock.step(f"round {round_no}: files marked sent ({len(batches)} batches)") as s:
            for batch in batches:
                services.batch_mark_sent(user=finance, batch=batch)
            s["rows"] = sum(b.count for b in batches)
        produced = {}
        for batch in batches:
            with clock.step(f"round {round_no}: bank simulator {batch.bank.code}", kind="bank") as s:
                produced[batch.pk] = simulator.simulate(batch)
                s["rows"] = batch.count
        for batch in batches:
            for answer in produced[batch.pk]:
                label = answer.kind or answer.name.rsplit("-", 1)[-1].removesuffix(".xml")
                with clock.step(f"round {round_no}: return {batch.bank.code} {label} imported") as s:
                    kept = returns.return_import(
                        user=finance,
                        data=answer.data,
                        file_name=answer.name,
                        bank=batch.bank,
                        kind=answer.kind,
                    )
                    s["rows"] = kept.lines
                if kept.state != "applied":
                    refused.append(f"{answer.name}（{kept.lines} 笔）：{kept.message}")
                    if kept.lines:
                        raise SystemExit(f"return {answer.name} not applied: {kept.message}")

    round_trip(1)

    failed = list(PlanLine.objects.filter(plan=plan, status=LineStatus.FAILED).order_by("id"))
    closed = [line.person_id for line in failed if line.remedy_role == "hrss"]
    with clock.step("HRSS registers the new cards (cards import)") as s:
        ids = read_frame(
            "SELECT id, id_number, name FROM registry_person WHERE id IN "
            "(SELECT person_id FROM payments_planline WHERE plan_id = %s AND status = 'failed' "
            "AND remedy_role = 'hrss') ORDER BY id",
            [plan.pk],
            schema={"id": pl.Int64, "id_number": pl.String, "name": pl.String},
        )
        clear = key_ring().decrypt_many(ids["id_number"].to_list(), context="person.id_number")
        bank_codes = dict(
            PlanLine.objects.filter(plan=plan, person_id__in=closed).values_list("person_id", "bank__code")
        )
        path = Path(tempfile.mkdtemp()) / "new-cards.csv"
        rows = ["身份证号,持卡人姓名,开户银行代码,银行账号,卡状态"]
        rows += [
            f"{number},{name},{bank_codes[pid]},62289999{pid:011d},正常"
            for pid, number, name in zip(ids["id"], clear, ids["name"], strict=True)
        ]
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        batch = registry_import(kind="cards", path=path, user=hrss)
        s["rows"] = batch.inserted
    with clock.step(f"failed lines corrected (全部更正: HRSS, then finance; {len(failed):,} lines)") as s:
        fixed = services.lines_fix_all(user=hrss, note="已统一补办社保卡").fixed
        fixed += services.lines_fix_all(user=finance, note="银行技术原因，重新发放").fixed
        s["rows"] = fixed
    with clock.step("re-issue (checks again, round 2 batches)") as s:
        second = services.plan_reissue(user=finance, plan=plan)
        s["rows"] = sum(b.count for b in second)

    round_trip(2)

    plan.refresh_from_db()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, COUNT(*) FROM payments_planline WHERE plan_id = %s "
            "GROUP BY status ORDER BY status",
            [plan.pk],
        )
        outcome = dict(cursor.fetchall())
    print(
        json.dumps(
            {
                "steps": clock.steps,
                "plan_state": plan.state,
                "lines": outcome,
                "returns": BankReturn.objects.count(),
                "checks": checks,
                "refused": refused,
            },
            ensure_ascii=False,
        )
    )


# --- the parent: generate, template, run, report ---------------------------------------------------------


def _psql(admin: str, sql: str, *, check: bool = True) -> None:
    subprocess.run(["psql", admin, "-qc", sql], check=check)


def _exists(admin: str, name: str) -> bool:
    found = subprocess.run(
        # The name is the benchmark's own (from --database), not user input.
        ["psql", admin, "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],  # noqa: S608
        check=True,
        capture_output=True,
        text=True,
    )
    return found.stdout.strip() == "1"


def _environment(url: str, data_dir: Path, lines: int, checks: bool) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "YIKATONG_TESTING": "1",
        "YIKATONG_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "yikatong.settings",
        "BENCH_LINES": str(lines),
        "BENCH_CHECKS": "1" if checks else "0",
    }


def _report(figures: dict[str, Any]) -> None:
    steps = figures["steps"]
    print()
    print(f"{'step':<60} {'seconds':>8} {'rows':>9} {'peak RSS':>9}")
    for item in steps:
        rows = f"{item['rows']:>9,}" if item["rows"] is not None else ""
        tag = {"bank": " [bank]", "world": " [world]", "clicks": " [clicks]"}.get(item["kind"], "")
        print(f"{item['step'] + tag:<60} {item['seconds']:8.2f} {rows:>9} {item['peak_mb']:>6,} MB")
        for label, seconds in item["parts"].items():
            print(f"    {label:<56} {seconds:8.2f}")
    system = sum(item["seconds"] for item in steps if item["kind"] == "system")
    clicks = sum(item["seconds"] for item in steps if item["kind"] == "clicks")
    bank = sum(item["seconds"] for item in steps if item["kind"] == "bank")
    world = sum(item["seconds"] for item in steps if item["kind"] == "world")
    peak = max(item["peak_mb"] for item in steps)
    checks = sum(
        seconds for item in steps for label, seconds in item["parts"].items() if label.startswith("checks")
    )
    print()
    print(f"platform steps: {system:.1f} s (of which the checks {checks:.1f} s"
          f"{'' if figures['checks'] else ', the checks gate removed'}); "
          f"{f'clicks {clicks:.1f} s; ' if clicks else ''}the simulated banks {bank:.1f} s; "
          f"the world's changes {world:.1f} s")  # fmt: skip
    total = system + clicks + bank
    print(f"end to end: {total:.1f} s (target < {TARGET_S:.0f} s), peak RSS {peak:,} MB "
          f"(target < {TARGET_MB:,} MB); load average now {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"plan {figures['plan_state']}; its lines by status: {figures['lines']}")
    for refused in figures["refused"]:
        print(f"return refused: {refused}")


def main() -> int:
    """Generate and prepare the template (unless reused), run the disbursement on a copy, report."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=650_000)
    parser.add_argument("--lines", type=int, default=500_000)
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/yikatong_bench_disbursement"
    )
    parser.add_argument(
        "--dir", type=Path, default=Path(tempfile.gettempdir()) / "yikatong-bench-disbursement"
    )
    parser.add_argument("--keep", action="store_true", help="keep the template database for --reuse")
    parser.add_argument("--reuse", action="store_true", help="run on the template a --keep run left")
    parser.add_argument(
        "--keep-run", action="store_true", help="keep the database the run leaves (to inspect it)"
    )
    parser.add_argument("--no-checks", action="store_true", help="remove the checks gate for the whole run")
    parser.add_argument(
        "--skip-pain001", action="store_true", help="leave out the separate pain.001 measurement"
    )
    parser.add_argument("--phase", nargs=2, metavar=("NAME", "ARG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        {"prepare": _prepare, "run": _run}[args.phase[0]](args.phase[1])
        return 0

    admin = args.database.rsplit("/", 1)[0] + "/postgres"
    name = args.database.rsplit("/", 1)[1]
    template = f"{name}_template"
    template_url = f"{args.database}_template"
    if not (args.reuse and _exists(admin, template)):
        if args.reuse:
            print(f"no template database {template}: preparing one")
        sys.path.insert(0, str(REPO))
        from yikatong.demo.generator import generate_county

        out = args.dir / f"county-{args.persons}"
        county = generate_county(out, persons=args.persons, seed=2721)
        print(
            f"generated {county.persons:,} persons, {county.cards:,} cards, {county.deaths:,} deaths",
            flush=True,
        )
        _psql(admin, f"DROP DATABASE IF EXISTS {template}")
        _psql(admin, f"CREATE DATABASE {template}")
        env = _environment(template_url, args.dir / "data", args.lines, True)
        subprocess.run(
            [sys.executable, __file__, "--phase", "prepare", str(out)], env=env, cwd=REPO, check=True
        )
    _psql(admin, f"DROP DATABASE IF EXISTS {name}")
    _psql(admin, f"CREATE DATABASE {name} TEMPLATE {template}")
    run_dir = args.dir / "data-run"
    shutil.rmtree(run_dir, ignore_errors=True)
    if (args.dir / "data").exists():
        shutil.copytree(args.dir / "data", run_dir)
    try:
        env = _environment(args.database, run_dir, args.lines, not args.no_checks)
        result = subprocess.run(
            [sys.executable, __file__, "--phase", "run", "-"],
            env=env,
            cwd=REPO,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        _report(json.loads(result.stdout.strip().splitlines()[-1]))
    finally:
        if not args.keep_run:
            _psql(admin, f"DROP DATABASE IF EXISTS {name}", check=False)
        if not args.keep:
            _psql(admin, f"DROP DATABASE IF EXISTS {template}", check=False)
    if not args.skip_pain001:
        from pain001 import TARGET_COUNT, child

        best = child(TARGET_COUNT)
        print(
            f"pain.001 of {TARGET_COUNT:,} payments (bench/pain001.py): write {best['write_s']:.2f} s, "
            f"validate {best['validate_s']:.2f} s, total {best['total_s']:.2f} s (target < 3 s), "
            f"peak RSS {best['peak_rss_mb']:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

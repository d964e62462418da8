"""Check runs: the rules over a line set, their findings stored set-based, and the approval gate they give
the rosters (事前比对)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from yikatong.audit.services import audit_record
from yikatong.checks.engine.catalogue import CATALOGUE
from yikatong.checks.engine.runner import run as run_engine
from yikatong.checks.models import CheckedLine, CheckRun, RunKind, RunState
from yikatong.checks.platform import LineSet, PeriodInputs, inputs_for, load_registries
from yikatong.checks.selectors import blocking_message, blocking_of, open_blocking, rule_settings_in_force
from yikatong.core.periods import InvalidPeriod, Period
from yikatong.core.tables import execute, insert_frame, staging_table
from yikatong.policies.models import Policy
from yikatong.rosters.models import LineState, Roster
from yikatong.rosters.services import ApprovalGate

# Who may settle a finding: the department that owns the policy (it approves rosters) and finance (it
# approves disbursement plans). Auditors read and report; they do not settle.

ProgressFn = Callable[[int, int, str], None]

NO_LONGER_FOUND = "重新核查时未再发现（数据已更正或情况已变化），系统自动关闭"

# --- running ---------------------------------------------------------------------------------------------


def check_run(
    *,
    line_set: LineSet,
    kind: str = RunKind.INFLIGHT,
    user: Any = None,
    codes: Iterable[str] | None = None,
    region_code: str = "",
    roster: Roster | None = None,
    progress: ProgressFn | None = None,
    period_from: str = "",
    period_to: str = "",
) -> CheckRun:
    """Run the chosen rules (default all) over the line set, store the findings, and return the run.

    The run is labelled with the range it was asked for (``period_from`` … ``period_to``; by default the
    line set's first and last periods), not with the periods that happened to have lines, and it keeps the
    rules' blocking settings in force as it starts: its findings block (or not) by those.
    """
    chosen = [code for code in CATALOGUE if codes is None or code in set(codes)]
    policy = None
    if line_set.policy_code:
        policy = Policy.objects.get(code=line_set.policy_code)
    periods = sorted(line_set.periods, key=_period_order)
    run = CheckRun.objects.create(
        kind=kind,
        region_code=region_code or (line_set.region_prefix.ljust(12, "0") if line_set.region_prefix else ""),
        policy=policy,
        roster=roster,
        period_from=period_from or periods[0],
        period_to=period_to or period_from or periods[-1],
        rules=chosen,
        rule_settings=rule_settings_in_force(),
        created_by=user if getattr(user, "pk", None) else None,
    )
    try:
        _run(run, line_set, chosen, progress, actor=user)
    except Exception as exc:
        CheckRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED, error=f"{type(exc).__name__}：{exc}"[:2000], finished_at=timezone.now()
        )
        raise
    run.refresh_from_db()
    return run


def _period_order(text: str) -> tuple[object, ...]:
    """Periods in time order (2026-01 before 2026Q1 before 2026), any unreadable one last as written."""
    try:
        period = Period.parse(text)
    except InvalidPeriod:
        return (1, text)
    return (0, period.start, period.end)


def _run(
    run: CheckRun, line_set: LineSet, chosen: list[str], progress: ProgressFn | None, *, actor: Any
) -> None:
    """Check, then store the findings, finish the run and record its audit event in one transaction."""
    steps = len(line_set.periods) * len(chosen) + 1
    if progress:
        progress(0, steps, "载入比对数据")
    registries = load_registries(line_set)
    found: list[pl.DataFrame] = []
    skipped: dict[str, str] = {}
    counts: dict[str, int] = dict.fromkeys(chosen, 0)
    lines = 0
    checked: list[pl.DataFrame] = []
    own: list[pl.DataFrame] = []
    for index, period in enumerate(sorted(line_set.periods)):
        loaded = inputs_for(line_set, period, registries)
        lines += loaded.inputs.lines.height

        def step(
            code: str, done: int, total: int, offset: int = index * len(chosen), period: str = period
        ) -> None:
            if progress:
                progress(1 + offset + done, steps, f"{period} 核查 {code}")

        result = run_engine(loaded.inputs, chosen, progress=step)
        skipped.update(result.skipped)
        for row in result.summary.iter_rows(named=True):
            counts[row["rule"]] += row["count"]
        found.append(_located(result.findings, loaded, registries.persons, period))
        checked.append(_checked(loaded))
        own.append(loaded.meta.select(pl.col("row_no").alias("line_id")))
    frame = pl.concat(found) if found else _located_empty()
    # As recorded when the run started: a setting changed meanwhile applies from the next run on.
    blocking = blocking_of(run.rule_settings or rule_settings_in_force())
    frame = frame.with_columns(pl.col("rule").is_in(list(blocking)).alias("blocking"))
    ran = [code for code in chosen if code not in skipped]
    with transaction.atomic():
        _store(run, frame, pl.concat(checked), ran)
        if run.kind == RunKind.POSTHOC:
            _record_population(run, pl.concat(own).unique())
        CheckRun.objects.filter(pk=run.pk).update(
            state=RunState.DONE,
            finished_at=timezone.now(),
            skipped=skipped,
            summary=[
                {"rule": code, "title": CATALOGUE[code].title_zh, "count": counts[code]}
                for code in chosen
                if code not in skipped
            ],
            snapshots=registries.snapshots,
            line_count=lines,
            finding_count=frame.height,
        )
        audit_record(
            action=f"checks.run.{run.kind}",
            obj=run,
            region_code=run.region_code,
            after={
                "periods": list(line_set.periods),
                "policy": line_set.policy_code or "",
                "lines": lines,
                "findings": frame.height,
                "snapshots": {name: item["id"] for name, item in registries.snapshots.items()},
                "blocking": sorted(blocking),
            },
            actor=actor,
        )


_LOCATED = {
    "subject": pl.String,
    "rule": pl.String,
    "severity": pl.String,
    "line_id": pl.Int64,
    "roster_id": pl.Int64,
    "person_id": pl.Int64,
    "policy_id": pl.Int64,
    "period": pl.String,
    "region_code": pl.String,
    "detail": pl.String,
}


def roster_subject(roster: pl.Expr, step: pl.Expr, due: pl.Expr) -> pl.Expr:
    """A roster finding's stored identity: "roster:<id>:<step awaited>:<deadline>" (LATE)."""
    return pl.concat_str(pl.lit("roster:"), roster.cast(pl.String), pl.lit(":"), step, pl.lit(":"), due)


def _located_empty() -> pl.DataFrame:
    return pl.DataFrame(schema=_LOCATED)


def _located(
    findings: pl.DataFrame, loaded: PeriodInputs, persons: pl.DataFrame, period: str
) -> pl.DataFrame:
    """The engine's findings with the database rows they are about (line, roster, person, policy, village)."""
    meta = loaded.meta
    on_lines = (
        findings.filter(pl.col("subject") == "line")
        .join(meta, on="row_no")
        .select(
            pl.concat_str(pl.lit("line:"), pl.col("row_no").cast(pl.String)).alias("subject"),
            "rule",
            "severity",
            pl.col("row_no").alias("line_id"),
            "roster_id",
            "person_id",
            "policy_id",
            "period",
            "region_code",
            "detail",
        )
    )
    rosters = meta.group_by("roster_id").agg(pl.col("policy_id", "region_code", "period").first())
    on_rosters = (
        findings.filter(pl.col("subject") == "roster")
        .with_columns(pl.col("roster_ref").alias("roster_id"))
        .join(rosters, on="roster_id")
        .select(
            roster_subject(pl.col("roster_id"), pl.col("step"), pl.col("due")).alias("subject"),
            "rule",
            "severity",
            pl.lit(None, pl.Int64).alias("line_id"),
            "roster_id",
            pl.lit(None, pl.Int64).alias("person_id"),
            "policy_id",
            "period",
            "region_code",
            "detail",
        )
    )
    previous = (
        loaded.previous_meta.unique(["id_number", "policy_code"], keep="first")
        .drop("period")
        .rename({"row_no": "previous_line"})
    )
    missed = (
        findings.filter(pl.col("subject") == "person_policy")
        .join(previous, on=["id_number", "policy_code"])
        .select(
            pl.concat_str(
                pl.lit("missed:"),
                pl.col("person_id").cast(pl.String),
                pl.lit(":"),
                pl.col("policy_id").cast(pl.String),
                pl.lit(f":{period}"),
            ).alias("subject"),
            "rule",
            "severity",
            pl.col("previous_line").alias("line_id"),
            "roster_id",
            "person_id",
            "policy_id",
            pl.lit(period).alias("period"),
            "region_code",
            "detail",
        )
    )
    return pl.concat([on_lines, on_rosters, missed]).cast(_LOCATED)  # type: ignore[arg-type]


def _checked(loaded: PeriodInputs) -> pl.DataFrame:
    """The lines and rosters this period's run looked at (its own lines and last period's)."""
    return pl.concat(
        [
            loaded.meta.select(pl.col("row_no").alias("line_id"), "roster_id"),
            loaded.previous_meta.select(pl.col("row_no").alias("line_id"), "roster_id"),
        ]
    ).unique()


_STAGED = {
    "subject": "varchar(200)",
    "rule": "varchar(24)",
    "severity": "varchar(8)",
    "blocking": "boolean",
    "line_id": "bigint",
    "roster_id": "bigint",
    "person_id": "bigint",
    "policy_id": "bigint",
    "period": "varchar(8)",
    "region_code": "varchar(12)",
    "detail": "text",
}


def _store(run: CheckRun, frame: pl.DataFrame, checked: pl.DataFrame, ran: list[str]) -> None:
    """Write the run's findings: refresh known in-flight ones, add new ones, close the ones gone.

    Every statement joins the staged rows with the findings table (hash or index joins); none compares the
    findings table with itself while writing it, which on PostgreSQL would rescan the rows being inserted.
    """
    now = timezone.now()
    frame = frame.unique(["subject", "rule"], keep="first", maintain_order=True)
    columns = list(_STAGED)
    insert_columns = ", ".join(columns)
    with staging_table("findings", _STAGED) as staged:
        insert_frame(staged, frame.select(columns))
        if run.kind == RunKind.INFLIGHT:
            execute(
                "UPDATE checks_finding SET run_id = %s, detail = s.detail, severity = s.severity, "
                "blocking = s.blocking, line_id = s.line_id, "
                "state = CASE WHEN checks_finding.state = 'dismissed' "
                "AND checks_finding.settled_by_id IS NULL THEN 'open' "
                # Confirmed, the line went back to its village; found again on the corrected line (in
                # flight once more, not yet approved), the finding is open again for a new decision.
                "WHEN checks_finding.state = 'confirmed' AND EXISTS (SELECT 1 FROM rosters_rosterline rl "
                "WHERE rl.id = s.line_id AND rl.state IN ('accepted', 'pending')) THEN 'open' "
                "ELSE checks_finding.state END "
                f"FROM {staged} s WHERE checks_finding.kind = 'inflight' "
                "AND checks_finding.subject = s.subject AND checks_finding.rule = s.rule",
                [run.pk],
            )
            # What is left staged is new.
            execute(
                f"DELETE FROM {staged} WHERE EXISTS (SELECT 1 FROM checks_finding f "
                f"WHERE f.kind = 'inflight' AND f.subject = {staged}.subject AND f.rule = {staged}.rule)"
            )
        execute(
            f"INSERT INTO checks_finding (kind, run_id, first_run_id, state, settle_reason, found_at, "
            f"{insert_columns}) SELECT %s, %s, %s, 'open', '', %s, "
            + ", ".join(f"s.{c}" for c in columns)
            + f" FROM {staged} s",
            [run.kind, run.pk, run.pk, now],
        )
    if run.kind != RunKind.INFLIGHT or not ran:
        return
    with staging_table("checked", {"line_id": "bigint", "roster_id": "bigint"}) as staged:
        insert_frame(staged, checked.select("line_id", "roster_id"))
        marks = ", ".join(["%s"] * len(ran))
        gone = (
            "UPDATE checks_finding SET state = 'dismissed', settle_reason = %s, settled_at = %s "
            "FROM (SELECT DISTINCT {key} AS k FROM " + staged + " WHERE {key} IS NOT NULL) c "
            "WHERE checks_finding.{key} = c.k AND checks_finding.kind = 'inflight' "
            f"AND checks_finding.state = 'open' AND checks_finding.run_id <> %s "
            f"AND checks_finding.rule IN ({marks}){{extra}}"
        )
        params = [NO_LONGER_FOUND, now, run.pk, *ran]
        execute(gone.format(key="line_id", extra=""), params)
        execute(gone.format(key="roster_id", extra=" AND checks_finding.line_id IS NULL"), params)


def _record_population(run: CheckRun, lines: pl.DataFrame) -> None:
    """Keep the lines a post-hoc run read: its sample is drawn from these and from no line approved later."""
    frame = lines.select(pl.lit(run.pk, pl.Int64).alias("run_id"), pl.col("line_id").cast(pl.Int64))
    insert_frame(CheckedLine._meta.db_table, frame)


def check_roster(*, user: Any, roster: Roster) -> CheckRun:
    """事前比对 of one roster's accepted lines, as the department's approval runs it."""
    line_set = LineSet(
        periods=(roster.period,),
        states=(LineState.ACCEPTED,),
        policy_code=roster.policy.code,
        region_prefix=roster.village_id,
        roster_ids=(roster.pk,),
    )
    return check_run(line_set=line_set, user=user, region_code=roster.village_id, roster=roster)


def _check_before_approval(user: Any, roster: Roster) -> None:
    check_roster(user=user, roster=roster)


def _blocking_refusal(roster: Roster) -> str:
    blocking = open_blocking(roster)
    return blocking_message(blocking) if blocking.exists() else ""


def approval_gate() -> ApprovalGate:
    """The gate the department's roster approval waits on: check first, refuse while something blocks."""
    return ApprovalGate(before=_check_before_approval, refusal=_blocking_refusal)

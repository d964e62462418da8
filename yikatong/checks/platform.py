"""In-platform checks: the same engine over the platform's own tables instead of files.

A check runs over a ``LineSet``: any set of roster lines named by periods, line states, policy, region and
(optionally) rosters — the accepted lines of one roster awaiting approval, every line in flight in a county,
or the approved lines of a year for a post-hoc audit. Each line carries the account it names, if any; an
empty one is the person's card on file, looked up by the engine (NO_CARD when there is none). Registries
are loaded once per run and only for the people concerned (the lines' persons, last period's
beneficiaries and their households); ID numbers and accounts are decrypted column by
column for the run only and never leave the process. Findings name the roster line by its id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.conf import settings
from django.utils import timezone

from yikatong.checks.engine.frames import yuan
from yikatong.checks.engine.inputs import AuditInputs
from yikatong.core.crypto import key_ring
from yikatong.core.periods import Period
from yikatong.core.tables import analyze, execute, read_frame, staging_table
from yikatong.payments.models import LineStatus, PlanLine
from yikatong.policies.models import PolicyVersion
from yikatong.policies.selectors import published_in_force, standard_of
from yikatong.registry.models import RegistryKind, RegistrySnapshot
from yikatong.registry.selectors import latest_snapshot
from yikatong.rosters.domain import workflow

IN_FLIGHT = ("accepted", "approved")


@dataclass(frozen=True)
class LineSet:
    """Which roster lines a run checks: periods × line states, narrowed by policy, region and rosters."""

    periods: tuple[str, ...]
    states: tuple[str, ...] = IN_FLIGHT
    policy_code: str | None = None
    region_prefix: str = ""
    roster_ids: tuple[int, ...] = ()
    # A disbursement plan's lines only (its roster lines, while they are in it).
    plan_id: int | None = None
    # Of the plan's lines, only those in these statuses (a re-issue checks the corrected lines alone).
    plan_statuses: tuple[str, ...] = ()
    # Only lines whose plan line was paid (漏发 against last period's *paid* lines).
    paid_only: bool = False

    def where(self, period: str | None = None) -> tuple[str, list[Any]]:
        """SQL condition over ``l`` (line), ``r`` (roster) and ``pol`` (policy), with its parameters."""
        periods = (period,) if period is not None else self.periods
        states = tuple(self.states)
        sql = f"l.period IN ({_marks(periods)}) AND l.state IN ({_marks(states)}) AND r.village_id LIKE %s"
        params: list[Any] = [*periods, *states, f"{self.region_prefix}%"]
        if self.policy_code:
            sql += " AND pol.code = %s"
            params.append(self.policy_code)
        if self.roster_ids:
            sql += f" AND l.roster_id IN ({_marks(self.roster_ids)})"
            params.extend(self.roster_ids)
        if self.plan_id is not None:
            # EXISTS, not IN: inside NOT (…) an IN subquery is rescanned for every line once the planner
            # knows the table's size (hours for 500,000 lines; seconds this way; bench/disbursement.py).
            sql += (
                " AND EXISTS (SELECT 1 FROM payments_planline pl"
                " WHERE pl.roster_line_id = l.id AND pl.plan_id = %s AND pl.active"
            )
            params.append(self.plan_id)
            if self.plan_statuses:
                sql += f" AND pl.status IN ({_marks(self.plan_statuses)})"
                params.extend(self.plan_statuses)
            sql += ")"
        if self.paid_only:
            sql += (
                " AND EXISTS (SELECT 1 FROM payments_planline pl"
                " WHERE pl.roster_line_id = l.id AND pl.status = 'paid')"
            )
        return sql, params


LINES_FROM = (
    "FROM rosters_rosterline l JOIN rosters_roster r ON r.id = l.roster_id "
    "JOIN policies_policy pol ON pol.id = l.policy_id"
)


def _marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * max(len(values), 1))


def _decrypt(frame: pl.DataFrame, column: str, context: str, into: str) -> pl.DataFrame:
    clear = key_ring().decrypt_many(frame[column].to_list(), context=context)
    return frame.with_columns(pl.Series(into, clear, dtype=pl.String)).drop(column)


def _four_places(column: str) -> pl.Expr:
    """A decimal text with exactly four places, as the roster reader writes it ("1" or "1.5" from SQLite)."""
    parts = pl.col(column).str.split_exact(".", 1)
    fraction = parts.struct.field("field_1").fill_null("").str.pad_end(4, "0").str.slice(0, 4)
    return pl.concat_str(parts.struct.field("field_0"), pl.lit("."), fraction).alias(column)


def _quantity(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(_four_places("quantity"))


LINE_SCHEMA = {
    **dict.fromkeys(["policy_code", "period", "id_number", "name", "village_code"], pl.String),
    **{"quantity": pl.String, "amount": pl.String, "account_no": pl.String},
    **{"row_no": pl.Int64, "line_no": pl.Int64},
}
META_SCHEMA = {
    "row_no": pl.Int64,
    "roster_id": pl.Int64,
    "person_id": pl.Int64,
    "policy_id": pl.Int64,
    "region_code": pl.String,
    "period": pl.String,
}


def read_lines(where: str, params: list[Any], registries: Registries) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The lines matching ``where`` as the engine's roster frame, and their ids (roster, person, policy).

    The ID number comes from the run's already decrypted registries (joined on the person). The account is
    the one the line names, or null for the person's card on file, which the engine looks up itself.
    """
    sql = (
        "SELECT l.id AS row_no, l.id AS line_no, pol.code AS policy_code, l.period, p.name, "
        "r.village_id AS village_code, CAST(l.quantity AS varchar(24)) AS quantity, l.amount_fen, "
        "l.account_no AS enc_account, l.roster_id, l.person_id, l.policy_id "
        f"{LINES_FROM} JOIN registry_person p ON p.id = l.person_id WHERE {where}"
    )
    ints = dict.fromkeys(("row_no", "line_no", "amount_fen", "roster_id", "person_id", "policy_id"), pl.Int64)
    frame = read_frame(sql, params, schema=ints)
    if frame.height == 0:
        return pl.DataFrame(schema=LINE_SCHEMA), pl.DataFrame(schema=META_SCHEMA)
    meta = frame.select(
        "row_no", "roster_id", "person_id", "policy_id", pl.col("village_code").alias("region_code"), "period"
    )
    frame = _decrypt(frame, "enc_account", "line.account_no", "account_no")
    frame = frame.join(registries.ids, on="person_id", how="left")
    lines = (
        _quantity(frame)
        .with_columns(yuan(pl.col("amount_fen")).alias("amount"))
        .drop("amount_fen", "roster_id", "person_id", "policy_id")
    )
    return lines, meta


@dataclass
class Registries:
    """The registry frames of one run, the snapshots they came from, and who is who (id number → person)."""

    persons: pl.DataFrame
    cards: pl.DataFrame
    # person_id → id_number.
    ids: pl.DataFrame
    deaths: pl.DataFrame | None = None
    cadres: pl.DataFrame | None = None
    land: pl.DataFrame | None = None
    sources: dict[str, str] = field(default_factory=dict)
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)


def _people(line_set: LineSet) -> tuple[str, list[Any]]:
    """SQL for the ids of the persons concerned: on the lines, paid last period under the same scope, or
    holding a card whose account a line names."""
    parts, params = [], []
    for period in line_set.periods:
        previous = LineSet(
            periods=(str(Period.parse(period).previous()),),
            states=("approved",),
            policy_code=line_set.policy_code,
            region_prefix=line_set.region_prefix,
        )
        for chosen in (line_set.where(period), previous.where()):
            parts.append(f"SELECT l.person_id {LINES_FROM} WHERE {chosen[0]}")
            params.extend(chosen[1])
        # The holders of the accounts the lines name: "该账号登记在他人名下" needs the other person's card.
        where, where_params = line_set.where(period)
        parts.append(
            f"SELECT c.person_id {LINES_FROM} JOIN registry_socialsecuritycard c "
            f"ON c.account_bidx = l.account_bidx WHERE {where} AND l.account_bidx <> ''"
        )
        params.extend(where_params)
    return " UNION ".join(parts), params


def load_registries(line_set: LineSet) -> Registries:
    """Persons (with their households' members), cards, and the latest deaths, cadres and land snapshots."""
    people, params = _people(line_set)
    with staging_table("check_people", {"id": "bigint"}) as staged:
        # The people concerned, then everyone in their households (for 优亲厚友 and 户 totals): staged once so
        # that the reads below are plain joins, not repeated sub-queries.
        execute(f"INSERT INTO {staged} (id) {people}", params)
        execute(
            f"INSERT INTO {staged} (id) SELECT p.id FROM registry_person p WHERE p.household_id IN "
            f"(SELECT p2.household_id FROM registry_person p2 JOIN {staged} s ON s.id = p2.id)"
        )
        analyze(staged)
        concerned = f"SELECT DISTINCT id FROM {staged}"
        persons = read_frame(
            "SELECT p.id AS person_id, p.id_number AS enc_id, p.name, p.gender, "
            "CAST(p.birth_date AS varchar(10)) AS birth_date, p.village_id AS village_code, "
            "h.household_no AS household_id, p.relation "
            f"FROM registry_person p JOIN ({concerned}) s ON s.id = p.id "
            "LEFT JOIN registry_household h ON h.id = p.household_id",
            schema={"person_id": pl.Int64},
        )
        cards = read_frame(
            "SELECT c.person_id, b.code AS bank_code, c.account_no AS enc_account, c.status "
            f"FROM registry_socialsecuritycard c JOIN ({concerned}) s ON s.id = c.person_id "
            "JOIN registry_agentbank b ON b.id = c.bank_id",
            schema={"person_id": pl.Int64},
        )
        # The latest death, cadre and land snapshots, only in the rows about the people concerned.
        snapshots = {}
        for kind, loader in _SNAPSHOT_LOADERS.items():
            snapshot = latest_snapshot(kind)
            if snapshot is not None:
                snapshots[kind] = (snapshot, loader(snapshot, concerned))
    if persons.height == 0:
        names = [
            "enc_id",
            "name",
            "gender",
            "birth_date",
            "village_code",
            "household_id",
            "relation",
        ]
        persons = pl.DataFrame(schema={"person_id": pl.Int64, **dict.fromkeys(names, pl.String)})
    persons = _decrypt(persons, "enc_id", "person.id_number", "id_number")
    if cards.height == 0:
        names = ["bank_code", "enc_account", "status"]
        cards = pl.DataFrame(schema={"person_id": pl.Int64, **dict.fromkeys(names, pl.String)})
    cards = _decrypt(cards, "enc_account", "card.account_no", "account_no")
    ids = persons.select("person_id", "id_number")
    # A card is held by its person (代持 is refused when a card is registered): the holder is the person.
    holders = persons.select("person_id", "id_number", pl.col("name").alias("holder_name"))
    cards = cards.join(holders, on="person_id", how="left")
    found = Registries(persons=persons, cards=cards.drop("person_id"), ids=ids)
    for kind, (snapshot, frame) in snapshots.items():
        setattr(found, kind, frame)
        found.sources[kind] = f"{snapshot.source}，{timezone.localtime(snapshot.uploaded_at):%Y-%m}导入"
        found.snapshots[kind] = {
            "id": snapshot.pk,
            "source": snapshot.source,
            "as_of": snapshot.as_of.isoformat(),
            "file_name": snapshot.file_name,
            "rows": snapshot.rows,
            "uploaded_at": timezone.localtime(snapshot.uploaded_at).isoformat(timespec="seconds"),
        }
    return found


def _deaths(snapshot: RegistrySnapshot, concerned: str) -> pl.DataFrame:
    frame = read_frame(
        "SELECT d.id_number AS enc_id, d.name, CAST(d.death_date AS varchar(10)) AS death_date "
        "FROM registry_deathrecord d WHERE d.snapshot_id = %s AND d.id_bidx IN "
        f"(SELECT p.id_bidx FROM registry_person p JOIN ({concerned}) s ON s.id = p.id)",
        [snapshot.pk],
    )
    if frame.height == 0:
        return pl.DataFrame(schema=dict.fromkeys(["id_number", "name", "death_date"], pl.String))
    return _decrypt(frame, "enc_id", "death.id_number", "id_number")


def _cadres(snapshot: RegistrySnapshot, concerned: str) -> pl.DataFrame:
    frame = read_frame(
        "SELECT c.id_number AS enc_id, c.name, c.village_code, c.position FROM registry_cadrerecord c "
        "WHERE c.snapshot_id = %s AND c.id_bidx IN "
        f"(SELECT p.id_bidx FROM registry_person p JOIN ({concerned}) s ON s.id = p.id)",
        [snapshot.pk],
    )
    if frame.height == 0:
        return pl.DataFrame(
            schema=dict.fromkeys(["id_number", "name", "village_code", "position"], pl.String)
        )
    return _decrypt(frame, "enc_id", "cadre.id_number", "id_number")


def _land(snapshot: RegistrySnapshot, concerned: str) -> pl.DataFrame:
    frame = read_frame(
        "SELECT l.household_no AS household_id, l.contractor_id_number AS enc_id, l.village_code, "
        "CAST(l.contract_area_mu AS varchar(24)) AS contract_area_mu FROM registry_landcontract l "
        "WHERE l.snapshot_id = %s AND l.household_no IN (SELECT h.household_no FROM registry_household h "
        f"JOIN registry_person p ON p.household_id = h.id JOIN ({concerned}) s ON s.id = p.id)",
        [snapshot.pk],
    )
    schema = dict.fromkeys(
        ["household_id", "contractor_id_number", "village_code", "contract_area_mu"], pl.String
    )
    if frame.height == 0:
        return pl.DataFrame(schema=schema)
    frame = _decrypt(frame, "enc_id", "land.contractor_id_number", "contractor_id_number")
    return frame.with_columns(_four_places("contract_area_mu"))


_SNAPSHOT_LOADERS = {
    RegistryKind.DEATHS.value: _deaths,
    RegistryKind.CADRES.value: _cadres,
    RegistryKind.LAND.value: _land,
}


def _policies(period: Period) -> pl.DataFrame:
    rows = []
    version: PolicyVersion
    for version in published_in_force(period.start):
        for band in version.bands.all():
            rows.append(
                {
                    "code": version.policy.code,
                    "name": version.name,
                    "unit": version.unit,
                    "rate": f"{band.rate:f}",
                    "min_age": None if band.min_age is None else str(band.min_age),
                    "max_age": None if band.max_age is None else str(band.max_age),
                    "means_tested": "true" if version.means_tested else "false",
                    "exclusive_with": ";".join(version.exclusive_with or []) or None,
                }
            )
    return pl.DataFrame(rows, schema=dict.fromkeys(
        ["code", "name", "unit", "rate", "min_age", "max_age", "means_tested", "exclusive_with"], pl.String
    ))  # fmt: skip


def _events(line_set: LineSet, period: str) -> pl.DataFrame:
    """Each deadline of the rosters concerned: when it fell due and when the step was done (null: not yet).

    ``roster`` and ``step_key`` (the state whose step is awaited) name what a LATE finding is about.
    """
    where, params = line_set.where(period)
    rosters = f"SELECT DISTINCT l.roster_id {LINES_FROM} WHERE {where}"
    done = read_frame(
        "SELECT e.roster_id, e.from_state, e.deadline, e.at AS done, pol.code AS policy_code, "
        "v.name AS village, r.period FROM rosters_rosterevent e JOIN rosters_roster r ON r.id = e.roster_id "
        "JOIN policies_policy pol ON pol.id = r.policy_id JOIN core_region v ON v.code = r.village_id "
        f"WHERE e.deadline IS NOT NULL AND e.roster_id IN ({rosters})",
        params,
    )
    pending = read_frame(
        "SELECT r.id AS roster_id, r.state AS from_state, r.deadline, NULL AS done, pol.code AS policy_code, "
        "v.name AS village, r.period FROM rosters_roster r JOIN policies_policy pol ON pol.id = r.policy_id "
        f"JOIN core_region v ON v.code = r.village_id WHERE r.deadline IS NOT NULL AND r.id IN ({rosters})",
        params,
    )
    # 审批后发放: each approved plan's time limit for paying a roster's lines, done when the last is paid.
    paying = read_frame(
        "SELECT l.roster_id, dp.number, dp.deadline, pol.code AS policy_code, v.name AS village, r.period, "
        "MAX(pay.updated_at) AS last_paid, "
        "SUM(CASE WHEN pl.status = 'paid' OR pl.status = 'stopped' THEN 0 ELSE 1 END) AS unpaid "
        "FROM payments_planline pl JOIN payments_disbursementplan dp ON dp.id = pl.plan_id "
        "JOIN rosters_rosterline l ON l.id = pl.roster_line_id JOIN rosters_roster r ON r.id = l.roster_id "
        "JOIN policies_policy pol ON pol.id = r.policy_id JOIN core_region v ON v.code = r.village_id "
        "LEFT JOIN payments_payment pay ON pay.line_id = pl.id AND pay.status = 'paid' "
        "WHERE pl.active AND dp.approved_at IS NOT NULL AND dp.deadline IS NOT NULL AND l.roster_id IN"
        f" ({rosters}) "
        "GROUP BY l.roster_id, dp.number, dp.deadline, pol.code, v.name, r.period",
        params,
    )
    # 发放后告知: a roster's paid payments told to their beneficiaries (逐项告知) within the time limit.
    notified = read_frame(
        "SELECT l.roster_id, pol.code AS policy_code, v.name AS village, r.period, "
        "MAX(pay.updated_at) AS paid, "
        "COUNT(pay.id) AS payments, COUNT(n.sent_at) AS sent, MAX(n.sent_at) AS last_sent "
        "FROM payments_payment pay JOIN payments_planline pl ON pl.id = pay.line_id "
        "JOIN rosters_rosterline l ON l.id = pl.roster_line_id JOIN rosters_roster r ON r.id = l.roster_id "
        "JOIN policies_policy pol ON pol.id = r.policy_id JOIN core_region v ON v.code = r.village_id "
        "LEFT JOIN notices_notification n ON n.dedup_key = 'payment:' || CAST(pay.id AS TEXT) "
        f"WHERE pay.status = 'paid' AND l.roster_id IN ({rosters}) "
        "GROUP BY l.roster_id, pol.code, v.name, r.period",
        params,
    )
    notice_days = int(getattr(settings, "YIKATONG_NOTICE_DAYS", 2))
    rows = []
    for row in notified.iter_rows(named=True):
        paid = dt.date.fromisoformat(_local_date(row["paid"]))
        all_sent = int(row["sent"] or 0) == int(row["payments"] or 0) and row["last_sent"] is not None
        rows.append(
            {
                "roster": int(row["roster_id"]),
                "step_key": "payment_notice",
                "step": f"{row['village']}{row['period']}名册“发放后逐项告知受益人”",
                "due": (paid + dt.timedelta(days=notice_days)).isoformat(),
                "done": _local_date(row["last_sent"]) if all_sent else None,
                "id_number": None,
                "policy_code": row["policy_code"],
            }
        )
    for row in paying.iter_rows(named=True):
        rows.append(
            {
                "roster": int(row["roster_id"]),
                "step_key": f"plan_payment_{row['number']}",
                "step": f"{row['village']}{row['period']}名册（发放计划{row['number']}）“财政审批后发放到卡”",
                "due": _local_date(row["deadline"]),
                "done": _local_date(row["last_paid"])
                if int(row["unpaid"] or 0) == 0 and row["last_paid"]
                else None,
                "id_number": None,
                "policy_code": row["policy_code"],
            }
        )
    for frame in (done, pending):
        for row in frame.iter_rows(named=True):
            rows.append(
                {
                    "roster": int(row["roster_id"]),
                    "step_key": row["from_state"],
                    "step": f"{row['village']}{row['period']}名册“{_awaited(row['from_state'])}”",
                    "due": _local_date(row["deadline"]),
                    "done": _local_date(row["done"]) if row["done"] is not None else None,
                    "id_number": None,
                    "policy_code": row["policy_code"],
                }
            )
    rows.extend(_disclosure_events(rosters, params))
    schema = {
        "roster": pl.Int64,
        **dict.fromkeys(["step_key", "step", "due", "done", "id_number", "policy_code"], pl.String),
    }
    return pl.DataFrame(rows, schema=schema)


def _disclosure_events(rosters: str, params: list[Any]) -> list[dict[str, Any]]:
    """发放后公开: each revision of a roster's disclosure published by its due date (20 working days from the
    payment, or from the change that made a correction due), and what is due now and not yet published."""
    from yikatong.disclosure import selectors as disclosure

    groups = read_frame(
        "SELECT r.id AS roster_id, r.policy_id, r.period, r.village_id, pol.code AS policy_code, "
        "v.name AS village FROM rosters_roster r JOIN policies_policy pol ON pol.id = r.policy_id "
        f"JOIN core_region v ON v.code = r.village_id WHERE r.id IN ({rosters})",
        params,
        schema={"roster_id": pl.Int64, "policy_id": pl.Int64, "period": pl.String, "village_id": pl.String},
    )
    if not groups.height:
        return []
    published = read_frame(
        "SELECT d.policy_id, d.period, d.village_id, d.revision, d.due_on, d.published_on "
        "FROM disclosure_disclosure d JOIN rosters_roster r ON d.policy_id = r.policy_id "
        f"AND d.period = r.period AND d.village_id = r.village_id WHERE r.id IN ({rosters})",
        params,
        schema={"policy_id": pl.Int64, "period": pl.String, "village_id": pl.String, "revision": pl.Int64},
    )
    by_group: dict[tuple[int, str, str], list[tuple[int, str, str | None]]] = {}
    for row in published.unique().iter_rows(named=True):
        key = (int(row["policy_id"]), str(row["period"]), str(row["village_id"]))
        by_group.setdefault(key, []).append(
            (int(row["revision"]), str(row["due_on"])[:10], str(row["published_on"])[:10])
        )
    villages = sorted(set(groups["village_id"].to_list()))
    prefix = villages[0] if len(villages) == 1 else ""
    for item in disclosure.due_list(prefix):
        key = (item.policy_id, item.period, item.village_code)
        by_group.setdefault(key, []).append((item.revision, item.due_on.isoformat(), None))
    rows = []
    for row in groups.iter_rows(named=True):
        key = (int(row["policy_id"]), str(row["period"]), str(row["village_id"]))
        for revision, due, done in by_group.get(key, []):
            what = "公开" if revision == 1 else f"更正后重新公开（第{revision}版）"
            rows.append(
                {
                    "roster": int(row["roster_id"]),
                    "step_key": f"disclosure_{revision}",
                    "step": f"{row['village']}{row['period']}名册“发放后{what}”",
                    "due": due,
                    "done": done,
                    "id_number": None,
                    "policy_code": row["policy_code"],
                }
            )
    return rows


def _awaited(state: str) -> str:
    """The step a roster in this state waits for (名册“主管部门审批”)."""
    return workflow.AWAITED.get(state, (state, ""))[0]


def _local_date(value: Any) -> str:
    """A stored timestamp (datetime, or text from SQLite/COPY) as the local calendar date."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace(" ", "T"))
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return timezone.localtime(value).date().isoformat()


@dataclass
class PeriodInputs:
    """One period's engine inputs with the ids behind its lines and last period's lines."""

    inputs: AuditInputs
    meta: pl.DataFrame
    previous_meta: pl.DataFrame


def _paid_through_platform(policy_code: str | None, period: str) -> bool:
    """Whether a policy's period has payments in the platform (then its paid lines are its history)."""
    if not policy_code:
        return False
    return PlanLine.objects.filter(
        plan__policy__code=policy_code, plan__period=period, status=LineStatus.PAID
    ).exists()


def inputs_for(line_set: LineSet, period: str, registries: Registries) -> PeriodInputs:
    """The engine inputs for one period of a line set, sharing the run's registries."""
    parsed = Period.parse(period)
    lines, meta = read_lines(*line_set.where(period), registries)
    # Already approved elsewhere in the same period: duplicates and exclusive pairs count against these.
    others = LineSet(periods=(period,), states=("approved",))
    here, here_params = line_set.where(period)
    people, people_params = _people(line_set)
    other_where, other_params = others.where()
    history, _ = read_lines(
        f"{other_where} AND l.person_id IN ({people}) AND NOT ({here})",
        [*other_params, *people_params, *here_params],
        registries,
    )
    previous_set = LineSet(
        periods=(str(parsed.previous()),),
        states=("approved",),
        policy_code=line_set.policy_code,
        region_prefix=line_set.region_prefix,
        # Once last period was paid through the platform, 漏发 counts against the lines actually paid.
        paid_only=_paid_through_platform(line_set.policy_code, str(parsed.previous())),
    )
    previous, previous_meta = read_lines(*previous_set.where(), registries)
    # 漏发 means "no line at all this period": a line still in public notice, or rejected with a reason,
    # is not missed. Last period's beneficiaries with any line of the policy now are set aside.
    present = read_frame(
        f"SELECT DISTINCT l.person_id, l.policy_id {LINES_FROM} WHERE l.period = %s AND r.village_id LIKE %s",
        [period, f"{line_set.region_prefix}%"],
        schema={"person_id": pl.Int64, "policy_id": pl.Int64},
    )
    if present.height:
        kept = previous_meta.join(present, on=["person_id", "policy_id"], how="anti").select("row_no")
        previous = previous.join(kept, on="row_no", how="semi")
        previous_meta = previous_meta.join(kept, on="row_no", how="semi")
    inputs = AuditInputs(
        period=parsed,
        lines=lines,
        persons=registries.persons.drop("person_id"),
        cards=registries.cards,
        deaths=registries.deaths,
        cadres=registries.cadres,
        land=registries.land,
        policies=_policies(parsed),
        previous=previous,
        history=history,
        events=_events(line_set, period),
        sources=dict(registries.sources),
        mask_ids=True,
        today=timezone.localdate(),
        # The rate tables straight from the published versions, tiers included, rather than from the flat
        # FORMATS rows that files carry (which cannot say "一级/二级").
        standards={v.policy.code: standard_of(v) for v in published_in_force(parsed.start)},
    )
    previous_meta = previous_meta.join(
        previous.select("row_no", "id_number", "policy_code"), on="row_no", how="left"
    )
    return PeriodInputs(inputs=inputs, meta=meta, previous_meta=previous_meta)


def platform_inputs(
    *,
    period: Period,
    policy_code: str | None = None,
    region_prefix: str = "",
    states: Iterable[str] = IN_FLIGHT,
) -> AuditInputs:
    """Everything one period's check needs, loaded once from the database (the engine's inputs only)."""
    line_set = LineSet(
        periods=(str(period),), states=tuple(states), policy_code=policy_code, region_prefix=region_prefix
    )
    return inputs_for(line_set, str(period), load_registries(line_set)).inputs

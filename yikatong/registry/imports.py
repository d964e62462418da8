"""Registry imports: a file becomes validated frames, then whole-table writes in one transaction.

Persons and cards are upserted (by ID number and by account, through their blind indexes): a re-import of
the same file changes nothing and says so. Deaths, cadres and land contracts become dated snapshots; the same
content imported twice makes no second snapshot. A file with bad rows is refused unless the user accepts a
partial import; the bad rows always come back as an error report. Nothing is half-loaded: every write of an
import happens in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from yikatong.accounts.permissions import authorize
from yikatong.audit.services import audit_record
from yikatong.bulk.reader import ParsedTable, UnreadableFile, read_table
from yikatong.bulk.regions import RegionScope
from yikatong.bulk.schemas import SCHEMAS
from yikatong.core.crypto import key_ring
from yikatong.core.models import Region, RegionLevel, county
from yikatong.core.tables import execute, insert_frame, read_frame, staging_table
from yikatong.core.uploads import file_sha256, save_error_report
from yikatong.registry.domain.cards import card_refusal
from yikatong.registry.models import (
    AgentBank,
    ImportBatch,
    ImportStatus,
    RegistryKind,
    RegistrySnapshot,
)

ProgressFn = Callable[..., None]

# Every table keys ID numbers by the same blind index, so registries join on it.
ID_INDEX = "person.id_number"


@dataclass
class Outcome:
    """What an import did to the registry."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    extra_rejects: list[pl.DataFrame] = field(default_factory=list)
    snapshot: RegistrySnapshot | None = None


def _no_progress(*args: Any, **kwargs: Any) -> None:
    return None


def _now_db() -> tuple[str, Any]:
    """The current time as text for bulk loads of a timestamp column, and as a query parameter."""
    now = timezone.now()
    param = connection.ops.adapt_datetimefield_value(now)
    return (str(param) if connection.vendor == "sqlite" else now.isoformat()), param


def _reject(frame: pl.DataFrame, reason: str | pl.Expr, kind: str = RegistryKind.CARDS) -> pl.DataFrame:
    """Rows the registry turns away after the file itself was valid, in the error report's shape."""
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    headers = [(c.name, c.chinese) for c in SCHEMAS[kind] if c.name in frame.columns]
    return frame.select(
        pl.col("row_no"),
        *[pl.col(name).cast(pl.String).alias(chinese) for name, chinese in headers],
        reason_expr.alias("错误原因"),
    )


def check_may_import(user: Any, kind: str) -> None:
    """Refuse roles that do not keep this registry (``import.<kind>`` of the permission table)."""
    authorize(user, f"import.{RegistryKind(kind).value}")


def registry_import(
    *,
    kind: str,
    path: Path,
    user: Any,
    source_name: str | None = None,
    dry_run: bool = False,
    accept_partial: bool = False,
    as_of: dt.date | None = None,
    source: str = "",
    progress: ProgressFn | None = None,
) -> ImportBatch:
    """Import one registry file; the returned batch says what happened and where the error report is."""
    check_may_import(user, kind)
    progress = progress or _no_progress
    name = source_name or path.name
    region_code = str(user.region_id) if user is not None and user.region_id else ""
    batch = ImportBatch(
        kind=kind,
        file_name=name[:200],
        file_sha256=file_sha256(path),
        dry_run=dry_run,
        accept_partial=accept_partial,
        created_by=user,
        region_code=region_code or _county_code(),
    )
    progress(0, 3, f"正在读取并校验“{name}”", force=True)
    regions = import_region_scope(user)
    banks = set(AgentBank.objects.filter(active=True).values_list("code", flat=True))
    try:
        table = read_table(
            path,
            kind,
            source_name=name,
            regions=regions,
            known_banks=banks,
            today=timezone.localdate(),
        )
    except UnreadableFile as exc:
        batch.status = ImportStatus.UNREADABLE
        batch.message = str(exc)
        return _record(batch)
    batch.encoding = table.encoding
    batch.total_rows = table.total_rows
    batch.unknown_columns = list(table.unknown_columns)
    progress(1, 3, f"已读取 {table.total_rows} 行，正在与登记库比对", force=True)
    try:
        with transaction.atomic():
            progress(2, 3, f"正在比对并写入登记库（{table.rows.height} 行有效）", force=True)
            outcome = _APPLY[kind](table, user=user, as_of=as_of, source=source)
            rejected = pl.concat([table.rejected, *outcome.extra_rejects], how="diagonal_relaxed")
            batch.rejected = rejected.height
            if rejected.height:
                batch.report_csv, batch.report_xlsx = save_error_report(rejected, kind)
            if dry_run or (rejected.height and not accept_partial):
                raise _RollBack(outcome)
            batch.status = _status(outcome, batch.rejected)
            batch.snapshot = outcome.snapshot
            # The batch and its audit event are written in the import's own transaction: a crash cannot
            # leave loaded rows that no event accounts for.
            return _finished(batch, outcome, progress)
    except _RollBack as rolled_back:
        batch.status = ImportStatus.CHECKED if dry_run else ImportStatus.REFUSED
        return _finished(batch, rolled_back.outcome, progress)


def _finished(batch: ImportBatch, outcome: Outcome, progress: ProgressFn) -> ImportBatch:
    """Count what the import did, say so, and record the batch with its audit event."""
    batch.inserted, batch.updated, batch.unchanged = outcome.inserted, outcome.updated, outcome.unchanged
    batch.message = _message(batch)
    progress(3, 3, batch.message, force=True)
    return _record(batch)


class _RollBack(Exception):
    """Undo a dry run, or a refused import, after its outcome was counted."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("rolled back")
        self.outcome = outcome


def _status(outcome: Outcome, rejected: int) -> str:
    if rejected:
        return ImportStatus.PARTIAL
    if outcome.inserted or outcome.updated:
        return ImportStatus.LOADED
    return ImportStatus.UNCHANGED


def _message(batch: ImportBatch) -> str:
    counts = f"新增 {batch.inserted} 条，更新 {batch.updated} 条，未变 {batch.unchanged} 条"
    if batch.status == ImportStatus.CHECKED:
        return f"试导入完成（未写入）：共 {batch.total_rows} 行，{counts}，错误 {batch.rejected} 行"
    if batch.status == ImportStatus.REFUSED:
        return (
            f"文件“{batch.file_name}”中有 {batch.rejected} 行错误，整个文件未导入。"
            "请下载错误报告修改后重新导入，或选择“允许部分导入”只导入正确的行。"
        )
    if batch.status == ImportStatus.PARTIAL:
        return f"已导入正确的行：{counts}；{batch.rejected} 行错误未导入，见错误报告"
    if batch.status == ImportStatus.UNCHANGED:
        return f"数据与登记库一致，未作任何修改（共 {batch.total_rows} 行）"
    return f"导入完成：{counts}"


def _record(batch: ImportBatch) -> ImportBatch:
    """Save the batch and its audit event together (inside the import's transaction when it loaded rows)."""
    with transaction.atomic():
        batch.save()
        audit_record(
            action=f"registry.import.{batch.kind}",
            obj=batch,
            region_code=batch.region_code,
            after={
                "file": batch.file_name,
                "sha256": batch.file_sha256,
                "status": batch.status,
                "total": batch.total_rows,
                "inserted": batch.inserted,
                "updated": batch.updated,
                "unchanged": batch.unchanged,
                "rejected": batch.rejected,
                "dry_run": batch.dry_run,
            },
            actor=batch.created_by,
        )
    return batch


def _county_code() -> str:
    served = county()
    return served.code if served is not None else ""


def import_region_scope(user: Any) -> RegionScope:
    """Every region of the platform and the villages whose data the user may change (all, for the system).

    Two whole-table reads, whatever the size of the file: the rows' codes are then checked against both
    as columns (bulk.regions), so a code of another village says that it is outside the user's area.
    """
    regions = Region.objects.values_list("code", "name", "level")
    villages = Region.objects.filter(level=RegionLevel.VILLAGE)
    if user is not None:
        villages = villages.restrict(user, "change")
    return RegionScope.of(
        ((code, name, level == RegionLevel.VILLAGE) for code, name, level in regions),
        villages.values_list("code", flat=True),
    )


def _bidx(frame: pl.DataFrame, column: str, context: str) -> pl.Series:
    """Blind indexes of a column; empty values stay empty."""
    values = [v or None for v in frame[column].to_list()]
    return pl.Series(key_ring().blind_index_many(values, context=context), dtype=pl.String).fill_null("")


def _encrypt(frame: pl.DataFrame, column: str, context: str) -> pl.Series:
    """Ciphertexts of a column; empty values stay empty."""
    values = [v or None for v in frame[column].to_list()]
    return pl.Series(key_ring().encrypt_many(values, context=context), dtype=pl.String).fill_null("")


def _existing(sql_select: str, staged: str, key: str, schema: dict[str, Any]) -> pl.DataFrame:
    """Rows of the registry whose key is among the staged keys (an empty frame of the schema if none)."""
    found = read_frame(f"{sql_select} JOIN {staged} k ON k.{key} = t.{key}", schema=schema)
    if found.height == 0:
        return pl.DataFrame(schema=schema)
    return found.cast(schema)  # type: ignore[arg-type]


# ---- persons -------------------------------------------------------------------------------------------

PERSON_COMPARED = ["name", "gender", "birth_date", "village_id", "household_no", "relation", "phone_bidx"]
PERSON_EXISTING = {"person_id": pl.Int64, "id_bidx": pl.String, **dict.fromkeys(PERSON_COMPARED, pl.String)}


def _apply_persons(table: ParsedTable, **_: Any) -> Outcome:
    rows = table.rows
    if rows.height == 0:
        return Outcome()
    rows = rows.rename({"household_id": "household_no", "village_code": "village_id"}).with_columns(
        pl.col("phone").fill_null(""), pl.col("relation").fill_null(""), pl.col("household_no").fill_null("")
    )
    rows = rows.with_columns(
        _bidx(rows, "id_number", ID_INDEX).alias("id_bidx"),
        _bidx(rows, "phone", "person.phone").alias("phone_bidx"),
    )
    rows = rows.join(_ensure_households(rows), on="household_no", how="left")
    with staging_table("person_keys", {"id_bidx": "varchar(64)"}) as keys:
        insert_frame(keys, rows.select("id_bidx").unique())
        existing = _existing(
            "SELECT t.id AS person_id, t.id_bidx, t.name, t.gender, "
            "CAST(t.birth_date AS varchar(10)) AS birth_date, "
            "t.village_id, COALESCE(h.household_no, '') AS household_no, t.relation, t.phone_bidx "
            "FROM registry_person t LEFT JOIN registry_household h ON h.id = t.household_id",
            keys,
            "id_bidx",
            PERSON_EXISTING,
        )
    joined = rows.join(existing, on="id_bidx", how="left", suffix="_db")
    new = joined.filter(pl.col("person_id").is_null())
    known = joined.filter(pl.col("person_id").is_not_null())
    same = pl.all_horizontal(
        [pl.col(c).fill_null("") == pl.col(f"{c}_db").fill_null("") for c in PERSON_COMPARED]
    )
    changed = known.filter(~same)
    now, _ = _now_db()
    if new.height:
        # In key order, the unique index on the blind index grows at its end instead of at random pages.
        new = new.sort("id_bidx")
        insert_frame(
            "registry_person",
            new.with_columns(
                _encrypt(new, "id_number", "person.id_number").alias("id_number"),
                _encrypt(new, "phone", "person.phone").alias("phone"),
                pl.lit(now).alias("created_at"),
                pl.lit(now).alias("updated_at"),
            ),
            [
                "id_number", "id_bidx", "name", "gender", "birth_date", "phone", "phone_bidx",
                "village_id", "household_id", "relation", "created_at", "updated_at",
            ],
        )  # fmt: skip
    if changed.height:
        columns = {
            "person_id": "bigint", "name": "varchar(32)", "gender": "varchar(1)", "birth_date": "date",
            "phone": "text", "phone_bidx": "varchar(64)", "village_id": "varchar(12)",
            "household_id": "bigint",
            "relation": "varchar(16)", "updated_at": "timestamp with time zone",
        }  # fmt: skip
        with staging_table("person_changes", columns) as staged:
            insert_frame(
                staged,
                changed.with_columns(
                    _encrypt(changed, "phone", "person.phone").alias("phone"), pl.lit(now).alias("updated_at")
                ),
                list(columns),
            )
            execute(
                "UPDATE registry_person SET name = s.name, gender = s.gender, birth_date = s.birth_date, "
                "phone = s.phone, phone_bidx = s.phone_bidx, village_id = s.village_id, "
                "household_id = s.household_id, relation = s.relation, updated_at = s.updated_at "
                f"FROM {staged} s WHERE registry_person.id = s.person_id"
            )
    return Outcome(inserted=new.height, updated=changed.height, unchanged=known.height - changed.height)


def _ensure_households(rows: pl.DataFrame) -> pl.DataFrame:
    """Create the households the file names that the registry lacks; return household_no → household_id."""
    households = (
        rows.filter(pl.col("household_no") != "").group_by("household_no").agg(pl.col("village_id").first())
    )
    empty = pl.DataFrame(schema={"household_no": pl.String, "household_id": pl.Int64})
    if households.height == 0:
        return empty
    with staging_table("households", {"household_no": "varchar(40)", "village_id": "varchar(12)"}) as staged:
        insert_frame(staged, households, ["household_no", "village_id"])
        execute(
            "INSERT INTO registry_household (household_no, village_id) "
            f"SELECT s.household_no, s.village_id FROM {staged} s "
            "WHERE NOT EXISTS (SELECT 1 FROM registry_household h WHERE h.household_no = s.household_no)"
        )
        found = read_frame(
            f"SELECT h.household_no, h.id AS household_id FROM registry_household h JOIN {staged} s "
            "ON s.household_no = h.household_no",
            schema={"household_id": pl.Int64},
        )
    return found.cast({"household_id": pl.Int64}) if found.height else empty


# ---- social security cards -----------------------------------------------------------------------------

CARD_EXISTING = {
    "card_id": pl.Int64,
    "card_person_id": pl.Int64,
    "card_bank_id": pl.Int64,
    "account_bidx": pl.String,
    "card_status": pl.String,
}


def _apply_cards(table: ParsedTable, **_: Any) -> Outcome:
    rows = table.rows
    if rows.height == 0:
        return Outcome()
    rejects: list[pl.DataFrame] = []
    rows = rows.with_columns(
        _bidx(rows, "id_number", ID_INDEX).alias("id_bidx"),
        _bidx(rows, "account_no", "card.account_no").alias("account_bidx"),
    )
    with staging_table("card_persons", {"id_bidx": "varchar(64)"}) as keys:
        insert_frame(keys, rows.select("id_bidx").unique())
        persons = _existing(
            "SELECT t.id AS person_id, t.id_bidx, t.name AS person_name FROM registry_person t",
            keys,
            "id_bidx",
            {"person_id": pl.Int64, "id_bidx": pl.String, "person_name": pl.String},
        )
    rows = rows.join(persons, on="id_bidx", how="left")
    unknown = rows.filter(pl.col("person_id").is_null())
    rejects.append(_reject(unknown, "身份证号：人员登记库中没有此人，请先登记人员"))
    rows = rows.filter(pl.col("person_id").is_not_null())
    # The card rules of registry/domain/cards.py, first the holder (the account's owner is known below).
    rows = rows.with_columns(pl.lit(None, pl.Int64).alias("owner_id"))
    rows = rows.with_columns(card_refusal().alias("_refusal")).drop("owner_id")
    rejects.append(_reject(rows.filter(pl.col("_refusal").is_not_null()), pl.col("_refusal")))
    rows = rows.filter(pl.col("_refusal").is_null()).drop("_refusal")
    # One open card per person: a second open card of the same person in one file cannot both be right.
    open_rows = rows.filter(pl.col("status") != "closed").with_row_index("_order")
    first_open = open_rows.group_by("person_id").agg(
        pl.col("_order").min(), pl.col("row_no").min().alias("_first")
    )
    second = open_rows.join(first_open, on="person_id").filter(pl.col("_order") != pl.col("_order_right"))
    rejects.append(
        _reject(
            second.drop("_order", "_order_right"),
            pl.format("同一人在文件中有多张未注销的卡（第 {} 行已有一张）", pl.col("_first")),
        )
    )
    rows = rows.join(second.select("row_no"), on="row_no", how="anti")
    banks = pl.DataFrame(
        list(AgentBank.objects.values_list("code", "id")),
        schema={"bank_code": pl.String, "bank_id": pl.Int64},
        orient="row",
    )
    rows = rows.join(banks, on="bank_code", how="left")

    open_cards_sql = (
        "SELECT t.id AS card_id, t.person_id AS card_person_id, t.bank_id AS card_bank_id, t.account_bidx, "
        "t.status AS card_status FROM registry_socialsecuritycard t"
    )
    with staging_table("card_accounts", {"account_bidx": "varchar(64)"}) as keys:
        insert_frame(keys, rows.select("account_bidx").unique())
        by_account = _existing(open_cards_sql, keys, "account_bidx", CARD_EXISTING)
    closed_before = (
        by_account.filter(pl.col("card_status") == "closed")
        .select("account_bidx", pl.col("card_person_id").alias("person_id"), pl.lit("closed").alias("status"))
        .unique()
    )
    rows = rows.join(by_account.filter(pl.col("card_status") != "closed"), on="account_bidx", how="left")
    rows = rows.with_columns(pl.col("card_person_id").alias("owner_id"))
    rows = rows.with_columns(card_refusal().alias("_refusal")).drop("owner_id")
    rejects.append(_reject(rows.filter(pl.col("_refusal").is_not_null()), pl.col("_refusal")))
    rows = rows.filter(pl.col("_refusal").is_null()).drop("_refusal")
    same_card = rows.filter(pl.col("card_id").is_not_null())
    unchanged = same_card.filter(
        (pl.col("card_bank_id") == pl.col("bank_id")) & (pl.col("card_status") == pl.col("status"))
    )
    updates = same_card.join(unchanged.select("row_no"), on="row_no", how="anti")
    new_cards = rows.filter(pl.col("card_id").is_null())
    # A closed card that is already on file as closed (the same account of the same person) is history.
    history_known = new_cards.join(closed_before, on=["account_bidx", "person_id", "status"], how="semi")
    new_cards = new_cards.join(history_known.select("row_no"), on="row_no", how="anti")

    now, now_param = _now_db()
    changes: list[pl.DataFrame] = []
    # A new open card replaces the person's current open card (换卡): the old one is closed first.
    new_open = new_cards.filter(pl.col("status") != "closed")
    if new_open.height:
        with staging_table("card_holders", {"person_id": "bigint"}) as keys:
            insert_frame(keys, new_open.select("person_id").unique())
            replaced = read_frame(
                f"SELECT t.id AS card_id, t.status AS from_status FROM registry_socialsecuritycard t "
                f"JOIN {keys} k ON k.person_id = t.person_id WHERE t.status <> 'closed'",
                schema={"card_id": pl.Int64},
            )
            execute(
                f"UPDATE registry_socialsecuritycard SET status = 'closed', closed_at = %s "
                f"WHERE status <> 'closed' AND person_id IN (SELECT person_id FROM {keys})",
                [now_param],
            )
        if replaced.height:
            changes.append(
                replaced.select(
                    pl.col("card_id").cast(pl.Int64),
                    pl.col("from_status"),
                    pl.lit("closed").alias("to_status"),
                    pl.lit(f"换卡：已登记新卡（导入“{table.source_name}”）").alias("reason"),
                )
            )
    if updates.height:
        columns = {"card_id": "bigint", "bank_id": "bigint", "status": "varchar(16)"}
        with staging_table("card_updates", columns) as staged:
            insert_frame(staged, updates, list(columns))
            execute(
                "UPDATE registry_socialsecuritycard SET bank_id = s.bank_id, status = s.status, "
                "closed_at = CASE WHEN s.status = 'closed' THEN %s ELSE NULL END "
                f"FROM {staged} s WHERE registry_socialsecuritycard.id = s.card_id",
                [now_param],
            )
        changes.append(
            updates.select(
                pl.col("card_id"),
                pl.col("card_status").alias("from_status"),
                pl.col("status").alias("to_status"),
                pl.lit(f"导入“{table.source_name}”").alias("reason"),
            )
        )
    if new_cards.height:
        new_cards = new_cards.sort("account_bidx")
        insert_frame(
            "registry_socialsecuritycard",
            new_cards.with_columns(
                _encrypt(new_cards, "account_no", "card.account_no").alias("account_no"),
                pl.lit("").alias("card_no"),
                pl.lit(now).alias("opened_at"),
                pl.when(pl.col("status") == "closed").then(pl.lit(now)).otherwise(None).alias("closed_at"),
            ),
            [
                "person_id",
                "bank_id",
                "card_no",
                "account_no",
                "account_bidx",
                "status",
                "opened_at",
                "closed_at",
            ],
        )
    if changes:
        history = pl.concat(changes, how="vertical_relaxed").with_columns(pl.lit(now).alias("changed_at"))
        insert_frame(
            "registry_cardchange", history, ["card_id", "from_status", "to_status", "reason", "changed_at"]
        )
    return Outcome(
        inserted=new_cards.height,
        updated=updates.height,
        unchanged=unchanged.height + history_known.height,
        extra_rejects=[r for r in rejects if r.height],
    )


# ---- outside registries: dated snapshots ----------------------------------------------------------------

SNAPSHOT_TABLES: dict[str, tuple[str, str, str, list[str]]] = {
    # kind: (table, ID column in the file, encryption context, columns written besides the ID pair)
    RegistryKind.DEATHS: ("registry_deathrecord", "id_number", "death.id_number", ["name", "death_date"]),
    RegistryKind.CADRES: (
        "registry_cadrerecord",
        "id_number",
        "cadre.id_number",
        ["name", "village_code", "position"],
    ),
    RegistryKind.LAND: (
        "registry_landcontract",
        "contractor_id_number",
        "land.contractor_id_number",
        ["household_no", "village_code", "contract_area_mu"],
    ),
}

SOURCES: dict[str, str] = {
    RegistryKind.DEATHS: "民政/卫健/公安死亡登记",
    RegistryKind.CADRES: "组织部门村干部及财政供养人员名单",
    RegistryKind.LAND: "农业农村部门承包地确权登记",
}


def _apply_snapshot(
    table: ParsedTable, *, user: Any, as_of: dt.date | None, source: str, kind: str
) -> Outcome:
    target, id_column, context, columns = SNAPSHOT_TABLES[kind]
    rows = table.rows
    if kind == RegistryKind.LAND:
        rows = rows.rename({"household_id": "household_no"})
    if kind == RegistryKind.CADRES:
        rows = rows.with_columns(pl.col("position").fill_null(""))
    content = rows.select([id_column, *columns]).sort(id_column)
    digest = hashlib.sha256(content.write_csv().encode()).hexdigest()
    previous = RegistrySnapshot.objects.filter(kind=kind, sha256=digest).first()
    if previous is not None:
        return Outcome(unchanged=rows.height, snapshot=previous)
    snapshot = RegistrySnapshot.objects.create(
        kind=kind,
        source=source or (user.department.name if user is not None and user.department else SOURCES[kind]),
        as_of=as_of or timezone.localdate(),
        file_name=table.source_name[:200],
        sha256=digest,
        rows=rows.height,
        uploaded_by=user,
    )
    bidx_column = "contractor_id_bidx" if kind == RegistryKind.LAND else "id_bidx"
    insert_frame(
        target,
        rows.with_columns(
            _bidx(rows, id_column, ID_INDEX).alias(bidx_column),
            _encrypt(rows, id_column, context).alias(id_column),
            pl.lit(snapshot.pk).alias("snapshot_id"),
        ),
        ["snapshot_id", id_column, bidx_column, *columns],
    )
    return Outcome(inserted=rows.height, snapshot=snapshot)


def _snapshot_applier(kind: str) -> Callable[..., Outcome]:
    def apply(table: ParsedTable, *, user: Any, as_of: dt.date | None, source: str) -> Outcome:
        return _apply_snapshot(table, user=user, as_of=as_of, source=source, kind=kind)

    return apply


_APPLY: dict[str, Callable[..., Outcome]] = {
    RegistryKind.PERSONS: _apply_persons,
    RegistryKind.CARDS: _apply_cards,
    RegistryKind.DEATHS: _snapshot_applier(RegistryKind.DEATHS),
    RegistryKind.CADRES: _snapshot_applier(RegistryKind.CADRES),
    RegistryKind.LAND: _snapshot_applier(RegistryKind.LAND),
}

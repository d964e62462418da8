"""Roster uploads: a village's declaration file becomes roster lines in one set-based write.

The file is read and checked by the bulk reader; every line must name this roster's policy, period and
village and a registered person of the village who is not on the roster yet. The 银行账号 may be empty (the
person's card on file, 一人一卡); one that is given is kept, and the checks say whether it is the card's.
Each line's standard amount comes from the one amount function; a typed amount that differs is kept and
flagged. A file with bad lines is refused unless the user accepts a partial upload; the bad lines always
come back as an error report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yikatong.accounts.permissions import authorize
from yikatong.audit.services import audit_record
from yikatong.bulk.reader import read_table
from yikatong.bulk.report import REASON
from yikatong.bulk.schemas import SCHEMAS
from yikatong.core.crypto import key_ring
from yikatong.core.masking import mask_id_number, mask_name
from yikatong.core.periods import Period
from yikatong.core.tables import insert_frame, read_frame, staging_table
from yikatong.core.uploads import save_error_report
from yikatong.policies.domain.amount import Beneficiary, Standard, standard_amount
from yikatong.policies.selectors import standard_of
from yikatong.registry.selectors import deaths_of
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import CARD_ACCOUNT_INDEX, LineState, Roster

KIND = "roster"
# Rosters join the registry on the same blind index as every registry table.
ID_INDEX = "person.id_number"

LINE_COLUMNS = [
    "roster_id", "line_no", "person_id", "policy_id", "period", "quantity", "amount_fen", "standard_fen",
    "amount_differs", "account_no", "account_bidx", "ineligible_reason", "state", "reason",
]  # fmt: skip
ACCOUNT_CONTEXT = "line.account_no"

PERSON_SCHEMA = {
    "person_id": pl.Int64,
    "id_bidx": pl.String,
    "birth_date": pl.String,
    "person_village": pl.String,
    "relation": pl.String,
}


@dataclass(frozen=True)
class RosterUpload:
    """What uploading a roster file did: counts, the error report (if any) and a Chinese summary."""

    total: int
    added: int
    rejected: int
    report_csv: str
    report_xlsx: str
    message: str
    loaded: bool
    differs: int = 0
    ineligible: int = 0
    good: int = 0
    preview: dict[str, Any] = field(default_factory=dict)


def check_may_upload(user: Any, roster: Roster) -> None:
    """Only the roster's village clerk (or the system itself on the command line) uploads its lines."""
    if user is None:
        return
    authorize(user, "roster.edit", roster)


def _no_progress(done: int, total: int, message: str, *, force: bool = False) -> None:
    return None


def roster_upload(
    *,
    user: Any,
    roster: Roster,
    path: Path,
    source_name: str | None = None,
    accept_partial: bool = False,
    dry_run: bool = False,
    progress: Callable[..., None] | None = None,
) -> RosterUpload:
    """Add the lines of an uploaded roster file (FORMATS.md "Rosters") to an editable roster.

    ``dry_run`` checks the file and says what would happen (the preview the screen shows before the clerk
    confirms) without adding a line; the error report is written either way.
    """
    progress = progress or _no_progress
    check_may_upload(user, roster)
    if roster.state not in workflow.EDITABLE:
        raise _not_editable()
    name = source_name or path.name
    progress(0, 3, f"正在读取并校验“{name}”", force=True)
    table = read_table(path, KIND, source_name=name, today=timezone.localdate())
    progress(1, 3, f"已读取 {table.total_rows} 行，正在与登记库和本名册比对", force=True)
    with transaction.atomic():
        locked = (
            Roster.objects.select_for_update()
            .select_related("policy", "policy_version__policy")
            .get(pk=roster.pk)
        )
        if locked.state not in workflow.EDITABLE:
            raise _not_editable()
        good, bad, shown = _lines(table.rows, locked)
        rejected = pl.concat([table.rejected, *bad], how="diagonal_relaxed")
        report_csv = report_xlsx = ""
        if rejected.height:
            report_csv, report_xlsx = save_error_report(rejected, "roster")
        progress(2, 3, f"{good.height} 行正确，{rejected.height} 行错误", force=True)
        loaded = (not rejected.height or accept_partial) and not dry_run and good.height > 0
        if loaded:
            insert_frame("rosters_rosterline", good, LINE_COLUMNS)
        added = good.height if loaded else 0
        differs = int(good["amount_differs"].sum())
        ineligible = int((good["ineligible_reason"] != "").sum())
        if dry_run:
            message = _preview_message(name, table.total_rows, good.height, rejected.height)
        else:
            message = _message(name, table.total_rows, added, rejected.height, loaded, differs, ineligible)
        outcome = RosterUpload(
            total=table.total_rows,
            added=added,
            rejected=rejected.height,
            report_csv=report_csv,
            report_xlsx=report_xlsx,
            message=message,
            loaded=loaded,
            differs=differs,
            ineligible=ineligible,
            good=good.height,
            preview={"good": shown, "rejected": _rejected_preview(rejected)},
        )
        audit_record(
            action="roster.upload_check" if dry_run else "roster.upload",
            obj=locked,
            region_code=locked.village_id,
            after={
                "file": name,
                "total": outcome.total,
                "added": outcome.added,
                "rejected": outcome.rejected,
                "differs": differs,
                "ineligible": ineligible,
                "accept_partial": accept_partial,
                "loaded": loaded,
            },
            actor=user,
        )
    progress(3, 3, message, force=True)
    return outcome


def _not_editable() -> ValidationError:
    return ValidationError("名册已提交，不能再修改；如需更正请等待退回")


def _lines(
    rows: pl.DataFrame, roster: Roster
) -> tuple[pl.DataFrame, list[pl.DataFrame], list[dict[str, Any]]]:
    """The valid lines in the shape of rosters_rosterline, the lines turned away with their reasons, and the
    first valid lines as the preview shows them (masked)."""
    rejects: list[pl.DataFrame] = []
    policy_code, period, village = roster.policy.code, roster.period, str(roster.village_id)
    standard = standard_of(roster.policy_version)
    wrong = pl.concat_str(
        [
            pl.when(pl.col("policy_code") != policy_code).then(
                pl.format(
                    "项目代码：本名册的项目为 {}，本行为 {}", pl.lit(policy_code), pl.col("policy_code")
                )
            ),
            pl.when(pl.col("period") != period).then(
                pl.format("发放期间：本名册的期间为 {}，本行为 {}", pl.lit(period), pl.col("period"))
            ),
            pl.when(pl.col("village_code") != village).then(
                pl.format(
                    "村代码：本名册属于村（社区）{}，本行为 {}", pl.lit(village), pl.col("village_code")
                )
            ),
            pl.when(pl.col("quantity").is_null() & pl.lit(standard.unit == "mu")).then(
                pl.lit("数量：按亩发放的项目须填写面积")
            ),
        ],
        separator="；",
        ignore_nulls=True,
    )
    rows = rows.with_columns(wrong.alias("_wrong"))
    rejects.append(_reject(rows.filter(pl.col("_wrong") != ""), pl.col("_wrong")))
    rows = rows.filter(pl.col("_wrong") == "").drop("_wrong")

    rows = rows.with_columns(_bidx(rows["id_number"]).alias("id_bidx"))
    persons = _persons(rows.select("id_bidx").unique())
    rows = rows.join(persons, on="id_bidx", how="left")
    unknown = rows.filter(pl.col("person_id").is_null())
    rejects.append(_reject(unknown, "身份证号：人员登记库中没有此人，请先登记人员"))
    elsewhere = rows.filter(pl.col("person_id").is_not_null() & (pl.col("person_village") != village))
    rejects.append(
        _reject(
            elsewhere, pl.format("此人登记在其他村（社区）（村代码 {}），不能列入本村名册", "person_village")
        )
    )
    rows = rows.filter(pl.col("person_village") == village)

    ordered = rows.with_row_index("_order")
    first = ordered.group_by("person_id").agg(pl.col("_order").min().alias("_first"), pl.col("row_no").min())
    repeated = ordered.join(first, on="person_id", suffix="_first").filter(
        pl.col("_order") != pl.col("_first")
    )
    rejects.append(
        _reject(repeated, pl.format("同一人在文件中重复（第 {} 行已有此人）", pl.col("row_no_first")))
    )
    rows = rows.join(repeated.select("row_no"), on="row_no", how="anti")

    existing = _existing_lines(roster)
    on_roster = rows.join(existing.select("person_id").unique(), on="person_id", how="semi")
    rejects.append(_reject(on_roster, "此人已在本名册中"))
    rows = rows.join(on_roster.select("row_no"), on="row_no", how="anti")
    rows = rows.with_columns(pl.col("line_no").cast(pl.Int64))
    taken = rows.join(existing.select("line_no").unique(), on="line_no", how="semi")
    rejects.append(_reject(taken, pl.format("序号：本名册已有第 {} 行", pl.col("line_no"))))
    rows = rows.join(taken.select("row_no"), on="row_no", how="anti")

    lines = with_amounts(rows.with_columns(pl.col("quantity").fill_null("1")), standard, Period.parse(period))
    # An empty 银行账号 is the person's card on file: stored empty, judged by the checks (NO_CARD).
    named = lines.get_column("account_no").to_list()
    declared = key_ring().encrypt_many(named, context=ACCOUNT_CONTEXT)
    indexed = key_ring().blind_index_many(named, context=CARD_ACCOUNT_INDEX)
    lines = lines.with_columns(
        pl.Series("account_no", declared, dtype=pl.String).fill_null(""),
        pl.Series("account_bidx", indexed, dtype=pl.String).fill_null(""),
        pl.lit(roster.pk).alias("roster_id"),
        pl.lit(roster.policy_id).alias("policy_id"),
        pl.lit(period).alias("period"),
        pl.lit(LineState.PENDING).alias("state"),
        pl.lit("").alias("reason"),
    ).sort("line_no")
    return lines.select(LINE_COLUMNS), [r for r in rejects if r.height], _good_preview(lines)


PREVIEW_ROWS = 20


def _yuan(fen: int | None) -> str:
    return "—" if fen is None else f"{fen // 100}.{fen % 100:02d}"


def _good_preview(lines: pl.DataFrame) -> list[dict[str, Any]]:
    """The first valid lines as the clerk checks them before confirming: names and ID numbers masked."""
    shown = []
    head = lines.head(PREVIEW_ROWS)
    deaths = deaths_of(head.get_column("id_bidx").to_list()) if head.height else {}
    for row in head.iter_rows(named=True):
        notes = [deaths[row["id_bidx"]]] if row["id_bidx"] in deaths else []
        if row["amount_differs"]:
            notes.append("申报金额与标准不符")
        if row["ineligible_reason"]:
            notes.append(row["ineligible_reason"])
        shown.append(
            {
                "line_no": row["line_no"],
                "name": mask_name(row["name"] or ""),
                "id_number": mask_id_number(row["id_number"] or ""),
                "quantity": str(Decimal(row["quantity"]).normalize()),
                "amount": _yuan(row["amount_fen"]),
                "standard": _yuan(row["standard_fen"]),
                "card": "本人社保卡" if not row["account_no"] else "文件所列账号",
                "notes": "；".join(notes),
            }
        )
    return shown


def _cell(row: dict[str, Any], name: str) -> str:
    """A refused row's cell by the roster column's Chinese header or one of its other names."""
    column = next(c for c in SCHEMAS[KIND] if c.name == name)
    for header in (column.chinese, *column.aliases, column.name):
        value = row.get(header)
        if value not in (None, ""):
            return str(value)
    return ""


def _rejected_preview(rejected: pl.DataFrame) -> list[dict[str, Any]]:
    """The first refused rows with their reasons: the file's row, its 序号, who (masked) and why."""
    shown = []
    for row in rejected.sort("row_no").head(50).iter_rows(named=True):
        shown.append(
            {
                "row_no": row["row_no"],
                "line_no": _cell(row, "line_no"),
                "name": mask_name(_cell(row, "name")),
                "id_number": mask_id_number(_cell(row, "id_number")),
                "reason": row.get(REASON) or "",
            }
        )
    return shown


def with_amounts(rows: pl.DataFrame, standard: Standard, period: Period) -> pl.DataFrame:
    """Typed amounts in fen; each line's standard amount from the amount function, once per distinct case."""
    rows = rows.with_columns(
        # The reader hands amounts over as canonical 元 with two decimals ("123.45").
        pl.col("amount").str.replace(".", "", literal=True).cast(pl.Int64).alias("amount_fen"),
        (pl.col("relation") == "head").fill_null(False).alias("_head"),
    )
    keys = ["birth_date", "person_village", "_head", "quantity"]
    cases = rows.select(keys).unique()
    fen: list[int | None] = []
    reasons: list[str] = []
    for birth, village, head, quantity in cases.iter_rows():
        person = Beneficiary(
            birth_date=dt.date.fromisoformat(birth), village_code=village, is_household_head=head
        )
        result = standard_amount(standard, person, Decimal(quantity), period)
        fen.append(result.fen)
        reasons.append(result.reason)
    cases = cases.with_columns(
        pl.Series("standard_fen", fen, dtype=pl.Int64),
        pl.Series("ineligible_reason", reasons, dtype=pl.String),
    )
    rows = rows.join(cases, on=keys, how="left")
    return rows.with_columns(
        (pl.col("standard_fen").is_not_null() & (pl.col("amount_fen") != pl.col("standard_fen"))).alias(
            "amount_differs"
        )
    )


def _bidx(values: pl.Series) -> pl.Series:
    return pl.Series(key_ring().blind_index_many(values.to_list(), context=ID_INDEX), dtype=pl.String)


def _persons(keys: pl.DataFrame) -> pl.DataFrame:
    """The registered persons among the file's blind indexes, with what the amount function looks at."""
    with staging_table("roster_persons", {"id_bidx": "varchar(64)"}) as staged:
        insert_frame(staged, keys)
        found = read_frame(
            "SELECT p.id AS person_id, p.id_bidx, CAST(p.birth_date AS varchar(10)) AS birth_date, "
            "p.village_id AS person_village, p.relation "
            f"FROM registry_person p JOIN {staged} k ON k.id_bidx = p.id_bidx",
            schema=PERSON_SCHEMA,
        )
    return found.cast(PERSON_SCHEMA) if found.height else pl.DataFrame(schema=PERSON_SCHEMA)  # type: ignore[arg-type]


def _existing_lines(roster: Roster) -> pl.DataFrame:
    schema = {"person_id": pl.Int64, "line_no": pl.Int64}
    found = read_frame(
        "SELECT person_id, line_no FROM rosters_rosterline WHERE roster_id = %s", [roster.pk], schema=schema
    )
    return found.cast(schema) if found.height else pl.DataFrame(schema=schema)  # type: ignore[arg-type]


def _reject(frame: pl.DataFrame, reason: str | pl.Expr) -> pl.DataFrame:
    """Lines turned away after the file itself was valid, in the error report's shape."""
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    headers = [(c.name, c.chinese) for c in SCHEMAS[KIND] if c.name in frame.columns]
    return frame.select(
        pl.col("row_no"),
        *[pl.col(name).cast(pl.String).alias(chinese) for name, chinese in headers],
        reason_expr.alias(REASON),
    )


def _preview_message(name: str, total: int, good: int, rejected: int) -> str:
    if not total:
        return f"文件“{name}”没有数据行"
    if not rejected:
        return f"文件“{name}”共 {total} 行，全部正确，确认后加入名册"
    if not good:
        return f"文件“{name}”共 {total} 行，全部有错误，不能导入；请下载错误报告修改后重新上传"
    return (
        f"文件“{name}”共 {total} 行：{good} 行正确，{rejected} 行有错误。"
        "可下载错误报告修改后重新上传，或选择“允许部分导入”只导入正确的行"
    )


def _message(
    name: str, total: int, added: int, rejected: int, loaded: bool, differs: int, ineligible: int
) -> str:
    if not loaded:
        return (
            f"文件“{name}”中有 {rejected} 行错误，整个文件未导入。"
            "请下载错误报告修改后重新上传，或选择“允许部分导入”只导入正确的行。"
        )
    notes = []
    if differs:
        notes.append(f"{differs} 行申报金额与标准金额不符")
    if ineligible:
        notes.append(f"{ineligible} 行不符合补贴条件")
    tail = f"（其中 {'，'.join(notes)}，请核对）" if notes else ""
    if rejected:
        return f"已将 {added} 行加入名册{tail}；{rejected} 行错误未导入，见错误报告"
    return f"上传完成：共 {total} 行，已全部加入名册{tail}"


def roster_template_xlsx(roster: Roster) -> bytes:
    """The empty roster file for Excel users: FORMATS.md's headers, one example row filled with this roster's
    project, period and village, ID-number and account columns as text, and a sheet of instructions."""
    import io

    import xlsxwriter

    example = {
        "line_no": "1",
        "policy_code": roster.policy.code,
        "period": roster.period,
        "id_number": "232722194003150012",
        "name": "张三",
        "village_code": str(roster.village_id),
        "quantity": "1",
        "amount": "50.00",
        "account_no": "",
    }
    notes = {
        "line_no": "本名册内的序号，不可重复",
        "policy_code": f"本名册为 {roster.policy.code}（{roster.policy_version.name}）",
        "period": f"本名册为 {roster.period}",
        "id_number": "18位身份证号，须已在人员登记库中登记",
        "name": "与登记库一致",
        "village_code": f"本村（社区）代码 {roster.village_id}",
        "quantity": "亩数、月数或人数；不填为1",
        "amount": "单位：元，保留两位小数；与标准不符时照填，系统会提示",
        "account_no": "可不填：不填即发放到本人社保卡（一人一卡）",
    }
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    with xlsxwriter.Workbook(buffer, options) as book:
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        text = book.add_format({"num_format": "@"})
        sheet = book.add_worksheet("申报名册")
        explain = book.add_worksheet("填写说明")
        explain.write_row(0, 0, ["表头", "是否必填", "说明"], head)
        for index, column in enumerate(SCHEMAS[KIND]):
            sheet.write_string(0, index, column.chinese, head)
            sheet.set_column(index, index, 22 if column.name in {"id_number", "account_no"} else 12, text)
            sheet.write_string(1, index, example[column.name], text)
            required = "必填" if column.required else "选填"
            explain.write_row(index + 1, 0, [column.chinese, required, notes[column.name]])
        explain.write_string(
            len(SCHEMAS[KIND]) + 2, 0, "第2行为示例，请删除后填写；可另存为 .csv（UTF-8 或 GBK）上传"
        )
        explain.set_column(0, 0, 12)
        explain.set_column(2, 2, 60)
        sheet.freeze_panes(1, 0)
    return buffer.getvalue()

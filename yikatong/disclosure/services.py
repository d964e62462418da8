"""Disclosure writes: approving a due disclosure publishes it (revision 1) or its correction (a new revision
that supersedes the current one), and marking a disclosed payment for withdrawal after a confirmed finding.

Nothing published is edited or deleted: a correction publishes a whole new revision — the lines that stay
and those withdrawn before as they were, the lines withdrawn now with their change note, and the new
payments' lines, masked in Polars from the registry (the ID numbers decrypted as one column, never one row at
a time) — written in one bulk insert (COPY on PostgreSQL); the superseded revision stays readable.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from yikatong.accounts.permissions import authorize
from yikatong.audit.services import audit_record
from yikatong.core.crypto import key_ring
from yikatong.core.models import Region
from yikatong.core.restrict import AccessDenied
from yikatong.core.tables import insert_frame, read_frame
from yikatong.disclosure import selectors
from yikatong.disclosure.models import DisclosedLine, Disclosure, DisclosureState, Withdrawal
from yikatong.payments.models import Payment
from yikatong.policies.models import Policy

RETURNED_NOTE = "发放款项被银行退回"
REISSUED_NOTE = "原发放被退回，已重新发放到卡"
ADDED_NOTE = "补充公开（补报或补发的发放）"


def correction_note(what: str, day: dt.date) -> str:
    """A line's or a revision's visible change note: 更正：…，更正日期 YYYY-MM-DD."""
    return f"更正：{what}，更正日期 {day.isoformat()}"


def mask_names(names: pl.Expr) -> pl.Expr:
    """张三 → 张*, 张三丰 → 张*丰, 欧阳娜娜 → 欧**娜 (core.masking's rule, on a whole column)."""
    n = names.str.len_chars()
    inner = names.str.slice(1, n - 2).str.replace_all(r".", "*")
    return (
        pl.when(n <= 1)
        .then(names)
        .when(n == 2)
        .then(names.str.slice(0, 1) + pl.lit("*"))
        .otherwise(names.str.slice(0, 1) + inner + names.str.slice(-1, 1))
    )


def mask_ids(numbers: pl.Expr) -> pl.Expr:
    """2327**********1234 on a whole column (domain.clock.mask_id_public's rule)."""
    n = numbers.str.len_chars()
    inner = numbers.str.slice(4, n - 8).str.replace_all(r".", "*")
    return (
        pl.when(n < 10)
        .then(numbers.str.replace_all(r".", "*"))
        .otherwise(numbers.str.slice(0, 4) + inner + numbers.str.slice(-4, 4))
    )


def _check_village(user: Any, village: str) -> None:
    if user is not None and not village.startswith(user.region_prefix):
        raise AccessDenied("无权操作该数据（超出本人所属区划或部门范围）")


COPIED = (
    "disclosure_id, payment_id, policy_id, period, village_id, name_masked, id_masked, amount_fen, paid_on, "
    "disclosed_on, withdrawn, change_note"
)
LINE_SCHEMA = {
    "payment_id": pl.Int64,
    "plan_line_id": pl.Int64,
    "name_masked": pl.String,
    "id_masked": pl.String,
    "amount_fen": pl.Int64,
    "paid_on": pl.Date,
    "disclosed_on": pl.Date,
    "withdrawn": pl.Boolean,
    "change_note": pl.String,
}
TARGET = (
    "SELECT pay.id FROM payments_payment pay WHERE pay.status = 'paid' "
    "AND NOT EXISTS (SELECT 1 FROM disclosure_withdrawal w WHERE w.payment_id = pay.id)"
)


def _dates(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    return frame.with_columns(pl.col(c).cast(pl.String).str.slice(0, 10).str.to_date() for c in columns)


def _kept(previous: Disclosure, day: dt.date) -> pl.DataFrame:
    """The current revision's lines as the next revision shows them: those that stay and those withdrawn
    before as they were, those withdrawn now with their change note (one query)."""
    frame = read_frame(
        "SELECT dl.payment_id, pay.line_id AS plan_line_id, dl.name_masked, dl.id_masked, dl.amount_fen, "  # noqa: S608 - identifiers are the module's own; values are parameters
        "dl.paid_on, dl.disclosed_on, dl.withdrawn, dl.change_note, w.reason, "
        f"CASE WHEN dl.withdrawn OR dl.payment_id IN ({TARGET}) THEN 0 ELSE 1 END AS now_withdrawn "
        "FROM disclosure_disclosedline dl JOIN payments_payment pay ON pay.id = dl.payment_id "
        "LEFT JOIN disclosure_withdrawal w ON w.payment_id = dl.payment_id "
        "WHERE dl.disclosure_id = %s ORDER BY dl.id",
        [previous.pk],
        schema={
            "payment_id": pl.Int64,
            "plan_line_id": pl.Int64,
            "amount_fen": pl.Int64,
            "now_withdrawn": pl.Int64,
        },
    )
    if not frame.height:
        return pl.DataFrame(schema=LINE_SCHEMA)
    now = pl.col("now_withdrawn") == 1
    note = pl.concat_str(
        pl.lit("更正：撤回（"),
        pl.col("reason").cast(pl.String).fill_null(RETURNED_NOTE),
        pl.lit(f"），更正日期 {day.isoformat()}"),
    )
    return (
        _dates(frame, "paid_on", "disclosed_on")
        .with_columns(
            pl.col("withdrawn").cast(pl.String).is_in(["1", "t", "true", "True"]) | now,
            pl.when(now)
            .then(note)
            .otherwise(pl.col("change_note").cast(pl.String).fill_null(""))
            .alias("change_note"),
        )
        .select(list(LINE_SCHEMA))
    )


def _added(
    policy_id: int, period: str, village: str, previous: Disclosure | None, day: dt.date, reissued: set[int]
) -> pl.DataFrame:
    """The target payments the current revision does not show, masked, as lines of the next revision.

    The ID numbers are decrypted as one column and masked in Polars before anything else sees them."""
    shown = "SELECT payment_id FROM disclosure_disclosedline WHERE disclosure_id = %s AND NOT withdrawn"
    frame = read_frame(
        "SELECT pay.id AS payment_id, pay.line_id AS plan_line_id, pay.amount_fen, pay.settled_on, "  # noqa: S608 - identifiers are the module's own; values are parameters
        "pay.updated_at, p.name, p.id_number FROM payments_payment pay "
        "JOIN payments_planline pl ON pl.id = pay.line_id "
        "JOIN payments_disbursementplan dp ON dp.id = pl.plan_id "
        "JOIN registry_person p ON p.id = pl.person_id "
        "WHERE pay.status = 'paid' AND dp.policy_id = %s AND dp.period = %s AND pl.village_id = %s "
        "AND NOT EXISTS (SELECT 1 FROM disclosure_withdrawal w WHERE w.payment_id = pay.id) "
        f"AND pay.id NOT IN ({shown}) ORDER BY pay.id",
        [policy_id, period, village, previous.pk if previous else 0],
        schema={"payment_id": pl.Int64, "plan_line_id": pl.Int64, "amount_fen": pl.Int64},
    )
    if not frame.height:
        return pl.DataFrame(schema=LINE_SCHEMA)
    clear = key_ring().decrypt_many(frame["id_number"].to_list(), context="person.id_number")
    paid_on = [
        selectors.local_date(settled) or selectors.local_date(at) or day
        for settled, at in zip(frame["settled_on"].to_list(), frame["updated_at"].to_list(), strict=True)
    ]
    if previous is None:
        note = pl.lit("")
    else:
        note = (
            pl.when(pl.col("plan_line_id").is_in(sorted(reissued)))
            .then(pl.lit(correction_note(REISSUED_NOTE, day)))
            .otherwise(pl.lit(correction_note(ADDED_NOTE, day)))
        )
    masked = frame.drop("id_number").with_columns(
        mask_names(pl.col("name").cast(pl.String)).alias("name_masked"),
        mask_ids(pl.lit(pl.Series("clear", clear, dtype=pl.String)).fill_null("")).alias("id_masked"),
        pl.Series("paid_on", paid_on, dtype=pl.Date),
        pl.lit(day).alias("disclosed_on"),
        pl.lit(False).alias("withdrawn"),
        note.alias("change_note"),
    )
    del clear
    return masked.select(list(LINE_SCHEMA))


def revision_frame(
    policy_id: int, period: str, village: str, day: dt.date
) -> tuple[pl.DataFrame, Disclosure | None]:
    """Every line the next revision of a group would publish (masked), and the revision it supersedes."""
    previous = selectors.current_revision(policy_id, period, village)
    kept = _kept(previous, day) if previous is not None else pl.DataFrame(schema=LINE_SCHEMA)
    reissued = set(kept.filter(pl.col("withdrawn"))["plan_line_id"].to_list()) if kept.height else set()
    added = _added(policy_id, period, village, previous, day, reissued)
    return pl.concat([kept, added], how="vertical_relaxed"), previous


def disclosure_preview(
    *, user: Any, policy_id: int, period: str, village_code: str, today: dt.date | None = None
) -> selectors.Preview | None:
    """Exactly what approving a due disclosure would publish (masked lines, totals, change note)."""
    authorize(user, "disclosure.view")
    _check_village(user, village_code)
    day = today or timezone.localdate()
    prefix = user.region_prefix if user is not None else village_code
    due = selectors.due_one(prefix, policy_id, period, village_code, today=day)
    if due is None:
        return None
    frame, previous = revision_frame(policy_id, period, village_code, day)
    shown = frame.filter(~pl.col("withdrawn"))
    lines = [
        selectors.PreviewLine(
            payment_id=int(row["payment_id"]),
            name_masked=row["name_masked"],
            id_masked=row["id_masked"],
            amount_fen=int(row["amount_fen"]),
            paid_on=row["paid_on"],
            withdrawn=bool(row["withdrawn"]),
            change_note=row["change_note"] or "",
        )
        for row in frame.iter_rows(named=True)
    ]
    return selectors.Preview(
        due=due,
        lines=lines,
        line_count=shown.height,
        total_fen=int(shown["amount_fen"].sum() or 0),
        change_note=_revision_note(due, frame, previous, day),
    )


def _revision_note(due: selectors.Due, frame: pl.DataFrame, previous: Disclosure | None, day: dt.date) -> str:
    if previous is None:
        return ""
    parts = []
    if due.added:
        parts.append(f"新增或重新发放{due.added}笔")
    if due.withdrawn:
        parts.append(f"撤回{due.withdrawn}笔")
    return correction_note("、".join(parts) or "更新", day)


def disclosure_approve(
    *, user: Any, policy_id: int, period: str, village_code: str, today: dt.date | None = None
) -> Disclosure:
    """A disclosure officer approves what is due for a policy, period and village: it is published at once,
    as revision 1 or as a correction superseding the current revision (with the visible change note)."""
    authorize(user, "disclosure.approve")
    _check_village(user, village_code)
    day = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        policy = Policy.objects.select_for_update().filter(pk=policy_id).first()
        village = Region.objects.filter(code=village_code).first()
        if policy is None or village is None:
            raise ValidationError("没有这个补贴项目或村（社区）")
        prefix = user.region_prefix if user is not None else village_code
        due = selectors.due_one(prefix, policy.pk, period, village.code, today=day)
        if due is None:
            raise ValidationError("该补贴项目本期在本村没有待公开或待更正的内容")
        frame, previous = revision_frame(policy.pk, period, village.code, day)
        if previous is not None:
            Disclosure.objects.filter(pk=previous.pk).update(state=DisclosureState.SUPERSEDED)
        shown = frame.filter(~pl.col("withdrawn"))
        note = _revision_note(due, frame, previous, day)
        try:
            with transaction.atomic():
                disclosure = Disclosure.objects.create(
                    policy=policy,
                    period=period,
                    village=village,
                    revision=due.revision,
                    clock_started_on=due.clock_started_on,
                    due_on=due.due_on,
                    approved_by=user,
                    approved_at=now,
                    published_at=now,
                    published_on=day,
                    change_note=note,
                    line_count=shown.height,
                    total_fen=int(shown["amount_fen"].sum() or 0),
                    withdrawn_count=frame.height - shown.height,
                )
        except IntegrityError as exc:
            raise ValidationError("这一版本已由他人审核公开，请刷新后再看") from exc
        insert_frame(
            DisclosedLine._meta.db_table,
            frame.drop("plan_line_id").with_columns(
                pl.lit(disclosure.pk).alias("disclosure_id"),
                pl.lit(policy.pk).alias("policy_id"),
                pl.lit(period).alias("period"),
                pl.lit(village.code).alias("village_id"),
            ),
            COPIED.split(", "),
        )
        audit_record(
            action="disclosure.publish",
            obj=disclosure,
            region_code=village.code,
            before={"revision": previous.revision} if previous is not None else None,
            after={
                "policy": policy.code,
                "period": period,
                "revision": disclosure.revision,
                "lines": disclosure.line_count,
                "total_fen": disclosure.total_fen,
                "added": due.added,
                "withdrawn": due.withdrawn,
                "due_on": due.due_on.isoformat(),
                "late": disclosure.late,
                **({"change_note": note} if note else {}),
            },
            actor=user,
        )
    return disclosure


def disclosure_withdraw(*, user: Any, payment: Payment, reason: str, source: str = "") -> Withdrawal:
    """Mark a disclosed payment for withdrawal after a confirmed finding; the correction becomes due."""
    authorize(user, "disclosure.withdraw")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "请写明撤回原因"})
    with transaction.atomic():
        locked = Payment.objects.select_related("line").get(pk=payment.pk)
        _check_village(user, locked.line.village_id)
        if not DisclosedLine.objects.filter(payment=locked).exists():
            raise ValidationError("该笔发放尚未公开，无需撤回")
        try:
            with transaction.atomic():
                withdrawal = Withdrawal.objects.create(
                    payment=locked, reason=reason[:300], source=source[:64], requested_by=user
                )
        except IntegrityError as exc:
            raise ValidationError("该笔发放已申请撤回") from exc
        audit_record(
            action="disclosure.withdraw",
            obj=withdrawal,
            region_code=locked.line.village_id,
            after={"payment": locked.pk, "reason": reason, "source": source},
            actor=user,
        )
    return withdrawal

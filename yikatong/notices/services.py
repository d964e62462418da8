"""Writes of the notices: putting many notices in the outbox at once, and sending a failed one again.

The entry point for other apps is :func:`notify`. The payments app, when a bank's return finds payments
paid, calls it inside the transaction that records them, with one :class:`NoticeRow` per paid payment::

    notify(
        [
            NoticeRow(
                person_id=payment.person_id,
                dedup_key=f"payment:{payment.pk}",
                source_id=str(payment.pk),
                params={"policy": "高龄津贴", "period": "2026-10", "amount": "50.00",
                        "date": "2026-10-28", "bank": "中国农业银行"},
                template=policy_notice_template,  # the policy's own, or DEFAULT_TEMPLATE
                region_code=line.village_id,
            ),
            ...
        ],
        user=user,
    )

Each row's text is the template filled from ``params`` (and ``{signature}``); ``params`` go to the gateway as
its template's named parameters. The phone is the person's phone on file (copied as ciphertext, never
decrypted) unless the row gives one. A dedup key already in the outbox is skipped, so importing the same
return twice gives one notice per payment. Nothing is sent inside the caller's transaction: once it commits,
a worker sends (``tasks.send_notices``); if it rolls back, the notices were never there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from yikatong.accounts.permissions import authorize
from yikatong.audit.services import audit_record
from yikatong.core.crypto import key_ring
from yikatong.core.domain.template import DEFAULT_TEMPLATE, TemplateError, missing, pieces, render
from yikatong.core.tables import execute, insert_frame, staging_table
from yikatong.notices.domain import outbox
from yikatong.notices.models import Notification

PHONE_CONTEXT = "person.phone"


@dataclass(frozen=True)
class NoticeRow:
    """One notice to put in the outbox: who, what it says (template and named parameters), why (the
    source, and the dedup key that makes it once only)."""

    person_id: int
    dedup_key: str
    params: Mapping[str, str]
    source_kind: str = "payment"
    source_id: str = ""
    template: str = DEFAULT_TEMPLATE
    template_code: str = ""  # the gateway's registered template; "" = settings.YIKATONG_SMS_TEMPLATE_CODE
    region_code: str = ""  # the village the notice belongs to; "" = the person's village
    phone: str | None = None  # in clear; None = the person's phone on file


@dataclass(frozen=True)
class Enqueued:
    """What a call put in the outbox: new notices, rows skipped (already there), and those that cannot be
    sent (no phone on file, a template that cannot be filled), which are kept as given up."""

    inserted: int
    skipped: int
    unsendable: int = 0
    errors: list[str] = field(default_factory=list)


# The staged frame enqueue_many takes: one row per notice, texts already rendered, phones encrypted.
STAGED = {
    "person_id": "bigint",
    "village_id": "varchar(12)",
    "phone": "text",
    "template_code": "varchar(64)",
    "params": "text",
    "signature": "varchar(32)",
    "text": "text",
    "source_kind": "varchar(32)",
    "source_id": "varchar(64)",
    "dedup_key": "varchar(128)",
    "error": "varchar(500)",
}
SCHEMA = pl.Schema({name: pl.Int64 if name == "person_id" else pl.Utf8 for name in STAGED})


def notify(rows: Sequence[NoticeRow], *, user: Any = None) -> Enqueued:
    """Put one notice per row in the outbox (texts rendered from each row's template), sent after commit."""
    signature = settings.YIKATONG_SMS_SIGNATURE
    default_code = settings.YIKATONG_SMS_TEMPLATE_CODE
    texts: list[str] = []
    errors: list[str] = []
    for row in rows:
        try:
            texts.append(render(row.template, {**row.params, "signature": signature}))
            errors.append("")
        except TemplateError as exc:
            texts.append("")
            errors.append(str(exc)[:500])
    phones = key_ring().encrypt_many([row.phone or None for row in rows], context=PHONE_CONTEXT)
    frame = pl.DataFrame(
        {
            "person_id": [row.person_id for row in rows],
            "village_id": [row.region_code or None for row in rows],
            "phone": phones,
            "template_code": [row.template_code or default_code for row in rows],
            "params": [_params_json(row.params) for row in rows],
            "signature": [signature] * len(rows),
            "text": texts,
            "source_kind": [row.source_kind for row in rows],
            "source_id": [row.source_id for row in rows],
            "dedup_key": [row.dedup_key for row in rows],
            "error": errors,
        },
        schema=SCHEMA,
    )
    return enqueue_many(frame, user=user)


def notify_frame(frame: pl.DataFrame, *, params: Sequence[str], user: Any = None) -> Enqueued:
    """:func:`notify` for many notices at once, set-based: one text per row rendered with Polars from its
    template (a handful of distinct templates, each parsed once), no Python loop over the rows.

    ``frame`` has ``person_id``, ``village_id`` ("" or null = the person's village), ``dedup_key``,
    ``source_kind``, ``source_id``, ``template``, and one text column per name in ``params``; the phone is
    the person's on file.
    """
    if frame.height == 0:
        return Enqueued(0, 0)
    signature = settings.YIKATONG_SMS_SIGNATURE
    names = frozenset([*params, "signature"])
    frame = frame.with_columns(pl.lit(signature).alias("signature"))
    parts: list[pl.DataFrame] = []
    for (template,), group in frame.group_by(["template"], maintain_order=True):
        try:
            problem = missing(str(template), names)
            pieces_ = pieces(str(template))
        except TemplateError as exc:
            problem, pieces_ = str(exc), ()
        if problem:
            text, error = pl.lit(""), pl.lit(problem[:500])
        else:
            text = pl.concat_str(
                [
                    pl.lit(literal) if name is None else pl.concat_str([pl.lit(literal), pl.col(name)])
                    for literal, name in pieces_
                ]
                or [pl.lit("")]
            )
            error = pl.lit("")
        parts.append(group.with_columns(text.alias("text"), error.alias("error")))
    rendered = pl.concat(parts)
    staged = rendered.select(
        pl.col("person_id").cast(pl.Int64),
        pl.when(pl.col("village_id") == "").then(None).otherwise(pl.col("village_id")).alias("village_id"),
        pl.lit(None, dtype=pl.Utf8).alias("phone"),
        pl.lit(settings.YIKATONG_SMS_TEMPLATE_CODE).alias("template_code"),
        pl.struct([pl.col(name).cast(pl.Utf8) for name in params]).struct.json_encode().alias("params"),
        pl.col("signature"),
        pl.col("text"),
        pl.col("source_kind"),
        pl.col("source_id"),
        pl.col("dedup_key"),
        pl.col("error"),
    )
    return enqueue_many(staged.cast(SCHEMA), user=user)


def _params_json(params: Mapping[str, str]) -> str:
    return json.dumps({name: str(value) for name, value in params.items()}, ensure_ascii=False)


def _check_frame(frame: pl.DataFrame) -> None:
    missing = set(STAGED) - set(frame.columns)
    if missing:
        raise ValueError(f"notice frame lacks columns {sorted(missing)}")
    keys = frame.get_column("dedup_key")
    if keys.null_count() or (keys.str.len_chars() == 0).any() or (keys.str.len_chars() > 128).any():
        raise ValueError("every notice needs a dedup key of 1 to 128 characters")
    if (frame.get_column("source_kind").str.len_chars() > 32).any():
        raise ValueError("a notice's source kind has at most 32 characters")


def enqueue_many(frame: pl.DataFrame, *, user: Any = None) -> Enqueued:
    """Insert many notices in one statement, skipping dedup keys already there; start sending after commit.

    ``frame`` has the columns of ``STAGED`` (:func:`notify` builds it). The rows are staged with the
    database's bulk path and inserted with one ``INSERT … SELECT … ON CONFLICT (dedup_key) DO NOTHING``
    joined with the persons, which gives the phone on file and the village where the row names none.
    """
    _check_frame(frame)
    if frame.height == 0:
        return Enqueued(0, 0)
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    params = "CAST(s.params AS jsonb)" if connection.vendor == "postgresql" else "s.params"
    phone = "COALESCE(s.phone, NULLIF(p.phone, ''), '')"
    unsendable = f"(s.error <> '' OR {phone} = '')"
    with transaction.atomic():
        with staging_table("notices", STAGED) as staged:
            insert_frame(staged, frame.select(list(STAGED)).cast(SCHEMA), list(STAGED))
            # "WHERE true" lets SQLite tell the upsert clause from a join condition; PostgreSQL takes it too.
            inserted = execute(
                f"""
                INSERT INTO notices_notification (
                    person_id, village_id, phone, template_code, params, signature, text, source_kind,
                    source_id, dedup_key, state, attempts, max_attempts, provider_message_id, last_error,
                    claim, queued_at, next_attempt_at
                )
                SELECT s.person_id, COALESCE(s.village_id, p.village_id), {phone}, s.template_code,
                    {params}, s.signature, s.text, s.source_kind, s.source_id, s.dedup_key,
                    CASE WHEN {unsendable} THEN %s ELSE %s END, 0, %s, '',
                    CASE WHEN s.error <> '' THEN s.error WHEN {phone} = '' THEN %s ELSE '' END,
                    '', %s, CASE WHEN {unsendable} THEN NULL ELSE %s END
                FROM {staged} s JOIN registry_person p ON p.id = s.person_id
                WHERE true
                ON CONFLICT (dedup_key) DO NOTHING
                """,  # noqa: S608 - identifiers are the module's own; values are parameters
                [
                    outbox.GAVE_UP,
                    outbox.QUEUED,
                    settings.YIKATONG_SMS_MAX_ATTEMPTS,
                    outbox.NO_PHONE,
                    stamp,
                    stamp,
                ],
            )
        unsent = Notification.objects.filter(queued_at=now, state=outbox.GAVE_UP, attempts=0).count()
        skipped = frame.height - inserted
        kinds = sorted(set(frame.get_column("source_kind").to_list()))
        audit_record(
            action="notice.enqueue",
            object_type=Notification._meta.label_lower,
            object_id=",".join(kinds),
            object_repr="告知短信",
            after={"inserted": inserted, "skipped": skipped, "unsendable": unsent, "source": ",".join(kinds)},
            actor=user,
        )
        if inserted > unsent:
            transaction.on_commit(_start_sending)
    errors = sorted({e for e in frame.get_column("error").to_list() if e})
    return Enqueued(inserted=inserted, skipped=skipped, unsendable=unsent, errors=errors)


def _start_sending() -> None:
    from yikatong.notices.tasks import start_sending

    start_sending()


def notification_retry(*, user: Any, notification: Notification) -> Notification:
    """Send a failed or given-up notice again (to the person's phone on file now), with fresh attempts."""
    authorize(user, "notice.retry", notification)
    with transaction.atomic():
        notice = Notification.objects.select_for_update().get(pk=notification.pk)
        if notice.state not in outbox.RETRYABLE:
            raise ValidationError("只有发送失败的告知短信可以重新发送")
        if not notice.text:
            raise ValidationError("告知模板有误，短信内容未能生成：请主管部门修改补贴项目的告知模板")
        phone = notice.person.phone or notice.phone
        if not phone:
            raise ValidationError("受益人未登记联系电话：请先在人员信息中登记手机号，再重新发送")
        before = {"state": notice.state, "attempts": notice.attempts, "last_error": notice.last_error}
        notice.phone = phone
        notice.state = outbox.QUEUED
        notice.next_attempt_at = timezone.now()
        notice.max_attempts = notice.attempts + settings.YIKATONG_SMS_MAX_ATTEMPTS
        notice.last_error = ""
        notice.save(update_fields=["phone", "state", "next_attempt_at", "max_attempts", "last_error"])
        audit_record(
            action="notice.retry",
            obj=notice,
            region_code=notice.village_id,
            before=before,
            after={"state": notice.state, "max_attempts": notice.max_attempts},
            actor=user,
        )
        transaction.on_commit(_start_sending)
    return notice

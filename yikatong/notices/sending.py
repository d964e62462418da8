"""The worker's side of the outbox: taking due notices, handing them to the gateway, recording its answers,
asking for delivery reports, and putting back notices whose try was interrupted.

Each chunk is taken in its own short transaction (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any
number of workers share the outbox) and marked ``sending`` with a claim of its own; the gateway is called
outside any transaction; the answers are written back in one statement per chunk, only onto rows still
holding that claim. A worker killed between the two leaves its chunk ``sending``: after
``YIKATONG_SMS_SENDING_TIMEOUT`` the next run puts it back in the queue (the gateway may or may not have
taken those messages; the dedup key goes with each message as its reference, so a gateway that keeps
references can refuse the repeat).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, Min
from django.utils import timezone

from yikatong.audit.services import audit_record
from yikatong.core.tables import execute, insert_frame, staging_table
from yikatong.notices.domain import outbox
from yikatong.notices.models import Notification
from yikatong.notices.providers import DELIVERED, ProviderAnswer, SmsProvider

logger = logging.getLogger(__name__)

CHUNK = 500
# Delivery reports are asked for this long after sending; a gateway keeps them about as long.
STATUS_WINDOW = dt.timedelta(hours=72)
OBJECT_TYPE = Notification._meta.label_lower


def _seconds(name: str) -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, name)))


@dataclass
class Outcome:
    """What one run did, by what became of the notices."""

    counts: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        """The run's result in words."""
        c = self.counts
        return (
            f"发送 {c['sent']} 条，失败待重试 {c['failed']} 条，停止重试 {c['gave_up']} 条，"
            f"送达 {c['delivered']} 条，中断后重新排队 {c['requeued']} 条"
        )


def requeue_interrupted(*, now: dt.datetime) -> Counter[str]:
    """Put back notices left ``sending`` longer than the timeout (a worker died holding them)."""
    cutoff = now - _seconds("YIKATONG_SMS_SENDING_TIMEOUT")
    counts: Counter[str] = Counter()
    with transaction.atomic():
        stuck = Notification.objects.filter(state=outbox.SENDING, claimed_at__lt=cutoff)
        counts["gave_up"] = stuck.filter(attempts__gte=F("max_attempts")).update(
            state=outbox.GAVE_UP, claim="", last_error=outbox.INTERRUPTED_LAST, next_attempt_at=None
        )
        counts["requeued"] = stuck.update(
            state=outbox.QUEUED, claim="", last_error=outbox.INTERRUPTED, next_attempt_at=now
        )
        if counts["requeued"] or counts["gave_up"]:
            audit_record(
                action="notice.requeue", object_type=OBJECT_TYPE, object_repr="告知短信", after=dict(counts)
            )
    return counts


def _claim(*, due_by: dt.datetime, now: dt.datetime) -> tuple[str, list[Notification]]:
    """Take up to a chunk of due notices for this try; (its claim, the notices)."""
    token = secrets.token_hex(16)
    with transaction.atomic():
        due = Notification.objects.filter(state__in=outbox.DUE, next_attempt_at__lte=due_by).order_by(
            "next_attempt_at", "pk"
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return token, []
        # The state condition again: on SQLite two workers may have read the same ids.
        Notification.objects.filter(pk__in=ids, state__in=outbox.DUE).update(
            state=outbox.SENDING,
            claim=token,
            claimed_at=now,
            attempts=F("attempts") + 1,
            next_attempt_at=None,
        )
    # Every field the answer may write is loaded, so setting one never loads a row on its own.
    return token, list(Notification.objects.filter(claim=token, state=outbox.SENDING).defer("text"))


def _send_one(provider: SmsProvider, notice: Notification) -> ProviderAnswer:
    try:
        return provider.send(
            notice.phone, notice.template_code, notice.params, notice.signature, reference=notice.dedup_key
        )
    except Exception as exc:  # a network failure or a gateway's bug is a failed try, not a failed run
        logger.warning("短信通道调用出错（%s）", notice.dedup_key, exc_info=True)
        return ProviderAnswer("", accepted=False, error=f"短信通道调用出错：{type(exc).__name__}：{exc}")


def _fail(notice: Notification, error: str, *, now: dt.datetime) -> str:
    after = outbox.after_failure(
        attempts=notice.attempts,
        max_attempts=notice.max_attempts,
        now=now,
        base=_seconds("YIKATONG_SMS_RETRY_SECONDS"),
    )
    notice.state, notice.next_attempt_at = after.state, after.next_attempt_at
    notice.last_error = (error or "短信通道拒收，未说明原因")[:500]
    return after.state


# What a gateway's answers change on a notice, staged to be written in one UPDATE … FROM per chunk.
ANSWER = {
    "id": "bigint",
    "state": "varchar(16)",
    "sent_at": "varchar(40)",
    "delivered_at": "varchar(40)",
    "provider_message_id": "varchar(128)",
    "last_error": "varchar(500)",
    "next_attempt_at": "varchar(40)",
}
TIMES = ("sent_at", "delivered_at", "next_attempt_at")


def _stamp(value: dt.datetime | None) -> str | None:
    """A time as the database takes it from text (SQLite keeps Django's own text form)."""
    if value is None:
        return None
    if connection.vendor == "postgresql":
        return value.astimezone(dt.UTC).isoformat()
    return str(connection.ops.adapt_datetimefield_value(value))


def _write_answers(notices: list[Notification], *, state: str, claim: str = "") -> int:
    """Write the answers kept on the notices in one statement, onto rows still in ``state`` (and still
    holding ``claim`` when given); return how many were written."""
    frame = pl.DataFrame(
        [
            (
                n.pk,
                n.state,
                _stamp(n.sent_at),
                _stamp(n.delivered_at),
                n.provider_message_id,
                n.last_error,
                _stamp(n.next_attempt_at),
            )
            for n in notices
        ],
        schema={name: pl.Int64 if name == "id" else pl.Utf8 for name in ANSWER},
        orient="row",
    )
    cast = "CAST(s.{0} AS timestamptz)" if connection.vendor == "postgresql" else "s.{0}"
    times = ", ".join(f"{name} = {cast.format(name)}" for name in TIMES)
    table = Notification._meta.db_table
    with staging_table("notice_answers", ANSWER) as staged:
        insert_frame(staged, frame)
        return execute(
            f"""
            UPDATE {table} SET state = s.state, provider_message_id = s.provider_message_id,
                last_error = s.last_error, claim = '', {times}
            FROM {staged} s
            WHERE {table}.id = s.id AND {table}.state = %s AND {table}.claim = %s
            """,  # noqa: S608 - identifiers are the module's own; values are parameters
            [state, claim],
        )


def send_chunk(
    provider: SmsProvider, *, due_by: dt.datetime, clock: Callable[[], dt.datetime]
) -> Counter[str]:
    """Send one chunk of due notices; empty when none is due."""
    token, notices = _claim(due_by=due_by, now=clock())
    counts: Counter[str] = Counter()
    if not notices:
        return counts
    for notice in notices:
        answer = _send_one(provider, notice)
        now = clock()
        if answer.accepted and answer.message_id:
            notice.state, notice.sent_at = outbox.SENT, now
            notice.provider_message_id, notice.last_error, notice.next_attempt_at = (
                answer.message_id[:128],
                "",
                None,
            )
            counts["sent"] += 1
        else:
            counts[_fail(notice, answer.error, now=now)] += 1
    with transaction.atomic():
        # Only rows this try still holds: a try taken for interrupted and put back is no longer ours.
        written = _write_answers(notices, state=outbox.SENDING, claim=token)
        if written != len(notices):
            logger.warning("告知短信：%s 条的发送结果未记录（已被重新排队）", len(notices) - written)
        audit_record(
            action="notice.send", object_type=OBJECT_TYPE, object_repr="告知短信", after=dict(counts)
        )
    return counts


def poll_delivery(provider: SmsProvider, *, now: dt.datetime) -> Counter[str]:
    """Ask the gateway for the delivery reports of sent notices, a chunk at a time, and record them."""
    counts: Counter[str] = Counter()
    waiting = Notification.objects.filter(state=outbox.SENT, sent_at__gte=now - STATUS_WINDOW).order_by("pk")
    last = 0
    while True:
        chunk = list(waiting.filter(pk__gt=last).defer("phone", "text", "params")[:CHUNK])
        if not chunk:
            return counts
        last = chunk[-1].pk
        try:
            reports = provider.status([n.provider_message_id for n in chunk])
        except Exception:  # the gateway is down: ask again on the next run
            logger.warning("短信通道回执查询出错，稍后重试", exc_info=True)
            return counts
        changed: list[Notification] = []
        step: Counter[str] = Counter()
        for notice in chunk:
            report = reports.get(notice.provider_message_id)
            if report is None:
                continue
            if report.state == DELIVERED:
                notice.state, notice.delivered_at = outbox.DELIVERED, report.at or now
                step["delivered"] += 1
            else:
                step[_fail(notice, f"未送达：{report.error or '短信平台未说明原因'}", now=now)] += 1
            changed.append(notice)
        if changed:
            with transaction.atomic():
                _write_answers(changed, state=outbox.SENT)
                audit_record(
                    action="notice.deliver", object_type=OBJECT_TYPE, object_repr="告知短信", after=dict(step)
                )
            counts.update(step)


def send_due(provider: SmsProvider, *, progress: Callable[..., None] | None = None) -> Outcome:
    """One run: put back interrupted tries, send every notice due when the run began, then ask for reports."""
    started = timezone.now()
    outcome = Outcome()
    outcome.counts.update(requeue_interrupted(now=started))
    total = Notification.objects.filter(state__in=outbox.DUE, next_attempt_at__lte=started).count()
    done = 0
    while True:
        counts = send_chunk(provider, due_by=started, clock=timezone.now)
        if not counts:
            break
        outcome.counts.update(counts)
        done += sum(counts.values())
        if progress is not None:
            progress(done, max(total, done), f"已发送 {done} 条")
    outcome.counts.update(poll_delivery(provider, now=timezone.now()))
    return outcome


def next_wake(*, now: dt.datetime) -> dt.datetime | None:
    """When the outbox next needs a worker: a retry falling due, an interrupted try to put back, or delivery
    reports to ask for; None when nothing waits."""
    times: list[dt.datetime] = []
    due = Notification.objects.filter(state__in=outbox.DUE).aggregate(at=Min("next_attempt_at"))["at"]
    if due is not None:
        times.append(due)
    held = Notification.objects.filter(state=outbox.SENDING).aggregate(at=Min("claimed_at"))["at"]
    if held is not None:
        times.append(held + _seconds("YIKATONG_SMS_SENDING_TIMEOUT") + dt.timedelta(seconds=1))
    youngest = Notification.objects.filter(state=outbox.SENT, sent_at__gte=now - STATUS_WINDOW).aggregate(
        at=Max("sent_at")
    )["at"]
    if youngest is not None:
        wait = outbox.next_poll(
            youngest_sent_age=now - youngest, interval=_seconds("YIKATONG_SMS_STATUS_SECONDS")
        )
        times.append(now + wait)
    return min(times) if times else None

"""The outbox on a real database: many notices at once, nothing sent before commit, the demo gateway, failures
retried then given up, a worker killed mid-send, and workers sharing the queue (PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.notices.factories import PARAMS, paid, person_with_phone
from tests.support.registry import make_person
from tests.support.tasks import deliver
from tests.support.world import VILLAGE_A, VILLAGE_B, World
from yikatong.audit.models import AuditEvent
from yikatong.core.domain.template import DEFAULT_TEMPLATE
from yikatong.notices import sending
from yikatong.notices.domain import outbox
from yikatong.notices.models import Notification
from yikatong.notices.providers import DeliveryStatus, RecordingProvider
from yikatong.notices.services import notification_retry, notify, notify_frame
from yikatong.notices.tasks import send_notices, start_sending
from yikatong.tasks.models import TaskRun, TaskStatus

pytestmark = pytest.mark.django_db

HERE = "tests.notices.test_outbox"


def _queued_runs() -> list[TaskRun]:
    return list(TaskRun.objects.filter(task_path=send_notices.module_path, status=TaskStatus.QUEUED))


def send_now() -> dict[str, Any]:
    """What a worker does with the next sending run (one is started if none is waiting)."""
    run = start_sending() or max(_queued_runs(), key=lambda r: r.created_at)
    return deliver(run)  # type: ignore[no-any-return]


def _notice(payment_id: int) -> Notification:
    return Notification.objects.get(dedup_key=f"payment:{payment_id}")


def test_a_thousand_notices_go_in_at_once_and_duplicates_are_skipped(world: World) -> None:
    persons = [person_with_phone(VILLAGE_A if i % 2 else VILLAGE_B, f"139045{i:05d}") for i in range(50)]
    rows = [paid(persons[i % 50], i) for i in range(1000)]
    first = notify(rows)
    assert (first.inserted, first.skipped, first.unsendable) == (1000, 0, 0)
    assert Notification.objects.filter(state=outbox.QUEUED, attempts=0).count() == 1000

    again = notify(rows[:990] + [paid(persons[0], i) for i in range(1000, 1010)] + [paid(persons[1], 1000)])
    assert (again.inserted, again.skipped) == (10, 991)
    assert Notification.objects.count() == 1010

    notice = _notice(7)
    assert notice.person_id == persons[7].pk and notice.village_id == persons[7].village_id
    assert notice.phone == "13904500007" and notice.params == PARAMS
    assert notice.text.startswith("【塔河县财政局】您的高龄津贴2026-10补贴50.00元已于2026-10-28发放")
    assert (notice.template_code, notice.signature) == ("YKT_SUBSIDY_PAID", "塔河县财政局")
    assert (notice.source_kind, notice.source_id, notice.max_attempts) == ("payment", "7", 3)
    events = AuditEvent.objects.filter(action="notice.enqueue").order_by("seq")
    assert [e.after["inserted"] for e in events] == [1000, 10]


def test_a_frame_of_notices_reads_as_the_rows_do_and_a_bad_template_is_kept_as_given_up(world: World) -> None:
    import polars as pl

    person = person_with_phone(VILLAGE_A, "13904511111")
    one = notify([paid(person, 1)])
    assert one.inserted == 1
    frame = pl.DataFrame(
        {
            "person_id": [person.pk, person.pk, person.pk],
            "village_id": ["", "", ""],
            "dedup_key": ["payment:2", "payment:3", "payment:4"],
            "source_kind": ["payment"] * 3,
            "source_id": ["2", "3", "4"],
            "template": [DEFAULT_TEMPLATE, "您的{policy}补贴{姓名}已发放", "您的{policy补贴"],
            **{name: [value] * 3 for name, value in PARAMS.items()},
        }
    )
    done = notify_frame(frame, params=list(PARAMS), user=None)
    assert (done.inserted, done.unsendable) == (3, 2)
    assert _notice(2).text == _notice(1).text and _notice(2).params == _notice(1).params == PARAMS
    assert _notice(2).village_id == VILLAGE_A and _notice(2).state == outbox.QUEUED
    assert "{姓名}" in _notice(3).last_error and _notice(3).state == outbox.GAVE_UP
    assert "花括号" in _notice(4).last_error and _notice(4).text == ""


def test_the_phone_on_file_is_copied_as_ciphertext_and_a_given_phone_is_encrypted(world: World) -> None:
    on_file = person_with_phone(VILLAGE_A, "13904571111")
    given = person_with_phone(VILLAGE_A, "13904572222")
    notify([paid(on_file, 1), paid(given, 2, phone="13904573333", region_code=VILLAGE_B)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.phone, p.phone FROM notices_notification n "
            "JOIN registry_person p ON p.id = n.person_id ORDER BY n.dedup_key"
        )
        (copied, original), (encrypted, _) = cursor.fetchall()
    assert copied == original and copied.startswith("v1:")
    assert encrypted.startswith("v1:") and "13904573333" not in encrypted
    assert _notice(2).phone == "13904573333" and _notice(2).village_id == VILLAGE_B


def test_notices_that_cannot_be_sent_are_kept_as_given_up_and_start_no_run(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    silent = make_person(VILLAGE_A, "无电话")
    reachable = person_with_phone(VILLAGE_A, "13904571234")
    with django_capture_on_commit_callbacks() as callbacks:
        result = notify([paid(silent, 1), paid(reachable, 2, template="您的{policy}已发放，{village}")])
    assert (result.inserted, result.unsendable) == (2, 2)
    assert result.errors == ["告知模板中的占位符 {village} 没有对应的参数"]
    assert not callbacks
    no_phone, bad_template = _notice(1), _notice(2)
    assert (no_phone.state, no_phone.last_error, no_phone.next_attempt_at) == (
        outbox.GAVE_UP,
        outbox.NO_PHONE,
        None,
    )
    assert bad_template.state == outbox.GAVE_UP and bad_template.text == ""
    assert "{village}" in bad_template.last_error


def test_nothing_is_sent_before_the_transaction_commits(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    person = person_with_phone(VILLAGE_A, "13904571234")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            notify([paid(person, 1), paid(person, 2)])
            assert not _queued_runs()
            assert set(Notification.objects.values_list("state", flat=True)) == {outbox.QUEUED}
        assert not _queued_runs(), "the outer transaction has not committed yet"
    assert len(callbacks) == 1
    (run,) = _queued_runs()
    assert run.created_by is None and run.region_code == "232722000000"
    result = deliver(run)
    assert (result["sent"], result["delivered"]) == (2, 2)


def test_notices_of_a_rolled_back_transaction_were_never_there(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    person = person_with_phone(VILLAGE_A, "13904571234")

    def import_that_fails() -> None:
        with transaction.atomic():
            notify([paid(person, 1)])
            raise RuntimeError("the return import failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        import_that_fails()
    assert not callbacks and not Notification.objects.exists() and not _queued_runs()


def test_the_demo_gateway_sends_and_reports_delivery(world: World) -> None:
    person = person_with_phone(VILLAGE_A, "13904571234")
    notify([paid(person, 1)])
    before = timezone.now()
    result = send_now()
    assert result["summary"].startswith("发送 1 条")
    notice = _notice(1)
    assert notice.state == outbox.DELIVERED and notice.attempts == 1
    assert notice.provider_message_id.startswith("REC") and notice.claim == ""
    assert before <= notice.sent_at <= notice.delivered_at  # type: ignore[operator]
    assert notice.queued_at <= notice.sent_at  # type: ignore[operator]
    assert AuditEvent.objects.filter(action="notice.send", after__sent=1).exists()
    assert AuditEvent.objects.filter(action="notice.deliver", after__delivered=1).exists()
    assert not _queued_runs(), "nothing waits, so no further run is queued"


def test_a_refused_message_is_retried_with_a_pause_then_given_up_and_sent_again_by_hand(
    world: World, settings: Any
) -> None:
    person = person_with_phone(VILLAGE_A, "13904570000")
    notify([paid(person, 1)])
    send_now()
    notice = _notice(1)
    assert (notice.state, notice.attempts) == (outbox.FAILED, 1)
    assert "尾号0000" in notice.last_error
    pause = notice.next_attempt_at - notice.claimed_at  # type: ignore[operator]
    assert 299 <= pause.total_seconds() <= 301
    (follow_up,) = _queued_runs()
    assert follow_up.arguments["not_before"] == notice.next_attempt_at.isoformat()  # type: ignore[union-attr]

    settings.YIKATONG_SMS_RETRY_SECONDS = 0
    Notification.objects.filter(pk=notice.pk).update(next_attempt_at=timezone.now())
    send_now()
    assert (_notice(1).state, _notice(1).attempts) == (outbox.FAILED, 2)
    send_now()
    notice = _notice(1)
    assert (notice.state, notice.attempts, notice.next_attempt_at) == (outbox.GAVE_UP, 3, None)
    # Nothing more is queued for it (the first run's deferred follow-up still waits, and will find nothing).
    assert [run.pk for run in _queued_runs()] == [follow_up.pk]

    person.phone = "13904571234"
    person.save(update_fields=["phone"])
    finance = world.user("finance")
    notification_retry(user=finance, notification=notice)
    notice = _notice(1)
    assert (notice.state, notice.max_attempts, notice.last_error) == (outbox.QUEUED, 6, "")
    event = AuditEvent.objects.get(action="notice.retry")
    assert event.actor_id == finance.pk and event.before["state"] == outbox.GAVE_UP
    send_now()
    notice = _notice(1)
    assert (notice.state, notice.attempts, notice.phone) == (outbox.DELIVERED, 4, "13904571234")


def test_only_a_failed_notice_with_a_text_and_a_phone_can_be_sent_again(world: World) -> None:
    person = person_with_phone(VILLAGE_A, "13904571234")
    silent = make_person(VILLAGE_A, "无电话")
    notify([paid(person, 1), paid(person, 2, template="{village}"), paid(silent, 3)])
    finance = world.user("finance")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="只有发送失败的告知短信可以重新发送"):
        notification_retry(user=finance, notification=_notice(1))
    with pytest.raises(ValidationError, match="告知模板有误"):
        notification_retry(user=finance, notification=_notice(2))
    with pytest.raises(ValidationError, match="未登记联系电话"):
        notification_retry(user=finance, notification=_notice(3))
    from yikatong.core.restrict import AccessDenied

    with pytest.raises(AccessDenied):
        notification_retry(user=world.user("auditor"), notification=_notice(3))
    with pytest.raises(AccessDenied):
        notification_retry(user=world.user("finance", "b"), notification=_notice(3))


def test_an_undelivered_message_is_tried_again(world: World) -> None:
    person = person_with_phone(VILLAGE_A, "13904579999")
    notify([paid(person, 1)])
    send_now()
    notice = _notice(1)
    assert (notice.state, notice.attempts) == (outbox.FAILED, 1)
    assert notice.last_error == "未送达：用户手机关机或停机（演示通道）"
    assert notice.sent_at is not None and notice.next_attempt_at is not None


class FlakyProvider(RecordingProvider):
    """A gateway whose network fails."""

    def send(self, phone, template_code, params, signature, *, reference=""):
        raise ConnectionError("网关连接超时")


def test_a_gateway_that_raises_is_a_failed_try_not_a_failed_run(world: World, settings: Any) -> None:
    settings.YIKATONG_SMS_PROVIDER = f"{HERE}.FlakyProvider"
    notify([paid(person_with_phone(VILLAGE_A, "13904571234"), 1)])
    result = send_now()
    assert result["failed"] == 1
    assert _notice(1).last_error == "短信通道调用出错：ConnectionError：网关连接超时"


class WorkerKilled(BaseException):
    """The process dies (SIGKILL, power cut): no handler runs."""


class DyingProvider(RecordingProvider):
    """A gateway call during which the worker dies."""

    def send(self, phone, template_code, params, signature, *, reference=""):
        raise WorkerKilled


def test_notices_left_sending_by_a_killed_worker_are_put_back_after_the_timeout(
    world: World, settings: Any
) -> None:
    person = person_with_phone(VILLAGE_A, "13904571234")
    notify([paid(person, 1), paid(person, 2)])
    settings.YIKATONG_SMS_PROVIDER = f"{HERE}.DyingProvider"
    with pytest.raises(WorkerKilled):
        send_now()
    stuck = Notification.objects.filter(state=outbox.SENDING)
    assert stuck.count() == 2 and set(stuck.values_list("attempts", flat=True)) == {1}

    settings.YIKATONG_SMS_PROVIDER = "yikatong.notices.providers.RecordingProvider"
    claimed = stuck.first().claimed_at  # type: ignore[union-attr]
    assert sending.next_wake(now=timezone.now()) == claimed + sending._seconds(
        "YIKATONG_SMS_SENDING_TIMEOUT"
    ) + timezone.timedelta(seconds=1)
    TaskRun.objects.filter(status=TaskStatus.RUNNING).update(status=TaskStatus.FAILED)
    send_now()
    assert Notification.objects.filter(state=outbox.SENDING).count() == 2, "not yet past the timeout"

    stuck.update(claimed_at=timezone.now() - timezone.timedelta(minutes=11))
    result = send_now()
    assert (result["requeued"], result["delivered"]) == (2, 2)
    assert set(Notification.objects.values_list("state", "attempts")) == {(outbox.DELIVERED, 2)}
    assert AuditEvent.objects.filter(action="notice.requeue", after__requeued=2).exists()


def test_a_notice_interrupted_on_its_last_attempt_is_given_up(world: World) -> None:
    notify([paid(person_with_phone(VILLAGE_A, "13904571234"), 1)])
    Notification.objects.update(
        state=outbox.SENDING,
        attempts=3,
        claim="dead-worker",
        claimed_at=timezone.now() - timezone.timedelta(hours=1),
        next_attempt_at=None,
    )
    counts = sending.requeue_interrupted(now=timezone.now())
    assert counts == {"gave_up": 1, "requeued": 0}
    assert (_notice(1).state, _notice(1).last_error) == (outbox.GAVE_UP, outbox.INTERRUPTED_LAST)


def test_a_run_waiting_in_the_queue_is_not_doubled(world: World) -> None:
    later = timezone.now() + timezone.timedelta(minutes=10)
    deferred = start_sending(when=later)
    assert deferred is not None and deferred.arguments == {"not_before": later.isoformat()}
    assert start_sending(when=later + timezone.timedelta(minutes=1)) is None
    immediate = start_sending()
    assert immediate is not None and immediate.arguments == {}
    assert start_sending() is None and start_sending(when=later) is None
    assert len(_queued_runs()) == 2


class SlowProvider(RecordingProvider):
    """A gateway that takes a moment per message and remembers what it was given."""

    calls: list[str] = []
    lock = threading.Lock()

    def send(self, phone, template_code, params, signature, *, reference=""):
        time.sleep(0.02)
        with self.lock:
            self.calls.append(reference)
        return super().send(phone, template_code, params, signature, reference=reference)

    def status(self, message_ids: Sequence[str]) -> dict[str, DeliveryStatus]:
        return {}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_sharing_the_outbox_never_send_one_notice_twice(world: World, monkeypatch: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is a PostgreSQL test")
    monkeypatch.setattr(sending, "CHUNK", 5)
    person = person_with_phone(VILLAGE_A, "13904571234")
    notify([paid(person, i) for i in range(40)])
    SlowProvider.calls = []
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            sending.send_due(SlowProvider())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(SlowProvider.calls) == sorted(f"payment:{i}" for i in range(40))
    assert Notification.objects.filter(state=outbox.SENT, attempts=1).count() == 40

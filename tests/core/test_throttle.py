"""The database rate limiter: limits, windows, recovery, keys stored only as hashes, and concurrent hits."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from yikatong.core import throttle
from yikatong.core.models import ThrottleCount

T0 = 1_790_000_000.0  # a moment aligned to nothing in particular


@pytest.mark.django_db
def test_allows_up_to_the_limit_then_refuses() -> None:
    outcomes = [throttle.hit("test", "1.2.3.4", limit=3, window=60, now=T0) for _ in range(5)]
    assert outcomes == [True, True, True, False, False]
    assert throttle.remaining("test", "1.2.3.4", limit=3, window=60, now=T0) == 0


@pytest.mark.django_db
def test_recovers_when_the_window_has_passed() -> None:
    start = (T0 // 60) * 60
    for _ in range(3):
        throttle.hit("test", "k", limit=3, window=60, now=start + 1)
    assert not throttle.hit("test", "k", limit=3, window=60, now=start + 59)
    assert throttle.hit("test", "k", limit=3, window=60, now=start + 60)
    assert throttle.remaining("test", "k", limit=3, window=60, now=start + 61) == 2


@pytest.mark.django_db
def test_keys_and_scopes_are_counted_apart() -> None:
    assert throttle.hit("a", "k1", limit=1, window=60, now=T0)
    assert not throttle.hit("a", "k1", limit=1, window=60, now=T0)
    assert throttle.hit("a", "k2", limit=1, window=60, now=T0)
    assert throttle.hit("b", "k1", limit=1, window=60, now=T0)


@pytest.mark.django_db
def test_the_key_is_stored_only_as_a_keyed_hash() -> None:
    id_number = "11010519491231002X"
    throttle.hit("lookup.id", id_number, limit=5, window=600, now=T0)
    row = ThrottleCount.objects.get()
    assert id_number not in row.key_hash and "1231002" not in row.key_hash
    assert row.key_hash == throttle.key_hash("lookup.id", id_number)
    assert throttle.key_hash("lookup.ip", id_number) != row.key_hash


@pytest.mark.django_db
def test_reset_forgets_one_key_or_the_whole_scope() -> None:
    for key in ("k1", "k2"):
        throttle.hit("s", key, limit=1, window=60, now=T0)
    assert throttle.reset("s", "k1") == 1
    assert throttle.hit("s", "k1", limit=1, window=60, now=T0)
    assert not throttle.hit("s", "k2", limit=1, window=60, now=T0)
    assert throttle.reset("s") == 2
    assert throttle.hit("s", "k2", limit=1, window=60, now=T0)


@pytest.mark.django_db
def test_old_windows_are_swept_by_a_new_window() -> None:
    throttle.hit("s", "k", limit=5, window=60, now=T0)
    throttle.hit("s", "k", limit=5, window=60, now=T0 + 600)
    assert ThrottleCount.objects.count() == 1


def test_a_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="时间窗"):
        throttle.hit("s", "k", limit=1, window=0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_from_many_connections_never_exceed_the_limit() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections are a PostgreSQL test")
    threads_n, per_thread, limit = 8, 10, 25
    barrier = threading.Barrier(threads_n)
    allowed: list[bool] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            mine = [throttle.hit("race", "k", limit=limit, window=600, now=T0) for _ in range(per_thread)]
            with lock:
                allowed.extend(mine)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(allowed) == threads_n * per_thread
    assert sum(allowed) == limit
    assert ThrottleCount.objects.get(scope="race").count == threads_n * per_thread

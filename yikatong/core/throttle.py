"""A rate limiter kept in the database, so that it holds across every worker process and server.

Each hit is one ``INSERT … ON CONFLICT … DO UPDATE … RETURNING`` on the row of (scope, key, window):
the database serialises concurrent hits on that row, so no two processes can both see the last free
slot. Windows are fixed (aligned to multiples of ``window`` seconds since the epoch); a key that has
used up its limit is refused until the next window begins. Keys (IP addresses, ID numbers) are stored
only as HMACs under the platform's index key, bound to the scope, so the table names nobody.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.db import connection

from yikatong.core.crypto import key_ring
from yikatong.core.models import ThrottleCount

_TABLE = ThrottleCount._meta.db_table
# Rows older than this many windows are swept away by the hit that opens a new window.
_KEEP_WINDOWS = 2


def _seconds(window: int | timedelta) -> int:
    seconds = int(window.total_seconds()) if isinstance(window, timedelta) else int(window)
    if seconds <= 0:
        raise ValueError("时间窗须为正的秒数")
    return seconds


def key_hash(scope: str, key: str) -> str:
    """The stored form of a key: an HMAC bound to the scope, so one key's hashes differ across scopes."""
    return key_ring().blind_index(key, context=f"throttle:{scope}")


def _window_start(seconds: int, now: float | None) -> int:
    moment = time.time() if now is None else now
    return int(moment // seconds) * seconds


def hit(scope: str, key: str, *, limit: int, window: int | timedelta, now: float | None = None) -> bool:
    """Count one hit of ``key`` in ``scope``; True when it is within ``limit`` hits per ``window``."""
    seconds = _seconds(window)
    start = _window_start(seconds, now)
    digest = key_hash(scope, key)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} (scope, key_hash, window_start, count) VALUES (%s, %s, %s, 1) "  # noqa: S608
            "ON CONFLICT (scope, key_hash, window_start) DO UPDATE SET count = "
            f"{_TABLE}.count + 1 RETURNING count",
            [scope, digest, start],
        )
        row = cursor.fetchone()
        count = int(row[0]) if row else limit + 1
        if count == 1:
            # The first hit of a window sweeps this scope's expired windows (an indexed range delete).
            cursor.execute(
                f"DELETE FROM {_TABLE} WHERE scope = %s AND window_start < %s",  # noqa: S608
                [scope, start - _KEEP_WINDOWS * seconds],
            )
    return count <= limit


def remaining(scope: str, key: str, *, limit: int, window: int | timedelta, now: float | None = None) -> int:
    """How many hits ``key`` has left in the current window (reads only)."""
    seconds = _seconds(window)
    row = ThrottleCount.objects.filter(
        scope=scope, key_hash=key_hash(scope, key), window_start=_window_start(seconds, now)
    ).first()
    return max(0, limit - (row.count if row else 0))


def reset(scope: str, key: str | None = None) -> int:
    """Forget the hits of one key in a scope (or of the whole scope); returns the rows removed."""
    rows = ThrottleCount.objects.filter(scope=scope)
    if key is not None:
        rows = rows.filter(key_hash=key_hash(scope, key))
    deleted, _ = rows.delete()
    return deleted

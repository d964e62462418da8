"""The change feed: every change once, in commit order, also with writers committing while a reader reads."""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import connection, connections, transaction

from tests.sharing.support import bearer, department_token
from tests.support.rosters import elders, publish_elderly_allowance, township_reviewed
from tests.support.world import VILLAGE_A, World
from yikatong.audit.services import audit_record
from yikatong.sharing.domain import feed


def test_kinds_are_parsed_and_known() -> None:
    assert feed.parse_kinds("") == (list(feed.KINDS), [])
    assert feed.parse_kinds("rosters, plans,rosters") == (["rosters", "plans"], [])
    assert feed.parse_kinds("rosters,x") == (["rosters"], ["x"])
    assert feed.kind_of("roster.approved") == "rosters" and feed.kind_of("api.use") == ""
    assert feed.kind_of("return.import") == "batches" and feed.kind_of("return.refused") == ""


def test_the_feed_pages_by_cursor_and_filters_by_kind(world: World) -> None:
    publish_elderly_allowance(world)
    township_reviewed(world, elders(2))
    client = world.client("finance")
    everything = client.get("/api/changes?limit=500").json()
    kinds = {change["kind"] for change in everything["changes"]}
    assert {"policies", "rosters"} <= kinds and "" not in kinds
    rosters = [c["cursor"] for c in everything["changes"] if c["kind"] == "rosters"]
    seen: list[int] = []
    cursor = ""
    for _ in range(50):
        page = client.get(f"/api/changes?kinds=rosters&limit=2&since={cursor}").json()
        seen += [c["cursor"] for c in page["changes"]]
        assert int(page["next_cursor"]) >= int(cursor or 0)
        cursor = page["next_cursor"]
        if not page["more"]:
            break
    assert seen == rosters
    # Nothing new: the same cursor again, and an empty page.
    assert client.get(f"/api/changes?kinds=rosters&since={cursor}").json() == {
        "changes": [],
        "next_cursor": cursor,
        "more": False,
    }


def test_the_feed_keeps_to_the_region(world: World) -> None:
    publish_elderly_allowance(world)
    township_reviewed(world, elders(1))
    town_b = world.client("township_reviewer", "b").get("/api/changes?kinds=rosters").json()
    assert town_b["changes"] == []
    town_a = world.client("township_reviewer", "a").get("/api/changes?kinds=rosters").json()
    assert town_a["changes"] and {c["region_code"][:9] for c in town_a["changes"]} == {VILLAGE_A[:9]}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_reader_following_the_cursor_sees_each_concurrent_change_exactly_once(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent commits are a PostgreSQL test")
    _token, secret = department_token(world, "czj", "232722000000", "finance")
    writers, per_writer = 6, 25
    done = threading.Event()
    errors: list[str] = []
    seen: list[str] = []

    def write(n: int) -> None:
        try:
            rng = random.Random(n)
            for i in range(per_writer):
                with transaction.atomic():
                    audit_record(
                        action="roster.line_add",
                        object_type="rosters.roster",
                        object_id=f"{n}-{i}",
                        region_code=VILLAGE_A,
                    )
                    # Hold the transaction open a little, so commits and reads interleave.
                    time.sleep(rng.uniform(0, 0.01))
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    def read() -> None:
        client = bearer(secret)
        cursor = ""
        try:
            while True:
                finished = done.is_set()
                page = client.get(f"/api/changes?kinds=rosters&limit=7&since={cursor}").json()
                seen.extend(c["object_id"] for c in page["changes"])
                cursor = page["next_cursor"]
                if finished and not page["more"]:
                    return
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    reader = threading.Thread(target=read)
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    reader.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    reader.join(timeout=120)
    assert errors == []
    expected = {f"{n}-{i}" for n in range(writers) for i in range(per_writer)}
    assert len(seen) == len(set(seen)), "a change was returned twice"
    assert set(seen) == expected, "a change was skipped"

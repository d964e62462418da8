"""core/tables.py on the database the suite runs on (PostgreSQL in CI, then SQLite): bulk writes, reads
as frames, staging tables, and what a bad name or odd value does."""

from __future__ import annotations

import polars as pl
import pytest
from django.db import connection

from yikatong.core.tables import BATCH, analyze, execute, insert_frame, read_frame, staging_table

# The statements name staging tables made here; their values are always bound parameters.
# ruff: noqa: S608
pytestmark = pytest.mark.django_db


def test_a_frame_goes_in_and_comes_back_with_nulls_quotes_and_chinese_intact() -> None:
    rows = pl.DataFrame(
        {
            "id": [1, 2, 3],
            "name": ["王桂兰", 'say "hi", ok', None],
            "note": ["a,b", "", "line\nbreak"],
        }
    )
    with staging_table("t_roundtrip", {"id": "bigint", "name": "text", "note": "text"}) as table:
        assert insert_frame(table, rows) == 3
        back = read_frame(f"SELECT id, name, note FROM {table} ORDER BY id", schema={"id": pl.Int64})
    assert back.get_column("id").to_list() == [1, 2, 3]
    assert back.get_column("name").to_list() == ["王桂兰", 'say "hi", ok', None]
    # An empty string stays empty, not null, on both databases.
    assert back.get_column("note").to_list() == ["a,b", "", "line\nbreak"]


def test_parameters_are_bound_and_an_empty_result_keeps_its_schema() -> None:
    with staging_table("t_params", {"id": "bigint", "code": "text"}) as table:
        insert_frame(table, pl.DataFrame({"id": [1, 2], "code": ["232722100201", "%'; DROP TABLE x; --"]}))
        found = read_frame(f"SELECT id FROM {table} WHERE code = %s", ["%'; DROP TABLE x; --"])
        none = read_frame(f"SELECT id FROM {table} WHERE code = %s", ["nobody"], schema={"id": pl.Int64})
    assert found.get_column("id").cast(pl.Int64).to_list() == [2]
    assert none.height == 0 and none.schema == {"id": pl.Int64}


def test_many_rows_cross_the_batch_size_and_execute_counts_them() -> None:
    count = BATCH + 17
    frame = pl.DataFrame({"id": range(count), "v": [i % 7 for i in range(count)]})
    with staging_table("t_many", {"id": "bigint", "v": "integer"}) as table:
        assert insert_frame(table, frame) == count
        analyze(table)
        assert execute(f"UPDATE {table} SET v = v + 1 WHERE v = %s", [0]) == len(
            [i for i in range(count) if i % 7 == 0]
        )
        total = read_frame(
            f"SELECT COUNT(*) AS n, SUM(v) AS s FROM {table}", schema={"n": pl.Int64, "s": pl.Int64}
        )
    assert total.row(0) == (count, sum(i % 7 for i in range(count)) + len(range(0, count, 7)))


def test_the_staging_table_is_gone_afterwards_even_after_an_error() -> None:
    def fail_inside() -> None:
        with staging_table("t_gone", {"id": "bigint"}) as table:
            insert_frame(table, pl.DataFrame({"id": [1]}))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_inside()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT to_regclass(%s)", ["staging_t_gone"])
            assert cursor.fetchone()[0] is None
        else:
            cursor.execute("SELECT name FROM sqlite_temp_master WHERE name = 'staging_t_gone'")
            assert cursor.fetchone() is None


def test_unsafe_names_are_refused_and_an_empty_frame_writes_nothing() -> None:
    with pytest.raises(ValueError, match="unsafe identifier"):
        insert_frame("rosters; DROP", pl.DataFrame({"id": [1]}))
    with staging_table("t_empty", {"id": "bigint"}) as table:
        assert insert_frame(table, pl.DataFrame({"id": []}, schema={"id": pl.Int64})) == 0
        assert read_frame(f"SELECT id FROM {table}").height == 0

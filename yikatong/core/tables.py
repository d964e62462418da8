"""The one module that moves whole tables between the database and Polars.

Writes go through the database's bulk path (PostgreSQL ``COPY … FROM STDIN`` in CSV, batched
``executemany`` on SQLite); reads of many rows come back as Polars frames (``COPY … TO STDOUT`` on
PostgreSQL). Nothing here knows about models: callers name tables and columns.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import polars as pl
from django.db import connection

BATCH = 20_000
STAGING = "staging_"


def _quote(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsafe identifier {name!r}")
    return connection.ops.quote_name(name)


def insert_frame(table: str, frame: pl.DataFrame, columns: Sequence[str] | None = None) -> int:
    """Insert every row of a frame into a table; return the number of rows."""
    columns = list(columns or frame.columns)
    if frame.height == 0:
        return 0
    frame = frame.select(columns)
    cols = ", ".join(_quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            for start in range(0, frame.height, 200_000):
                buffer = io.BytesIO()
                frame.slice(start, 200_000).write_csv(buffer, include_header=False, null_value="\\N")
                with raw.copy(
                    f"COPY {_quote(table)} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
                ) as copy:
                    copy.write(buffer.getvalue())
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {_quote(table)} ({cols}) VALUES ({marks})"
            for start in range(0, frame.height, BATCH):
                cursor.executemany(sql, frame.slice(start, BATCH).rows())
    if table.startswith(STAGING):
        analyze(table)
    return frame.height


def analyze(table: str) -> None:
    """Give PostgreSQL's planner a staged table's real size after loading it.

    Temporary tables are never analysed automatically; without statistics the planner takes them for empty
    and may pick nested loops over hundreds of thousands of staged rows. SQLite needs nothing.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_quote(table)}")


def read_frame(sql: str, params: Sequence[Any] = (), schema: dict[str, Any] | None = None) -> pl.DataFrame:
    """Run a query and return its rows as a frame (columns named as the query names them).

    On PostgreSQL every column arrives as text (``COPY … TO STDOUT``) and is cast by ``schema``; on SQLite
    the driver's types are kept and cast the same way.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg binds the parameters on the client, so a parameterised query streams through COPY too.
            raw = cursor.cursor
            buffer = io.BytesIO()
            statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true, NULL '\\N')"
            with raw.copy(statement, tuple(params) or None) as copy:
                for chunk in copy:
                    buffer.write(chunk)
            if buffer.tell() == 0:
                return pl.DataFrame(schema=schema or {})
            buffer.seek(0)
            # NULL arrives as \N; an empty field is an empty string, as SQLite gives it back.
            return pl.read_csv(
                buffer,
                infer_schema=False,
                null_values="\\N",
                empty_string_is_null=False,
                schema_overrides=schema,
            )
        cursor.execute(sql, params)
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    frame = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
    if schema:
        frame = frame.with_columns(pl.col(c).cast(t) for c, t in schema.items() if c in frame.columns)
    return frame


@contextmanager
def staging_table(name: str, columns: dict[str, str]) -> Iterator[str]:
    """A temporary table (dropped at the end) for set-based updates: ``UPDATE … FROM <staging>``."""
    table = f"{STAGING}{name}"
    cols = ", ".join(f"{_quote(c)} {t}" for c, t in columns.items())
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_quote(table)}")
        cursor.execute(f"CREATE TEMPORARY TABLE {_quote(table)} ({cols})")
    try:
        yield table
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_quote(table)}")


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    """Run one statement; return the number of rows it touched."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)

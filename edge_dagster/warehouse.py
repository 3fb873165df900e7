"""DuckDB access for every asset: connections that always close, and atomic writes.

DuckDB allows one writing process per file, and a connection left open by an exception keeps
the lock; so connections are closed on every path and every write is one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from edge_dagster.tables import TABLE_DDL, TABLE_MIGRATIONS

LOCK_RETRY_SECONDS = (0.5, 1, 2, 4, 8, 15, 30, 30)


def connect(database: str) -> duckdb.DuckDBPyConnection:
    """Open ``database`` read-write, waiting out another process's lock for about 90 s."""
    if database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    for delay in (*LOCK_RETRY_SECONDS, None):
        try:
            return duckdb.connect(database)
        except duckdb.IOException as error:
            if delay is None or "lock" not in str(error).lower():
                raise
            time.sleep(delay)
    raise AssertionError("unreachable")


@contextmanager
def open_connection(database: str) -> Iterator[duckdb.DuckDBPyConnection]:
    conn = connect(database)
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, or ROLLBACK and re-raise: a failed write leaves the tables as they were."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def ensure_tables(conn: duckdb.DuckDBPyConnection, names: Sequence[str]) -> None:
    for name in names:
        conn.execute(TABLE_DDL[name])
        for migration in TABLE_MIGRATIONS.get(name, []):
            conn.execute(migration)


def replace_rows(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    frame: pd.DataFrame,
    where_sql: str,
    params: Sequence[object] = (),
) -> int:
    """Delete the rows of ``table`` matching ``where_sql`` and insert ``frame`` in their place.

    Call inside :func:`transaction`: re-materialising a partition then leaves identical rows.
    Columns are matched by name, so ``frame`` may list them in any order.
    """
    conn.execute(f"DELETE FROM {table} WHERE {where_sql}", list(params))
    return insert_frame(conn, table, frame)


def replace_keyed_rows(
    conn: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, keys: pd.DataFrame
) -> int:
    """Delete the rows of ``table`` matching any row of ``keys`` (on ``keys``' columns) and
    insert ``frame``: a re-run of the same partitions (city-days) leaves identical rows.

    Call inside :func:`transaction`.
    """
    if not keys.empty:
        conn.register("_keys", keys)
        try:
            match = " AND ".join(f"{table}.{c} = _keys.{c}" for c in keys.columns)
            conn.execute(f"DELETE FROM {table} USING _keys WHERE {match}")
        finally:
            conn.unregister("_keys")
    return insert_frame(conn, table, frame)


def insert_frame(conn: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> int:
    if frame.empty:
        return 0
    conn.register("_incoming", frame)
    try:
        conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _incoming")
    finally:
        conn.unregister("_incoming")
    return len(frame)


def insert_new_rows(conn: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> int:
    """Append ``frame`` to an append-only ``table``, skipping rows whose key it already holds;
    returns how many rows were new."""
    if frame.empty:
        return 0
    (before,) = fetch_row(conn, f"SELECT count(*) FROM {table}")
    conn.register("_incoming", frame)
    try:
        conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _incoming ON CONFLICT DO NOTHING")
    finally:
        conn.unregister("_incoming")
    (after,) = fetch_row(conn, f"SELECT count(*) FROM {table}")
    return after - before


def fetch_row(conn: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> tuple:
    """The single row of ``sql``, consuming the whole result (DuckDB 2 keeps a connection busy
    until a result is fully fetched)."""
    rows = conn.execute(sql, list(params)).fetchall()
    if len(rows) != 1:
        raise ValueError(f"expected one row, got {len(rows)} from: {sql.strip()[:80]}")
    return rows[0]


def decimal_or_none(value: object, places: str = "0.0001") -> Decimal | None:
    """A DECIMAL column read through pandas (it arrives as float) back as an exact Decimal."""
    if value is None or pd.isna(value):
        return None
    return Decimal(str(value)).quantize(Decimal(places))

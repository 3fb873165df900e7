"""The project's DuckDB file as a Dagster resource."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import duckdb
from dagster_duckdb import DuckDBResource

from edge_dagster.warehouse import ensure_tables, open_connection, transaction

# Every asset that writes DuckDB runs in this pool; dagster.yaml limits it to one at a time,
# because DuckDB admits a single writing process per file.
DUCKDB_WRITE_POOL = "duckdb_write"


class WarehouseResource(DuckDBResource):
    """``DuckDBResource`` whose connections close on every path (the parent's do not close
    when the body raises, which keeps DuckDB's file lock while the exception lives)."""

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with open_connection(self.database) as conn:
            yield conn

    @contextmanager
    def transaction(self, tables: Sequence[str] = ()) -> Iterator[duckdb.DuckDBPyConnection]:
        """One atomic write; ``tables`` are created first if missing (inside the transaction)."""
        with self.get_connection() as conn, transaction(conn):
            ensure_tables(conn, tables)
            yield conn

"""Print what the pipeline's DuckDB file holds (``python -m edge_dagster.summary``)."""

from __future__ import annotations

import duckdb

from edge_dagster.settings import Settings


def table_summaries(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    names = [
        row[0]
        for row in conn.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY table_name"
        ).fetchall()
    ]
    return [(name, conn.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]) for name in names]


def main() -> None:
    settings = Settings.from_env()
    with duckdb.connect(settings.duckdb_path, read_only=True) as conn:
        print(f"DuckDB file: {settings.duckdb_path}")
        for name, rows in table_summaries(conn):
            print(f"  {name:<32} {rows:>8} rows")


if __name__ == "__main__":
    main()

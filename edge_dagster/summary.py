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


def latest_report_deliveries(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Where the newest daily report went: an ``.eml`` path (file outbox) or a message id."""
    return conn.execute(
        "SELECT report_date, recipient, delivery FROM daily_report_sent "
        "WHERE report_date = (SELECT max(report_date) FROM daily_report_sent) ORDER BY recipient"
    ).fetchall()


def main() -> None:
    settings = Settings.from_env()
    with duckdb.connect(settings.duckdb_path, read_only=True) as conn:
        print(f"DuckDB file: {settings.duckdb_path}")
        summaries = table_summaries(conn)
        for name, rows in summaries:
            print(f"  {name:<32} {rows:>8} rows")
        if any(name == "daily_report_sent" for name, _ in summaries):
            for report_date, recipient, delivery in latest_report_deliveries(conn):
                print(f"Daily report {report_date} to {recipient}: {delivery}")


if __name__ == "__main__":
    main()

"""Kalshi TSA weekly markets as they stood at each decision time of a week (append-only), and
what the two weekly TSA assets share: their partitioning and the weeks and times of a run."""

from datetime import date, datetime, timedelta

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    BackfillPolicy,
    MetadataValue,
)

from edge_dagster.core.clock import (
    LIVE_DECISION_WINDOW,
    tsa_taker_decision_time,
    tsa_week_decision_times,
)
from edge_dagster.core.tickers import tsa_event_ticker
from edge_dagster.partitions import tsa_weekly_partitions
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import DUCKDB_WRITE_POOL, WarehouseResource
from edge_dagster.sources.kalshi_markets import QUOTE_MAX_AGE, MarketHistory
from edge_dagster.warehouse import fetch_row, insert_new_rows

LIVE_MAX_QUOTE_AGE = timedelta(seconds=60)


def partition_mondays(context: AssetExecutionContext) -> list[date]:
    """The Mondays of the weekly partitions this run covers (a backfill range is one run)."""
    window = context.partition_time_window
    monday = window.start.date()
    mondays = []
    while monday < window.end.date():
        mondays.append(monday)
        monday += timedelta(days=7)
    return mondays


def decision_times_until(monday: date, now: datetime) -> list[datetime]:
    """The week's decision times that have happened by ``now``, in order: Monday 10:15 ET,
    Tuesday–Friday 09:15 ET, and the Friday 15:00 UTC taker decision."""
    times = [*tsa_week_decision_times(monday), tsa_taker_decision_time(monday)]
    return sorted(t for t in times if t <= now)


# Every weekly TSA asset: one run per backfill range, one DuckDB writer at a time.
WEEKLY = {
    "partitions_def": tsa_weekly_partitions,
    "backfill_policy": BackfillPolicy.single_run(),
    "pool": DUCKDB_WRITE_POOL,
    "kinds": {"duckdb", "python"},
}


def record_snapshots(
    warehouse: WarehouseResource,
    markets: MarketHistory,
    mondays: list[date],
    now: datetime,
) -> dict[str, MetadataValue]:
    """Record the markets of each week's KXTSAW event with top of book at every decision time
    by ``now`` into ``market_snapshots``; returns what was recorded (``snapshot_metadata``).

    Append-only keyed by (ticker, as_of): a re-run adds nothing it already holds. Weeks with no
    recorded markets get no rows (their fair values are priced on a synthetic ladder).
    """
    frames = [
        markets.event_snapshots(
            tsa_event_ticker(monday + timedelta(days=6)), decision_times_until(monday, now)
        )
        for monday in mondays
    ]
    frames = [frame for frame in frames if not frame.empty]
    snapshots = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    with warehouse.transaction(["market_snapshots"]) as conn:
        new_rows = insert_new_rows(conn, "market_snapshots", snapshots)
    return snapshot_metadata(snapshots, new_rows, now)


def snapshot_metadata(snapshots: pd.DataFrame, new_rows: int, now: datetime) -> dict:
    """What a snapshot run recorded: rows, how many were new, how many had an ask."""
    quoted = 0 if snapshots.empty else int(snapshots["yes_ask"].notna().sum())
    return {
        "snapshot_rows": MetadataValue.int(len(snapshots)),
        "new_rows": MetadataValue.int(new_rows),
        "quoted_rows": MetadataValue.int(quoted),
        "as_of": MetadataValue.text(now.isoformat()),
    }


def snapshot_freshness(
    warehouse: WarehouseResource, sources: DataSourcesResource, series: list[str]
) -> AssetCheckResult:
    """Every quote of ``series`` is recent enough to trade on: a candle ≤ 24 h old at its
    decision, and live, a decision still being traded quoted from a book read ≤ 60 s ago."""
    now = sources.now()
    live = sources.data_source == "live"
    with warehouse.get_connection() as conn:
        stale, oldest = fetch_row(
            conn,
            "WITH quotes AS (SELECT ? AND as_of >= ? AS trading_now, as_of, quote_time "
            "FROM market_snapshots WHERE quote_time IS NOT NULL AND series_ticker IN "
            f"({', '.join('?' for _ in series)})), "
            "aged AS (SELECT CASE WHEN trading_now THEN ? - quote_time "
            "ELSE as_of - quote_time END AS age, "
            "CASE WHEN trading_now THEN ? ELSE ? END AS max_age FROM quotes) "
            "SELECT count(*), max(age) FROM aged WHERE age > max_age",
            [
                live,
                now - LIVE_DECISION_WINDOW,
                *series,
                now,
                LIVE_MAX_QUOTE_AGE,
                QUOTE_MAX_AGE,
            ],
        )
    return AssetCheckResult(
        passed=stale == 0,
        severity=AssetCheckSeverity.ERROR,
        description=None
        if stale == 0
        else "stale quotes: re-run the snapshot at the next decision time (or check the feed)",
        metadata={
            "stale_quotes": stale,
            "max_age_allowed": str(LIVE_MAX_QUOTE_AGE if live else QUOTE_MAX_AGE),
            "oldest_stale": str(oldest),
        },
    )

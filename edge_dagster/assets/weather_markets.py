"""Kalshi daily-high markets of one city and day, at each NBM-driven decision time so far."""

from datetime import date

from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    MaterializeResult,
    asset,
    asset_check,
)

from edge_dagster.assets.tsa_markets import append_snapshots, snapshot_freshness
from edge_dagster.core.clock import weather_decision_times
from edge_dagster.core.tickers import HIGH_TEMP_SERIES, high_temp_event_ticker
from edge_dagster.partitions import weather_daily_city_partitions
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import DUCKDB_WRITE_POOL, WarehouseResource

HIGH_TEMP_SERIES_PREFIX = "KXHIGH"


@asset(
    group_name="weather",
    partitions_def=weather_daily_city_partitions,
    pool=DUCKDB_WRITE_POOL,
    kinds={"duckdb", "python"},
)
def weather_market_snapshots(
    context: AssetExecutionContext, warehouse: WarehouseResource, sources: DataSourcesResource
) -> MaterializeResult:
    """The city-day's temperature bins with top of book at every decision time so far.

    Strikes come as Kalshi states them (``less``/``between``/``greater`` with floor and cap),
    never from ticker text. Append-only keyed by (ticker, as_of). The shipped replay data has
    no recorded temperature markets, so replay runs add no rows; live runs read the API.
    """
    keys = context.partition_key.keys_by_dimension
    series = HIGH_TEMP_SERIES[HIGH_TEMP_SERIES_PREFIX + keys["city"]]
    event_date = date.fromisoformat(keys["date"])
    event = high_temp_event_ticker(series.series, event_date)
    markets = sources.kalshi_markets()
    now = sources.now()
    frames = [
        markets.event_snapshot(event, decision_time)
        for decision_time in weather_decision_times(event_date, series.timezone)
        if decision_time <= now
    ]
    return append_snapshots(warehouse, frames, now)


@asset_check(asset=weather_market_snapshots, blocking=True)
def weather_market_snapshots_fresh(
    warehouse: WarehouseResource, sources: DataSourcesResource
) -> AssetCheckResult:
    """Temperature quotes are fresh enough to trade on (see ``snapshot_freshness``)."""
    return snapshot_freshness(warehouse, sources, list(HIGH_TEMP_SERIES))

"""Kalshi daily-high markets of each city-day, at each NBM-driven decision time so far."""

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from edge_dagster.assets.tsa_markets import snapshot_freshness, snapshot_metadata
from edge_dagster.assets.weather_ingest import WEATHER, partition_city_days
from edge_dagster.core.clock import weather_decision_times
from edge_dagster.core.tickers import HIGH_TEMP_SERIES, high_temp_event_ticker
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.sources.weather_markets import MARKET_COLUMNS, ReplayWeatherMarkets
from edge_dagster.warehouse import insert_new_rows, replace_keyed_rows

MARKET_TABLE_COLUMNS = ["city" if c == "station" else c for c in MARKET_COLUMNS]
"""``weather_markets``: the recorded markets' columns, keyed to the city rather than the station."""


def _market_rows(markets, events: dict[str, tuple[str, object]], snapshots: pd.DataFrame):  # noqa: ANN001, ANN202
    """``weather_markets`` rows: the recorded files' definitions in replay; live, what the
    snapshots say (Kalshi's strikes; the outcome once finalized), with the settlement time and
    Kalshi's settled value the exchange reports now (what the market-skill gate scores)."""
    if isinstance(markets, ReplayWeatherMarkets):
        frames = [
            markets.event_markets(event).assign(city=city, climate_date=day)
            for event, (city, day) in events.items()
        ]
        frames = [f for f in frames if not f.empty]
        return pd.concat(frames)[MARKET_TABLE_COLUMNS] if frames else pd.DataFrame()
    if snapshots.empty:
        return pd.DataFrame()
    latest = snapshots.sort_values("as_of").drop_duplicates("ticker", keep="last")
    city_day = latest["event_ticker"].map(events)
    settled = pd.concat([markets.event_markets(event) for event in events], ignore_index=True)
    settled = settled.drop_duplicates("ticker").set_index("ticker")
    settles_at = pd.to_datetime(latest["ticker"].map(settled["settles_at"]), utc=True)
    value = latest["ticker"].map(settled["settled_value"]).astype(float)
    result = latest["ticker"].map(settled["result"]).where(settles_at.notna(), latest["result"])
    return pd.DataFrame(
        {
            "ticker": latest["ticker"],
            "event_ticker": latest["event_ticker"],
            "series_ticker": latest["series_ticker"],
            "city": [c for c, _ in city_day],
            "climate_date": [d for _, d in city_day],
            "strike_type": latest["strike_type"],
            "floor_strike": latest["floor_strike"],
            "cap_strike": latest["cap_strike"],
            "strike_source": "kalshi",
            "open_time": None,
            "close_time": latest["close_time"],
            "settles_at": settles_at,
            "result": result,
            "settled_value": value,
            "settled_value_source": value.notna().map(
                {True: "kalshi_expiration_value", False: None}
            ),
            "outcome": result,
            "outcome_source": "kalshi",
            "pnl_eligible": True,
        }
    )[MARKET_TABLE_COLUMNS]


@asset(group_name="markets", **WEATHER)
def weather_market_snapshots(
    context: AssetExecutionContext, warehouse: WarehouseResource, sources: DataSourcesResource
) -> MaterializeResult:
    """Each city-day's temperature bins with their quote at every decision time so far, and
    the market definitions (``weather_markets``).

    Strikes come as Kalshi states them (``less``/``between``/``greater`` with floor and cap);
    where a record lacked them the ticker-derived ones are flagged (``strike_source``). In
    replay the quote comes from trades in 15-minute bars that ended by the decision, and no
    market is listed before its open time. Snapshots are append-only keyed by (ticker, as_of).
    """
    markets = sources.weather_markets()
    now = sources.now()
    frames, events = [], {}
    for city, day in partition_city_days(context):
        event = high_temp_event_ticker(city.series, day)
        events[event] = (city.code, day)
        for decision_time in weather_decision_times(day, city.timezone, sources.nbm_availability):
            if decision_time <= now:
                frames.append(markets.event_snapshot(event, decision_time))
    frames = [f for f in frames if not f.empty]
    snapshots = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    definitions = _market_rows(markets, events, snapshots)
    keys = pd.DataFrame({"event_ticker": list(events)})
    with warehouse.transaction(["weather_markets", "market_snapshots"]) as conn:
        replace_keyed_rows(conn, "weather_markets", definitions, keys)
        new_rows = insert_new_rows(conn, "market_snapshots", snapshots)
    return MaterializeResult(
        metadata={
            **snapshot_metadata(snapshots, new_rows, now),
            "markets": MetadataValue.int(len(definitions)),
            "events": MetadataValue.int(len(events)),
        }
    )


@asset_check(asset=weather_market_snapshots, blocking=True)
def weather_market_snapshots_fresh(
    warehouse: WarehouseResource, sources: DataSourcesResource
) -> AssetCheckResult:
    """Temperature quotes are fresh enough to trade on (see ``snapshot_freshness``)."""
    return snapshot_freshness(warehouse, sources, list(HIGH_TEMP_SERIES))

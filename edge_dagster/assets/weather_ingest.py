"""Weather inputs per city × climate date: NBP bulletins, the shipped day-ahead NBM history,
observed highs. Each run covers its partitions in one fetch and one transaction; a bad input
(truncated bulletin, changed CLI layout, HTTP error) fails the run and writes nothing."""

from datetime import date, datetime

import pandas as pd
from dagster import (
    AssetExecutionContext,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)

from edge_dagster.core.cities import STATIONS, City
from edge_dagster.core.nbm import DailyHighGuidance, NbmFormatError
from edge_dagster.core.weather_clock import event_nbm_cycles
from edge_dagster.partitions import city_days, weather_daily_city_partitions
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import DUCKDB_WRITE_POOL, WarehouseResource
from edge_dagster.sources.nbm import parse_blocks
from edge_dagster.warehouse import insert_frame, replace_keyed_rows

# Every weather asset: city × climate date, one run per backfill range, one DuckDB writer.
WEATHER = {
    "partitions_def": weather_daily_city_partitions,
    "backfill_policy": BackfillPolicy.single_run(),
    "pool": DUCKDB_WRITE_POOL,
    "kinds": {"duckdb", "python"},
}


def partition_city_days(context: AssetExecutionContext) -> list[tuple[City, date]]:
    return city_days(context.partition_keys)


def _station_days(pairs: list[tuple[City, date]], column: str) -> pd.DataFrame:
    return pd.DataFrame({"station": [c.station for c, _ in pairs], column: [d for _, d in pairs]})


def _bulletin_rows(highs: list[DailyHighGuidance], availability: pd.Timedelta) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "station": h.station,
                "local_date": h.local_date,
                "cycle_time": h.cycle,
                "version": h.version,
                "forecast_hour": h.forecast_hour,
                "valid_time": h.valid_time,
                "available_at": h.cycle + availability,
                "txn_mean": h.mean,
                "txn_sd": h.sd,
                "txn_p10": h.p10,
                "txn_p25": h.p25,
                "txn_p50": h.p50,
                "txn_p75": h.p75,
                "txn_p90": h.p90,
            }
            for h in highs
        ]
    )


@asset(group_name="ingest", **WEATHER)
def nbm_bulletins(
    context: AssetExecutionContext, warehouse: WarehouseResource, sources: DataSourcesResource
) -> MaterializeResult:
    """NBP daily-high guidance (TXNMN, TXNSD, TXNP1/2/5/7/9) for the partitions' city-days,
    from every full cycle behind their decisions (01/07/13/19Z of the day before and the day).

    One bulletin per cycle serves every configured station: it is streamed once and the
    stations' blocks are kept in ``nbm_station_blocks``, so a cycle read before is re-parsed
    from there, never downloaded again. Cycles not (yet) published are listed as missing.
    """
    pairs = partition_city_days(context)
    now = sources.now()
    availability = pd.Timedelta(sources.nbm_availability)
    cycles = sorted(
        {c for _, day in pairs for c in event_nbm_cycles(day) if c + availability <= now}
    )
    tables = ["nbm_cycles", "nbm_station_blocks", "nbm_bulletins"]
    with warehouse.transaction(tables) as conn:
        stored = conn.execute(
            "SELECT c.cycle_time, c.fetched_at, b.station, b.block_text FROM nbm_cycles c "
            "LEFT JOIN nbm_station_blocks b USING (cycle_time) WHERE c.cycle_time IN "
            "(SELECT unnest(?::TIMESTAMPTZ[]))",
            [cycles],
        ).fetchall()
    stored_blocks: dict[datetime, dict[str, str]] = {}
    stored_at: dict[datetime, datetime] = {}
    for cycle, fetched_at, station, text in stored:
        stored_at[cycle] = fetched_at
        if station is not None:
            stored_blocks.setdefault(cycle, {})[station] = text
    source = sources.nbm_bulletins()
    new_cycles, new_blocks, frames, missing = [], [], [], []
    for cycle in cycles:
        if cycle in stored_at:
            highs = parse_blocks(stored_blocks.get(cycle, {}))
            frames.append(_bulletin_rows(highs, availability))
            continue
        scan = source.fetch(cycle, STATIONS)
        if scan is None:
            missing.append(f"{cycle:%Y-%m-%dT%HZ}")
            continue
        highs = parse_blocks(scan.blocks)  # a malformed block fails before anything is written
        if any(h.cycle != cycle for h in highs):
            raise NbmFormatError(f"{source.url(cycle)} holds another cycle's bulletin")
        frames.append(_bulletin_rows(highs, availability))
        new_cycles.append(
            {
                "cycle_time": cycle,
                "source_url": source.url(cycle),
                "fetched_at": now,
                "bytes": scan.bytes_read,
                "sha256": scan.sha256,
                "block_count": scan.block_count,
                "stations_found": ",".join(sorted(scan.blocks)),
                "stations_missing": ",".join(scan.missing),
            }
        )
        new_blocks += [
            {"cycle_time": cycle, "station": station, "block_text": text}
            for station, text in scan.blocks.items()
        ]
    frames = [f for f in frames if not f.empty]
    keys = _station_days(pairs, "local_date")
    rows = pd.concat(frames).merge(keys, on=["station", "local_date"]) if frames else pd.DataFrame()
    with warehouse.transaction(tables) as conn:
        insert_frame(conn, "nbm_cycles", pd.DataFrame(new_cycles))
        insert_frame(conn, "nbm_station_blocks", pd.DataFrame(new_blocks))
        written = replace_keyed_rows(conn, "nbm_bulletins", rows, keys)
    if missing:
        context.log.warning(f"NBP cycles not published at {source.base_url}: {', '.join(missing)}")
    return MaterializeResult(
        metadata={
            "rows": MetadataValue.int(written),
            "cycles_needed": MetadataValue.int(len(cycles)),
            "cycles_downloaded": MetadataValue.int(len(new_cycles)),
            "cycles_reparsed": MetadataValue.int(len(cycles) - len(new_cycles) - len(missing)),
            "cycles_missing": MetadataValue.text(", ".join(missing[:20]) or "none"),
            "source": MetadataValue.text(source.base_url),
            "as_of": MetadataValue.text(now.isoformat()),
        }
    )


def _by_station(pairs: list[tuple[City, date]]) -> dict[str, tuple[date, date]]:
    """Each station's first and last partition day (one fetch per station per run)."""
    spans: dict[str, tuple[date, date]] = {}
    for city, day in pairs:
        first, last = spans.get(city.station, (day, day))
        spans[city.station] = (min(first, day), max(last, day))
    return spans


@asset(group_name="ingest", **WEATHER)
def observed_highs(
    context: AssetExecutionContext, warehouse: WarehouseResource, sources: DataSourcesResource
) -> MaterializeResult:
    """Observed daily highs of the partitions' city-days as public by now, one row per source
    and report: ``final`` (what Kalshi settles on) kept apart from ``preliminary``.

    Replay reads the shipped file (Kalshi's settled values, IEM's CLI parse, ACIS, GHCN);
    live reads IEM's CLI archive and ACIS, and the NWS CLI text for the last week.
    """
    pairs = partition_city_days(context)
    now = sources.now()
    source = sources.observed_highs()
    frames = [
        source.observed_highs([station], first, last, now)
        for station, (first, last) in _by_station(pairs).items()
    ]
    keys = _station_days(pairs, "climate_date")
    frames = [f for f in frames if not f.empty]
    rows = (
        pd.concat(frames).merge(keys, on=["station", "climate_date"]) if frames else pd.DataFrame()
    )
    with warehouse.transaction(["observed_highs"]) as conn:
        written = replace_keyed_rows(conn, "observed_highs", rows, keys)
    final_days = (
        0 if rows.empty else rows.loc[rows["report"] == "final", ["station", "climate_date"]]
    )
    return MaterializeResult(
        metadata={
            "rows": MetadataValue.int(written),
            "city_days": MetadataValue.int(len(pairs)),
            "city_days_with_a_final_high": MetadataValue.int(
                0 if rows.empty else len(final_days.drop_duplicates())
            ),
            "sources": MetadataValue.text(
                "none" if rows.empty else ", ".join(sorted(rows["source"].unique()))
            ),
            "as_of": MetadataValue.text(now.isoformat()),
        }
    )


@asset(group_name="ingest", **WEATHER)
def nbm_peak_window_forecasts(
    context: AssetExecutionContext, warehouse: WarehouseResource, sources: DataSourcesResource
) -> MaterializeResult:
    """The shipped day-ahead NBM history (KMDW, KAUS, 2023-01 → 2025-02): the max of hourly
    2 m temperature over 13–18 h local from the previous day's 12Z core run, public at the run
    + the NBM availability delay. Not the NBP bulletin: it is calibrated on its own. Live
    deployments have no source for it and write nothing."""
    pairs = partition_city_days(context)
    history = sources.nbm_peak_window_history()
    if history is None:
        return MaterializeResult(
            metadata={"rows": MetadataValue.int(0), "note": "no live source: replay data only"}
        )
    now = sources.now()
    frames = [
        history.forecasts([station], first, last, now)
        for station, (first, last) in _by_station(pairs).items()
    ]
    keys = _station_days(pairs, "climate_date")
    rows = pd.concat(frames).merge(keys, on=["station", "climate_date"])
    with warehouse.transaction(["nbm_peak_window_forecasts"]) as conn:
        written = replace_keyed_rows(conn, "nbm_peak_window_forecasts", rows, keys)
    return MaterializeResult(
        metadata={"rows": MetadataValue.int(written), "as_of": MetadataValue.text(now.isoformat())}
    )

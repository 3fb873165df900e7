"""TSA daily throughput: raw observations per travel day, kept point in time."""

from datetime import timedelta

import pandas as pd
from dagster import (
    AssetExecutionContext,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from edge_dagster.partitions import tsa_daily_partitions
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import DUCKDB_WRITE_POOL, WarehouseResource
from edge_dagster.warehouse import fetch_row

UPSERT_TSA_RAW = """
    INSERT INTO tsa_checkpoint_raw
    SELECT travel_date, travelers, published_at, seen_at, travelers, seen_at, source
    FROM _incoming
    ON CONFLICT (travel_date) DO UPDATE SET
        travelers_latest = excluded.travelers_latest,
        latest_changed_at = CASE
            WHEN excluded.travelers_latest = tsa_checkpoint_raw.travelers_latest
            THEN tsa_checkpoint_raw.latest_changed_at
            ELSE excluded.latest_changed_at
        END
"""
COUNT_DAYS_AND_REVISIONS = """
    SELECT count(*), count(*) FILTER (travelers_latest <> travelers_first_published)
    FROM tsa_checkpoint_raw WHERE travel_date BETWEEN ? AND ?
"""


@asset(
    partitions_def=tsa_daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool=DUCKDB_WRITE_POOL,
    group_name="ingest",
    kinds={"duckdb", "python"},
)
def tsa_checkpoint_raw(
    context: AssetExecutionContext, warehouse: WarehouseResource, sources: DataSourcesResource
) -> MaterializeResult:
    """TSA checkpoint travelers per day as published, with when each figure was first seen.

    Upserts keyed by travel date: the first-published figure is never overwritten (Kalshi
    settles on it); a later restatement only updates ``travelers_latest``. A range of
    partitions runs as one fetch and one transaction.
    """
    window = context.partition_time_window
    start, end = window.start.date(), (window.end - timedelta(days=1)).date()
    as_of = sources.now()
    figures = sources.tsa().daily_figures(start, end, as_of)

    expected = pd.date_range(start, end, freq="D").date
    missing = sorted(set(expected) - set(figures["travel_date"]))
    if missing:
        raise Failure(
            description=(
                f"TSA figures for {len(missing)} of {len(expected)} requested day(s) are not "
                f"public as of {as_of.isoformat()} (first missing {missing[0]}, last "
                f"{missing[-1]}). TSA posts a day's figure at 09:00 ET on the next federal "
                "business day; in replay mode check EDGE_AS_OF and the replay folder's range."
            ),
            metadata={"as_of": as_of.isoformat(), "missing_days": len(missing)},
        )

    with warehouse.transaction(["tsa_checkpoint_raw"]) as conn:
        days_before, _ = fetch_row(conn, COUNT_DAYS_AND_REVISIONS, [start, end])
        conn.register("_incoming", figures)
        try:
            conn.execute(UPSERT_TSA_RAW)
        finally:
            conn.unregister("_incoming")
        days_after, revised = fetch_row(conn, COUNT_DAYS_AND_REVISIONS, [start, end])

    return MaterializeResult(
        metadata={
            "days": MetadataValue.int(len(figures)),
            "new_days": MetadataValue.int(days_after - days_before),
            "revised_days": MetadataValue.int(revised),
            "first_day": MetadataValue.text(str(start)),
            "last_day": MetadataValue.text(str(end)),
            "as_of": MetadataValue.text(as_of.isoformat()),
            "source": MetadataValue.text(str(figures["source"].iloc[0])),
        }
    )

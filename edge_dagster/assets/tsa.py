"""TSA daily throughput: raw observations per travel day, kept point in time."""

from datetime import timedelta

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from edge_dagster.core.clock import latest_published_travel_date
from edge_dagster.partitions import tsa_daily_partitions
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import DUCKDB_WRITE_POOL, WarehouseResource
from edge_dagster.warehouse import fetch_row

TSA_FRESHNESS_GRACE = timedelta(hours=3)
"""How late tsa.gov may post a figure after its 09:00 ET publication time before we stop
trading on the data we have."""
MAX_PLAUSIBLE_TRAVELERS = 5_000_000
"""No day comes near: the busiest day on record screened about 3.1 million travelers."""

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


def check_result(passed: bool, description: str, metadata: dict) -> AssetCheckResult:
    return AssetCheckResult(
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        description=None if passed else description,
        metadata=metadata,
    )


@asset_check(asset=tsa_checkpoint_raw, blocking=True)
def tsa_checkpoint_raw_fresh(
    warehouse: WarehouseResource, sources: DataSourcesResource
) -> AssetCheckResult:
    """The table holds every day the publication clock says is public by now, less a 3-hour
    grace for a late tsa.gov update: a forecast on a missing day would price the week wrong."""
    now = sources.now()
    expected = latest_published_travel_date(now - TSA_FRESHNESS_GRACE)
    with warehouse.transaction(["tsa_checkpoint_raw"]) as conn:
        (newest,) = fetch_row(conn, "SELECT max(travel_date) FROM tsa_checkpoint_raw")
    return check_result(
        newest is not None and newest >= expected,
        f"TSA data is stale: newest travel day {newest}, but {expected} has been public for "
        f"over {TSA_FRESHNESS_GRACE} as of {now.isoformat()}; ingest it (tsa_ingest_job) or "
        "check tsa.gov",
        {
            "newest_travel_date": str(newest),
            "expected_travel_date": str(expected),
            "as_of": now.isoformat(),
            "grace_hours": TSA_FRESHNESS_GRACE.total_seconds() / 3600,
        },
    )


@asset_check(asset=tsa_checkpoint_raw, blocking=True)
def tsa_checkpoint_raw_unique_dates(warehouse: WarehouseResource) -> AssetCheckResult:
    """One row per travel day. The primary key forbids duplicates in a table this pipeline
    created; a table restored from an export (Parquet, CSV, a database copy) has no key."""
    with warehouse.transaction(["tsa_checkpoint_raw"]) as conn:
        duplicated = conn.execute(
            "SELECT travel_date FROM tsa_checkpoint_raw GROUP BY travel_date "
            "HAVING count(*) > 1 ORDER BY travel_date"
        ).fetchall()
    days = [str(day) for (day,) in duplicated]
    return check_result(
        not days,
        f"{len(days)} travel day(s) stored more than once, first {days[0] if days else ''}",
        {"duplicated_days": len(days), "first": ", ".join(days[:5]) or "none"},
    )


RAW_VALUE_PROBLEMS = """
    WITH flagged AS (
        SELECT travel_date,
            travelers_first_published <= 0 OR travelers_latest <= 0 AS non_positive,
            travelers_first_published > ? OR travelers_latest > ? AS too_large,
            published_at < timezone('America/New_York', CAST(travel_date + 1 AS TIMESTAMP))
                AS early,
            first_seen_at < published_at OR latest_changed_at < first_seen_at AS disordered
        FROM tsa_checkpoint_raw
    )
    SELECT count(*) FILTER (non_positive), count(*) FILTER (too_large),
        count(*) FILTER (early), count(*) FILTER (disordered),
        min(travel_date) FILTER (non_positive OR too_large OR early OR disordered)
    FROM flagged
"""


@asset_check(asset=tsa_checkpoint_raw, blocking=True)
def tsa_checkpoint_raw_values_possible(warehouse: WarehouseResource) -> AssetCheckResult:
    """Counts are positive and below any day TSA could screen; a figure is published only
    after its day ended (earlier would be lookahead); times run published ≤ first seen ≤
    latest change."""
    with warehouse.transaction(["tsa_checkpoint_raw"]) as conn:
        non_positive, too_large, early, disordered, first = fetch_row(
            conn, RAW_VALUE_PROBLEMS, [MAX_PLAUSIBLE_TRAVELERS] * 2
        )
    problems = {
        "non_positive_counts": non_positive,
        "counts_above_5m": too_large,
        "published_before_day_ended": early,
        "times_out_of_order": disordered,
    }
    bad = {name: n for name, n in problems.items() if n}
    return check_result(
        not bad,
        "impossible TSA values: "
        + ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in bad.items())
        + f" (first travel day {first})",
        {**problems, "first_bad_day": str(first)},
    )

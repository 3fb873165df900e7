"""TSA daily throughput: raw observations per travel day, kept point in time, ingested by month."""

from datetime import date, datetime, timedelta

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

from edge_dagster.core.backtest_report import markdown_table
from edge_dagster.core.clock import latest_published_travel_date
from edge_dagster.partitions import tsa_monthly_partitions
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
HELD_DAYS = """
    SELECT travel_date, travelers_first_published, travelers_latest, source
    FROM tsa_checkpoint_raw WHERE travel_date BETWEEN ? AND ? ORDER BY travel_date
"""
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def month_end(month: date) -> date:
    return (month + timedelta(days=31)).replace(day=1) - timedelta(days=1)


@asset(
    partitions_def=tsa_monthly_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool=DUCKDB_WRITE_POOL,
    group_name="ingest",
    kinds={"duckdb", "python"},
)
def tsa_checkpoint_raw(
    context: AssetExecutionContext, warehouse: WarehouseResource, sources: DataSourcesResource
) -> MaterializeResult:
    """TSA checkpoint travelers per day as published, with when each figure was first seen.

    A month's run reads the month's days public by now (the month in progress holds exactly
    those); every one of them must be there, or the run fails and writes nothing. Upserts keyed
    by travel date: the first-published figure is never overwritten (Kalshi settles on it); a
    later restatement only updates ``travelers_latest``. A range of months runs as one fetch and
    one transaction.
    """
    window = context.partition_time_window
    first, last_of_window = window.start.date(), (window.end - timedelta(days=1)).date()
    as_of = sources.now()
    public_through = latest_published_travel_date(as_of)
    last = min(last_of_window, public_through)
    figures = read_public_days(sources, first, last, as_of)

    with warehouse.transaction(["tsa_checkpoint_raw"]) as conn:
        before = conn.execute(HELD_DAYS, [first, last_of_window]).df()
        if len(figures):
            conn.register("_incoming", figures)
            try:
                conn.execute(UPSERT_TSA_RAW)
            finally:
                conn.unregister("_incoming")
        held = conn.execute(HELD_DAYS, [first, last_of_window]).df()

    read = set(figures["travel_date"])
    new = read - set(before["travel_date"].dt.date)  # DuckDB DATE columns read as datetime64
    for key in context.partition_keys:
        context.add_asset_metadata(
            month_metadata(date.fromisoformat(key), held, read, new, public_through),
            partition_key=key,
        )
    # The run's, shown on every month it covers; above, each month's own coverage.
    return MaterializeResult(
        metadata={
            "as_of": MetadataValue.text(as_of.isoformat()),
            "public_through": MetadataValue.text(str(public_through)),
            "days_read_in_run": MetadataValue.int(len(figures)),
        }
    )


def read_public_days(
    sources: DataSourcesResource, first: date, last: date, as_of: datetime
) -> pd.DataFrame:
    """The source's figures for ``first..last``, every day of which is public at ``as_of``
    (none when ``last`` is before ``first``: a month whose first day is not public yet); raises
    ``Failure`` naming the days the source does not have."""
    if last < first:
        return pd.DataFrame(
            columns=["travel_date", "travelers", "published_at", "seen_at", "source"]
        )
    figures = sources.tsa().daily_figures(first, last, as_of)
    expected = pd.date_range(first, last, freq="D").date
    missing = sorted(set(expected) - set(figures["travel_date"]))
    if missing:
        raise Failure(
            description=(
                f"TSA figures for {len(missing)} of the {len(expected)} day(s) {first}..{last} "
                f"public by {as_of.isoformat()} are missing from the source (first missing "
                f"{missing[0]}, last {missing[-1]}); nothing was written. TSA posts a day's "
                "figure at 09:00 ET on the next federal business day: live, tsa.gov is late "
                "or lost a row (re-run later); in replay mode check EDGE_AS_OF against the "
                "replay folder's range."
            ),
            metadata={"as_of": as_of.isoformat(), "missing_days": len(missing)},
        )
    return figures


def month_metadata(
    month: date, held: pd.DataFrame, read: set[date], new: set[date], public_through: date
) -> dict[str, MetadataValue]:
    """What one month's partition page shows: the days this run read, new and revised, and a
    calendar of the month as the table now holds it."""
    days_of_month = pd.date_range(month, month_end(month), freq="D").date
    read_here = sorted(read.intersection(days_of_month))
    days = held["travel_date"].dt
    in_month = held[(days.year == month.year) & (days.month == month.month)]
    public = [day for day in days_of_month if day <= public_through]
    return {
        "days": MetadataValue.int(len(read_here)),
        "new_days": MetadataValue.int(len(new.intersection(days_of_month))),
        "revised_days": MetadataValue.int(
            int((in_month["travelers_latest"] != in_month["travelers_first_published"]).sum())
        ),
        "days_held": MetadataValue.int(len(in_month)),
        "days_public": MetadataValue.int(len(public)),
        "first_day": MetadataValue.text(str(read_here[0]) if read_here else "none"),
        "last_day": MetadataValue.text(str(read_here[-1]) if read_here else "none"),
        "source": MetadataValue.text(", ".join(sorted(set(in_month["source"]))) or "none"),
        "coverage": MetadataValue.md(coverage_calendar(month, in_month, public_through)),
    }


def coverage_calendar(month: date, held: pd.DataFrame, public_through: date) -> str:
    """The month as a Monday-first calendar: each held day's first-published travelers (``*``
    when since revised), ``not public`` after the newest public day, ``missing`` for a public
    day the table lacks."""
    figures = {
        row.travel_date.date(): f"{row.travelers_first_published:,}"
        + ("*" if row.travelers_latest != row.travelers_first_published else "")
        for row in held.itertuples()
    }
    weeks: list[list[str]] = []
    day = month
    while day.month == month.month:
        if not weeks or day.weekday() == 0:
            weeks.append([""] * 7)
        cell = figures.get(day, "not public" if day > public_through else "missing")
        weeks[-1][day.weekday()] = f"{day.day}: {cell}"
        day += timedelta(days=1)
    table = markdown_table(pd.DataFrame(weeks, columns=list(WEEKDAYS)))
    return (
        f"### {month:%B %Y}: {len(figures)} day(s) held\n\n{table}\n\n"
        "Travelers as first published; * revised since (travelers_latest differs)."
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

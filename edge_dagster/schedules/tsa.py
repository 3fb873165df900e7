"""Weekday TSA ingest, just after tsa.gov's 9 a.m. ET update."""

from datetime import timedelta

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from edge_dagster.core.clock import latest_published_travel_date
from edge_dagster.jobs import tsa_ingest_job
from edge_dagster.settings import Settings

# Re-reading the last week catches Monday's three new days and any restatement of the week.
TSA_INGEST_LOOKBACK_DAYS = 7


@schedule(
    job=tsa_ingest_job,
    cron_schedule="15 9 * * 1-5",
    execution_timezone="America/New_York",
    default_status=DefaultScheduleStatus.RUNNING,
)
def tsa_ingest_schedule(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    """Ingest the TSA days published by the tick's time, as one partition-range run."""
    if Settings.from_env().data_source != "live":
        return SkipReason("EDGE_DEPLOYMENT is replay: replays are backfilled, not scheduled")
    newest = latest_published_travel_date(context.scheduled_execution_time)
    oldest = newest - timedelta(days=TSA_INGEST_LOOKBACK_DAYS - 1)
    return RunRequest(
        run_key=f"tsa_ingest_{newest.isoformat()}",
        tags={
            ASSET_PARTITION_RANGE_START_TAG: oldest.isoformat(),
            ASSET_PARTITION_RANGE_END_TAG: newest.isoformat(),
        },
    )

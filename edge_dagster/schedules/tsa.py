"""Weekday TSA ingest just after tsa.gov's 9 a.m. ET update, and the week's decision runs."""

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

from edge_dagster.core.clock import EASTERN, UTC, latest_published_travel_date, week_monday
from edge_dagster.jobs import tsa_ingest_job, tsa_weekly_job
from edge_dagster.settings import Settings

# Each run re-reads the month of the newest public day, and the previous month too while the last
# week reaches into it: Monday's three new days and restatements of last week always land.
TSA_INGEST_LOOKBACK_DAYS = 7


@schedule(
    job=tsa_ingest_job,
    cron_schedule="15 9 * * 1-5",
    execution_timezone="America/New_York",
    default_status=DefaultScheduleStatus.RUNNING,
)
def tsa_ingest_schedule(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    """Ingest the TSA days published by the tick's time: the newest public day's month (and
    the month before while the last week reaches into it), as one partition-range run."""
    if Settings.from_env().data_source != "live":
        return SkipReason("EDGE_DEPLOYMENT is replay: replays are backfilled, not scheduled")
    newest = latest_published_travel_date(context.scheduled_execution_time)
    oldest = newest - timedelta(days=TSA_INGEST_LOOKBACK_DAYS - 1)
    return RunRequest(
        run_key=f"tsa_ingest_{newest.isoformat()}",
        tags={
            ASSET_PARTITION_RANGE_START_TAG: oldest.replace(day=1).isoformat(),
            ASSET_PARTITION_RANGE_END_TAG: newest.replace(day=1).isoformat(),
        },
    )


# Five minutes after each decision time, so the 09:15 ingest has landed; well inside the
# 30-minute window in which a live decision may still trade (``clock.LIVE_DECISION_WINDOW``).
DECISION_RUN_DELAY_MINUTES = 5


def _decision_run(context: ScheduleEvaluationContext, kind: str) -> RunRequest | SkipReason:
    if Settings.from_env().data_source != "live":
        return SkipReason("EDGE_DEPLOYMENT is replay: replays are backfilled, not scheduled")
    tick = context.scheduled_execution_time
    monday = week_monday(tick.astimezone(EASTERN).date())
    return RunRequest(
        run_key=f"tsa_{kind}_{tick.astimezone(UTC).isoformat()}", partition_key=monday.isoformat()
    )


@schedule(
    job=tsa_weekly_job,
    cron_schedule=[
        f"{15 + DECISION_RUN_DELAY_MINUTES} 10 * * 1",
        f"{15 + DECISION_RUN_DELAY_MINUTES} 9 * * 2-5",
    ],
    execution_timezone="America/New_York",
    default_status=DefaultScheduleStatus.RUNNING,
)
def tsa_decision_schedule(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    """The week's maker decisions (Monday 10:15 ET, Tuesday–Friday 09:15 ET): the week in
    progress, once its new TSA figure is in."""
    return _decision_run(context, "decision")


@schedule(
    job=tsa_weekly_job,
    cron_schedule=f"{DECISION_RUN_DELAY_MINUTES} 15 * * 5",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)
def tsa_taker_schedule(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    """Friday's 15:00 UTC taker decision (``clock.tsa_taker_decision_time``)."""
    return _decision_run(context, "taker")

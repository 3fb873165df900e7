"""Temperature-market snapshots at each NBM decision time (a full cycle's bulletin + 75 min)."""

from datetime import timedelta

from dagster import (
    DefaultScheduleStatus,
    MultiPartitionKey,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from edge_dagster.core.clock import UTC, weather_decision_times
from edge_dagster.core.tickers import HIGH_TEMP_SERIES
from edge_dagster.jobs import weather_snapshots_job
from edge_dagster.partitions import WEATHER_CITIES
from edge_dagster.settings import Settings


@schedule(
    job=weather_snapshots_job,
    cron_schedule="15 2,8,14,20 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)
def weather_snapshot_schedule(
    context: ScheduleEvaluationContext,
) -> list[RunRequest] | SkipReason:
    """One run per city-day whose decision times include this tick (today's and tomorrow's)."""
    if Settings.from_env().data_source != "live":
        return SkipReason("EDGE_DEPLOYMENT is replay: replays are backfilled, not scheduled")
    tick = context.scheduled_execution_time.astimezone(UTC)
    requests = []
    for city in WEATHER_CITIES:
        tz = HIGH_TEMP_SERIES[f"KXHIGH{city}"].timezone
        for event_date in (tick.date(), tick.date() + timedelta(days=1)):
            if tick in weather_decision_times(event_date, tz):
                key = MultiPartitionKey({"city": city, "date": event_date.isoformat()})
                requests.append(
                    RunRequest(run_key=f"weather_{key}_{tick:%Y%m%dT%H%M}", partition_key=key)
                )
    return requests or SkipReason("no city-day decides at this tick")

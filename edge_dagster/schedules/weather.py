"""The daily weather calibration, once every city's final CLI for yesterday is in, and the
temperature strategy every 30 minutes while its markets trade."""

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

from edge_dagster.core.cities import CITIES
from edge_dagster.core.clock import UTC
from edge_dagster.jobs import weather_calibration_job, weather_pricing_job
from edge_dagster.sensors.weather import open_event_range
from edge_dagster.settings import Settings

# Re-read a few days of highs: a late or corrected final CLI lands in the next run.
OBSERVED_LOOKBACK_DAYS = 3


@schedule(
    job=weather_calibration_job,
    # 15:00 UTC is 07:00 PST, the latest of the cities' 07:00 LST (``FINAL_CLI_KNOWN_BY``).
    cron_schedule="5 15 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)
def weather_calibration_schedule(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    """One run for every city: the last days' observed highs, then today's calibration."""
    if Settings.from_env().data_source != "live":
        return SkipReason("EDGE_DEPLOYMENT is replay: replays are backfilled, not scheduled")
    today = context.scheduled_execution_time.astimezone(UTC).date()
    first = today - timedelta(days=OBSERVED_LOOKBACK_DAYS)
    codes = sorted(city.code for city in CITIES)
    return RunRequest(
        run_key=f"weather_calibration_{today.isoformat()}",
        tags={
            ASSET_PARTITION_RANGE_START_TAG: f"{codes[0]}|{first.isoformat()}",
            ASSET_PARTITION_RANGE_END_TAG: f"{codes[-1]}|{today.isoformat()}",
        },
    )


@schedule(
    job=weather_pricing_job,
    cron_schedule="*/30 * * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)
def weather_trading_schedule(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    """Every 30 minutes while daily-high markets trade (each event opens the day before and
    closes at 23:59 local standard time, so some city's event is always open): one run over
    every city's open events — snapshot, price, rank, and sync and send orders. The cycle's
    decision (cycle + ``NBM_AVAILABILITY_MINUTES``) is sent only while it is at most 30
    minutes old; between cycles a run syncs fills from the exchange and keeps the book."""
    if Settings.from_env().data_source != "live":
        return SkipReason("EDGE_DEPLOYMENT is replay: replays are backfilled, not scheduled")
    now = context.scheduled_execution_time.astimezone(UTC)
    start, end = open_event_range(now)
    return RunRequest(
        run_key=f"weather_trading_{now:%Y%m%dT%H%M}",
        tags={ASSET_PARTITION_RANGE_START_TAG: start, ASSET_PARTITION_RANGE_END_TAG: end},
    )

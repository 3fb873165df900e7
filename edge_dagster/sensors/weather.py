"""Price every open daily-high event as soon as a new NBM cycle is published."""

from datetime import datetime, time, timedelta

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from edge_dagster.core.cities import CITIES
from edge_dagster.core.clock import NBM_FULL_CYCLES_UTC, UTC
from edge_dagster.jobs import weather_pricing_job
from edge_dagster.settings import Settings
from edge_dagster.sources.nbm import NbmBulletinSource

LOOKBACK_CYCLES = 2


def latest_cycles(now: datetime, count: int = LOOKBACK_CYCLES) -> list[datetime]:
    """The last ``count`` full NBP cycles (01/07/13/19Z) at or before ``now``, newest first."""
    found = []
    day = now.astimezone(UTC).date()
    while len(found) < count:
        for hour in sorted(NBM_FULL_CYCLES_UTC, reverse=True):
            cycle = datetime.combine(day, time(hour), UTC)
            if cycle <= now and len(found) < count:
                found.append(cycle)
        day -= timedelta(days=1)
    return found


def open_event_range(now: datetime) -> tuple[str, str]:
    """Partition keys spanning every city's open events: its local today and tomorrow."""
    days = [now.astimezone(city.timezone).date() for city in CITIES]
    first, last = min(days), max(days) + timedelta(days=1)
    codes = sorted(city.code for city in CITIES)
    return f"{codes[0]}|{first.isoformat()}", f"{codes[-1]}|{last.isoformat()}"


@sensor(
    job=weather_pricing_job,
    minimum_interval_seconds=300,
    default_status=DefaultSensorStatus.RUNNING,
)
def nbm_cycle_sensor(context: SensorEvaluationContext) -> RunRequest | SkipReason:
    """One run for all open events (every city, local today and tomorrow) per new cycle, once
    it is published and its decision time (cycle + ``NBM_AVAILABILITY_MINUTES``) has come: one
    download, one DuckDB writer. The cursor is the newest cycle already priced."""
    settings = Settings.from_env()
    if settings.data_source != "live":
        return SkipReason("EDGE_DEPLOYMENT=replay: replays are backfilled, not sensed")
    now = datetime.now(UTC)
    source = NbmBulletinSource(settings.nbm_base_url)
    # A cycle prices its decision at cycle + the availability delay, not before.
    delay = timedelta(minutes=settings.nbm_availability_minutes)
    published = next((c for c in latest_cycles(now - delay) if source.exists(c)), None)
    if published is None:
        return SkipReason("no recent NBP cycle is published yet")
    if context.cursor and datetime.fromisoformat(context.cursor) >= published:
        return SkipReason(f"cycle {published:%Y-%m-%dT%HZ} already priced")
    context.update_cursor(published.isoformat())
    start, end = open_event_range(now)
    return RunRequest(
        run_key=f"nbm_{published:%Y%m%dT%H}",
        tags={ASSET_PARTITION_RANGE_START_TAG: start, ASSET_PARTITION_RANGE_END_TAG: end},
    )

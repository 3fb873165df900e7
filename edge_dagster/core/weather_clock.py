"""When weather data becomes knowable: NBM runs, CLI reports, the daily calibration.

Weather-only helpers beside ``core/clock.py`` (which owns the decision times). The NWS climate
day runs midnight to midnight local *standard* time all year, so every daily rule here is in
standard time; the final CLI for a day is issued after that midnight, usually by 02:00–03:00.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from edge_dagster.core.clock import NBM_FULL_CYCLES_UTC, UTC

FINAL_CLI_KNOWN_BY = time(7, 0)
"""Local standard time on the next day by which a day's final CLI is taken as public; the daily
calibration runs then too (the CLI is usually out by 03:00, so this leaves a margin)."""


def standard_offset(tz: ZoneInfo) -> timedelta:
    """The zone's UTC offset without daylight saving (January has none in the US)."""
    return tz.utcoffset(datetime(2001, 1, 15)) or timedelta(0)


def at_standard_time(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """``day`` at ``wall`` local standard time, in UTC."""
    return (datetime.combine(day, wall) - standard_offset(tz)).replace(tzinfo=UTC)


def observed_high_known_at(climate_date: date, tz: ZoneInfo) -> datetime:
    """When a day's final observed high is public: the next day at 07:00 LST."""
    return at_standard_time(climate_date + timedelta(days=1), FINAL_CLI_KNOWN_BY, tz)


def calibration_time(fit_date: date, tz: ZoneInfo) -> datetime:
    """When the fit dated ``fit_date`` is made: once the previous day's final CLI is in."""
    return observed_high_known_at(fit_date - timedelta(days=1), tz)


def event_nbm_cycles(event_date: date) -> list[datetime]:
    """The full NBP cycles behind a city-day's decisions: 01/07/13/19Z of the day before and of
    the day itself (each carries the event's daily-high column)."""
    return [
        datetime.combine(day, time(hour), UTC)
        for day in (event_date - timedelta(days=1), event_date)
        for hour in NBM_FULL_CYCLES_UTC
    ]

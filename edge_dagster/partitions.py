"""Partitions of every asset family.

The raw TSA days are ingested by calendar month (Eastern time), keyed by the month's first day
(``2026-04-01``): a partition per day would cost Dagster two events per day of history, most of
an ingest run. The month in progress is a partition; it holds the days public so far. TSA weeks
are Monday-start and keyed by the Monday; ``end_offset=1`` exposes the week in progress, which is
the one being traded. Weather is city × climate date, from 2023-01-01 (the shipped observed highs
and day-ahead NBM history begin there; the recorded markets from 2023-12-25, and calibration
needs the year before them) to tomorrow, so tomorrow's event can be priced today.

In a replay (``EDGE_AS_OF``) every family ends where it would end on that clock, so the UI
shows no "missing" partitions after the as-of; on the wall clock the ends move with time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from dagster import (
    DailyPartitionsDefinition,
    MonthlyPartitionsDefinition,
    MultiPartitionsDefinition,
    StaticPartitionsDefinition,
    WeeklyPartitionsDefinition,
)

from edge_dagster.core.cities import CITIES, City, city
from edge_dagster.core.clock import EASTERN, week_monday
from edge_dagster.settings import replay_clock

EASTERN_TZ = "America/New_York"
TSA_HISTORY_START = "2019-01-01"
TSA_BACKTEST_START = "2022-01-03"
WEATHER_HISTORY_START = "2023-01-01"
WEATHER_CITIES = [city.code for city in CITIES]

REPLAY_TODAY = (clock := replay_clock(os.environ)) and clock.astimezone(EASTERN).date()
"""The replay clock's day (Eastern), or None on the wall clock."""


def _replay_end(end: Callable[[date], date]) -> dict[str, str]:
    """``end_date`` (the end of the last partition, ``end(today)``) on the replay clock."""
    return {"end_date": end(REPLAY_TODAY).isoformat()} if REPLAY_TODAY else {}


def _next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


# On the wall clock: months up to the one in progress, weeks up to the one in progress, weather
# to tomorrow.
tsa_monthly_partitions = MonthlyPartitionsDefinition(
    start_date=TSA_HISTORY_START,
    timezone=EASTERN_TZ,
    end_offset=1,
    **_replay_end(_next_month),
)

tsa_weekly_partitions = WeeklyPartitionsDefinition(
    start_date=TSA_BACKTEST_START,
    day_offset=1,
    timezone=EASTERN_TZ,
    end_offset=1,
    **_replay_end(lambda today: week_monday(today) + timedelta(days=7)),
)

weather_daily_city_partitions = MultiPartitionsDefinition(
    {
        "city": StaticPartitionsDefinition(WEATHER_CITIES),
        "date": DailyPartitionsDefinition(
            start_date=WEATHER_HISTORY_START,
            timezone=EASTERN_TZ,
            end_offset=2,
            **_replay_end(lambda today: today + timedelta(days=2)),
        ),
    }
)


def city_days(partition_keys: Sequence[str]) -> list[tuple[City, date]]:
    """(city, climate date) of each weather partition key (``CHI|2024-09-15``), in order."""
    found = []
    for key in partition_keys:
        dimensions = weather_daily_city_partitions.get_partition_key_from_str(key)
        keys = dimensions.keys_by_dimension
        found.append((city(keys["city"]), date.fromisoformat(keys["date"])))
    return found

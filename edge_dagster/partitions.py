"""Partitions of every asset family.

TSA days are keyed by travel date (Eastern time). TSA weeks are Monday-start and keyed by the
Monday; ``end_offset=1`` exposes the week in progress, which is the one being traded. Weather is
city × climate date, from 2023-01-01 (the shipped observed highs and day-ahead NBM history begin
there; the recorded markets from 2023-12-25, and calibration needs the year before them) to
tomorrow, so tomorrow's event can be priced today.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from dagster import (
    DailyPartitionsDefinition,
    MultiPartitionsDefinition,
    StaticPartitionsDefinition,
    WeeklyPartitionsDefinition,
)

from edge_dagster.core.cities import CITIES, City, city

EASTERN_TZ = "America/New_York"
TSA_HISTORY_START = "2019-01-01"
TSA_BACKTEST_START = "2022-01-03"
WEATHER_HISTORY_START = "2023-01-01"
WEATHER_CITIES = [city.code for city in CITIES]

tsa_daily_partitions = DailyPartitionsDefinition(
    start_date=TSA_HISTORY_START, timezone=EASTERN_TZ, end_offset=0
)

tsa_weekly_partitions = WeeklyPartitionsDefinition(
    start_date=TSA_BACKTEST_START, day_offset=1, timezone=EASTERN_TZ, end_offset=1
)

weather_daily_city_partitions = MultiPartitionsDefinition(
    {
        "city": StaticPartitionsDefinition(WEATHER_CITIES),
        "date": DailyPartitionsDefinition(
            start_date=WEATHER_HISTORY_START, timezone=EASTERN_TZ, end_offset=2
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

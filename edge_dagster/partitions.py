"""Partitions of every asset family.

TSA days are keyed by travel date (Eastern time). TSA weeks are Monday-start and keyed by the
Monday; ``end_offset=1`` exposes the week in progress, which is the one being traded. Weather is
city × event date, with the date running to tomorrow so tomorrow's event can be priced today.
"""

from __future__ import annotations

from dagster import (
    DailyPartitionsDefinition,
    MultiPartitionsDefinition,
    StaticPartitionsDefinition,
    WeeklyPartitionsDefinition,
)

EASTERN_TZ = "America/New_York"
TSA_HISTORY_START = "2019-01-01"
TSA_BACKTEST_START = "2022-01-03"
WEATHER_CITIES = ["AUS", "CHI", "DEN", "LAX", "MIA", "NY", "PHIL"]

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
            start_date="2026-01-01", timezone=EASTERN_TZ, end_offset=2
        ),
    }
)

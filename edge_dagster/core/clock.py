"""When TSA figures and NBM forecasts become public, and the decision times they imply.

Everything point-in-time in the project asks this module "when was X knowable?". TSA posts
numbers Monday–Friday by 09:00 ET: a day's figure appears at 09:00 ET on the first federal
business day after it (Mon–Thu next morning, Fri/Sat/Sun on Monday, a holiday pushes it one
business day further). See ``shared/reference/tsa_nbm_formats.md`` §1.5.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

EASTERN = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
TSA_PUBLICATION_TIME = time(9, 0)
DECISION_TIME = time(9, 15)
MONDAY_DECISION_TIME = time(10, 15)
"""The week's first decision: the event opens Monday 10:00 ET (rules text, kalshi_api.md §7),
plus 15 minutes; it has the same TSA data as 09:15 (the Friday–Sunday figures)."""
TAKER_DECISION_UTC = time(15, 0)
"""Friday's taker decision: the end of the recorded one-hour bar (10:00 EST / 11:00 EDT), with
Thursday's figure out; it sees the same TSA data as Friday 09:15 ET."""
ORDER_EXPIRY_LEAD = timedelta(minutes=5)
"""A resting TSA order expires this long before the next publication (clock skew margin)."""
LIVE_DECISION_WINDOW = timedelta(minutes=30)
"""How long after a decision time the live book may stand for it, and a real exchange may still
receive its orders: later runs of a past decision read recorded candles and send nothing."""


@lru_cache(maxsize=64)
def _federal_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.US(years=year, observed=True).keys())


def is_federal_business_day(day: date) -> bool:
    """A weekday that is not a US federal holiday (observed dates included)."""
    return day.weekday() < 5 and day not in _federal_holidays(day.year)


def next_federal_business_day(day: date) -> date:
    """The first federal business day strictly after ``day``."""
    candidate = day + timedelta(days=1)
    while not is_federal_business_day(candidate):
        candidate += timedelta(days=1)
    return candidate


def tsa_published_at(travel_date: date) -> datetime:
    """When the TSA figure for ``travel_date`` first appears on tsa.gov (tz-aware, ET)."""
    return datetime.combine(next_federal_business_day(travel_date), TSA_PUBLICATION_TIME, EASTERN)


def latest_published_travel_date(as_of: datetime) -> date:
    """The newest travel date whose figure is public at ``as_of``."""
    candidate = as_of.astimezone(EASTERN).date()
    while tsa_published_at(candidate) > as_of:
        candidate -= timedelta(days=1)
    return candidate


def parse_as_of(text: str) -> datetime:
    """Parse an ISO-8601 instant; a naive value is read as America/New_York wall time."""
    parsed = datetime.fromisoformat(text.strip())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=EASTERN)


def at_eastern(day: date, wall_time: time) -> datetime:
    """``day`` at ``wall_time`` in America/New_York (DST-aware)."""
    return datetime.combine(day, wall_time, EASTERN)


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def tsa_week_decision_times(monday: date) -> list[datetime]:
    """The decision times of the Mon–Sun TSA week starting ``monday``, one per known day.

    Monday 10:15 ET (data through the previous Sunday, once the event has opened) and
    Tuesday–Friday 09:15 ET, each just after a daily publication. Fri/Sat/Sun figures arrive
    the following Monday, after the market has closed, so there is no later new information.
    """
    if monday.weekday() != 0:
        raise ValueError(f"{monday} is not a Monday")
    return [at_eastern(monday, MONDAY_DECISION_TIME)] + [
        at_eastern(monday + timedelta(days=offset), DECISION_TIME) for offset in range(1, 5)
    ]


def tsa_taker_decision_time(monday: date) -> datetime:
    """The week's Friday 15:00 UTC decision, which trades immediate-or-cancel at the quote."""
    if monday.weekday() != 0:
        raise ValueError(f"{monday} is not a Monday")
    return datetime.combine(monday + timedelta(days=4), TAKER_DECISION_UTC, UTC)


def next_tsa_release(after: datetime) -> datetime:
    """The first TSA publication (09:00 ET on a federal business day) strictly after ``after``."""
    day = after.astimezone(EASTERN).date()
    release = at_eastern(day, TSA_PUBLICATION_TIME)
    if not is_federal_business_day(day) or release <= after:
        release = at_eastern(next_federal_business_day(day), TSA_PUBLICATION_TIME)
    return release


def tsa_order_expiry(decision_time: datetime) -> datetime:
    """When a TSA order placed at ``decision_time`` stops resting: before the next release,
    so nobody who reads the new figure first can pick it off."""
    return next_tsa_release(decision_time) - ORDER_EXPIRY_LEAD


NBM_FULL_CYCLES_UTC = (1, 7, 13, 19)
"""NBM probabilistic (NBP) cycles that carry the max-temperature rows (reference §2)."""
NBM_AVAILABILITY_DELAY = timedelta(minutes=90)
"""A cycle's bulletin is on S3 55–75 min after its nominal time; it counts as public, and the
decision is taken, 90 min after (configurable: ``NBM_AVAILABILITY_MINUTES``)."""


def climate_day_close(event_date: date, tz: ZoneInfo) -> datetime:
    """23:59 local *standard* time of ``event_date``: when a daily-high market stops trading
    (the NWS climate day ignores daylight saving)."""
    standard = tz.utcoffset(datetime(event_date.year, 1, 1)) or timedelta(0)
    local = datetime.combine(event_date, time(23, 59))
    return (local - standard).replace(tzinfo=UTC)


def weather_decision_times(
    event_date: date, tz: ZoneInfo, availability: timedelta = NBM_AVAILABILITY_DELAY
) -> list[datetime]:
    """Decision times of one city-day high-temperature event: each full NBM cycle of the day
    before and of the day itself, once its bulletin is available, while the market trades."""
    close = climate_day_close(event_date, tz)
    times = [
        datetime.combine(day, time(hour), UTC) + availability
        for day in (event_date - timedelta(days=1), event_date)
        for hour in NBM_FULL_CYCLES_UTC
    ]
    return [t for t in times if t < close]

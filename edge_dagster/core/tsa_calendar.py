"""The calendar roles of TSA travel days: which day of an earlier year a day is compared with,
and which days holidays move.

Travel is set by the calendar as much as by the weekday: Thanksgiving, Easter and the Monday
holidays move from year to year, Christmas–New Year is fixed to the date, and the COVID years
describe no normal year at all. Every model that compares a day with earlier years asks this
module for the day playing the same role.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
from dateutil.easter import easter

MAX_REFERENCE_YEARS = 7
# References in here describe pandemic travel, not a normal year (Omicron depressed Jan–Feb 2022).
COVID_START, COVID_END = date(2020, 3, 1), date(2022, 2, 28)
# Dec 22 .. Jan 1: school-holiday core where the calendar date, not the weekday, sets traffic.
CHRISTMAS_DATE_WINDOW = (-3, 7)
# Days this close to Dec 25 / Jan 1 / Jul 4 count as holiday days (weekday profile, regimes).
FIXED_HOLIDAY_MARGIN = 4


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th (n > 0) or last (n = -1) ``weekday`` of a month."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


# (anchor of a year, first and last day offset of its travel window). All are weekday-anchored,
# so aligning on them keeps the weekday: the reference is 52 or 53 weeks (Easter: up to 57) back.
_MOVING_HOLIDAYS: tuple[tuple[Callable[[int], date], int, int], ...] = (
    (lambda y: _nth_weekday(y, 11, 3, 4), -7, 7),  # Thanksgiving: the week before and after
    (easter, -7, 7),  # Easter: spring-break weeks around it
    (lambda y: _nth_weekday(y, 5, 0, -1), -4, 2),  # Memorial Day: Thu before .. Wed after
    (lambda y: _nth_weekday(y, 9, 0, 1), -4, 2),  # Labor Day
    (lambda y: _nth_weekday(y, 1, 0, 3), -3, 1),  # Martin Luther King Jr. Day: Fri .. Tue
    (lambda y: _nth_weekday(y, 2, 0, 3), -3, 1),  # Presidents' Day
    (lambda y: _nth_weekday(y, 10, 0, 2), -3, 1),  # Columbus Day
)


@lru_cache(maxsize=256)
def _moving_anchors(year: int) -> tuple[date, ...]:
    return tuple(anchor(year) for anchor, _, _ in _MOVING_HOLIDAYS)


def _moving_holiday_hit(day: date) -> tuple[int, date] | None:
    """(holiday index, that holiday's date) if ``day`` lies in a moving holiday's window."""
    for year in (day.year, day.year + 1, day.year - 1):
        for index, anchor in enumerate(_moving_anchors(year)):
            _, lo, hi = _MOVING_HOLIDAYS[index]
            if lo <= (day - anchor).days <= hi:
                return index, anchor
    return None


def _christmas_offset(day: date) -> tuple[int, int] | None:
    """(Christmas year, day offset from Dec 25) inside the date-aligned Christmas window."""
    for year in (day.year, day.year - 1):
        offset = (day - date(year, 12, 25)).days
        if CHRISTMAS_DATE_WINDOW[0] <= offset <= CHRISTMAS_DATE_WINDOW[1]:
            return year, offset
    return None


def in_year_end_holidays(day: date) -> bool:
    """Dec 25 - FIXED_HOLIDAY_MARGIN .. the first Sunday after Jan 1 (Jan 2..8), the weekend
    New Year travellers return: traffic set by the holidays, not by the season."""
    year = day.year if day.month == 12 else day.year - 1
    after_new_year = date(year + 1, 1, 2)
    return_sunday = after_new_year + timedelta(days=(6 - after_new_year.weekday()) % 7)
    return date(year, 12, 25) - timedelta(days=FIXED_HOLIDAY_MARGIN) <= day <= return_sunday


def _same_weekday_back(day: date, years: int) -> date:
    """The same weekday nearest to the same calendar date ``years`` back (364 d for one year)."""
    try:
        same_date = day.replace(year=day.year - years)
    except ValueError:  # Feb 29
        same_date = day.replace(year=day.year - years, day=28)
    return day - timedelta(days=7 * round((day - same_date).days / 7))


def reference_date(day: date, years: int) -> date:
    """The day ``years`` years back that plays the same calendar role as ``day``.

    Christmas–New Year days map to the same calendar date; days in a moving holiday's window
    map to the same offset from that holiday; otherwise the nearest same weekday. A plain
    same-weekday match that would land in last year's holiday window (but ``day`` is not in
    this year's) is moved to the same offset from that holiday too, so e.g. the Monday ten
    days before a late Thanksgiving is not compared with last year's Thanksgiving week —
    unless that lands in another holiday or in the year-end holidays (early January before
    a late MLK Day would otherwise meet last year's New Year return weekend).
    July 4 keeps the weekday match: date-aligning it gave no gain in the backtest.
    """
    christmas = _christmas_offset(day)
    if christmas is not None:
        year, offset = christmas
        return date(year - years, 12, 25) + timedelta(days=offset)
    hit = _moving_holiday_hit(day)
    if hit is not None:
        index, anchor = hit
        return _MOVING_HOLIDAYS[index][0](anchor.year - years) + (day - anchor)
    plain = _same_weekday_back(day, years)
    hit = _moving_holiday_hit(plain)
    if hit is not None:
        index, anchor_then = hit
        aligned = anchor_then + (day - _MOVING_HOLIDAYS[index][0](anchor_then.year + years))
        if not in_year_end_holidays(aligned) and _moving_holiday_hit(aligned) is None:
            return aligned
    return plain


def holiday_affected(day: date) -> bool:
    """A day in a moving holiday's travel window or within FIXED_HOLIDAY_MARGIN days of
    Dec 25, Jan 1 or Jul 4: the model's holiday flag."""
    if _moving_holiday_hit(day) is not None:
        return True
    for year in (day.year - 1, day.year, day.year + 1):
        for fixed in (date(year, 12, 25), date(year, 1, 1), date(year, 7, 4)):
            if abs((day - fixed).days) <= FIXED_HOLIDAY_MARGIN:
                return True
    return False


@dataclass(frozen=True)
class Calendar:
    """Per-day lookups from ``start``: weekday, holiday flags, COVID flag, reference indices."""

    start: date
    weekday: np.ndarray
    holiday: np.ndarray
    year_end: np.ndarray
    covid: np.ndarray
    refs: np.ndarray  # (MAX_REFERENCE_YEARS, days): index of reference_date, -1 if unusable

    def week_is_covid(self, starts: np.ndarray) -> np.ndarray:
        """Weeks (by start index) with any day in the COVID window."""
        return np.array([self.covid[s : s + 7].any() for s in starts])

    def week_is_holiday(self, starts: np.ndarray) -> np.ndarray:
        """Weeks with at least one holiday day: the 'holiday' regime of the error model and
        of the walk-forward tables."""
        return np.array([self.holiday[s : s + 7].any() for s in starts])


@lru_cache(maxsize=4)
def _calendar(start: date, end: date) -> Calendar:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    covid = np.array([COVID_START <= d <= COVID_END for d in days])
    refs = np.full((MAX_REFERENCE_YEARS, len(days)), -1, dtype=np.int64)
    for lag in range(MAX_REFERENCE_YEARS):
        for i, day in enumerate(days):
            ref = (reference_date(day, lag + 1) - start).days
            if ref >= 0 and not covid[ref]:
                refs[lag, i] = ref
    return Calendar(
        start=start,
        weekday=np.array([d.weekday() for d in days]),
        holiday=np.array([holiday_affected(d) for d in days]),
        year_end=np.array([in_year_end_holidays(d) for d in days]),
        covid=covid,
        refs=refs,
    )


def calendar_for(start: date, last_day: date) -> Calendar:
    """Calendar from ``start`` cached through the end of ``last_day``'s year (and a week more),
    so calls share one build."""
    return _calendar(start, date(last_day.year + 1, 1, 7))

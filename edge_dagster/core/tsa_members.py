"""The ensemble's members: point forecasts of the remaining days of a TSA week.

Kalshi's weekly TSA market settles on ``mean(travelers, Mon..Sun)``; at a decision time the
average is ``(sum of the week's published days + forecast of the rest) / 7``. Each member
forecasts "the rest" for many (week, decision) rows in one vectorised pass, reading for each
row only the published prefix at its own decision time (a day counts as known only if it and
every earlier day are published, so an out-of-order publication never leaks a later figure).

Members
-------
``baseline`` (the reference "seed"): each remaining day = the same weekday 364 days earlier
× the YoY trend of the last 7 published days (one full weekly cycle, so the weekday mix of
the ratio is balanced) against their 364-day-back days.

``holiday_aligned``: an equal-weight average, in log space, over reference years 1..7 back
(each day mapped to the day playing the same calendar role, ``tsa_calendar.reference_date``;
COVID-window references never used) × trend windows of 7, 14 and 28 days (the YoY log-ratio
of the latest published days, which include the current week's known days) plus a
per-reference-year weekday profile (mean YoY log-ratio of each weekday over the last 26
weeks, holiday days excluded). For a week after the year-end holidays the trend windows skip
them: their ratios mix a date-aligned peak with a return weekend that moves with the weekday
of Jan 1 (Monday error of the first week after them in 2023..2026: -5.0/+3.5/+11.7/+6.4 %
across them, +2.9/+2.0/+4.7/+0.7 % skipping them).

``latest_year_aligned``: the same construction on one reference year only — the latest one
usable for the row (last year, or the last year before COVID while last year is in the COVID
window) — with 7- and 14-day trends. A model of a different kind in the sense that matters:
it forgets every older year, so it follows a change in the shape of the season at once,
where the seven-year average carries 2019's and 2022's shape along. Far references cost more
as they age (the multi-year model's Monday MAPE ratio to the baseline ran 0.52 / 0.65 / 0.76
/ 0.95 over 2023..2026).

Robust trend (an option of both aligned members, chosen by the walk-forward harness): each
trend day's profile-adjusted ratio is compared with the median of its neighbours (3 days
either side, published ones only) and Huber-weighted against a robust scale (1.4826 × the
median absolute deviation over the 28 trend days): a storm day whose ratio is an outlier
against the days around it counts little, a level change that persists is followed within
a few days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from edge_dagster.core.tsa_calendar import MAX_REFERENCE_YEARS, Calendar

BASELINE_LAG_DAYS = 364
BASELINE_TREND_DAYS = 7
WEEKDAY_PROFILE_WEEKS = 26
MIN_PROFILE_DAYS_PER_WEEKDAY = 3
ROBUST_NEIGHBOURS = 3  # days either side a trend day is compared with
ROBUST_SCALE_DAYS = 28
HUBER_K = 1.345  # the textbook constant: 95 % efficiency when nothing is an outlier
MAD_TO_SIGMA = 1.4826
MIN_ROBUST_SCALE = 1e-4


@dataclass(frozen=True)
class Member:
    """One member model: ``baseline`` or an aligned model on ``years`` back × ``windows``
    (all of them averaged, or with ``latest_year_only`` the first usable one)."""

    name: str
    years: tuple[int, ...] = ()
    windows: tuple[int, ...] = ()
    latest_year_only: bool = False

    @property
    def is_baseline(self) -> bool:
        return not self.years


MEMBERS = (
    Member("baseline"),
    Member("holiday_aligned", years=tuple(range(1, MAX_REFERENCE_YEARS + 1)), windows=(7, 14, 28)),
    Member(
        "latest_year_aligned",
        years=tuple(range(1, MAX_REFERENCE_YEARS + 1)),
        windows=(7, 14),
        latest_year_only=True,
    ),
)
MEMBER_NAMES = tuple(m.name for m in MEMBERS)


@dataclass(frozen=True)
class DailyHistory:
    start: date
    values: np.ndarray  # travelers per day from ``start``
    public_ns: np.ndarray  # running max of published_at (UTC ns): day i known iff <= T

    def last_known(self, as_of_ns: np.ndarray) -> np.ndarray:
        """Index of the newest day of the published prefix at each ``as_of`` (-1: none)."""
        return np.searchsorted(self.public_ns, as_of_ns, side="right") - 1


def _utc_ns(values: pd.Series) -> np.ndarray:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        stamps = values.dt.tz_convert("UTC")
    elif values.dtype == object and all(getattr(v, "tzinfo", None) is not None for v in values):
        stamps = pd.to_datetime(values, utc=True)
    else:
        raise ValueError("published_at must be timezone-aware")
    return stamps.dt.tz_localize(None).to_numpy("datetime64[ns]").astype(np.int64)


def timestamp_ns(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    return pd.Timestamp(moment).value


def read_history(history: pd.DataFrame, as_of_ns: int | None = None) -> DailyHistory:
    """Validate ``history`` and keep rows published by ``as_of`` (all rows if None)."""
    missing = {"travel_date", "travelers", "published_at"} - set(history.columns)
    if missing:
        raise ValueError(f"history lacks columns {sorted(missing)}")
    published = _utc_ns(history["published_at"])
    days = pd.to_datetime(history["travel_date"]).to_numpy("datetime64[D]")
    values = history["travelers"].to_numpy(dtype=float)
    keep = np.ones(len(days), bool) if as_of_ns is None else published <= as_of_ns
    order = np.argsort(days[keep], kind="stable")
    days, values, published = days[keep][order], values[keep][order], published[keep][order]
    if len(days) == 0:
        raise ValueError("no TSA figures are published at as_of")
    steps = np.diff(days).astype(np.int64)
    if np.any(steps != 1):
        raise ValueError("history must hold every travel date exactly once, without gaps")
    if np.any(~np.isfinite(values)) or np.any(values <= 0):
        raise ValueError("travelers must be positive numbers")
    return DailyHistory(
        start=days[0].astype(date),
        values=values,
        public_ns=np.maximum.accumulate(published),
    )


@dataclass(frozen=True)
class WeekRows:
    """The (week, decision) rows being forecast: day indices and what is known of each."""

    starts: np.ndarray  # index of each week's Monday
    last: np.ndarray  # newest published day at each row's decision (-1: none)
    week: np.ndarray  # (rows, 7) day indices
    unknown: np.ndarray  # (rows, 7) day not yet published
    known_sum: np.ndarray
    known_days: np.ndarray
    actual_remaining: np.ndarray  # NaN unless the whole week is in the data


def week_rows(daily: DailyHistory, starts: np.ndarray, as_of_ns: np.ndarray) -> WeekRows:
    last = daily.last_known(as_of_ns)
    week = starts[:, None] + np.arange(7)
    unknown = week > last[:, None]
    values = daily.values[np.clip(week, 0, len(daily.values) - 1)]
    in_data = (week[:, -1] < len(daily.values)) & (starts >= 0)
    return WeekRows(
        starts=starts,
        last=last,
        week=week,
        unknown=unknown,
        known_sum=np.where(unknown, 0.0, values).sum(axis=1),
        known_days=(~unknown).sum(axis=1),
        actual_remaining=np.where(in_data, np.where(unknown, values, 0.0).sum(axis=1), np.nan),
    )


def _baseline_remaining(daily: DailyHistory, rows: WeekRows) -> np.ndarray:
    y, last, week, unknown = daily.values, rows.last, rows.week, rows.unknown
    trend_days = last[:, None] - np.arange(BASELINE_TREND_DAYS)
    trend_refs = trend_days - BASELINE_LAG_DAYS
    week_refs = week - BASELINE_LAG_DAYS
    feasible = (trend_refs.min(axis=1) >= 0) & np.all(
        ~unknown | ((week_refs >= 0) & (week_refs <= last[:, None])), axis=1
    )
    trend = y[trend_days.clip(0)].sum(axis=1) / y[trend_refs.clip(0)].sum(axis=1)
    remaining = np.where(unknown, y[week_refs.clip(0, len(y) - 1)], 0.0).sum(axis=1) * trend
    return np.where(feasible, remaining, np.nan)


def _weekday_profile(
    ratio: np.ndarray, clean: np.ndarray, cal: Calendar, last: np.ndarray
) -> np.ndarray:
    """(rows, 7) weekday profile: each weekday's mean clean ratio over the last 26 weeks minus
    the mean over weekdays; zero if any weekday has too few days."""
    profile_days = last[:, None] - np.arange(7 * WEEKDAY_PROFILE_WEEKS)
    profile_wd = cal.weekday[profile_days.clip(0)]
    sample = np.where(profile_days >= 0, clean[profile_days.clip(0)], np.nan)
    means, enough = np.zeros((len(last), 7)), np.ones(len(last), bool)
    for wd in range(7):
        chosen = (profile_wd == wd) & np.isfinite(sample)
        count = chosen.sum(axis=1)
        enough &= count >= MIN_PROFILE_DAYS_PER_WEEKDAY
        means[:, wd] = np.where(chosen, sample, 0.0).sum(axis=1) / np.maximum(count, 1)
    return np.where(enough[:, None], means - means.mean(axis=1, keepdims=True), 0.0)


def _nan_median(values: np.ndarray) -> np.ndarray:
    """Median over the last axis ignoring NaN (NaN where all are NaN), without warnings."""
    ordered = np.sort(values, axis=-1)  # NaN sort last
    count = np.isfinite(values).sum(axis=-1)
    low = np.take_along_axis(ordered, ((count - 1) // 2).clip(0)[..., None], axis=-1)[..., 0]
    high = np.take_along_axis(ordered, (count // 2).clip(0)[..., None], axis=-1)[..., 0]
    return np.where(count > 0, (low + high) / 2, np.nan)


def huber_trend_weights(adjusted: np.ndarray, window: int) -> np.ndarray:
    """Huber weights of the newest ``window`` days of ``adjusted`` ((rows, days), newest
    first; NaN = no ratio): deviation from the median of each day's published neighbours,
    against 1.4826 × the median absolute deviation over the first ROBUST_SCALE_DAYS days."""
    days = adjusted.shape[1]
    offsets = np.arange(-ROBUST_NEIGHBOURS, ROBUST_NEIGHBOURS + 1)
    positions = np.arange(days)[:, None] + offsets[None, :]  # newer = smaller; < 0 unpublished
    inside = (positions >= 0) & (positions < days)
    neighbours = np.where(inside[None], adjusted[:, positions.clip(0, days - 1)], np.nan)
    centre = _nan_median(neighbours)
    deviation = adjusted - centre
    spread = MAD_TO_SIGMA * _nan_median(np.abs(deviation[:, :ROBUST_SCALE_DAYS]))
    spread = np.maximum(np.nan_to_num(spread, nan=MIN_ROBUST_SCALE), MIN_ROBUST_SCALE)
    size = np.abs(deviation[:, :window])
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.minimum(1.0, HUBER_K * spread[:, None] / size)
    return np.where(np.isfinite(size), weights, 1.0)


def _aligned_remaining(
    member: Member, daily: DailyHistory, cal: Calendar, rows: WeekRows, robust: bool
) -> np.ndarray:
    last, week, unknown = rows.last, rows.week, rows.unknown
    log_y = np.full(len(cal.weekday), np.nan)
    log_y[: len(daily.values)] = np.log(daily.values)
    outside_year_end = ~np.any(unknown & cal.year_end[week], axis=1)
    index = np.arange(len(last))[:, None]
    span = max(member.windows) + (ROBUST_NEIGHBOURS if robust else 0)
    back = np.arange(span)
    log_sum = np.zeros(week.shape)
    members = np.zeros(len(last))
    taken = np.zeros(len(last), bool)  # rows whose latest usable year is already summed
    for lag in member.years:
        refs = cal.refs[lag - 1]
        # YoY log-ratio per day; NaN where the reference is unusable or not yet in the data.
        ratio = np.where(refs >= 0, log_y - log_y[refs.clip(0)], np.nan)
        clean = np.where(cal.holiday | cal.holiday[refs.clip(0)], np.nan, ratio)
        profile = _weekday_profile(ratio, clean, cal, last)
        week_refs = refs[week]
        refs_ok = np.all(~unknown | ((week_refs >= 0) & (week_refs <= last[:, None])), axis=1)
        day_forecast = log_y[week_refs.clip(0)] + profile[index, cal.weekday[week]]
        # Trend days, newest first: the latest published days — for a week with nothing left
        # to forecast in the year-end holidays, the latest days with neither the day nor its
        # reference in them.
        ordinary = np.flatnonzero(~cal.year_end & ~((refs >= 0) & cal.year_end[refs.clip(0)]))
        ordinary_count = np.searchsorted(ordinary, last, side="right")
        picked = ordinary_count[:, None] - 1 - back
        ordinary_days = np.where(picked >= 0, ordinary[picked.clip(0)], -1)
        trend_days = np.where(outside_year_end[:, None], ordinary_days, last[:, None] - back)
        trend_ratio = np.where(trend_days >= 0, ratio[trend_days.clip(0)], np.nan)
        adjusted = trend_ratio - profile[index, cal.weekday[trend_days.clip(0)]]
        shortest = refs_ok & np.all(np.isfinite(trend_ratio[:, : min(member.windows)]), axis=1)
        if member.latest_year_only:
            latest = shortest & ~taken
            taken |= latest
        for window in member.windows:
            # A member (reference year × window) counts only if all its days have references.
            usable = refs_ok & np.all(np.isfinite(trend_ratio[:, :window]), axis=1)
            if member.latest_year_only:
                usable &= latest
            weights = huber_trend_weights(adjusted, window) if robust else np.ones((1, window))
            terms = np.where(usable[:, None], adjusted[:, :window], 0.0)
            trend = (weights * terms).sum(axis=1) / (weights * np.ones_like(terms)).sum(axis=1)
            log_sum += np.where(usable[:, None], day_forecast + trend[:, None], 0.0)
            members += usable
    with np.errstate(invalid="ignore", divide="ignore"):
        day_means = log_sum / members[:, None]
    remaining = np.where(unknown, np.exp(np.where(unknown, day_means, 0.0)), 0.0).sum(axis=1)
    return np.where(members > 0, remaining, np.nan)


def member_remaining(
    member: Member, daily: DailyHistory, cal: Calendar, rows: WeekRows, robust: bool = False
) -> np.ndarray:
    """Forecast of the sum of each row's unknown days (NaN where the member has no usable
    reference); 0 where nothing is left to forecast."""
    if member.is_baseline:
        remaining = _baseline_remaining(daily, rows)
    else:
        remaining = _aligned_remaining(member, daily, cal, rows, robust)
    return np.where((rows.last >= 0) & (rows.starts >= 0), remaining, np.nan)

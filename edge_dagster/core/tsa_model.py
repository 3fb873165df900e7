"""Point-in-time forecasts of the Mon–Sun average of daily TSA checkpoint travelers.

Kalshi's weekly TSA market settles on ``mean(travelers, Mon..Sun)``. At each decision time
the average is ``(sum of the week's published days + forecast of the rest) / 7``.

Point-in-time contract: every number here for a decision time ``T`` is a function of the rows
with ``published_at <= T`` only — the forecast, the trend, the weekday profile and the error
distribution (fitted on past weeks whose whole week was public before ``T``). A day counts as
known only if it and every earlier day are published (a contiguous prefix), so an out-of-order
publication can never leak a later figure.

Models
------
``baseline`` (the reference "seed"): each remaining day = the same weekday 364 days earlier
× the YoY trend of the last 7 published days (one full weekly cycle, so the weekday mix of
the ratio is balanced) against their 364-day-back days.

``holiday_aligned``: an equal-weight ensemble, in log space, over
  * reference years 1..7 back, each day mapped to the day playing the same calendar role
    (:func:`reference_date`: Thanksgiving/Easter/Monday holidays aligned on the holiday,
    Christmas–New Year on the calendar date, otherwise the nearest same weekday); references
    inside the COVID window (2020-03 .. 2022-02, incl. the Omicron trough) are never used;
  * trend windows of 7, 14 and 28 days (the YoY log-ratio of the latest published days —
    which include the current week's known days — so within-week information dominates
    late in the week while longer windows damp single-day shocks); for a week after the
    year-end holidays (:func:`in_year_end_holidays`) the windows skip those holidays, whose
    ratios mix a date-aligned peak with a return weekend that moves with the weekday of
    Jan 1 and are not the underlying trend (Monday error of the first week after them in
    2023..2026: -5.0/+3.5/+11.7/+6.4 % when measured across them, +2.9/+2.0/+4.7/+0.7 %
    when skipping them);
  * a per-reference-year weekday profile (mean YoY log-ratio of each weekday over the last
    26 weeks, holiday days excluded) — the weekday mix of travel has shifted since 2019, and
    without it far references under-forecast the weekend (-0.4 % bias at the Friday
    decision in the 2023–2026 backtest).
Equal weights are a deliberate choice (the "forecast-combination puzzle": tuned weights rarely
beat equal ones out of sample); each averaged member removes the idiosyncratic shocks of one
reference year (hurricanes, storms, outages) and of one trend window.

Error distribution (both models, same method): ``eps = log(actual remaining sum / forecast
remaining sum)`` of the same model at the same decision weekday, over past weeks whose full
week was public at ``T`` (COVID-window weeks excluded), weighted with a 26-week half-life, and
fitted by maximum likelihood as a zero-centred Student-t with 4 degrees of freedom.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd
from dateutil.easter import easter

from edge_dagster.core.clock import EASTERN, tsa_published_at, tsa_week_decision_times
from edge_dagster.core.distributions import WeeklyAverageDistribution

MODELS = ("baseline", "holiday_aligned")
PRICING_MODEL = "holiday_aligned"  # the model whose probabilities the strategy trades on
_TABLE_COLUMNS = (
    "week_monday",
    "decision_time",
    "horizon",
    "model",
    "known_days",
    "forecast_avg",
    "q10",
    "q50",
    "q90",
    "distribution",
    "pricing_model",
)
DECISIONS_PER_WEEK = 5

BASELINE_LAG_DAYS = 364
BASELINE_TREND_DAYS = 7

MAX_REFERENCE_YEARS = 7
TREND_WINDOWS = (7, 14, 28)
WEEKDAY_PROFILE_WEEKS = 26
MIN_PROFILE_DAYS_PER_WEEKDAY = 3
# References in here describe pandemic travel, not a normal year (Omicron depressed Jan–Feb 2022).
COVID_START, COVID_END = date(2020, 3, 1), date(2022, 2, 28)
# Dec 22 .. Jan 1: school-holiday core where the calendar date, not the weekday, sets traffic.
CHRISTMAS_DATE_WINDOW = (-3, 7)
# Days this close to Dec 25 / Jan 1 / Jul 4 are left out of the weekday profile.
FIXED_HOLIDAY_MARGIN = 4

RESIDUAL_T_DF = 4.0
RESIDUAL_HALF_LIFE_WEEKS = 26.0
MIN_CALIBRATION_WEEKS = 5
SCALE_FIT_ITERATIONS = 100


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


def _holiday_affected(day: date) -> bool:
    if _moving_holiday_hit(day) is not None:
        return True
    for year in (day.year - 1, day.year, day.year + 1):
        for fixed in (date(year, 12, 25), date(year, 1, 1), date(year, 7, 4)):
            if abs((day - fixed).days) <= FIXED_HOLIDAY_MARGIN:
                return True
    return False


@dataclass(frozen=True)
class _Calendar:
    """Per-day lookups from ``start``: weekday, holiday flags, COVID flag, reference indices."""

    weekday: np.ndarray
    holiday: np.ndarray
    year_end: np.ndarray
    covid: np.ndarray
    refs: np.ndarray  # (MAX_REFERENCE_YEARS, days): index of reference_date, -1 if unusable


@lru_cache(maxsize=4)
def _calendar(start: date, end: date) -> _Calendar:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    covid = np.array([COVID_START <= d <= COVID_END for d in days])
    refs = np.full((MAX_REFERENCE_YEARS, len(days)), -1, dtype=np.int64)
    for lag in range(MAX_REFERENCE_YEARS):
        for i, day in enumerate(days):
            ref = (reference_date(day, lag + 1) - start).days
            if ref >= 0 and not covid[ref]:
                refs[lag, i] = ref
    return _Calendar(
        weekday=np.array([d.weekday() for d in days]),
        holiday=np.array([_holiday_affected(d) for d in days]),
        year_end=np.array([in_year_end_holidays(d) for d in days]),
        covid=covid,
        refs=refs,
    )


def _calendar_for(start: date, last_day: date) -> _Calendar:
    """Calendar cached through the end of ``last_day``'s year, so calls share one build."""
    return _calendar(start, date(last_day.year + 1, 12, 31))


@dataclass(frozen=True)
class _Daily:
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


def _timestamp_ns(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    return pd.Timestamp(moment).value


def _read_history(history: pd.DataFrame, as_of_ns: int | None = None) -> _Daily:
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
    return _Daily(
        start=days[0].astype(date),
        values=values,
        public_ns=np.maximum.accumulate(published),
    )


def _week_rows(starts: np.ndarray, last: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, ...]:
    week = starts[:, None] + np.arange(7)
    unknown = week > last[:, None]
    known_values = np.where(unknown, 0.0, values[np.clip(week, 0, len(values) - 1)])
    return week, unknown, known_values.sum(axis=1), (~unknown).sum(axis=1)


def _baseline_remaining(
    daily: _Daily, last: np.ndarray, week: np.ndarray, unknown: np.ndarray
) -> np.ndarray:
    y = daily.values
    trend_days = last[:, None] - np.arange(BASELINE_TREND_DAYS)
    trend_refs = trend_days - BASELINE_LAG_DAYS
    week_refs = week - BASELINE_LAG_DAYS
    feasible = (trend_refs.min(axis=1) >= 0) & np.all(
        ~unknown | ((week_refs >= 0) & (week_refs <= last[:, None])), axis=1
    )
    trend = y[trend_days.clip(0)].sum(axis=1) / y[trend_refs.clip(0)].sum(axis=1)
    remaining = np.where(unknown, y[week_refs.clip(0, len(y) - 1)], 0.0).sum(axis=1) * trend
    return np.where(feasible, remaining, np.nan)


def _holiday_aligned_remaining(
    daily: _Daily,
    cal: _Calendar,
    last: np.ndarray,
    week: np.ndarray,
    unknown: np.ndarray,
) -> np.ndarray:
    log_y = np.full(len(cal.weekday), np.nan)
    log_y[: len(daily.values)] = np.log(daily.values)
    profile_days = last[:, None] - np.arange(7 * WEEKDAY_PROFILE_WEEKS)
    profile_wd = cal.weekday[profile_days.clip(0)]
    outside_year_end = ~np.any(unknown & cal.year_end[week], axis=1)
    log_sum = np.zeros(week.shape)
    members = np.zeros(len(last))
    for refs in cal.refs:
        # YoY log-ratio per day; NaN where the reference is unusable or not yet in the data.
        ratio = np.where(refs >= 0, log_y - log_y[refs.clip(0)], np.nan)
        # Weekday profile: each weekday's mean ratio minus the mean over weekdays, from the
        # last 26 weeks of holiday-free days (a weekday with too few days disables it).
        clean = np.where(cal.holiday | cal.holiday[refs.clip(0)], np.nan, ratio)
        sample = np.where(profile_days >= 0, clean[profile_days.clip(0)], np.nan)
        means, enough = np.zeros((len(last), 7)), np.ones(len(last), bool)
        for wd in range(7):
            chosen = (profile_wd == wd) & np.isfinite(sample)
            count = chosen.sum(axis=1)
            enough &= count >= MIN_PROFILE_DAYS_PER_WEEKDAY
            means[:, wd] = np.where(chosen, sample, 0.0).sum(axis=1) / np.maximum(count, 1)
        profile = np.where(enough[:, None], means - means.mean(axis=1, keepdims=True), 0.0)
        rows = np.arange(len(last))[:, None]
        week_refs = refs[week]
        refs_ok = np.all(~unknown | ((week_refs >= 0) & (week_refs <= last[:, None])), axis=1)
        day_forecast = log_y[week_refs.clip(0)] + profile[rows, cal.weekday[week]]
        # Trend: mean profile-adjusted ratio of the latest ``window`` published days — for a
        # week with nothing left to forecast in the year-end holidays, of the latest days with
        # neither the day nor its reference in them; a member (reference year × window)
        # counts only if all its days have usable references.
        ordinary = np.flatnonzero(~cal.year_end & ~((refs >= 0) & cal.year_end[refs.clip(0)]))
        ordinary_count = np.searchsorted(ordinary, last, side="right")
        for window in TREND_WINDOWS:
            back = np.arange(window)
            picked = ordinary_count[:, None] - 1 - back
            ordinary_days = np.where(picked >= 0, ordinary[picked.clip(0)], -1)
            trend_days = np.where(outside_year_end[:, None], ordinary_days, last[:, None] - back)
            trend_ratio = np.where(trend_days >= 0, ratio[trend_days.clip(0)], np.nan)
            usable = refs_ok & np.all(np.isfinite(trend_ratio), axis=1)
            adjusted = trend_ratio - profile[rows, cal.weekday[trend_days.clip(0)]]
            trend = np.where(usable[:, None], adjusted, 0.0).mean(axis=1)
            log_sum += np.where(usable[:, None], day_forecast + trend[:, None], 0.0)
            members += usable
    with np.errstate(invalid="ignore", divide="ignore"):
        day_means = log_sum / members[:, None]
    remaining = np.where(unknown, np.exp(np.where(unknown, day_means, 0.0)), 0.0).sum(axis=1)
    return np.where(members > 0, remaining, np.nan)


@dataclass(frozen=True)
class _Points:
    known_days: np.ndarray
    known_sum: np.ndarray
    remaining: np.ndarray  # NaN where the model has no usable reference
    actual_remaining: np.ndarray  # NaN unless the whole week is in the data


def _point_forecasts(
    daily: _Daily, cal: _Calendar, model: str, starts: np.ndarray, as_of_ns: np.ndarray
) -> _Points:
    """Vectorised forecasts for weeks starting at day indices ``starts``, each seen at its
    own ``as_of`` (only the published prefix at that time is read)."""
    last = daily.last_known(as_of_ns)
    week, unknown, known_sum, known_days = _week_rows(starts, last, daily.values)
    if model == "baseline":
        remaining = _baseline_remaining(daily, last, week, unknown)
    elif model == "holiday_aligned":
        remaining = _holiday_aligned_remaining(daily, cal, last, week, unknown)
    else:
        raise ValueError(f"unknown model {model!r}; expected one of {MODELS}")
    remaining = np.where((last >= 0) & (starts >= 0), remaining, np.nan)
    in_data = week[:, -1] < len(daily.values)
    actual = np.where(unknown, daily.values[week.clip(0, len(daily.values) - 1)], 0.0).sum(axis=1)
    return _Points(known_days, known_sum, remaining, np.where(in_data, actual, np.nan))


def _decision_ns(mondays: Iterable[date], horizon: int) -> np.ndarray:
    return np.array([pd.Timestamp(tsa_week_decision_times(m)[horizon]).value for m in mondays])


def _fit_t_scale(residuals: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """ML scale of a zero-centred Student-t (fixed df) per weight row, by EM iterations."""
    squared = np.nan_to_num(residuals**2)
    total = weights.sum(axis=1)
    var = weights @ squared / total
    for _ in range(SCALE_FIT_ITERATIONS):
        z2 = np.divide(squared, var[:, None], out=np.zeros(weights.shape), where=var[:, None] > 0)
        var = (weights * (RESIDUAL_T_DF + 1) / (RESIDUAL_T_DF + z2) * squared).sum(axis=1) / total
    return np.sqrt(var)


def _calibrated(
    daily: _Daily,
    cal: _Calendar,
    model: str,
    horizon: int,
    target_mondays: Sequence[date],
    target_as_of_ns: np.ndarray,
) -> tuple[_Points, np.ndarray]:
    """Point forecasts for the targets and the t-scale fitted on past weeks' errors."""
    first = daily.start + timedelta(days=(7 - daily.start.weekday()) % 7)
    pool_mondays = [
        first + timedelta(weeks=i) for i in range((max(target_mondays) - first).days // 7 + 1)
    ]
    pool_starts = np.array([(m - daily.start).days for m in pool_mondays])
    pool = _point_forecasts(daily, cal, model, pool_starts, _decision_ns(pool_mondays, horizon))
    with np.errstate(invalid="ignore", divide="ignore"):
        residuals = np.log(pool.actual_remaining / pool.remaining)
    week_covid = np.array([cal.covid[s : s + 7].any() for s in pool_starts])
    usable = np.isfinite(residuals) & ~week_covid

    target_starts = np.array([(m - daily.start).days for m in target_mondays])
    targets = _point_forecasts(daily, cal, model, target_starts, target_as_of_ns)
    infeasible = [m for m, r in zip(target_mondays, targets.remaining, strict=True) if np.isnan(r)]
    if infeasible:
        raise ValueError(f"{model}: no usable reference data for weeks {infeasible[:3]}")
    public_through = daily.last_known(target_as_of_ns)
    eligible = usable[None, :] & (pool_starts[None, :] + 6 <= public_through[:, None])
    short = eligible.sum(axis=1) < MIN_CALIBRATION_WEEKS
    if short.any():
        raise ValueError(
            f"{model}: fewer than {MIN_CALIBRATION_WEEKS} past weeks to calibrate "
            f"{[m for m, s in zip(target_mondays, short, strict=True) if s][:3]}"
        )
    age_weeks = (target_starts[:, None] - pool_starts[None, :]) / 7.0
    weights = np.where(eligible, 0.5 ** (age_weeks / RESIDUAL_HALF_LIFE_WEEKS), 0.0)
    return targets, _fit_t_scale(np.where(usable, residuals, 0.0), weights)


def _distribution(known_sum: float, remaining: float, scale: float) -> WeeklyAverageDistribution:
    return WeeklyAverageDistribution(
        known_sum=float(known_sum),
        remaining_forecast=float(remaining),
        df=RESIDUAL_T_DF,
        scale=float(scale),
    )


@dataclass(frozen=True)
class WeekForecast:
    """One model's view of one TSA week at one decision time."""

    monday: date
    as_of: datetime
    model: str
    horizon: int  # decision index: 0 = Monday 09:15 ET .. 4 = Friday 09:15 ET
    known_days: int
    known_sum: float
    remaining_forecast: float
    point: float  # (known_sum + remaining_forecast) / 7 = the distribution's median
    distribution: WeeklyAverageDistribution


def history_from_daily(daily: pd.DataFrame) -> pd.DataFrame:
    """Turn a ``date,travelers`` table into the point-in-time history the model reads,
    stamping each figure with its replayed publication time from the clock."""
    travel_date = pd.to_datetime(daily["date"]).dt.date
    return pd.DataFrame(
        {
            "travel_date": travel_date,
            "travelers": daily["travelers"].astype("int64"),
            "published_at": pd.to_datetime([tsa_published_at(d) for d in travel_date]),
        }
    )


def decision_horizon(monday: date, as_of: datetime) -> int:
    """Decision index 0..4 (Mon..Fri) of ``as_of`` within the week; earlier clamps to 0
    (Monday open), later to 4 (no new figure arrives between Friday and the close)."""
    offset = (as_of.astimezone(EASTERN).date() - monday).days
    return min(max(offset, 0), DECISIONS_PER_WEEK - 1)


def forecast_week(
    history: pd.DataFrame, monday: date, as_of: datetime, model: str = "holiday_aligned"
) -> WeekForecast:
    """Forecast the week starting ``monday`` with what was published by ``as_of``.

    Rows of ``history`` published after ``as_of`` are dropped first, so the result cannot
    depend on them. Errors are calibrated on past weeks at the same decision weekday.
    """
    if monday.weekday() != 0:
        raise ValueError(f"{monday} is not a Monday")
    as_of_ns = _timestamp_ns(as_of)
    daily = _read_history(history, as_of_ns)
    horizon = decision_horizon(monday, as_of)
    cal = _calendar_for(daily.start, monday + timedelta(days=6))
    points, scale = _calibrated(daily, cal, model, horizon, [monday], np.array([as_of_ns]))
    known_sum, remaining = float(points.known_sum[0]), float(points.remaining[0])
    return WeekForecast(
        monday=monday,
        as_of=as_of,
        model=model,
        horizon=horizon,
        known_days=int(points.known_days[0]),
        known_sum=known_sum,
        remaining_forecast=remaining,
        point=(known_sum + remaining) / 7,
        distribution=_distribution(known_sum, remaining, scale[0]),
    )


def _forecast_frame(
    daily: _Daily, cal: _Calendar, model: str, horizon: int, mondays: Sequence[date]
) -> pd.DataFrame:
    """Rows for ``mondays`` at their ``horizon``-th decision time (09:15 ET)."""
    as_of_ns = _decision_ns(mondays, horizon)
    points, scale = _calibrated(daily, cal, model, horizon, mondays, as_of_ns)
    known_sum, remaining = points.known_sum, points.remaining
    return pd.DataFrame(
        {
            "monday": list(mondays),
            "model": model,
            "horizon": horizon,
            "as_of": pd.to_datetime(as_of_ns, utc=True).tz_convert(EASTERN),
            "known_days": points.known_days,
            "known_sum": known_sum,
            "remaining_forecast": remaining,
            "point": (known_sum + remaining) / 7,
            "df": RESIDUAL_T_DF,
            "scale": scale,
            "actual": (known_sum + points.actual_remaining) / 7,
            "distribution": [
                _distribution(k, r, s) for k, r, s in zip(known_sum, remaining, scale, strict=True)
            ],
        }
    )


def backtest_forecasts(
    history: pd.DataFrame, mondays: Sequence[date], models: Sequence[str] = MODELS
) -> pd.DataFrame:
    """Every model × week × decision time (Mon..Fri 09:15 ET) in one vectorised pass.

    Each row equals ``forecast_week(history, monday, as_of, model)``: it reads only rows
    published by its own decision time. ``actual`` is the realised weekly average (NaN if the
    week is not complete in ``history``) — an outcome for scoring, never an input.
    """
    mondays = sorted(mondays)
    if not mondays or any(m.weekday() != 0 for m in mondays):
        raise ValueError("mondays must be a non-empty list of Mondays")
    daily = _read_history(history)
    cal = _calendar_for(daily.start, mondays[-1] + timedelta(days=6))
    frames = [
        _forecast_frame(daily, cal, model, horizon, mondays)
        for model in models
        for horizon in range(DECISIONS_PER_WEEK)
    ]
    return pd.concat(frames, ignore_index=True)


def forecast_table(history: pd.DataFrame, mondays: Sequence[date], now: datetime) -> pd.DataFrame:
    """Rows of the pipeline's ``tsa_forecasts`` table: every model × week × decision time
    that has passed by ``now``, with quantiles and the distribution as JSON text."""
    now_ns = _timestamp_ns(now)
    daily = _read_history(history, now_ns)
    mondays = sorted(mondays)
    cal = _calendar_for(daily.start, mondays[-1] + timedelta(days=6))
    frames = []
    for model in MODELS:
        for horizon in range(DECISIONS_PER_WEEK):
            times = _decision_ns(mondays, horizon)
            passed = [m for m, t in zip(mondays, times, strict=True) if t <= now_ns]
            if passed:
                frames.append(_forecast_frame(daily, cal, model, horizon, passed))
    if not frames:
        return pd.DataFrame(columns=list(_TABLE_COLUMNS))
    rows = pd.concat(frames, ignore_index=True)
    quantiles = np.array([d.quantile([0.1, 0.5, 0.9]) for d in rows["distribution"]])
    return pd.DataFrame(
        {
            "week_monday": rows["monday"],
            "decision_time": rows["as_of"],
            "horizon": rows["horizon"],
            "model": rows["model"],
            "known_days": rows["known_days"],
            "forecast_avg": rows["point"],
            "q10": quantiles[:, 0],
            "q50": quantiles[:, 1],
            "q90": quantiles[:, 2],
            "distribution": [json.dumps(d.to_dict()) for d in rows["distribution"]],
            "pricing_model": rows["model"] == PRICING_MODEL,
        }
    )

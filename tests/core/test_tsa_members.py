from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from edge_dagster.core.clock import tsa_week_decision_times
from edge_dagster.core.tsa_calendar import calendar_for
from edge_dagster.core.tsa_members import (
    HUBER_K,
    MEMBERS,
    MIN_ROBUST_SCALE,
    WeekRows,
    huber_trend_weights,
    member_remaining,
    read_history,
    timestamp_ns,
    week_rows,
)
from edge_dagster.core.tsa_model import history_from_daily


def _history(values: pd.Series) -> pd.DataFrame:
    """Point-in-time history (publication times from the clock) of a date-indexed series."""
    return history_from_daily(pd.DataFrame({"date": values.index, "travelers": values.values}))


def _constant(start: date, end: date, level: int) -> pd.Series:
    return pd.Series(level, index=pd.date_range(start, end, freq="D").date)


def _forecast(
    values: pd.Series, monday: date, as_of: datetime, name: str, robust: bool = False
) -> tuple[WeekRows, float]:
    """One member's view of one week; the member gets every row and must itself read only
    what was published by ``as_of``."""
    daily = read_history(_history(values))
    cal = calendar_for(daily.start, monday + timedelta(days=6))
    rows = week_rows(
        daily, np.array([(monday - daily.start).days]), np.array([timestamp_ns(as_of)])
    )
    member = next(m for m in MEMBERS if m.name == name)
    return rows, float(member_remaining(member, daily, cal, rows, robust)[0])


def _average(values: pd.Series, monday: date, horizon: int, name: str, robust: bool = False):
    rows, remaining = _forecast(
        values, monday, tsa_week_decision_times(monday)[horizon], name, robust
    )
    return (rows.known_sum[0] + remaining) / 7


def test_holiday_aligned_takes_thanksgivings_dip_from_last_thanksgiving() -> None:
    daily = _constant(date(2022, 3, 1), date(2024, 11, 24), 2_000_000)
    daily[date(2022, 11, 24)] = 1_000_000
    daily[date(2023, 11, 23)] = 1_000_000
    monday = date(2024, 11, 25)

    aligned = _average(daily, monday, 0, "holiday_aligned")
    baseline = _average(daily, monday, 0, "baseline")

    assert aligned == pytest.approx((6 * 2_000_000 + 1_000_000) / 7, rel=1e-12)
    # 364 days back, the trend week (Nov 18-24) meets Thanksgiving 2023 (trend 14/13) and
    # Thanksgiving 2024 meets an ordinary Thursday (2023-11-30): no dip, inflated level.
    assert baseline == pytest.approx(2_000_000 * 14 / 13, rel=1e-12)


def _new_year_surge() -> pd.Series:
    """Flat 2.0M, except a 2.4M surge over the 2025 year-end holidays (Dec 21 .. Sun Jan 4)."""
    daily = _constant(date(2022, 3, 1), date(2026, 1, 4), 2_000_000)
    daily[date(2025, 12, 21) :] = 2_400_000
    return daily


def test_a_week_after_the_year_end_holidays_takes_its_trend_from_before_them() -> None:
    assert _average(_new_year_surge(), date(2026, 1, 5), 0, "holiday_aligned") == pytest.approx(
        2_000_000, rel=1e-12
    )


def test_a_week_inside_the_year_end_holidays_takes_its_trend_from_the_latest_days() -> None:
    # At Monday Dec 29 the last 7, 14 and 28 days hold 7, 8 and 8 surge days: the trend
    # members are log(1.2) × (1, 8/14, 8/28), whose mean is log(1.2) × 13/21.
    assert _average(_new_year_surge(), date(2025, 12, 29), 0, "holiday_aligned") == pytest.approx(
        2_000_000 * 1.2 ** (13 / 21), rel=1e-12
    )


def test_friday_decision_knows_exactly_monday_to_thursday() -> None:
    daily = _constant(date(2023, 1, 2), date(2025, 3, 16), 2_000_000)
    daily[date(2025, 3, 10) :] = [2_100_000 + i for i in range(7)]
    monday = date(2025, 3, 10)

    rows, _ = _forecast(daily, monday, tsa_week_decision_times(monday)[4], "baseline")

    assert rows.known_days[0] == 4
    assert rows.known_sum[0] == sum(daily[monday + timedelta(days=i)] for i in range(4))


def test_baseline_value_on_a_hand_made_history() -> None:
    # Flat 1.0M; the target week's Monday and Tuesday jump to 1.4M. At Wednesday 09:15 the
    # last 7 published days sum to 7.8M against 7.0M a year earlier: trend 7.8/7, so
    # Wed..Sun = 5 × 1.0M × 7.8/7 and the average = (2.8M + 39M/7) / 7 = 58.6M / 49.
    daily = _constant(date(2023, 1, 2), date(2024, 6, 4), 1_000_000)
    daily[date(2024, 6, 3)] = 1_400_000
    daily[date(2024, 6, 4)] = 1_400_000

    assert _average(daily, date(2024, 6, 3), 2, "baseline") == pytest.approx(58_600_000 / 49)


def test_covid_era_figures_are_never_used_as_references() -> None:
    days = pd.date_range("2019-01-01", "2022-08-31", freq="D")
    pattern = np.array([1.05, 0.92, 0.95, 1.04, 1.08, 0.93, 1.03])[days.day_of_week]
    noise = np.exp(np.random.default_rng(7).normal(0.0, 0.02, len(days)))
    daily = pd.Series(np.round(2_300_000 * pattern * noise).astype(int), index=days.date)
    distorted = daily.copy()
    covid = (daily.index >= date(2020, 3, 1)) & (daily.index <= date(2021, 6, 30))
    distorted[covid] = (distorted[covid] * 0.3).round().astype(int)
    monday = date(2022, 6, 6)

    for name in ("holiday_aligned", "latest_year_aligned"):
        assert _average(distorted, monday, 0, name) == _average(daily, monday, 0, name)


def test_latest_year_aligned_uses_the_last_year_before_covid_while_last_year_is_in_it() -> None:
    # 2019 flat 2.0M, the COVID years 0.5M, 2.2M from Nov 2021 (the weekday profile's 26
    # weeks): in June 2022 last year (2021) and 2020 are COVID references, so the latest
    # usable year is 2019, with a trend of 2.2 / 2.0.
    daily = _constant(date(2019, 1, 1), date(2022, 6, 5), 500_000)
    daily[: date(2020, 2, 29)] = 2_000_000
    daily[date(2021, 11, 1) :] = 2_200_000

    assert _average(daily, date(2022, 6, 6), 0, "latest_year_aligned") == pytest.approx(2_200_000)


def test_huber_weights_down_weight_a_day_that_is_an_outlier_against_its_neighbours() -> None:
    # Newest first; day 3 is a storm. Every other day's neighbours (3 either side) have the
    # median 0, so only the storm deviates (-0.20); the median absolute deviation is 0, the
    # robust scale its floor, and the storm's weight HUBER_K × floor / 0.20.
    adjusted = np.zeros((1, 10))
    adjusted[0, 3] = -0.20

    weights = huber_trend_weights(adjusted, window=10)

    expected = np.ones(10)
    expected[3] = HUBER_K * MIN_ROBUST_SCALE / 0.20
    assert weights[0] == pytest.approx(expected, rel=1e-12)


def test_a_robust_trend_is_not_pulled_down_by_a_storm_day_before_the_week() -> None:
    daily = _constant(date(2022, 3, 1), date(2025, 3, 9), 2_000_000)
    daily[date(2025, 3, 5)] = 1_000_000  # a storm on the Wednesday before the target week
    monday = date(2025, 3, 10)

    plain = _average(daily, monday, 0, "holiday_aligned")
    robust = _average(daily, monday, 0, "holiday_aligned", robust=True)

    # The plain trends carry log(0.5) / 7, / 14, / 28; the robust ones almost nothing (what is
    # left is the storm's 1/26 share of the Wednesday in the weekday profile).
    assert plain < 0.98 * 2_000_000
    assert abs(robust / 2_000_000 - 1) < 0.25 * abs(plain / 2_000_000 - 1)

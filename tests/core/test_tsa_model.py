import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from edge_dagster.core.clock import tsa_week_decision_times
from edge_dagster.core.distributions import distribution_from_dict
from edge_dagster.core.tsa_model import (
    MODELS,
    backtest_forecasts,
    decision_horizon,
    forecast_table,
    forecast_week,
    history_from_daily,
    in_year_end_holidays,
    reference_date,
)


def _history(values: pd.Series) -> pd.DataFrame:
    """Point-in-time history (publication times from the clock) of a date-indexed series."""
    return history_from_daily(pd.DataFrame({"date": values.index, "travelers": values.values}))


def _synthetic(start: str, end: str, seed: int = 7) -> pd.Series:
    """Weekday pattern × season × 3 %/year growth × 2 % noise, like real checkpoint counts."""
    days = pd.date_range(start, end, freq="D")
    weekday = np.array([1.05, 0.92, 0.95, 1.04, 1.08, 0.93, 1.03])[days.day_of_week]
    season = 1 + 0.08 * np.sin(2 * np.pi * days.day_of_year / 365.25)
    growth = 1.03 ** ((days - days[0]).days / 365.25)
    noise = np.exp(np.random.default_rng(seed).normal(0.0, 0.02, len(days)))
    travelers = np.round(2_300_000 * weekday * season * growth * noise).astype(int)
    return pd.Series(travelers, index=days.date)


def _constant(start: date, end: date, level: int) -> pd.Series:
    days = pd.date_range(start, end, freq="D").date
    return pd.Series(level, index=days)


@pytest.mark.parametrize("model", MODELS)
def test_figures_nobody_could_know_yet_never_change_the_forecast(model: str) -> None:
    """Masking the rows published after T would only repeat the function's own filter; instead
    every figure of a day not yet over at the Wednesday decision (Wednesday onward: no clock
    can publish those by then) is tripled, whatever its ``published_at`` says."""
    series = _synthetic("2022-03-01", "2025-06-30")
    monday = date(2025, 3, 10)
    as_of = tsa_week_decision_times(monday)[2]
    unknowable = pd.Series(series.index >= as_of.date(), index=series.index)
    assert unknowable.any()

    distorted = series.where(~unknowable, series * 3)

    assert forecast_week(_history(distorted), monday, as_of, model) == forecast_week(
        _history(series), monday, as_of, model
    )


@pytest.mark.parametrize(
    ("day", "aligned", "same_weekday_364_days_back"),
    [
        (date(2024, 11, 28), date(2023, 11, 23), date(2023, 11, 30)),  # Thanksgiving
        (date(2024, 11, 24), date(2023, 11, 19), date(2023, 11, 26)),  # Sunday before
        (date(2024, 12, 1), date(2023, 11, 26), date(2023, 12, 3)),  # Sunday after
    ],
)
def test_thanksgiving_week_is_compared_with_last_years_thanksgiving_week(
    day: date, aligned: date, same_weekday_364_days_back: date
) -> None:
    assert day - timedelta(days=364) == same_weekday_364_days_back
    assert reference_date(day, 1) == aligned


def test_a_day_whose_364_day_match_is_in_last_years_thanksgiving_week_is_moved_off_it() -> None:
    # 2024-11-18 is ten days before Thanksgiving 2024; 364 days back is the Monday of
    # Thanksgiving week 2023, so it is compared with ten days before Thanksgiving 2023.
    assert reference_date(date(2024, 11, 18), 1) == date(2023, 11, 13)


def test_easter_is_compared_with_last_years_easter() -> None:
    assert reference_date(date(2025, 4, 20), 1) == date(2024, 3, 31)


def test_christmas_to_new_year_is_compared_on_the_calendar_date() -> None:
    assert reference_date(date(2025, 12, 25), 1) == date(2024, 12, 25)
    assert reference_date(date(2025, 12, 24), 2) == date(2023, 12, 24)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2022, 12, 21), date(2023, 1, 8)),  # Jan 1 on a Sunday: returns the next weekend
        (date(2024, 12, 21), date(2025, 1, 5)),  # Jan 1 on a Wednesday
        (date(2025, 12, 21), date(2026, 1, 4)),  # Jan 1 on a Thursday
    ],
)
def test_year_end_holidays_run_from_dec_21_to_the_first_sunday_after_new_year(
    first: date, last: date
) -> None:
    assert not in_year_end_holidays(first - timedelta(days=1))
    assert in_year_end_holidays(first)
    assert in_year_end_holidays(last)
    assert not in_year_end_holidays(last + timedelta(days=1))


def test_a_day_moved_off_last_years_mlk_weekend_is_not_moved_into_its_new_year_return() -> None:
    # 364 days before 2025-01-10 is Friday 2024-01-12, in the MLK Day 2024 window; the same
    # offset from MLK Day 2024 would be 2024-01-05, the New Year return weekend: keep 01-12.
    assert reference_date(date(2025, 1, 10), 1) == date(2024, 1, 12)


def test_an_ordinary_day_is_compared_with_the_same_weekday_364_days_back() -> None:
    assert reference_date(date(2024, 3, 13), 1) == date(2023, 3, 15)


def test_holiday_aligned_takes_thanksgivings_dip_from_last_thanksgiving() -> None:
    daily = _constant(date(2022, 3, 1), date(2024, 11, 24), 2_000_000)
    daily[date(2022, 11, 24)] = 1_000_000
    daily[date(2023, 11, 23)] = 1_000_000
    history = _history(daily)
    monday = date(2024, 11, 25)
    as_of = tsa_week_decision_times(monday)[0]

    aligned = forecast_week(history, monday, as_of, "holiday_aligned")
    baseline = forecast_week(history, monday, as_of, "baseline")

    assert aligned.point == pytest.approx((6 * 2_000_000 + 1_000_000) / 7, rel=1e-12)
    # 364 days back, the trend week (Nov 18-24) meets Thanksgiving 2023 (trend 14/13) and
    # Thanksgiving 2024 meets an ordinary Thursday (2023-11-30): no dip, inflated level.
    assert baseline.point == pytest.approx(2_000_000 * 14 / 13, rel=1e-12)


def _new_year_surge() -> pd.DataFrame:
    """Flat 2.0M, except a 2.4M surge over the 2025 year-end holidays (Dec 21 .. Sun Jan 4)."""
    daily = _constant(date(2022, 3, 1), date(2026, 1, 4), 2_000_000)
    daily[date(2025, 12, 21) :] = 2_400_000
    return _history(daily)


def test_a_week_after_the_year_end_holidays_takes_its_trend_from_before_them() -> None:
    monday = date(2026, 1, 5)

    forecast = forecast_week(_new_year_surge(), monday, tsa_week_decision_times(monday)[0])

    assert forecast.point == pytest.approx(2_000_000, rel=1e-12)


def test_a_week_inside_the_year_end_holidays_takes_its_trend_from_the_latest_days() -> None:
    # At Monday Dec 29 the last 7, 14 and 28 days hold 7, 8 and 8 surge days: the trend
    # members are log(1.2) × (1, 8/14, 8/28), whose mean is log(1.2) × 13/21.
    monday = date(2025, 12, 29)

    forecast = forecast_week(_new_year_surge(), monday, tsa_week_decision_times(monday)[0])

    assert forecast.point == pytest.approx(2_000_000 * 1.2 ** (13 / 21), rel=1e-12)


def test_friday_decision_knows_exactly_monday_to_thursday() -> None:
    daily = _synthetic("2022-03-01", "2025-06-30")
    monday = date(2025, 3, 10)

    forecast = forecast_week(_history(daily), monday, tsa_week_decision_times(monday)[4])

    assert forecast.horizon == 4
    assert forecast.known_days == 4
    assert forecast.known_sum == sum(daily[monday + timedelta(days=i)] for i in range(4))
    assert forecast.point == pytest.approx((forecast.known_sum + forecast.remaining_forecast) / 7)


def test_baseline_value_on_a_hand_made_history() -> None:
    # Flat 1.0M; the target week's Monday and Tuesday jump to 1.4M. At Wednesday 09:15 the
    # last 7 published days sum to 7.8M against 7.0M a year earlier: trend 7.8/7, so
    # Wed..Sun = 5 × 1.0M × 7.8/7 and the average = (2.8M + 39M/7) / 7 = 58.6M / 49.
    daily = _constant(date(2023, 1, 2), date(2024, 6, 4), 1_000_000)
    daily[date(2024, 6, 3)] = 1_400_000
    daily[date(2024, 6, 4)] = 1_400_000
    monday = date(2024, 6, 3)

    forecast = forecast_week(
        _history(daily), monday, tsa_week_decision_times(monday)[2], "baseline"
    )

    assert forecast.known_days == 2
    assert forecast.known_sum == 2_800_000
    assert forecast.point == pytest.approx(58_600_000 / 49, rel=1e-12)


def test_covid_era_figures_are_never_used_as_references() -> None:
    daily = _synthetic("2019-01-01", "2022-08-31")
    distorted = daily.copy()
    covid = (daily.index >= date(2020, 3, 1)) & (daily.index <= date(2021, 6, 30))
    distorted[covid] = (distorted[covid] * 0.3).round().astype(int)
    monday = date(2022, 6, 6)
    as_of = tsa_week_decision_times(monday)[0]

    original = forecast_week(_history(daily), monday, as_of, "holiday_aligned")

    assert forecast_week(_history(distorted), monday, as_of, "holiday_aligned") == original


def test_backtest_rows_equal_single_forecasts() -> None:
    history = _history(_synthetic("2022-03-01", "2025-06-30"))
    mondays = [date(2024, 11, 25), date(2025, 3, 10)]

    table = backtest_forecasts(history, mondays)

    assert len(table) == len(mondays) * 5 * len(MODELS)
    for row in table.itertuples(index=False):
        single = forecast_week(history, row.monday, row.as_of.to_pydatetime(), row.model)
        assert (single.horizon, single.known_days) == (row.horizon, row.known_days)
        assert single.known_sum == row.known_sum
        assert single.point == pytest.approx(row.point, rel=1e-12)
        assert single.distribution.scale == pytest.approx(row.scale, rel=1e-12)


def test_decision_horizon_clamps_to_monday_open_and_friday() -> None:
    monday = date(2025, 3, 10)
    times = tsa_week_decision_times(monday)

    assert decision_horizon(monday, times[0] - timedelta(days=1)) == 0
    assert decision_horizon(monday, times[2]) == 2
    assert decision_horizon(monday, times[4] + timedelta(days=1)) == 4


def test_forecast_table_lists_only_decision_times_that_have_passed() -> None:
    history = _history(_synthetic("2022-03-01", "2025-06-30"))
    monday = date(2025, 3, 10)
    now = tsa_week_decision_times(monday)[1]

    table = forecast_table(history[history["published_at"] <= now], [monday], now)

    assert sorted(table["decision_time"].unique()) == tsa_week_decision_times(monday)[:2]
    assert sorted(table["model"].unique()) == sorted(MODELS)
    row = table.iloc[0]
    stored = distribution_from_dict(row["distribution"])
    assert json.loads(row["distribution"]) == stored.to_dict()
    assert row["q50"] == pytest.approx(row["forecast_avg"])

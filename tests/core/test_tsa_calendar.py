from datetime import date, timedelta

import numpy as np
import pytest

from edge_dagster.core.tsa_calendar import calendar_for, in_year_end_holidays, reference_date


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


@pytest.mark.parametrize(
    ("monday", "holiday"),
    [
        (date(2025, 11, 24), True),  # Thanksgiving week
        (date(2025, 6, 30), True),  # July 4 on the Friday
        (date(2025, 1, 13), True),  # MLK Day 2025-01-20: Friday 01-17 .. Tuesday 01-21
        (date(2025, 3, 10), False),
        (date(2025, 8, 11), False),
    ],
)
def test_a_week_is_a_holiday_week_when_any_of_its_days_is_holiday_affected(
    monday: date, holiday: bool
) -> None:
    start = date(2025, 1, 1)
    cal = calendar_for(start, date(2025, 12, 31))

    assert cal.week_is_holiday(np.array([(monday - start).days])).tolist() == [holiday]

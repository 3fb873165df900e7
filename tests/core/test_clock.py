from datetime import date, datetime

from edge_dagster.core.clock import (
    EASTERN,
    latest_published_travel_date,
    parse_as_of,
    tsa_published_at,
    tsa_week_decision_times,
)


def test_a_thursday_figure_is_published_friday_9am_eastern():
    assert tsa_published_at(date(2026, 4, 16)) == datetime(2026, 4, 17, 9, 0, tzinfo=EASTERN)


def test_friday_saturday_and_sunday_figures_are_published_monday_9am():
    monday_9am = datetime(2026, 4, 20, 9, 0, tzinfo=EASTERN)
    assert [tsa_published_at(date(2026, 4, d)) for d in (17, 18, 19)] == [monday_9am] * 3


def test_a_friday_figure_is_invisible_on_saturday_and_visible_monday_at_nine():
    assert latest_published_travel_date(datetime(2026, 4, 18, 12, 0, tzinfo=EASTERN)) == date(
        2026, 4, 16
    )
    assert latest_published_travel_date(datetime(2026, 4, 20, 8, 59, tzinfo=EASTERN)) == date(
        2026, 4, 16
    )
    assert latest_published_travel_date(datetime(2026, 4, 20, 9, 0, tzinfo=EASTERN)) == date(
        2026, 4, 19
    )


def test_a_holiday_monday_delays_the_weekend_figures_to_tuesday():
    # Memorial Day 2026 is Monday 25 May: Fri 22 .. Mon 25 all appear Tuesday 26 May.
    tuesday_9am = datetime(2026, 5, 26, 9, 0, tzinfo=EASTERN)
    assert [tsa_published_at(date(2026, 5, d)) for d in (22, 23, 24, 25)] == [tuesday_9am] * 4


def test_publication_time_follows_daylight_saving():
    assert tsa_published_at(date(2026, 1, 14)).utcoffset().total_seconds() == -5 * 3600
    assert tsa_published_at(date(2026, 7, 14)).utcoffset().total_seconds() == -4 * 3600


def test_a_naive_as_of_is_read_as_eastern_time():
    assert parse_as_of("2026-04-20T09:30") == datetime(2026, 4, 20, 9, 30, tzinfo=EASTERN)


def test_decision_times_are_monday_to_friday_at_nine_fifteen_eastern():
    times = tsa_week_decision_times(date(2026, 4, 13))
    assert [(t.day, t.hour, t.minute) for t in times] == [(d, 9, 15) for d in range(13, 18)]

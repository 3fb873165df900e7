from datetime import date, datetime

from edge_dagster.core.clock import (
    EASTERN,
    UTC,
    latest_published_travel_date,
    next_tsa_release,
    parse_as_of,
    tsa_order_expiry,
    tsa_published_at,
    tsa_taker_decision_time,
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


def test_the_week_decides_monday_after_the_open_then_each_morning_after_the_release():
    times = tsa_week_decision_times(date(2026, 4, 13))
    # Monday 10:15 ET: the event opens at 10:00, so 09:15 could never trade.
    assert [(t.day, t.hour, t.minute) for t in times] == [(13, 10, 15)] + [
        (d, 9, 15) for d in range(14, 18)
    ]
    assert all(t.tzinfo == EASTERN for t in times)


def test_the_monday_decision_sees_the_same_tsa_data_as_nine_fifteen():
    monday = tsa_week_decision_times(date(2026, 4, 13))[0]
    nine_fifteen = datetime(2026, 4, 13, 9, 15, tzinfo=EASTERN)
    assert latest_published_travel_date(monday) == latest_published_travel_date(nine_fifteen)


def test_the_taker_decision_is_friday_at_fifteen_utc_after_thursdays_figure():
    taker = tsa_taker_decision_time(date(2026, 4, 13))
    assert taker == datetime(2026, 4, 17, 15, 0, tzinfo=UTC)
    assert latest_published_travel_date(taker) == date(2026, 4, 16)
    winter = tsa_taker_decision_time(date(2026, 1, 12))
    assert winter.astimezone(EASTERN).hour == 10  # 10:00 EST, 11:00 EDT


def test_the_next_release_is_the_next_business_mornings_nine_oclock():
    assert next_tsa_release(datetime(2026, 4, 14, 9, 15, tzinfo=EASTERN)) == datetime(
        2026, 4, 15, 9, 0, tzinfo=EASTERN
    )
    # Friday's decisions wait for Monday; Memorial Day pushes it to Tuesday
    assert next_tsa_release(datetime(2026, 4, 17, 15, 0, tzinfo=UTC)) == datetime(
        2026, 4, 20, 9, 0, tzinfo=EASTERN
    )
    assert next_tsa_release(datetime(2026, 5, 22, 9, 15, tzinfo=EASTERN)) == datetime(
        2026, 5, 26, 9, 0, tzinfo=EASTERN
    )
    assert next_tsa_release(datetime(2026, 4, 14, 8, 0, tzinfo=EASTERN)).day == 14


def test_a_resting_order_expires_five_minutes_before_the_next_release():
    assert tsa_order_expiry(datetime(2026, 4, 14, 9, 15, tzinfo=EASTERN)) == datetime(
        2026, 4, 15, 8, 55, tzinfo=EASTERN
    )

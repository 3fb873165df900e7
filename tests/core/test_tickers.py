from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from edge_dagster.core.tickers import (
    HIGH_TEMP_SERIES,
    TsaMarket,
    contract_pays_yes,
    high_temp_event_ticker,
    parse_event_ticker,
    parse_tsa_market_ticker,
    strike_type_for_rule,
    tsa_event_ticker,
    tsa_market_ticker,
)
from edge_dagster.settings import DEFAULT_REPLAY_DIR

D = Decimal


def test_tsa_event_ticker_for_a_2026_week():
    assert tsa_event_ticker(date(2026, 4, 19)) == "KXTSAW-26APR19"


def test_tsa_event_ticker_uses_legacy_series_for_the_last_tsaw_week():
    assert tsa_event_ticker(date(2024, 10, 20)) == "TSAW-24OCT20"


def test_tsa_event_ticker_uses_kxtsaw_from_the_first_kxtsaw_week():
    assert tsa_event_ticker(date(2024, 10, 27)) == "KXTSAW-24OCT27"


def test_tsa_event_ticker_rejects_a_non_sunday():
    with pytest.raises(ValueError, match="not a Sunday"):
        tsa_event_ticker(date(2026, 4, 18))


def test_tsa_market_ticker_renders_two_decimals():
    assert tsa_market_ticker("KXTSAW-26JAN04", 1_800_000) == "KXTSAW-26JAN04-A1.80"


def test_tsa_market_ticker_for_an_odd_strike():
    assert tsa_market_ticker("KXTSAW-26JAN04", 2_450_000) == "KXTSAW-26JAN04-A2.45"


def test_tsa_market_ticker_rejects_an_off_grid_strike():
    with pytest.raises(ValueError, match="multiple of 10,000"):
        tsa_market_ticker("KXTSAW-26JAN04", 2_455_000)


def test_tsa_market_ticker_rejects_a_zero_strike():
    with pytest.raises(ValueError, match="positive multiple"):
        tsa_market_ticker("KXTSAW-26JAN04", 0)


def test_parse_tsa_market_ticker():
    assert parse_tsa_market_ticker("KXTSAW-26JAN04-A2.45") == TsaMarket(
        "KXTSAW", date(2026, 1, 4), 2_450_000
    )


def test_parse_legacy_tsa_market_ticker():
    assert parse_tsa_market_ticker("TSAW-22OCT23-A2.25") == TsaMarket(
        "TSAW", date(2022, 10, 23), 2_250_000
    )


def test_parse_tsa_market_ticker_rejects_a_temperature_ticker():
    with pytest.raises(ValueError, match="not a TSA market ticker"):
        parse_tsa_market_ticker("KXHIGHNY-26OCT02-A2.45")


def test_parse_event_ticker():
    assert parse_event_ticker("KXHIGHNY-26OCT02") == ("KXHIGHNY", date(2026, 10, 2))


def test_high_temp_event_ticker():
    assert high_temp_event_ticker("KXHIGHNY", date(2026, 10, 2)) == "KXHIGHNY-26OCT02"


def test_high_temp_event_ticker_rejects_an_unknown_series():
    with pytest.raises(ValueError, match="'KXHIGHNYC'"):
        high_temp_event_ticker("KXHIGHNYC", date(2026, 10, 2))


def test_chicago_settles_at_midway_in_central_time():
    chicago = HIGH_TEMP_SERIES["KXHIGHCHI"]
    assert (chicago.station, chicago.timezone) == ("KMDW", ZoneInfo("America/Chicago"))


def test_seven_city_series():
    assert sorted(HIGH_TEMP_SERIES) == [
        "KXHIGHAUS",
        "KXHIGHCHI",
        "KXHIGHDEN",
        "KXHIGHLAX",
        "KXHIGHMIA",
        "KXHIGHNY",
        "KXHIGHPHIL",
    ]


def test_recorded_rule_maps_to_greater():
    assert strike_type_for_rule("avg_strictly_greater_than_strike") == "greater"


def test_unknown_rule_is_named_in_the_error():
    with pytest.raises(ValueError, match="'avg_at_least_strike'"):
        strike_type_for_rule("avg_at_least_strike")


@pytest.mark.parametrize(
    ("strike_type", "floor", "cap", "value", "expected"),
    [
        ("greater", D(2_450_000), None, D(2_450_000), False),
        ("greater", D(2_450_000), None, D("2450000.1"), True),
        ("greater_or_equal", D(88), None, D(88), True),
        ("greater_or_equal", D(88), None, D(87), False),
        ("less", None, D(81), D(81), False),
        ("less", None, D(81), D(80), True),
        ("less_or_equal", None, D(81), D(81), True),
        ("less_or_equal", None, D(81), D(82), False),
        ("between", D(81), D(82), D(81), True),
        ("between", D(81), D(82), D(82), True),
        ("between", D(81), D(82), D(83), False),
    ],
)
def test_contract_pays_yes(strike_type, floor, cap, value, expected):
    assert contract_pays_yes(strike_type, floor, cap, value) is expected


def test_contract_pays_yes_needs_the_bound_its_type_reads():
    with pytest.raises(ValueError, match="needs cap_strike"):
        contract_pays_yes("less", D(81), None, D(80))


def test_contract_pays_yes_rejects_unsupported_strike_types():
    with pytest.raises(ValueError, match="'functional'"):
        contract_pays_yes("functional", D(1), D(2), D(1))


def test_every_recorded_daily_high_event_has_the_ticker_of_its_era():
    folder = DEFAULT_REPLAY_DIR / "weather"
    events = pd.concat(
        pd.read_csv(folder / name, usecols=["series_ticker", "event_ticker", "climate_date"])
        for name in (
            "kalshi_kxhigh_markets.csv",
            "kalshi_kxhigh_markets_derived_2023-12_2024-08.csv",
        )
    ).drop_duplicates()
    rebuilt = [
        high_temp_event_ticker(series, date.fromisoformat(day))
        for series, day in zip(events["series_ticker"], events["climate_date"], strict=True)
    ]
    assert rebuilt == list(events["event_ticker"])
    assert high_temp_event_ticker("KXHIGHCHI", date(2024, 10, 23)) == "HIGHCHI-24OCT23"


def test_parse_tsa_market_ticker_rejects_a_week_that_does_not_end_on_a_sunday():
    with pytest.raises(ValueError, match="not a TSA market ticker"):
        parse_tsa_market_ticker("KXTSAW-26JAN05-A2.45")  # a Monday

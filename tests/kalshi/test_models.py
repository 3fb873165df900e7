"""Parsing of 2026-shaped payloads into Decimal-typed models, and V2 order request rendering."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from edge_dagster.kalshi import (
    BookLevel,
    CreateOrderRequest,
    KalshiResponseError,
    Market,
    MarketCandlestick,
    Orderbook,
    PriceRange,
    QuoteOhlc,
    Settlement,
    TradePrices,
)
from tests.support.fake_kalshi import market_json

TICKER = "KXHIGHNY-26OCT02-B81.5"


def order_request(**overrides: object) -> CreateOrderRequest:
    fields: dict[str, object] = {
        "ticker": TICKER,
        "side": "bid",
        "count": 5,
        "price": Decimal("0.21"),
        "client_order_id": "c0ffee00-0000-4000-8000-000000000001",
    }
    fields.update(overrides)
    return CreateOrderRequest(**fields)  # type: ignore[arg-type]


def test_market_prices_and_sizes_are_exact_decimals() -> None:
    market = Market.from_json(market_json(TICKER, "KXHIGHNY-26OCT02"))

    assert (market.yes_bid, market.yes_ask, market.no_bid, market.no_ask) == (
        Decimal("0.4000"),
        Decimal("0.4200"),
        Decimal("0.5800"),
        Decimal("0.6000"),
    )
    assert (market.yes_bid_size, market.volume, market.open_interest) == (
        Decimal("150.00"),
        Decimal("1234.00"),
        Decimal("900.00"),
    )


def test_market_strike_close_time_and_price_ranges() -> None:
    payload = market_json(
        TICKER, "KXHIGHNY-26OCT02", strike_type="between", floor_strike=81, cap_strike=82
    )

    market = Market.from_json(payload)

    assert (market.strike_type, market.floor_strike, market.cap_strike) == (
        "between",
        Decimal(81),
        Decimal(82),
    )
    assert market.close_time == datetime(2026, 9, 29, 3, 59, tzinfo=UTC)
    assert market.price_ranges == (PriceRange(Decimal(0), Decimal(1), Decimal("0.01")),)


def test_market_missing_required_field_names_it() -> None:
    payload = market_json(TICKER, "KXHIGHNY-26OCT02")
    del payload["yes_ask_dollars"]

    with pytest.raises(KalshiResponseError, match="Market field 'yes_ask_dollars' is missing"):
        Market.from_json(payload)


def test_market_non_numeric_price_names_field_and_value() -> None:
    payload = market_json(TICKER, "KXHIGHNY-26OCT02", last_price_dollars="n/a")

    with pytest.raises(KalshiResponseError, match="'last_price_dollars' is not a number: 'n/a'"):
        Market.from_json(payload)


def test_orderbook_implied_asks_are_one_minus_best_opposite_bid() -> None:
    book = Orderbook.from_json(
        TICKER,
        {
            "orderbook_fp": {
                "yes_dollars": [["0.3900", "10.00"], ["0.4100", "25.00"]],
                "no_dollars": [["0.5000", "4.00"], ["0.5700", "12.50"]],
            }
        },
    )

    assert book.best_yes_bid == BookLevel(Decimal("0.4100"), Decimal("25.00"))
    assert book.yes_ask == BookLevel(Decimal("0.4300"), Decimal("12.50"))
    assert book.no_ask == BookLevel(Decimal("0.5900"), Decimal("25.00"))


def test_orderbook_with_empty_side_has_no_implied_ask() -> None:
    book = Orderbook.from_json(TICKER, {"orderbook_fp": {"yes_dollars": [], "no_dollars": None}})

    assert (book.best_no_bid, book.yes_ask, book.no_ask) == (None, None, None)


LIVE_CANDLE = {
    "end_period_ts": 1790000000,
    "yes_bid": {"open_dollars": "0.40", "low_dollars": "0.39", "high_dollars": "0.42",
                "close_dollars": "0.41"},
    "yes_ask": {"open_dollars": "0.43", "low_dollars": "0.42", "high_dollars": "0.45",
                "close_dollars": "0.44"},
    "price": {"open_dollars": None, "low_dollars": None, "high_dollars": None,
              "close_dollars": None, "mean_dollars": None, "previous_dollars": "0.40"},
    "volume_fp": "0.00",
    "open_interest_fp": "120.00",
}  # fmt: skip
HISTORICAL_CANDLE = {
    "end_period_ts": 1700000000,
    "yes_bid": {"open": "0.40", "low": "0.39", "high": "0.42", "close": "0.41"},
    "yes_ask": {"open": "0.43", "low": "0.42", "high": "0.45", "close": "0.44"},
    "price": {"open": "0.41", "low": "0.40", "high": "0.43", "close": "0.42", "mean": "0.415",
              "previous": "0.40"},
    "volume": "30.00",
    "open_interest": "120.00",
}  # fmt: skip


def test_live_candle_parses_dollar_keys_and_null_trade_prices() -> None:
    candle = MarketCandlestick.from_json(LIVE_CANDLE)

    assert candle.yes_bid == QuoteOhlc(
        Decimal("0.40"), Decimal("0.39"), Decimal("0.42"), Decimal("0.41")
    )
    assert candle.price == TradePrices(None, None, None, None, None, Decimal("0.40"))
    assert (candle.volume, candle.open_interest) == (Decimal("0.00"), Decimal("120.00"))


def test_historical_candle_parses_keys_without_dollars_suffix() -> None:
    candle = MarketCandlestick.from_json(HISTORICAL_CANDLE)

    assert candle.yes_ask == QuoteOhlc(
        Decimal("0.43"), Decimal("0.42"), Decimal("0.45"), Decimal("0.44")
    )
    assert candle.price.mean == Decimal("0.415")
    assert candle.volume == Decimal("30.00")


def test_settlement_fee_is_decimal_and_cent_fields_become_dollars() -> None:
    settlement = Settlement.from_json(
        {
            "ticker": TICKER,
            "event_ticker": "KXHIGHNY-26OCT02",
            "market_result": "yes",
            "yes_count_fp": "10.00",
            "no_count_fp": "0.00",
            "yes_total_cost_dollars": "4.3000",
            "no_total_cost_dollars": "0.0000",
            "revenue": 1000,
            "fee_cost": "0.1700",
            "value": 100,
            "settled_time": "2026-10-03T14:00:00Z",
        }
    )

    assert (settlement.fee_cost, settlement.revenue, settlement.value) == (
        Decimal("0.1700"),
        Decimal(10),
        Decimal(1),
    )


def test_order_request_renders_v2_body_with_fixed_point_strings() -> None:
    request = order_request(post_only=True)

    assert request.to_json() == {
        "ticker": TICKER,
        "client_order_id": "c0ffee00-0000-4000-8000-000000000001",
        "side": "bid",
        "count": "5.00",
        "price": "0.2100",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
        "post_only": True,
    }


def test_order_request_includes_expiration_only_when_set() -> None:
    assert order_request(expiration_time=1790000000).to_json()["expiration_time"] == 1790000000


@pytest.mark.parametrize(
    ("outcome", "action", "outcome_price", "side", "yes_price"),
    [
        ("yes", "buy", "0.30", "bid", "0.30"),
        ("yes", "sell", "0.30", "ask", "0.30"),
        ("no", "buy", "0.30", "ask", "0.70"),
        ("no", "sell", "0.30", "bid", "0.70"),
    ],
)
def test_intent_maps_to_yes_leg(
    outcome: str, action: str, outcome_price: str, side: str, yes_price: str
) -> None:
    request = CreateOrderRequest.from_intent(
        TICKER,
        outcome,
        action,
        Decimal(outcome_price),
        1,
        "id-1",  # type: ignore[arg-type]
    )

    assert (request.side, request.price) == (side, Decimal(yes_price))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"side": "buy"}, "side must be one of"),
        ({"time_in_force": "gtc"}, "time_in_force must be one of"),
        ({"self_trade_prevention_type": "none"}, "self_trade_prevention_type must be one of"),
        ({"price": Decimal(0)}, "strictly between 0 and 1"),
        ({"price": Decimal(1)}, "strictly between 0 and 1"),
        ({"price": Decimal("0.12345")}, "more than 4 decimals"),
        ({"count": 0}, "count must be positive"),
        ({"count": Decimal("1.001")}, "more than 2 decimals"),
        ({"client_order_id": ""}, "client_order_id is required"),
        ({"time_in_force": "immediate_or_cancel", "expiration_time": 1}, "good_till_canceled"),
        ({"reduce_only": True}, "immediate_or_cancel"),
    ],
)
def test_order_request_rejects_invalid_values(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        order_request(**overrides)


def test_order_request_rejects_float_price() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        order_request(price=0.21)

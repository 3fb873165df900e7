"""Reads against the fake exchange: pagination, retries, error shapes, historical routing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from edge_dagster.kalshi import (
    BookLevel,
    KalshiClient,
    KalshiConnectionError,
    KalshiRequestError,
    KalshiResponseError,
    KalshiServerError,
)
from tests.kalshi.conftest import EVENT, MARKET, SERIES
from tests.support.fake_kalshi import FakeKalshiExchange, market_json

CUTOFF = datetime(2026, 1, 1, tzinfo=UTC)
BEFORE_CUTOFF = int(datetime(2025, 12, 1, tzinfo=UTC).timestamp())
AFTER_CUTOFF = int(datetime(2026, 9, 1, tzinfo=UTC).timestamp())
DAY = 86_400


def add_markets(exchange: FakeKalshiExchange, count: int) -> list[str]:
    tickers = [f"{EVENT}-A{index}" for index in range(count)]
    for ticker in tickers:
        exchange.add_market(ticker, EVENT)
    return tickers


def test_pagination_follows_cursor_to_the_last_page(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.page_size = 3
    tickers = add_markets(exchange, 6)  # 7 markets with the fixture's

    markets = client.get_markets(event_ticker=EVENT)

    assert [market.ticker for market in markets] == [MARKET, *tickers]
    assert len(exchange.requests_to("GET", "/markets")) == 3


def test_pagination_sends_the_cursor_it_was_given(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.page_size = 3
    add_markets(exchange, 6)

    client.get_markets()

    cursors = [r.query.get("cursor") for r in exchange.requests_to("GET", "/markets")]
    assert cursors == [None, ["3"], ["6"]]


def test_events_come_with_nested_markets(client: KalshiClient) -> None:
    event = client.get_event(EVENT)

    assert (event.series_ticker, [m.ticker for m in event.markets]) == (SERIES, [MARKET])


def test_429_then_success_returns_the_result(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.fail_next("GET", "/markets/", 429)

    assert client.get_market(MARKET).ticker == MARKET
    assert len(exchange.requests_to("GET", f"/markets/{MARKET}")) == 2


def test_retry_after_is_honoured(
    make_client: Callable[..., KalshiClient], exchange: FakeKalshiExchange
) -> None:
    sleeps: list[float] = []
    exchange.fail_next("GET", "/markets/", 429, retry_after=2)

    make_client(sleep=sleeps.append).get_market(MARKET)

    assert sleeps == [2.0]


def test_retry_after_is_capped(
    make_client: Callable[..., KalshiClient], exchange: FakeKalshiExchange
) -> None:
    sleeps: list[float] = []
    exchange.fail_next("GET", "/markets/", 429, retry_after=3600)

    make_client(sleep=sleeps.append, max_backoff_seconds=5).get_market(MARKET)

    assert sleeps == [5.0]


def test_500_twice_then_success(client: KalshiClient, exchange: FakeKalshiExchange) -> None:
    exchange.fail_next("GET", "/markets/", 500, times=2)

    assert client.get_market(MARKET).ticker == MARKET
    assert len(exchange.requests_to("GET", f"/markets/{MARKET}")) == 3


def test_500_forever_raises_server_error_after_max_attempts(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.fail_next("GET", "/markets/", 500, times=100)

    with pytest.raises(KalshiServerError, match=f"GET /trade-api/v2/markets/{MARKET} -> HTTP 500"):
        client.get_market(MARKET)

    assert len(exchange.requests_to("GET", f"/markets/{MARKET}")) == 4


def test_dropped_connection_is_retried(client: KalshiClient, exchange: FakeKalshiExchange) -> None:
    exchange.disconnect_next("GET", "/markets/")

    assert client.get_market(MARKET).ticker == MARKET


def test_dropped_connection_forever_raises_connection_error(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.disconnect_next("GET", "/markets/", times=100)

    with pytest.raises(KalshiConnectionError, match="attempt 4 of 4"):
        client.get_market(MARKET)


def test_malformed_json_raises_response_error(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.fail_next("GET", "/markets/", 200, body=b'{"market": {"ticker": ')

    with pytest.raises(KalshiResponseError, match="HTTP 200: response body is not valid JSON"):
        client.get_market(MARKET)


def test_missing_field_raises_response_error_naming_it(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    market = market_json(MARKET, EVENT)
    del market["close_time"]
    exchange.fail_next("GET", "/markets/", 200, body={"market": market})

    with pytest.raises(KalshiResponseError, match="Market field 'close_time' is missing"):
        client.get_market(MARKET)


def test_unknown_market_raises_request_error_with_code(client: KalshiClient) -> None:
    with pytest.raises(KalshiRequestError) as raised:
        client.get_market("KXTSAW-NOPE")

    assert (raised.value.status, raised.value.code) == (404, "market_not_found")


@pytest.mark.parametrize(
    "body",
    [
        {"code": "invalid_parameters", "message": "bad status", "details": "status=live"},
        {
            "error": {
                "code": "invalid_parameters",
                "message": "bad status",
                "details": "status=live",
            }
        },
    ],
    ids=["flat", "wrapped"],
)
def test_both_error_body_shapes_are_parsed(
    client: KalshiClient, exchange: FakeKalshiExchange, body: dict
) -> None:
    exchange.fail_next("GET", "/markets", 400, body=body)

    with pytest.raises(KalshiRequestError) as raised:
        client.get_markets(status="open")

    error = raised.value
    assert (error.code, error.error_message, error.details) == (
        "invalid_parameters",
        "bad status",
        "status=live",
    )


def test_orderbook_yes_ask_is_one_minus_best_no_bid(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.set_orderbook(
        MARKET,
        yes_bids=[("0.39", 10), ("0.41", 25)],
        no_bids=[("0.50", 4), ("0.57", "12.5")],
    )

    book = client.get_orderbook(MARKET)

    assert book.yes_ask == BookLevel(Decimal("0.43"), Decimal("12.5"))
    assert book.no_ask == BookLevel(Decimal("0.59"), Decimal(25))


def test_candles_before_cutoff_come_from_historical_endpoint(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.historical_cutoff = CUTOFF
    exchange.add_candle(MARKET, BEFORE_CUTOFF, historical=True, trade_close="0.4200")

    candles = client.get_candlesticks(SERIES, MARKET, BEFORE_CUTOFF - DAY, BEFORE_CUTOFF, 60)

    assert [(c.end_period_ts, c.price.close) for c in candles] == [
        (BEFORE_CUTOFF, Decimal("0.4200"))
    ]
    assert len(exchange.requests_to("GET", f"/historical/markets/{MARKET}/candlesticks")) == 1


def test_candles_after_cutoff_come_from_live_endpoint(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.historical_cutoff = CUTOFF
    exchange.add_candle(MARKET, AFTER_CUTOFF, yes_bid=("0.30", "0.29", "0.33", "0.31"))
    exchange.add_candle(MARKET, AFTER_CUTOFF + DAY)

    candles = client.get_candlesticks(SERIES, MARKET, AFTER_CUTOFF - DAY, AFTER_CUTOFF, 1440)

    assert [(c.end_period_ts, c.yes_bid.close) for c in candles] == [
        (AFTER_CUTOFF, Decimal("0.31"))
    ]
    live_path = f"/series/{SERIES}/markets/{MARKET}/candlesticks"
    assert len(exchange.requests_to("GET", live_path)) == 1


def test_given_cutoff_skips_the_cutoff_request(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    cutoff = client.get_historical_cutoff()

    client.get_candlesticks(SERIES, MARKET, AFTER_CUTOFF, AFTER_CUTOFF, 60, cutoff=cutoff)
    client.get_candlesticks(SERIES, MARKET, BEFORE_CUTOFF, BEFORE_CUTOFF, 60, cutoff=cutoff)

    assert len(exchange.requests_to("GET", "/historical/cutoff")) == 1


def test_historical_markets_are_listed_separately(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.add_market(
        "KXTSAW-25NOV30-A2.45", "KXTSAW-25NOV30", historical=True, status="finalized", result="no"
    )

    markets = client.get_historical_markets(series_ticker=SERIES)

    assert [(m.ticker, m.result) for m in markets] == [("KXTSAW-25NOV30-A2.45", "no")]


def test_series_fee_multiplier_is_decimal(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.add_series("KXINX", fee_type="quadratic_with_maker_fees", fee_multiplier="0.5")

    series = client.get_series("KXINX")

    assert (series.fee_type, series.fee_multiplier) == ("quadratic_with_maker_fees", Decimal("0.5"))


def test_settlement_fee_cost_is_decimal(client: KalshiClient, exchange: FakeKalshiExchange) -> None:
    exchange.add_settlement(MARKET, EVENT, fee_cost="0.1700", revenue=1000)

    (settlement,) = client.get_settlements()

    assert (settlement.fee_cost, settlement.revenue) == (Decimal("0.1700"), Decimal(10))

"""V2 order entry against the fake exchange, including the never-blindly-resend rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from edge_dagster.kalshi import (
    CancelAck,
    CreateOrderRequest,
    KalshiClient,
    KalshiConnectionError,
    KalshiRequestError,
    KalshiResponseError,
    KalshiServerError,
)
from tests.kalshi.conftest import MARKET
from tests.support.fake_kalshi import FakeKalshiExchange

CREATE = "/portfolio/events/orders"


def bid(
    price: str, count: int, client_order_id: str = "coid-1", **options: object
) -> CreateOrderRequest:
    return CreateOrderRequest(
        ticker=MARKET,
        side="bid",
        count=count,
        price=Decimal(price),
        client_order_id=client_order_id,
        **options,  # type: ignore[arg-type]
    )


def test_create_sends_a_v2_body(client: KalshiClient, exchange: FakeKalshiExchange) -> None:
    client.create_order(bid("0.21", 5, post_only=True))

    (request,) = exchange.requests_to("POST", CREATE)
    assert request.body == {
        "ticker": MARKET,
        "client_order_id": "coid-1",
        "side": "bid",
        "count": "5.00",
        "price": "0.2100",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
        "post_only": True,
    }


def test_uncrossed_order_rests(client: KalshiClient, exchange: FakeKalshiExchange) -> None:
    ack = client.create_order(bid("0.21", 5))

    order = client.get_order(ack.order_id)
    assert (ack.fill_count, ack.remaining_count, order.status) == (
        Decimal(0),
        Decimal(5),
        "resting",
    )


def test_partial_fill_takes_displayed_size_and_rests_the_rest(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.set_orderbook(MARKET, no_bids=[("0.57", 3)])

    ack = client.create_order(bid("0.45", 10))

    assert (ack.fill_count, ack.remaining_count, ack.average_fill_price) == (
        Decimal(3),
        Decimal(7),
        Decimal("0.43"),
    )
    assert client.get_order(ack.order_id).status == "resting"


def test_fill_fee_cost_is_parsed_as_decimal(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.set_orderbook(MARKET, no_bids=[("0.57", 3)])
    client.create_order(bid("0.45", 10))

    (fill,) = client.get_fills(ticker=MARKET)

    # round_up_to_cent(0.07 × 3 × 0.43 × 0.57 = 0.051471) = 0.06
    assert (fill.count, fill.yes_price, fill.fee_cost) == (
        Decimal(3),
        Decimal("0.43"),
        Decimal("0.06"),
    )


def test_position_and_balance_reflect_a_fill(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.set_orderbook(MARKET, no_bids=[("0.57", 3)])
    client.create_order(bid("0.45", 10))

    (position,) = client.get_positions()

    assert (position.position, position.fees_paid) == (Decimal(3), Decimal("0.06"))
    assert client.get_balance().balance == Decimal("998.65")  # 1000 − 3 × 0.43 − 0.06


def test_post_only_that_would_cross_is_rejected(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.set_orderbook(MARKET, no_bids=[("0.57", 3)])

    with pytest.raises(KalshiRequestError) as raised:
        client.create_order(bid("0.45", 10, post_only=True))

    assert (raised.value.status, raised.value.code) == (400, "post_only_cross")


def test_rejected_order_raises_request_error_with_code(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.balance = Decimal("1.00")

    with pytest.raises(KalshiRequestError) as raised:
        client.create_order(bid("0.45", 10))

    assert (raised.value.status, raised.value.code) == (400, "insufficient_balance")


def test_amend_then_cancel_a_resting_order(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    ack = client.create_order(bid("0.21", 5))

    amended = client.amend_order(ack.order_id, MARKET, "bid", Decimal("0.23"), 8)
    cancelled = client.cancel_order(ack.order_id, MARKET)

    order = client.get_order(ack.order_id)
    assert amended.remaining_count == Decimal(8)
    assert cancelled.reduced_by == Decimal(8)
    assert (order.status, order.yes_price) == ("canceled", Decimal("0.23"))


def test_cancel_passes_market_ticker_for_routing(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    ack = client.create_order(bid("0.21", 5))

    client.cancel_order(ack.order_id, MARKET)

    (request,) = exchange.requests_to("DELETE", f"{CREATE}/{ack.order_id}")
    assert request.query == {"market_ticker": [MARKET]}


def test_decrease_keeps_order_resting_with_less_size(client: KalshiClient) -> None:
    ack = client.create_order(bid("0.21", 5))

    decreased = client.decrease_order(ack.order_id, reduce_by=2)

    assert decreased.remaining_count == Decimal(3)


def test_create_applied_then_500_is_not_sent_twice(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.fail_next("POST", CREATE, 500, apply_first=True)

    ack = client.create_order(bid("0.21", 5))

    assert len(exchange.orders) == 1
    assert len(exchange.requests_to("POST", CREATE)) == 1
    assert (ack.order_id, ack.client_order_id) == ("ord-1", "coid-1")


def test_create_applied_then_connection_lost_is_not_sent_twice(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.disconnect_next("POST", CREATE, apply_first=True)

    ack = client.create_order(bid("0.21", 5))

    assert len(exchange.requests_to("POST", CREATE)) == 1
    assert ack.remaining_count == Decimal(5)


def test_create_500_not_applied_is_resent_after_lookup(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.fail_next("POST", CREATE, 500)

    client.create_order(bid("0.21", 5))

    assert len(exchange.requests_to("POST", CREATE)) == 2
    assert len(exchange.requests_to("GET", "/portfolio/orders")) == 1
    assert len(exchange.orders) == 1


def test_create_429_is_resent_without_lookup(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.fail_next("POST", CREATE, 429)

    client.create_order(bid("0.21", 5))

    assert len(exchange.requests_to("POST", CREATE)) == 2
    assert exchange.requests_to("GET", "/portfolio/orders") == []


def test_create_500_forever_raises_after_max_attempts(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.fail_next("POST", CREATE, 500, times=100)

    with pytest.raises(KalshiServerError):
        client.create_order(bid("0.21", 5))

    assert len(exchange.requests_to("POST", CREATE)) == 4


def test_create_outcome_unknown_when_lookup_fails(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.disconnect_next("POST", CREATE)
    exchange.fail_next("GET", "/portfolio/orders", 500, times=100)

    with pytest.raises(KalshiServerError, match="looking it up failed"):
        client.create_order(bid("0.21", 5))

    assert len(exchange.requests_to("POST", CREATE)) == 1


def test_reused_client_order_id_of_resting_order_returns_existing_ack(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    first = client.create_order(bid("0.21", 5))

    second = client.create_order(bid("0.21", 5))

    assert second.order_id == first.order_id
    assert len(exchange.orders) == 1


def test_reused_client_order_id_of_cancelled_order_raises_conflict(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    first = client.create_order(bid("0.21", 5))
    client.cancel_order(first.order_id, MARKET)

    with pytest.raises(KalshiRequestError) as raised:
        client.create_order(bid("0.21", 5))

    assert (raised.value.status, raised.value.code) == (409, "order_already_exists")


def test_2xx_without_order_id_raises_response_error(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    exchange.fail_next("POST", CREATE, 201, body={"client_order_id": "coid-1", "ts_ms": 1})

    with pytest.raises(KalshiResponseError, match="'order_id' is missing"):
        client.create_order(bid("0.21", 5))


def test_cancel_applied_then_500_is_confirmed_by_lookup(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    ack = client.create_order(bid("0.21", 5))
    exchange.fail_next("DELETE", CREATE, 500, apply_first=True)

    cancelled = client.cancel_order(ack.order_id, MARKET)

    assert cancelled == CancelAck(ack.order_id, "coid-1", None, None)
    assert len(exchange.requests_to("DELETE", f"{CREATE}/{ack.order_id}")) == 1


def test_amend_is_not_resent_after_connection_loss(
    client: KalshiClient, exchange: FakeKalshiExchange
) -> None:
    ack = client.create_order(bid("0.21", 5))
    exchange.disconnect_next("POST", f"{CREATE}/{ack.order_id}/amend")

    with pytest.raises(KalshiConnectionError, match="not re-sent"):
        client.amend_order(ack.order_id, MARKET, "bid", Decimal("0.23"), 8)

    assert len(exchange.requests_to("POST", f"{CREATE}/{ack.order_id}/amend")) == 1


def test_batch_create_reports_each_item(client: KalshiClient, exchange: FakeKalshiExchange) -> None:
    exchange.set_orderbook(MARKET, no_bids=[("0.57", 3)])

    results = client.batch_create_orders(
        [bid("0.21", 5, "coid-a"), bid("0.45", 1, "coid-b", post_only=True)]
    )

    assert [(r.client_order_id, r.ok, r.error_code) for r in results] == [
        ("coid-a", True, None),
        ("coid-b", False, "post_only_cross"),
    ]

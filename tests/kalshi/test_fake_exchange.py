"""The fake exchange is only a useful oracle if it is as strict as Kalshi: check it directly."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from edge_dagster.kalshi.signing import sign_headers
from tests.kalshi.conftest import KEY_ID, MARKET
from tests.support.fake_kalshi import FakeKalshiExchange

VALID_BODY = {
    "ticker": MARKET,
    "client_order_id": "coid-raw",
    "side": "bid",
    "count": "5",
    "price": "0.21",
    "time_in_force": "good_till_canceled",
    "self_trade_prevention_type": "taker_at_cross",
}


def post_order(
    exchange: FakeKalshiExchange, key: RSAPrivateKey, body: Any, key_id: str = KEY_ID
) -> requests.Response:
    url = f"{exchange.base_url}/portfolio/events/orders"
    headers = sign_headers(key_id, key, "POST", url, int(time.time() * 1000))
    return requests.post(url, json=body, headers=headers, timeout=5)


def test_valid_v2_body_is_accepted(
    exchange: FakeKalshiExchange, private_key: RSAPrivateKey
) -> None:
    assert post_order(exchange, private_key, VALID_BODY).status_code == 201


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"action": "buy"}, "invalid_parameters"),
        ({"yes_price": 21}, "invalid_parameters"),
        ({"side": "yes"}, "invalid_parameters"),
        ({"time_in_force": "gtc"}, "invalid_parameters"),
        ({"price": "0.5"}, "invalid_parameters"),
        ({"price": "0.00"}, "invalid_parameters"),
        ({"price": "1.00"}, "invalid_parameters"),
        ({"price": "0.12345"}, "invalid_parameters"),
        ({"count": 5}, "invalid_parameters"),
        ({"count": "1.001"}, "invalid_parameters"),
        ({"self_trade_prevention_type": None}, "missing_parameters"),
        ({"time_in_force": "immediate_or_cancel", "expiration_time": 1}, "invalid_parameters"),
    ],
)
def test_invalid_v2_body_is_rejected_with_code(
    exchange: FakeKalshiExchange, private_key: RSAPrivateKey, change: dict, code: str
) -> None:
    response = post_order(exchange, private_key, VALID_BODY | change)

    assert (response.status_code, response.json()["code"]) == (400, code)


def test_unknown_key_id_is_rejected(
    exchange: FakeKalshiExchange, private_key: RSAPrivateKey
) -> None:
    response = post_order(exchange, private_key, VALID_BODY, key_id="someone-else")

    assert (response.status_code, response.json()["code"]) == (401, "authentication_error")


def test_fill_or_kill_without_enough_liquidity_fills_nothing(
    exchange: FakeKalshiExchange, private_key: RSAPrivateKey
) -> None:
    exchange.set_orderbook(MARKET, no_bids=[("0.57", 3)])

    response = post_order(
        exchange, private_key, VALID_BODY | {"price": "0.45", "time_in_force": "fill_or_kill"}
    )

    assert (response.json()["fill_count"], response.json()["remaining_count"]) == ("0.00", "0.00")
    assert exchange.fills == []

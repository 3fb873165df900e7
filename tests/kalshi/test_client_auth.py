"""Authentication against the fake exchange, which verifies every signature it receives."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from edge_dagster.kalshi import KalshiAuthError, KalshiClient
from edge_dagster.kalshi import client as client_module
from edge_dagster.kalshi.signing import PSS_PADDING
from tests.kalshi.conftest import KEY_ID, MARKET
from tests.support.fake_kalshi import FakeKalshiExchange


def sign_without_api_prefix(
    key_id: str, private_key: RSAPrivateKey, method: str, url: str, timestamp_ms: int
) -> dict[str, str]:
    """The classic bug: signing '/portfolio/balance' instead of '/trade-api/v2/...'."""
    path = url.split("/trade-api/v2", 1)[1].split("?", 1)[0]
    message = f"{timestamp_ms}{method}{path}".encode()
    signature = private_key.sign(message, PSS_PADDING, hashes.SHA256())
    return {
        "KALSHI-ACCESS-KEY": key_id,
        "KALSHI-ACCESS-TIMESTAMP": str(timestamp_ms),
        "KALSHI-ACCESS-SIGNATURE": base64.b64encode(signature).decode(),
    }


def test_signed_request_is_accepted(client: KalshiClient) -> None:
    assert client.get_balance().balance == 1000


def test_key_not_registered_is_rejected(
    make_client: Callable[..., KalshiClient], unregistered_key: RSAPrivateKey
) -> None:
    with pytest.raises(KalshiAuthError, match="HTTP 401"):
        make_client(unregistered_key).get_balance()


def test_wrong_signed_path_raises_auth_error_naming_likely_causes(
    client: KalshiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "sign_headers", sign_without_api_prefix)

    with pytest.raises(KalshiAuthError) as raised:
        client.get_balance()

    message = str(raised.value)
    assert "GET /trade-api/v2/portfolio/balance -> HTTP 401" in message
    assert "demo vs production" in message
    assert "clock is skewed" in message
    assert "must include /trade-api/v2 and exclude the query string" in message


def test_auth_error_leaks_neither_key_id_nor_pem(
    client: KalshiClient, private_key: RSAPrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "sign_headers", sign_without_api_prefix)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()

    with pytest.raises(KalshiAuthError) as raised:
        client.get_balance()

    message = str(raised.value)
    assert KEY_ID not in message
    assert "PRIVATE KEY" not in message
    assert pem.splitlines()[1] not in message


def test_stale_timestamp_is_rejected_without_retry(
    make_client: Callable[..., KalshiClient], exchange: FakeKalshiExchange
) -> None:
    skewed = make_client(clock=lambda: time.time() - 120)

    with pytest.raises(KalshiAuthError):
        skewed.get_balance()

    assert len(exchange.requests_to("GET", "/portfolio/balance")) == 1


def test_public_market_data_needs_no_credentials(exchange: FakeKalshiExchange) -> None:
    with KalshiClient(exchange.base_url) as anonymous:
        assert anonymous.get_market(MARKET).ticker == MARKET


def test_portfolio_without_credentials_is_rejected(exchange: FakeKalshiExchange) -> None:
    with KalshiClient(exchange.base_url) as anonymous, pytest.raises(KalshiAuthError):
        anonymous.get_balance()

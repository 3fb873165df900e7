"""Shared fixtures: one RSA key pair per session and a fake exchange per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from edge_dagster.kalshi import KalshiClient
from tests.support.fake_kalshi import FakeKalshiExchange

KEY_ID = "7f0c2c9e-1d7a-4a53-9d55-5c1d4f6b2e11"
SERIES = "KXTSAW"
EVENT = "KXTSAW-26SEP27"
MARKET = "KXTSAW-26SEP27-A2.45"


@pytest.fixture(scope="session")
def private_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def unregistered_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def exchange(private_key: RSAPrivateKey) -> Iterator[FakeKalshiExchange]:
    with FakeKalshiExchange() as fake:
        fake.register_key(KEY_ID, private_key.public_key())
        fake.add_series(SERIES)
        fake.add_event(EVENT, SERIES)
        fake.add_market(MARKET, EVENT)
        yield fake


@pytest.fixture
def make_client(
    exchange: FakeKalshiExchange, private_key: RSAPrivateKey
) -> Iterator[Callable[..., KalshiClient]]:
    """Build clients tuned for tests: tiny backoff, no client-side throttling."""
    built: list[KalshiClient] = []

    def build(key: RSAPrivateKey | None = None, **options: Any) -> KalshiClient:
        settings: dict[str, Any] = {
            "reads_per_second": 10_000,
            "writes_per_second": 10_000,
            "max_attempts": 4,
            "backoff_seconds": 0.01,
        }
        settings.update(options)
        client = KalshiClient(exchange.base_url, KEY_ID, key or private_key, **settings)
        built.append(client)
        return client

    yield build
    for client in built:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., KalshiClient]) -> KalshiClient:
    return make_client()
